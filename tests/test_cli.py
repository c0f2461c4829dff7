"""The command line: one readable message for user errors, outputs for the demo."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from planner.cli import main


def test_broken_study_file_gives_one_message(tmp_path, capsys):
    bad = tmp_path / "study.toml"
    bad.write_text('name = "x"\n[tiers.township]\nminuts = 20\n', encoding="utf-8")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "minuts" in err and "minutes" in err and "study.toml" in err
    assert "Traceback" not in err


def test_missing_input_file_names_it(tmp_path, capsys):
    study = tmp_path / "study.toml"
    study.write_text('[inputs]\nfacilities = "nowhere.csv"\nsettlements = "nowhere2.csv"\n', encoding="utf-8")
    assert main(["validate", str(study), "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "Traceback" not in err


def test_debug_shows_traceback(tmp_path):
    bad = tmp_path / "study.toml"
    bad.write_text("nmae = 1\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "planner.cli", "validate", str(bad), "--debug"],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_validate_demo(capsys):
    from planner.demo import demo_config_path

    assert main(["validate", str(demo_config_path()), "-q"]) == 0
    out = capsys.readouterr().out
    assert "合成示范县" in out


def test_demo_command_writes_everything(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "-q", "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    for name in ("map.html", "report.html", "results.xlsx", "results.gpkg"):
        assert (out / name).exists(), name
        assert name in printed
    assert "under-served" in printed and "SYNTHETIC" in printed


@pytest.mark.skipif(shutil.which("planner") is None, reason="console script not installed")
def test_console_script_help():
    proc = subprocess.run(["planner", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "demo" in proc.stdout
