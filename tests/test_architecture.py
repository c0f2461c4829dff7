"""The package's shape: stages import only downward, modules and functions stay small, the linter is clean.

These checks keep the layout of ``docs/architecture.md`` from rotting: a module that grows past
the limits, an import that points up the pipeline, or a lint finding fails CI with the place to fix.
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import planner

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "planner"

#: Longest module (lines) and function (lines from ``def`` to its end, docstring included).
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _functions(path: Path) -> list[tuple[str, int, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.append((node.name, node.lineno, node.end_lineno - node.lineno + 1))
    return out


def test_no_module_is_too_long():
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by job): {long}"


def test_no_function_is_too_long():
    long = [f"{p.relative_to(ROOT)}:{line} {name} ({n} lines)"
            for p in _modules() for name, line, n in _functions(p) if n > MAX_FUNCTION_LINES]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines (split them into named stages): {long}"


def test_every_subpackage_says_what_it_does():
    missing = []
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        if not doc or doc.strip().upper().startswith("TODO"):
            missing.append(str(init.relative_to(ROOT)))
    assert not missing, f"subpackages without a docstring saying what the stage does: {missing}"


def test_every_module_imports():
    """Importing every module finds cycles and stale imports that the tests of one stage would miss."""
    names = [m.name for m in pkgutil.walk_packages(planner.__path__, "planner.") if not m.name.endswith("__main__")]
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - report every failure at once
            failed[name] = repr(exc)
    assert not failed, failed


def test_top_level_exports_are_what_they_say():
    """``planner.X`` is the documented object, never a submodule that happens to share its name."""
    import types

    for name in planner.__all__:
        value = getattr(planner, name)
        assert not isinstance(value, types.ModuleType), f"planner.{name} is a module, not the exported object"
    assert callable(planner.scorecard)


def _tool(name: str) -> str:
    exe = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if exe is None:
        pytest.fail(f"{name} is not installed: it is in the [test] extra (pip install -e '.[test]')")
    return exe


def test_stages_import_only_downward():
    """The import-linter contract in pyproject.toml: cli > pipeline > reporting > ... > errors."""
    proc = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_ruff_is_clean():
    proc = subprocess.run([_tool("ruff"), "check", "planner", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
