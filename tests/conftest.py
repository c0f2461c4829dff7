"""Shared fixtures: the demo county analysed once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def demo_result():
    """The whole pipeline (with siting) run once on the bundled demo county."""
    from planner.config import load_config
    from planner.demo import demo_config_path
    from planner.pipeline import run_study

    return run_study(load_config(demo_config_path()), site=True)


@pytest.fixture(scope="session")
def demo_outputs(demo_result, tmp_path_factory):
    """Every output of the demo written once (Chinese), as {kind: path}."""
    from planner.pipeline import write_outputs

    return write_outputs(demo_result, tmp_path_factory.mktemp("demo_out"), lang="zh")
