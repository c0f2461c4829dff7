"""Check the engine's times on the real Harbin extract against an independent networkx computation.

Run from the repository root::

    python benchmarks/check_harbin_nodes.py                     # drive and walk, 1,000 points
    python benchmarks/check_harbin_nodes.py --profiles drive --points 500 --seed 3

Points: random points in the extract's box (many of them snap onto a node:
the nearest point of the road is a junction or a bend), plus points placed
exactly on junction nodes of one-way streets (a third of the points).
Facilities: random points in the box too.

The reference is written here from the network's arrays, without the
engine's snapping or splicing: each point goes to the nearest usable
segment (ties: the lower segment id); a snap position within the engine's
``NODE_SNAP_M`` of a segment end is that node, and the point is joined to
the node itself by its access leg (standing at the node, every road there
may be taken); otherwise the segment is split at the snap position.  It
prints, per profile, how many settlements' nearest-facility times differ
from the reference (more than 1e-6 s), the largest difference, and how many
facility x settlement pairs within ``--cutoff`` differ (reach sets).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HARBIN = ROOT.parent / "shared" / "data" / "harbin" / "harbin.osm.pbf"


def points_for(net, rng: np.random.Generator, n: int, profile, graph) -> tuple[np.ndarray, np.ndarray]:
    """``n`` lon/lat points: two thirds random in the box, a third exactly on one-way junction nodes."""
    n_node = n // 3
    lon = rng.uniform(net.lon.min(), net.lon.max(), n - n_node)
    lat = rng.uniform(net.lat.min(), net.lat.max(), n - n_node)
    usable = np.isfinite(graph.seg_fwd_s) | np.isfinite(graph.seg_bwd_s)
    one = usable & (np.isinf(graph.seg_fwd_s) | np.isinf(graph.seg_bwd_s))
    deg = np.bincount(np.r_[net.u[usable], net.v[usable]], minlength=net.n_nodes)
    on_one = np.zeros(net.n_nodes, dtype=bool)
    on_one[net.u[one]] = True
    on_one[net.v[one]] = True
    cand = np.flatnonzero(on_one & (deg >= 3))
    if not cand.size:  # walking ignores one-way streets: junctions of the drive profile's one-ways
        ow = np.asarray(net.oneway) != 0
        on_one[net.u[ow]] = True
        on_one[net.v[ow]] = True
        cand = np.flatnonzero(on_one & (deg >= 3))
    pick = rng.choice(cand, size=min(n_node, cand.size), replace=False)
    return np.r_[lon, net.lon[pick]], np.r_[lat, net.lat[pick]]


def reference_graph(net, graph, px, py, max_snap, tol):
    """The networkx graph with every point attached (see the module docstring); nodes ("pt", i)."""
    import networkx as nx

    fwd, bwd = graph.seg_fwd_s, graph.seg_bwd_s
    usable = np.flatnonzero((np.isfinite(fwd) | np.isfinite(bwd)) & (net.u != net.v))
    x0, y0 = graph.x[net.u[usable]], graph.y[net.u[usable]]
    x1, y1 = graph.x[net.v[usable]], graph.y[net.v[usable]]
    dx, dy = x1 - x0, y1 - y0
    len2 = dx * dx + dy * dy
    seglen = np.sqrt(len2)
    g = nx.MultiDiGraph()
    for s in usable:  # one edge per usable direction of every segment, keyed by the segment
        a, b = int(net.u[s]), int(net.v[s])
        if np.isfinite(fwd[s]):
            g.add_edge(a, b, key=int(s), w=float(fwd[s]))
        if np.isfinite(bwd[s]):
            g.add_edge(b, a, key=int(s), w=float(bwd[s]))
    split: dict[int, list] = {}
    access = graph.profile.access_speed_kmh / 3.6
    for i in range(px.shape[0]):
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(len2 > 0, ((px[i] - x0) * dx + (py[i] - y0) * dy) / len2, 0.0), 0.0, 1.0)
        d = np.hypot(px[i] - (x0 + t * dx), py[i] - (y0 + t * dy))
        j = int(np.argmin(d))
        if d[j] > max_snap:
            continue
        s, tj = int(usable[j]), float(t[j])
        end = None
        if tj * seglen[j] <= tol:
            end = int(net.u[s])
        elif (1.0 - tj) * seglen[j] <= tol:
            end = int(net.v[s])
        if end is not None:  # standing at the node: the access leg joins the node itself
            leg = float(np.hypot(px[i] - graph.x[end], py[i] - graph.y[end])) / access
            g.add_edge(("pt", i), end, w=leg)
            g.add_edge(end, ("pt", i), w=leg)
        else:
            split.setdefault(s, []).append((tj, i, float(d[j]) / access))
    for s, pts in split.items():
        a, b = int(net.u[s]), int(net.v[s])
        for t_, h_ in ((a, b), (b, a)):
            if g.has_edge(t_, h_, key=s):
                g.remove_edge(t_, h_, key=s)
        pts.sort()
        chain = [a] + [("split", i) for _, i, _ in pts] + [b]
        ts = [0.0] + [t for t, _, _ in pts] + [1.0]
        for k in range(len(chain) - 1):
            part = ts[k + 1] - ts[k]
            if np.isfinite(fwd[s]):
                g.add_edge(chain[k], chain[k + 1], w=fwd[s] * part)
            if np.isfinite(bwd[s]):
                g.add_edge(chain[k + 1], chain[k], w=bwd[s] * part)
        for _, i, leg in pts:
            g.add_edge(("pt", i), ("split", i), w=leg)
            g.add_edge(("split", i), ("pt", i), w=leg)
    return g


def check(net, cfg, name: str, n_points: int, n_fac: int, seed: int, cutoff: float, max_snap: float) -> None:
    import geopandas as gpd
    import networkx as nx
    import pyproj

    from planner.routing import RoutingGraph, nearest_facility, reach_matrix
    from planner.routing import snap as snap_mod

    tol = float(getattr(snap_mod, "NODE_SNAP_M", 0.01))
    prof = cfg.profiles[name]
    graph = RoutingGraph.from_network(net, prof)
    rng = np.random.default_rng(seed)
    lon, lat = points_for(net, rng, n_points, prof, graph)
    flon = rng.uniform(net.lon.min(), net.lon.max(), n_fac)
    flat = rng.uniform(net.lat.min(), net.lat.max(), n_fac)
    sett = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    fac = gpd.GeoDataFrame(geometry=gpd.points_from_xy(flon, flat), crs="EPSG:4326")
    t0 = time.perf_counter()
    nf = nearest_facility(graph, sett, fac, max_snap_m=max_snap)
    rm = reach_matrix(graph, fac, sett, cutoff_s=cutoff, max_snap_m=max_snap)
    t_engine = time.perf_counter() - t0
    tr = pyproj.Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True)
    px, py = (np.asarray(a) for a in tr.transform(np.r_[lon, flon], np.r_[lat, flat]))
    t0 = time.perf_counter()
    g = reference_graph(net, graph, px, py, max_snap, tol)
    rev = g.reverse(copy=False)
    ref = np.full((n_fac, n_points), np.inf)
    for j in range(n_fac):
        node = ("pt", n_points + j)
        if node not in g:
            continue
        dist = nx.single_source_dijkstra_path_length(rev, node, weight="w")
        ref[j] = [dist.get(("pt", i), np.inf) for i in range(n_points)]
    t_ref = time.perf_counter() - t0
    snap = nf.settlement_snapping
    on_node = int((snap["ok"] & ((snap["fraction"] == 0) | (snap["fraction"] == 1))).sum())
    got = nf.table["time_s"].to_numpy(dtype=float)
    best = ref.min(axis=0)
    fin = np.isfinite(got) & np.isfinite(best)
    err = np.zeros_like(got)
    err[fin] = got[fin] - best[fin]
    differ = (np.isfinite(got) != np.isfinite(best)) | (np.abs(err) > 1e-6)
    rel = np.where(fin & (best > 0), err / np.where(best > 0, best, 1.0), 0.0)
    dense = rm.to_dense()
    exp = np.where(ref <= cutoff, ref, np.inf)
    pair_bad = (np.isfinite(dense) != np.isfinite(exp)) | \
        (np.isfinite(dense) & np.isfinite(exp) & (np.abs(np.where(np.isfinite(dense), dense, 0)
                                                        - np.where(np.isfinite(exp), exp, 0)) > 1e-6))
    n_pairs = int(np.isfinite(exp).sum())
    print(f"{name}: {n_points} points ({on_node} snap onto a segment end), {n_fac} facilities; "
          f"nearest time differs for {int(differ.sum())} (reachability differs for "
          f"{int((np.isfinite(got) != np.isfinite(best)).sum())}); max error {np.abs(err).max():.3f} s "
          f"(max +{rel.max() * 100:.0f} %); reach pairs within {cutoff:.0f} s: {int(pair_bad.sum())} of "
          f"{n_pairs} differ; engine {t_engine:.1f} s, networkx {t_ref:.1f} s", flush=True)


def main() -> None:
    from planner.config import default_config
    from planner.network import network_from_osm_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", default="drive,walk")
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--facilities", type=int, default=20)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--cutoff", type=float, default=None, help="reach cutoff, s (default: drive 900, else 2400)")
    ap.add_argument("--max-snap", type=float, default=500.0)
    a = ap.parse_args()
    net = network_from_osm_file(HARBIN)
    cfg = default_config()
    for name in a.profiles.split(","):
        cutoff = a.cutoff if a.cutoff is not None else (900.0 if name == "drive" else 2400.0)
        check(net, cfg, name, a.points, a.facilities, a.seed, cutoff, a.max_snap)


if __name__ == "__main__":
    main()
