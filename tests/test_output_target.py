"""The output folder: checked before the analysis, locked, and replaced as a whole set or not at all."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import planner.io.target as target_mod
import planner.reporting
from planner.cli import _slug, main
from planner.errors import OutputError
from planner.io import LOCK_NAME, OutputLock, check_output_folder, safe_name, staged_outputs
from planner.pipeline import MANIFEST, OUTPUT_FILES, write_outputs


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous(demo_outputs, tmp_path):
    """An output folder holding a complete earlier set (the demo's, in Chinese)."""
    folder = tmp_path / "out"
    shutil.copytree(Path(demo_outputs["map"]).parent, folder)
    return folder


@pytest.fixture
def no_analysis(monkeypatch):
    """Fail the test if the command line starts the analysis."""
    import planner.pipeline

    def boom(*a, **k):
        raise AssertionError("the analysis ran before the output folder was checked")

    monkeypatch.setattr(planner.pipeline, "run_study", boom)


def _sleeper():
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


# --- checks before the analysis -------------------------------------------------------------------------


def test_output_path_that_is_a_file_fails_before_the_analysis(tmp_path, capsys, no_analysis):
    f = tmp_path / "results.txt"
    f.write_text("mine", encoding="utf-8")
    assert main(["demo", "--out", str(f), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{f} is a file, not a folder" in err and "Fix:" in err and "Traceback" not in err
    assert f.read_text(encoding="utf-8") == "mine"
    inside = tmp_path / "results.txt" / "sub"
    assert main(["demo", "--out", str(inside), "-q", "--lang", "en"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_unwritable_output_folder_fails_before_the_analysis(tmp_path, capsys, no_analysis, monkeypatch):
    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(target_mod.tempfile, "mkstemp", read_only)
    assert main(["demo", "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write outputs to {tmp_path / 'out'} (its folder {tmp_path} cannot be written): " \
           "Read-only file system" in err
    assert "choose a folder you can write to with --out" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only system folder")
def test_real_read_only_folder_is_reported():
    try:
        check_output_folder("/sys/planner-out")
    except OutputError as exc:
        assert "/sys" in str(exc) and "Fix:" in str(exc)
    else:
        pytest.skip("/sys is writable here")


def test_long_study_names_make_short_folder_names(tmp_path):
    long = "松北区养老服务设施布局规划" * 31  # 403 characters, 1,209 bytes
    slug = _slug(long)
    assert len(slug.encode("utf-8")) <= 100 and slug.startswith("松北区养老")
    assert _slug(long + "甲") != slug  # still tell names apart
    assert safe_name("a/b:c*?") == "a_b_c__" and safe_name("CON") == "CON_" and safe_name("  ") == "study"
    assert check_output_folder(tmp_path / slug) == tmp_path / slug


def test_too_long_out_path_fails_before_the_analysis(tmp_path, capsys, no_analysis):
    out = tmp_path / ("长" * 400)
    assert main(["demo", "--out", str(out), "-q", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "output folder name too long (1200 bytes; file systems allow 255)" in err and "Traceback" not in err


def test_os_errors_elsewhere_are_one_line(tmp_path, capsys, monkeypatch):
    import planner.cli

    def disk_full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/cache/x.graphml")

    monkeypatch.setattr(planner.cli, "_dispatch", disk_full)
    assert main(["demo", "-q"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device (/tmp/cache/x.graphml)" in err and "Traceback" not in err


# --- the lock ---------------------------------------------------------------------------------------------


def test_a_second_run_is_refused_naming_the_lock(tmp_path, capsys, no_analysis):
    folder = tmp_path / "out"
    folder.mkdir()
    other = _sleeper()
    try:
        (folder / LOCK_NAME).write_text(json.dumps({"pid": other.pid, "host": os.uname().nodename,
                                                    "started": "2026-01-01 10:00:00"}), encoding="utf-8")
        with pytest.raises(OutputError, match="in use by another planner run") as info:
            OutputLock(folder).acquire()
        assert f"pid {other.pid}" in str(info.value) and f"delete {folder / LOCK_NAME}" in str(info.value)
        assert main(["demo", "--out", str(folder), "-q", "--lang", "en"]) == 2
        assert "in use by another planner run" in capsys.readouterr().err
        assert (folder / LOCK_NAME).exists()  # someone else's lock is left alone
    finally:
        other.kill()
        other.wait()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path, caplog):
    folder = tmp_path / "out"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (folder / LOCK_NAME).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename,
                                                "started": "2026-01-01 10:00:00"}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="planner.io.target"), OutputLock(folder) as lock:
        assert json.loads(lock.path.read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert "removing the stale lock" in caplog.text and f"pid {dead.pid}" in caplog.text
    assert not (folder / LOCK_NAME).exists()


def test_lock_is_exclusive_across_processes_and_reentrant_within_one(tmp_path):
    folder = tmp_path / "out"
    code = ("import sys; from planner.io import OutputLock; from planner.errors import OutputError\n"
            "try:\n    OutputLock(sys.argv[1]).acquire()\nexcept OutputError as e:\n    print(e); sys.exit(3)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    with OutputLock(folder), OutputLock(folder):
        proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, env=env)
        assert proc.returncode == 3 and "in use by another planner run" in proc.stdout
        assert (folder / LOCK_NAME).exists()
    assert not folder.exists()  # created for the run, left empty: removed
    proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- all or nothing ---------------------------------------------------------------------------------------


def test_failure_mid_write_keeps_the_previous_set(demo_result, previous, monkeypatch):
    before = snapshot(previous)

    def broken(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(planner.reporting, "write_workbook", broken)  # after the map and the report
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_outputs(demo_result, previous, lang="en")
    assert snapshot(previous) == before
    assert sorted(p.name for p in previous.iterdir()) == sorted(before_names(before))


def before_names(snap: dict[str, str]) -> set[str]:
    return {Path(k).parts[0] for k in snap}


def test_interrupt_while_moving_into_place_restores_the_previous_set(demo_result, previous, monkeypatch):
    before = snapshot(previous)
    real_replace, calls = os.replace, []

    def interrupted(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # two files and their predecessors moved: Ctrl-C
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(target_mod.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_outputs(demo_result, previous, lang="en")
    monkeypatch.undo()
    assert len(calls) > 5  # the interrupted move, then the previous files moved back
    assert snapshot(previous) == before


def test_a_finished_write_replaces_the_whole_set(demo_result, previous):
    before = snapshot(previous)
    paths = write_outputs(demo_result, previous, lang="en")
    after = snapshot(previous)
    for kind, name in OUTPUT_FILES.items():
        assert paths[kind] == previous / name and paths[kind].exists()
    assert after["map.html"] != before["map.html"] and "Facilities:" in paths["map"].read_text(encoding="utf-8")
    manifest = json.loads((previous / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["lang"] == "en" and manifest["files"] == sorted(OUTPUT_FILES.values())
    assert not [p for p in previous.iterdir() if p.name.startswith(".")]  # no lock, no staging left


def test_two_writers_into_one_folder(demo_result, tmp_path, monkeypatch):
    """The second writer is refused at once while the first writes; the first finishes a complete set."""
    folder = tmp_path / "out"
    first_writing, second_done = threading.Event(), threading.Event()
    real_map = planner.reporting.write_map
    outcome: dict[str, object] = {}

    def slow_map(*a, **k):
        if threading.current_thread().name == "first":
            first_writing.set()
            second_done.wait(timeout=60)
        return real_map(*a, **k)

    monkeypatch.setattr(planner.reporting, "write_map", slow_map)

    def run(name):
        try:
            outcome[name] = write_outputs(demo_result, folder, lang="zh")
        except OutputError as exc:
            outcome[name] = exc
        finally:
            if name == "second":
                second_done.set()

    first = threading.Thread(target=run, args=("first",), name="first")
    first.start()
    assert first_writing.wait(timeout=60)
    second = threading.Thread(target=run, args=("second",), name="second")
    second.start()
    second.join(timeout=60)
    first.join(timeout=120)
    assert isinstance(outcome["second"], OutputError) and "in use by another planner run" in str(outcome["second"])
    assert isinstance(outcome["first"], dict)
    assert {p.name for p in folder.iterdir()} == {*OUTPUT_FILES.values(), MANIFEST}


def test_staged_outputs_leave_nothing_on_error(tmp_path):
    folder = tmp_path / "out"
    with pytest.raises(ValueError), staged_outputs(folder) as stage:
        (stage / "a.txt").write_text("new", encoding="utf-8")
        raise ValueError
    assert list(folder.iterdir()) == []
    leftover = folder / ".planner-old-123"
    (leftover / "map.html").parent.mkdir()
    (leftover / "map.html").write_text("x", encoding="utf-8")
    with staged_outputs(folder) as stage:
        (stage / "a.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]
