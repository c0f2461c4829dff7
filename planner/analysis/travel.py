"""The routing adapter of coverage: travel times from settlements to each tier's facilities.

Builds one routing graph per travel profile the tiers use, finds per tier the
nearest facility of every settlement (with the tier's profile for the
settlement's kind: covered or not, time, reason), counts per facility the
settlements and older people within the threshold
(:func:`planner.routing.reach_counts`, no pairs kept), keeps the sparse
settlement x facility pairs within the threshold only for the tiers whose
later stage needs them (:data:`PAIR_TIERS`: the township centres' capacitated
assignment), and reads the central districts' 15-minute circle (the polygons
are drawn by :mod:`planner.analysis.circle_layers`).  Everything here calls :mod:`planner.routing`; the
numbers it returns are classified by :mod:`planner.analysis.classify`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from planner.analysis.classify import THRESHOLD_TOLERANCE_S
from planner.codes import CoverageReason
from planner.config import TIER_KEYS, StudyConfig, Tier
from planner.errors import ConfigError
from planner.i18n import tr

if TYPE_CHECKING:  # pragma: no cover
    from planner.network import RoadNetwork
    from planner.routing import RoutingGraph

__all__ = ["profiles_in_use", "build_graphs", "CoverageInputs", "TierRouting", "route_tiers", "PAIR_TIERS",
           "circle15_reading", "circle15_extra_readings"]

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- graphs


def profiles_in_use(config: StudyConfig) -> list[str]:
    """Names of the travel profiles the configured tiers use (urban and rural)."""
    names: list[str] = []
    for key in TIER_KEYS:
        tier = config.tiers.get(key)
        if tier is None:
            continue
        for p in (tier.profile, tier.rural_profile):
            if p not in names:
                names.append(p)
    return names


def build_graphs(network: RoadNetwork, config: StudyConfig, *, crs: Any = None,
                 networks: Mapping[str, RoadNetwork] | None = None) -> dict[str, RoutingGraph]:
    """Build one routing graph per travel profile the tiers use.

    Parameters
    ----------
    network : RoadNetwork
        The study's road network.
    config : StudyConfig
        Study configuration (its tiers name the profiles).
    crs : optional
        Projected CRS for the graphs (default: chosen by the routing module; with ``networks``, the
        UTM zone of ``network``, so that every profile's graph is in the same one).
    networks : mapping, optional
        Profile name -> the part of ``network`` that profile's graph is built on (a county's roads
        within the profile's buffer, :mod:`planner.multi.partition`); other profiles use ``network``.

    Returns
    -------
    dict
        Profile name -> :class:`planner.routing.RoutingGraph`.
    """
    from planner.routing import RoutingGraph

    networks = dict(networks or {})
    if networks and crs is None and network.n_nodes:
        from planner.geo import utm_crs_for_lonlat

        crs = utm_crs_for_lonlat(network.lon, network.lat)
    graphs: dict[str, RoutingGraph] = {}
    for name in profiles_in_use(config):
        graphs[name] = RoutingGraph.from_network(networks.get(name, network), config.profiles[name], crs=crs)
        logger.info("built routing graph for profile %r", name)
    return graphs


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class CoverageInputs:
    """What every coverage stage reads: the layers, the tiers and the graphs."""

    settlements: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    tiers: Mapping[str, Tier]
    graphs: Mapping[str, Any]

    @cached_property
    def facility_tier(self) -> pd.Series:
        """Each facility's tier key (NA when it has none)."""
        fac = self.facilities
        if "tier" in fac:
            return fac["tier"].astype("string")
        return pd.Series(pd.NA, index=fac.index, dtype="string")

    @cached_property
    def older(self) -> np.ndarray:
        """Each settlement's older population as float, 0 where unknown (what the per-facility sums add)."""
        raw = pd.to_numeric(self.settlements["older_population"], errors="coerce")
        return raw.fillna(0.0).to_numpy(dtype=float)

    def tier_mask(self, key: str) -> np.ndarray:
        """Boolean mask of the facilities of tier ``key``."""
        return (self.facility_tier == key).fillna(False).to_numpy()

    def facilities_of(self, key: str) -> gpd.GeoDataFrame:
        """The facilities of tier ``key``."""
        return self.facilities[self.tier_mask(key)]

    def graph(self, profile: str) -> Any:
        """The routing graph of travel profile ``profile``; :class:`ConfigError` when it was not built."""
        if profile not in self.graphs:
            raise ConfigError(
                f"no routing graph for travel profile {profile!r}; build the graphs with "
                f"planner.analysis.build_graphs(network, config) (have: {', '.join(self.graphs) or 'none'})"
            )
        return self.graphs[profile]

    def central_ids(self) -> pd.Index | None:
        """Ids of the central settlements when the community tier is studied and any is central."""
        sett = self.settlements
        if "community" not in self.tiers or "central" not in sett:
            return None
        central = sett["central"].astype("boolean").fillna(False).astype(bool)
        return sett.index[central.to_numpy()] if central.any() else None


# --------------------------------------------------------------------------- tiers


#: The tiers whose settlement x facility pairs within the threshold a later stage reads: the
#: township centres' capacitated assignment (who may go to which centre).  The other tiers keep
#: only counts per facility, so a province (10,000 facilities x 9,000 settlements within 30
#: minutes by car: tens of millions of pairs) never holds their pairs.
PAIR_TIERS: frozenset[str] = frozenset({"township"})


@dataclass(frozen=True)
class TierRouting:
    """Per tier: nearest-facility table, counts per facility within the threshold, pairs where needed, snapping.

    Attributes
    ----------
    nearest : dict
        Tier -> table of :func:`planner.routing.nearest_facility` indexed like the settlements.
    in_circle : dict
        Tier -> frame indexed like the tier's facilities: ``settlements`` and ``older``
        (older people, unknown as 0) whose time to the facility is within the threshold of
        their kind (:func:`planner.routing.reach_counts`; from the pairs for :data:`PAIR_TIERS`).
    pairs : dict
        Only the tiers of :data:`PAIR_TIERS` (no key for the others): sparse settlements x
        facilities-of-the-tier seconds, the pairs within the threshold.
    facility_snapping : dict
        Tier -> how the tier's facilities snapped (urban profile preferred).
    """

    nearest: dict[str, pd.DataFrame]
    in_circle: dict[str, pd.DataFrame]
    pairs: dict[str, sparse.csr_array]
    facility_snapping: dict[str, pd.DataFrame]


def _empty_nearest(idx: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "facility": pd.Series(pd.NA, index=idx, dtype="string"),
            "time_s": np.inf,
            "reason": pd.Series(CoverageReason.NO_FACILITY.value, index=idx, dtype=object),
            "snap_m": np.nan,
            "component": pd.Series(pd.NA, index=idx, dtype="Int64"),
        },
        index=idx,
    )


