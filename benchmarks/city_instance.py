"""A seeded synthetic city-sized capacitated siting instance, and a timing of the capacitated MCLP on it.

Shape (after the central-Harbin study of issue 16): ~80 townships (streets), ~1,500
settlements clustered around township cores, every settlement a candidate site,
travel times from straight-line distances with a random detour factor at e-bike
speed, pairs within 30 minutes (~1 M), demands of a few hundred older people per
settlement (~700 k in all), township centres of capacity 10,000, a few existing
centres, p = 77 new ones, unsplittable assignment.

Run::

    PYTHONPATH=$PWD python benchmarks/city_instance.py [--seed 0] [--time-limit 60] [--mip-gap 0.01] [--greedy]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class CityInstance:
    """Cover and travel-time matrices (settlements x sites; site ``j`` < ``n_fixed`` are existing centres)."""

    cover: sp.csr_array
    times: sp.csr_array
    weights: np.ndarray
    fixed: np.ndarray
    capacity: np.ndarray
    township: np.ndarray
    p: int

    @property
    def n_pairs(self) -> int:
        """Eligible (settlement, site) pairs within reach."""
        return int(self.cover.nnz)


def city_instance(*, seed: int = 0, n_townships: int = 80, n_settlements: int = 1500, n_fixed: int = 3,
                  p: int = 77, capacity: float = 10_000.0, total_older: float = 700_000.0,
                  reach_s: float = 1800.0, radius_km: float = 7.0, speed_kmh: float = 15.0) -> CityInstance:
    """A seeded city-sized instance (see the module docstring)."""
    rng = np.random.default_rng(seed)
    # township cores: denser in the centre of a disc
    ang = rng.uniform(0, 2 * np.pi, n_townships)
    rad = radius_km * np.sqrt(rng.uniform(0, 1, n_townships)) ** 1.3
    cores = np.c_[rad * np.cos(ang), rad * np.sin(ang)]
    town = rng.integers(0, n_townships, n_settlements)
    spread = rng.uniform(0.4, 1.2, n_townships)[town]
    xy = cores[town] + rng.normal(0, 1, (n_settlements, 2)) * spread[:, None]
    raw = rng.lognormal(mean=0.0, sigma=0.6, size=n_settlements)
    w = np.round(raw / raw.sum() * total_older)
    # existing centres: at settlements (their own columns), then every settlement is a candidate
    fixed_at = rng.choice(n_settlements, n_fixed, replace=False)
    site_xy = np.r_[xy[fixed_at], xy]
    n_sites = n_fixed + n_settlements
    d = np.sqrt(((xy[:, None, :] - site_xy[None, :, :]) ** 2).sum(axis=2))
    detour = rng.uniform(1.2, 1.6, d.shape)
    t = d * detour / speed_kmh * 3600.0
    rr, cc = np.nonzero(t <= reach_s)
    times = sp.csr_array((t[rr, cc], (rr, cc)), shape=(n_settlements, n_sites))
    cover = sp.csr_array((np.ones(len(rr), bool), (rr, cc)), shape=(n_settlements, n_sites))
    fixed = np.zeros(n_sites, bool)
    fixed[:n_fixed] = True
    return CityInstance(cover, times, w, fixed, np.full(n_sites, capacity), town, p)


def main() -> None:
    """Solve the capacitated MCLP on the instance and print time, objective and proven gap."""
    from planner.optim import solve_mclp, solve_pmedian

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--mip-gap", type=float, default=0.01)
    ap.add_argument("--greedy", action="store_true")
    ap.add_argument("--p", type=int, default=77, help="new centres (fewer than needed makes capacity bind)")
    ap.add_argument("--reach-s", type=float, default=1800.0, help="reach in seconds (shorter makes cover bind)")
    ap.add_argument("--model", choices=("mclp", "pmedian"), default="mclp")
    a = ap.parse_args()
    t0 = time.perf_counter()
    inst = city_instance(seed=a.seed, p=a.p, reach_s=a.reach_s)
    t_build = time.perf_counter() - t0
    print(f"instance: {inst.cover.shape[0]} settlements x {inst.cover.shape[1]} sites "
          f"({int(inst.fixed.sum())} existing), {inst.n_pairs:,} pairs, demand {inst.weights.sum():,.0f}, "
          f"p={inst.p}, capacity {inst.capacity[0]:,.0f} (built in {t_build:.1f} s)")
    t0 = time.perf_counter()
    kw = dict(fixed=inst.fixed, capacity=inst.capacity, method="greedy" if a.greedy else "exact",
              time_limit_s=a.time_limit, mip_gap=a.mip_gap)
    if a.model == "mclp":
        s = solve_mclp(inst.cover, inst.weights, inst.p, **kw)
    else:
        s = solve_pmedian(inst.times, inst.weights, inst.p, **kw)
    dt = time.perf_counter() - t0
    print(f"capacitated {a.model} ({s.method}): {dt:.1f} s, status {s.status}, objective {s.objective:,.0f}, "
          f"bound {s.bound:,.0f}, proven gap {s.gap:.4%}, {len(s.opened)} new sites; {s.message}")


if __name__ == "__main__":
    main()
