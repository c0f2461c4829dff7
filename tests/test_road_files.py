"""Broken road files: `planner validate` opens the roads file and says what is wrong, and `run` says the same."""

from __future__ import annotations

import bz2
import re
import shutil

import networkx as nx
import pytest

from planner.cli import main
from planner.config import load_config
from planner.errors import InputFileNotFoundError, NetworkError


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from planner.demo import demo_config_path

    out = tmp_path_factory.mktemp("roads") / "demo"
    shutil.copytree(demo_config_path().parent, out)
    return out


def _xml(demo_dir) -> bytes:
    return bz2.decompress((demo_dir / "roads" / "demo_county.osm.bz2").read_bytes())


def _untagged_graphml(path, demo_dir):
    """A GraphML road graph inside the study area whose edges carry no OSM attributes."""
    import osmnx as ox

    g = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(20):
        g.add_node(i, x=130.49 + 0.001 * i, y=46.20)
    for i in range(19):
        g.add_edge(i, i + 1, osmid=i)
    ox.save_graphml(g, path)


#: name -> (how to make it from the demo roads, words the message must hold)
BROKEN = {
    "missing.osm.pbf": (lambda p, d: None, ["missing.osm.pbf", "not found"]),
    "empty.osm": (lambda p, d: p.write_bytes(b""), ["empty.osm", "OSM"]),
    "truncated.osm": (lambda p, d: p.write_bytes(_xml(d)[: len(_xml(d)) // 2]), ["truncated.osm", "OSM"]),
    "truncated.osm.bz2": (lambda p, d: p.write_bytes((d / "roads" / "demo_county.osm.bz2").read_bytes()[:50_000]),
                          ["truncated.osm.bz2", "bzip2"]),
    "junk.osm.pbf": (lambda p, d: p.write_bytes(b"\x00\x01not a pbf" * 100), ["junk.osm.pbf", "PBF"]),
    "roads.txt": (lambda p, d: p.write_bytes(_xml(d)), ["roads.txt", ".osm.pbf"]),
    "untagged.graphml": (_untagged_graphml, ["untagged.graphml", "highway", "osmnx.save_graphml"]),
    "elsewhere.osm": (
        lambda p, d: p.write_text(
            '<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">'
            '<node id="1" lat="30.0" lon="110.0"/><node id="2" lat="30.001" lon="110.001"/>'
            '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>'),
        ["elsewhere.osm", "study area"]),
    "footways.osm": (
        lambda p, d: p.write_bytes(re.sub(rb'k="highway" v="[a-z_]+"', b'k="highway" v="footway"', _xml(d))),
        ["footways.osm", "'drive'", "footway", "allowed_highways"]),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_validate_and_run_give_the_same_clear_message(demo_dir, tmp_path, capsys, name):
    make, needles = BROKEN[name]
    study = tmp_path / "study"
    shutil.copytree(demo_dir, study)
    make(study / "roads" / name, study)
    toml = study / "demo_county.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("demo_county.osm.bz2", name), encoding="utf-8")

    assert main(["validate", str(toml), "-q", "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "Fix" in captured.err or "修正" in captured.err
    for needle in needles:
        assert needle in captured.err, captured.err
    assert "facilities" in captured.out  # the data report is still printed before the road file's error

    from planner.pipeline import run_study

    with pytest.raises((NetworkError, InputFileNotFoundError)) as exc:
        run_study(load_config(toml).replace(lang="en"), site=False)
    assert str(exc.value) in captured.err  # run stops with the very message validate gave


def test_validate_counts_usable_roads_per_profile(demo_dir, capsys):
    assert main(["validate", str(demo_dir / "demo_county.toml"), "-q", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Road network"))
    assert "demo_county.osm.bz2" in line
    for profile in ("walk", "ebike", "drive"):
        assert re.search(rf"{profile} [\d,]+", line), line