def _groups(settlements: pd.DataFrame, tier: Tier) -> dict[tuple[str, float], pd.Index]:
    """Settlement ids per (profile, minutes) the tier gives their kind."""
    kind = settlements["kind"].astype(str)
    groups: dict[tuple[str, float], list] = {}
    for sid, k in zip(settlements.index, kind, strict=True):
        groups.setdefault(tier.profile_for(k), []).append(sid)
    return {g: pd.Index(ids, name=settlements.index.name) for g, ids in groups.items()}


def _reach_pairs(graph: Any, facilities: pd.DataFrame, settlements: pd.DataFrame,
                 cutoff_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs reached within ``cutoff_s``: (settlement position, facility position, seconds).

    Kept sparse; built only for :data:`PAIR_TIERS` (the other tiers count, :func:`_reach_totals`).
    """
    from planner.routing import reach_matrix

    rm = reach_matrix(graph, facilities, settlements, cutoff_s=cutoff_s)
    return rm.pairs(facilities.index, settlements.index)


def _reach_totals(graph: Any, facilities: pd.DataFrame, settlements: pd.DataFrame, cutoff_s: float,
                  older: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per facility: settlements within ``cutoff_s`` and their older people, counted without pairs."""
    from planner.routing import reach_counts

    rc = reach_counts(graph, facilities, settlements, cutoff_s=cutoff_s, weights=older)
    return rc.table["settlements"].to_numpy(), rc.table["weight"].to_numpy()


def _in_circle_frame(facilities: pd.DataFrame, n: np.ndarray, older: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"settlements": n.astype(np.int64), "older": older}, index=facilities.index.copy())


def _route_tier(inp: CoverageInputs, key: str
                ) -> tuple[pd.DataFrame, pd.DataFrame, sparse.csr_array | None, pd.DataFrame | None]:
    """Nearest facility, counts within the threshold, pairs (:data:`PAIR_TIERS` only) and snapping for one tier."""
    from planner.routing import nearest_facility

    tier, sett = inp.tiers[key], inp.settlements
    fac_t = inp.facilities_of(key)
    keep_pairs = key in PAIR_TIERS
    tables, rows, cols, vals = [], [], [], []
    n_in, older_in = np.zeros(len(fac_t), dtype=np.int64), np.zeros(len(fac_t))
    snapping = None
    for (prof, minutes), ids in _groups(sett, tier).items():
        if not len(fac_t):
            tables.append(_empty_nearest(ids))
            continue
        sub = sett.loc[ids]
        g = inp.graph(prof)
        nf = nearest_facility(g, sub, fac_t, cutoff_s=np.inf)
        _warn_cut_roads(key, prof, nf.table, sub)
        tables.append(nf.table.reindex(ids))
        fs = getattr(nf, "facility_snapping", None)
        if fs is not None and (snapping is None or prof == tier.profile):
            snapping = fs
        at = sett.index.get_indexer(ids)
        if keep_pairs:
            r, c, v = _reach_pairs(g, fac_t, sub, minutes * 60.0)
            rows.append(at[r])
            cols.append(c)
            vals.append(v)
        else:
            n, o = _reach_totals(g, fac_t, sub, minutes * 60.0, inp.older[at])
            n_in += n
            older_in += o
    nearest = pd.concat(tables).reindex(sett.index) if tables else _empty_nearest(sett.index)
    pairs = None
    if keep_pairs:
        pairs = sparse.csr_array(
            (np.concatenate(vals or [np.zeros(0)]),
             (np.concatenate(rows or [np.zeros(0, int)]), np.concatenate(cols or [np.zeros(0, int)]))),
            shape=(len(sett), len(fac_t)),
        )
        d = sparse.coo_array(pairs)
        n_in = np.bincount(d.col, minlength=len(fac_t))[: len(fac_t)]
        older_in = np.bincount(d.col, weights=inp.older[d.row], minlength=len(fac_t))[: len(fac_t)]
    logger.info("tier %s: %d facilities", key, len(fac_t))
    return nearest, _in_circle_frame(fac_t, n_in, older_in), pairs, snapping


