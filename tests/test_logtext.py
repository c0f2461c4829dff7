"""Log lines follow the run's language: every user-facing message has its Chinese, with the same arguments."""

from __future__ import annotations

import ast
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from planner.logtext import COMPILE_NOTICE, LOG_MESSAGES, TranslatedFormatter, translate_message

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
_PLACEHOLDER = re.compile(r"%(?:\.\d+)?[sdrfg]")
_SAMPLE = {"%s": "x", "%d": 3, "%r": "walk", "%f": 1.5, "%g": 2.5}


def _logged_messages() -> dict[str, str]:
    """Every constant format string the package logs at INFO, WARNING or ERROR -> where."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("info", "warning", "error") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "logger" and node.args and isinstance(node.args[0], ast.Constant)):
                found[node.args[0].value] = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
    return found


def _args(msg: str) -> tuple:
    return tuple(_SAMPLE[re.sub(r"\.\d+", "", p)] for p in _PLACEHOLDER.findall(msg))


def test_every_user_facing_message_has_its_chinese_and_no_entry_is_stale():
    logged = _logged_messages()
    assert len(logged) > 30
    missing = {m: w for m, w in logged.items() if m != "%s" and m not in LOG_MESSAGES}
    assert not missing, f"add these messages to planner/logtext.py LOG_MESSAGES: {missing}"
    stale = set(LOG_MESSAGES) - set(logged) - {COMPILE_NOTICE[1]}
    assert not stale, f"LOG_MESSAGES entries no longer logged anywhere: {stale}"


@pytest.mark.parametrize("msg", sorted(LOG_MESSAGES))
def test_the_chinese_takes_the_same_arguments(msg):
    args = _args(msg)
    zh, zh_args = translate_message(msg, args, "zh")
    assert sorted(map(str, zh_args)) == sorted(map(str, args))  # the same values, perhaps reordered
    text = zh % zh_args  # raises when the placeholders do not fit the arguments
    assert re.search(r"[\u4e00-\u9fff]", text), text
    assert translate_message(msg, args, "en") == (msg, args)


def test_formatter_writes_chinese_and_leaves_the_record_english():
    record = logging.LogRecord("planner.analysis.travel", logging.INFO, __file__, 1, "tier %s: %d facilities",
                               ("county", 3), None)
    assert TranslatedFormatter("%(message)s", lang="zh").format(record) == "县级：3 个设施"
    assert record.getMessage() == "tier county: 3 facilities"  # other handlers still get the English
    assert TranslatedFormatter("%(message)s", lang="en").format(record) == "tier county: 3 facilities"
    other = logging.LogRecord("numba", logging.INFO, __file__, 1, "tier %s: %d facilities", ("county", 3), None)
    assert TranslatedFormatter("%(message)s", lang="zh").format(other) == "tier county: 3 facilities"


def test_reordered_arguments_land_in_their_places():
    msg = "%s: %d road pieces for profile %r; the largest has %d of %d nodes"
    zh, args = translate_message(msg, ("roads.osm", 4, "walk", 900, 1000), "zh")
    assert zh % args == "roads.osm：出行方式 'walk' 的道路分成 4 块；最大一块有 900 / 1000 个节点"


def test_command_line_log_lines_follow_lang(tmp_path):
    from planner.cli import _log_language

    handler = logging.StreamHandler()
    _log_language("zh", [handler])
    record = logging.LogRecord("planner.pipeline", logging.INFO, __file__, 1, "outputs written to %s", ("d",), None)
    assert handler.format(record) == "INFO planner.pipeline: 输出已写入 d"
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        _log_language("en")  # the study's config says English
        assert handler.format(record) == "INFO planner.pipeline: outputs written to d"
    finally:
        root.removeHandler(handler)


def test_an_empty_numba_cache_is_noticed_before_compiling(tmp_path):
    code = "from planner.routing import kernels_need_compiling as k; print(k())"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(PACKAGE.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "True"
    assert LOG_MESSAGES[COMPILE_NOTICE[1]].startswith("首次运行需编译路径算法")
