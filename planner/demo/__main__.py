"""``python -m planner.demo [out_dir] [--seed N]``: regenerate the synthetic demo county."""

import sys

from planner.demo.generate import main

sys.exit(main())