def _warn_cut_roads(key: str, profile: str, table: pd.DataFrame, settlements: pd.DataFrame) -> None:
    """Warn, naming them, about settlements trapped by one-way roads that run out of the road file."""
    if "edge_node" not in table:
        return
    at_edge = table[table["edge_node"].notna()]
    if not len(at_edge):
        return
    names = settlements["name"].reindex(at_edge.index) if "name" in settlements else pd.Series("", at_edge.index)
    nodes = at_edge.groupby("edge_node", sort=True)
    where = "; ".join(
        f"OSM node {int(n)} ({g['edge_lon'].iloc[0]:.5f}, {g['edge_lat'].iloc[0]:.5f}): "
        + ", ".join(f"{sid} {names.get(sid, '')}".strip() for sid in g.index[:5])
        + (f" and {len(g) - 5} more" if len(g) > 5 else "")
        for n, g in list(nodes)[:10]
    )
    logger.warning(
        "tier %s (%s): %d settlements are trapped behind one-way roads that run to %d node(s) where the "
        "road file stops short here: %s. Use a road extract reaching farther (or a buffer around the study "
        "area) so those roads go on.", key, profile, len(at_edge), nodes.ngroups, where,
    )


def route_tiers(inp: CoverageInputs, *, verbose: bool = False, lang: str = "zh") -> TierRouting:
    """Route every tier (:class:`TierRouting`); ``verbose`` shows a progress bar (labelled in ``lang``)."""
    keys: Iterable[str] = list(inp.tiers)
    if verbose:
        from tqdm.auto import tqdm

        keys = tqdm(keys, desc=tr(lang, "各层级覆盖", "coverage tiers"))
    out = TierRouting({}, {}, {}, {})
    for key in keys:
        out.nearest[key], out.in_circle[key], pairs, snapping = _route_tier(inp, key)
        if pairs is not None:
            out.pairs[key] = pairs
        if snapping is not None:
            out.facility_snapping[key] = snapping
    return out


# --------------------------------------------------------------------------- 15-minute circle


def _circle_frame(time_s: pd.Series, minutes: float) -> pd.DataFrame:
    return pd.DataFrame({"time_min": time_s / 60.0, "covered": time_s <= minutes * 60.0 + THRESHOLD_TOLERANCE_S})


def _nearest_times(inp: CoverageInputs, profile: str, ids: pd.Index, facilities: pd.DataFrame) -> pd.Series:
    """Seconds from settlements ``ids`` to the nearest of ``facilities`` with ``profile`` (inf when none)."""
    if not len(facilities):
        return pd.Series(np.inf, index=ids)
    from planner.routing import nearest_facility

    nf = nearest_facility(inp.graph(profile), inp.settlements.loc[ids], facilities, cutoff_s=np.inf)
    return nf.table.reindex(ids)["time_s"].astype(float)


def circle15_reading(inp: CoverageInputs, nearest: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """Central settlements' time to a community-tier facility with the tier's urban profile and minutes.

    Settlements whose kind already uses that reading reuse the community
    tier's nearest-facility time; the others are routed again.  None when no
    settlement is central (or the community tier is not studied).
    """
    cids = inp.central_ids()
    if cids is None:
        return None
    tier = inp.tiers["community"]
    kinds = inp.settlements.loc[cids, "kind"].astype(str)
    same = kinds.map(lambda k: tier.profile_for(k) == (tier.profile, float(tier.minutes)))
    t_s = pd.Series(np.inf, index=cids)
    t_s[same[same].index] = nearest["community"].loc[same[same].index, "time_s"].astype(float)
    other = same[~same].index
    if len(other):
        t_s[other] = _nearest_times(inp, tier.profile, other, inp.facilities_of("community"))
    return _circle_frame(t_s, tier.minutes)


def circle15_extra_readings(inp: CoverageInputs, profiles: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The 15-minute circle read with other travel profiles: profile -> ``time_min``, ``covered``."""
    cids = inp.central_ids()
    if cids is None:
        return {}
    tier = inp.tiers["community"]
    fac_c = inp.facilities_of("community")
    return {
        prof: _circle_frame(_nearest_times(inp, prof, cids, fac_c), tier.minutes)
        for prof in dict.fromkeys(profiles) if prof != tier.profile
    }
