"""Where the bundled demo county lives: package data under ``planner/demo/data``, so a wheel install has it too."""

from __future__ import annotations

from pathlib import Path

from planner.errors import InputFileNotFoundError

#: Folder of the bundled demo county (package data).
DEMO_DATA_DIR = Path(__file__).resolve().parent / "data"


def demo_config_path() -> Path:
    """Path of the bundled demo study config, ``planner/demo/data/demo_county.toml``.

    Returns
    -------
    Path
        The config file of the bundled synthetic demo county, inside the
        installed package.

    Raises
    ------
    InputFileNotFoundError
        When the package has no demo config (e.g. a build that left out its
        package data).
    """
    path = DEMO_DATA_DIR / "demo_county.toml"
    if not path.exists():
        raise InputFileNotFoundError(
            f"{path}: the demo county config is missing. Fix: regenerate it with "
            f"`python -m planner.demo {path.parent}` (the package ships it in planner/demo/data/). "
            f"演示县配置文件不存在：请运行 `python -m planner.demo {path.parent}` 重新生成。")
    return path
