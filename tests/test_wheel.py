"""The built wheel is self-contained: installed in a fresh venv, ``planner demo`` runs away from the repository.

The demo county is package data (``planner/demo/data``), so this pins that
pyproject's ``package-data`` ships every file the demo needs and that
``demo_config_path()`` finds it inside the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DEMO_OUTPUTS = ("map.html", "report.html", "results.xlsx", "results.gpkg")
_BUILD_FILES = ("pyproject.toml", "README.md")


def _clean_env() -> dict[str, str]:
    """This process's environment without PYTHONPATH, so only the venv's own packages are importable."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _run(cmd: list[str], *, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=timeout)


def _copy_sources(dest: Path) -> Path:
    """Copy what the build needs into ``dest``.

    Building in a copy leaves no ``build/`` or ``*.egg-info`` in the work tree, and a stale
    ``build/lib`` (which setuptools never prunes) cannot slip removed modules into the wheel.
    """
    dest.mkdir()
    for name in _BUILD_FILES:
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "planner", dest / "planner",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    return dest


def _build_wheel(src: Path, out: Path) -> Path:
    """``pip wheel`` without build isolation; with isolation if the backend (setuptools, wheel) is missing here."""
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out)]
    first = _run([*base, "--no-build-isolation", str(src)], cwd=src)
    if first.returncode != 0:
        second = _run([*base, str(src)], cwd=src)
        assert second.returncode == 0, (
            f"pip wheel failed.\n--no-build-isolation:\n{first.stdout[-3000:]}{first.stderr[-3000:]}\n"
            f"with build isolation:\n{second.stdout[-3000:]}{second.stderr[-3000:]}")
    wheels = sorted(out.glob("elderly_care_planner-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _see_these_dependencies(env_dir: Path) -> None:
    """Let the new venv import the dependencies installed for this test run, but not this run's ``planner``.

    ``--system-site-packages`` would show the *base* interpreter's packages, which is not where a
    venv (CI's ``.venv``) installed them. A ``.pth`` path line adds this environment's
    site-packages after the venv's own, and, unlike a site dir, its own ``.pth`` files (the
    editable install's finder among them) are not run: ``planner`` can only come from the wheel.
    """
    paths = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    probe = _run([str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                 cwd=env_dir)
    assert probe.returncode == 0, probe.stderr
    (Path(probe.stdout.strip()) / "_test_run_dependencies.pth").write_text("\n".join(sorted(paths)) + "\n")


@pytest.fixture
def venv(tmp_path) -> Path:
    """A venv that sees this run's dependencies, with the repository's wheel installed."""
    if _run([sys.executable, "-m", "pip", "wheel", "--help"], cwd=REPO, timeout=120).returncode != 0:
        pytest.skip("`pip wheel` is not available")
    root = tmp_path / "wheel"
    root.mkdir()
    src = _copy_sources(root / "src")
    wheel = _build_wheel(src, root / "dist")
    env_dir = root / "venv"
    made = _run([sys.executable, "-m", "venv", str(env_dir)], cwd=root)
    assert made.returncode == 0, made.stderr
    _see_these_dependencies(env_dir)
    installed = _run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--no-deps", str(wheel)], cwd=root)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return env_dir


def test_planner_demo_runs_from_the_installed_wheel(venv, tmp_path):
    # one test, not two, so that pytest-xdist does not build and install the wheel once per worker
    cwd = tmp_path / "elsewhere"       # a fresh folder: nothing of the repository is importable from here
    cwd.mkdir()
    probe = ("import planner; from planner.demo import demo_config_path; "
             "print(planner.__file__); print(demo_config_path())")
    res = _run([str(venv / "bin" / "python"), "-c", probe], cwd=cwd)
    assert res.returncode == 0, res.stderr
    module_file, config = (Path(line) for line in res.stdout.splitlines()[-2:])
    assert module_file.is_relative_to(venv), module_file
    assert config.is_relative_to(venv) and config.is_file(), config

    jit = [str(venv / "bin" / "python"), "-c", "from planner.routing import kernels_need_compiling as k; print(k())"]
    before = _run(jit, cwd=cwd)
    res = _run([str(venv / "bin" / "planner"), "demo", "-q"], cwd=cwd)
    assert res.returncode == 0, f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    # numba's on-disk cache works for the installed package: the demo compiled the kernels, the next run loads them
    after = _run(jit, cwd=cwd)
    assert after.stdout.strip() == "False", after.stdout + after.stderr
    if "NUMBA_CACHE_DIR" not in os.environ:
        assert before.stdout.strip() == "True", before.stdout + before.stderr
    out = cwd / "outputs" / "demo"
    for name in DEMO_OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name

    # the packaged reference data ships too: a real district's lists and boundary from the installed wheel
    probe = ("import planner.reference as r; "
             "print(len(r.villages('南岗区')), len(r.townships('南岗区')), r.census_older('南岗区').pop60plus, "
             "r.county_boundary('南岗区').geometry.iloc[0].is_valid); print(r.DATA_DIR)")
    res = _run([str(venv / "bin" / "python"), "-c", probe], cwd=cwd)
    assert res.returncode == 0, res.stderr
    counts, data_dir = res.stdout.strip().splitlines()[-2:]
    assert counts.split() == ["213", "22", "267156", "True"], res.stdout
    assert Path(data_dir).is_relative_to(venv), data_dir
    for name in ("PROVENANCE.md", "LICENSES.md", "counties.geojson", "townships.csv", "villages.csv",
                 "township_seats.csv", "census2020.csv"):
        assert (Path(data_dir) / "heilongjiang" / name).is_file(), name
