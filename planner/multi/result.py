"""What a multi-county run produced: :class:`MultiResult`, built from the counties' outcomes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from planner.results import FrozenMap, freeze_fields

if TYPE_CHECKING:
    from planner.config import StudyConfig
    from planner.multi.county import CountyOutcome
    from planner.multi.partition import Partition

__all__ = ["MultiResult", "build_result", "scenario_scorecards", "COUNTY_COLUMNS", "NEW_SITES_COLUMN",
           "buffer_words"]

#: Columns of :attr:`MultiResult.counties`.
COUNTY_COLUMNS = ["county", "city", "status", "error", "settlements", "facilities", "road_segments",
                  "buffer_m", "seconds", "outputs", "siting_errors", "scenario_errors"]
#: The counties table's column of new sites proposed for a tier (one per tier sited in any county).
NEW_SITES_COLUMN = "new_sites_{tier}"


@dataclass(frozen=True)
class MultiResult:
    """Every county's results and their sums per city and for the study.

    Attributes
    ----------
    config
        The study configuration.
    counties
        One row per county run (:data:`COUNTY_COLUMNS`): ``status`` ``ok`` or ``failed``, ``error`` (the
        exception's type and message after every retry), sizes, seconds, the county's output folder.
    settlements
        Every analysed settlement with its coverage columns and ``task_county`` (the county whose run
        judged it), indexed by settlement id.
    scorecard_county, scorecard_city, scorecard_study
        The scorecards per county, per city (empty without a city column) and for the study, with
        the numerators and denominators that make each value (:mod:`planner.multi.aggregate`).
    outcomes
        County -> :class:`~planner.multi.county.CountyOutcome` of the counties that finished.
    failures
        County -> error of the counties that failed.
    unassigned
        Settlement ids in no county of the layer (not analysed).
    params
        Buffer, workers, retries, seconds.
    boundaries
        The county polygons of the counties run (index: county, ``city`` when known; WGS84), for the
        overview map; ``None`` when not known.
    scenario_scorecards
        The named scenarios' scorecards summed like the baseline's: ``scenario`` then
        :data:`~planner.multi.aggregate.SCORECARD_COLUMNS`, levels county / city / study, each
        scenario summed over the counties where it ran (``n_counties``); empty without scenarios.
    scenario_labels
        Scenario name -> (Chinese label, English label).
    access_settlements
        Every analysed settlement's accessibility columns (:attr:`AccessResult.settlements`, each
        facility's demand counted over the whole study for the cross-border tiers) and ``task_county``.
    """

    config: StudyConfig
    counties: pd.DataFrame
    settlements: pd.DataFrame
    scorecard_county: pd.DataFrame
    scorecard_city: pd.DataFrame
    scorecard_study: pd.DataFrame
    outcomes: Mapping[str, CountyOutcome] = field(default_factory=FrozenMap)
    failures: Mapping[str, str] = field(default_factory=FrozenMap)
    unassigned: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=FrozenMap)
    boundaries: Any = None
    scenario_scorecards: pd.DataFrame = field(default_factory=pd.DataFrame)
    scenario_labels: Mapping[str, tuple[str, str]] = field(default_factory=FrozenMap)
    access_settlements: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        freeze_fields(self, "outcomes", "failures", "params", "scenario_labels")

    def layers(self) -> dict[str, pd.DataFrame]:
        """The tables written at the top of the output folder: name -> frame."""
        return {"counties": self.counties, "scorecard_county": self.scorecard_county,
                "scorecard_city": self.scorecard_city, "scorecard_study": self.scorecard_study}

    def with_timing(self, step: str, seconds: float) -> MultiResult:
        """A copy whose ``params["seconds"]`` also holds ``step``."""
        params = dict(self.params)
        params["seconds"] = {**dict(params.get("seconds", {})), step: float(seconds)}
        return dataclasses.replace(self, params=params)


def _county_table(partition: Partition, outcomes: Mapping[str, CountyOutcome],
                  failures: Mapping[str, str]) -> pd.DataFrame:
    rows = []
    for task in partition.tasks:
        out = outcomes.get(task.county)
        rows.append({
            "county": task.county, "city": task.city, "status": "ok" if out is not None else "failed",
            "error": failures.get(task.county, ""), "settlements": len(task.data.settlements),
            "facilities": len(task.data.facilities), "road_segments": out.n_segments if out is not None else pd.NA,
            "buffer_m": task.buffer_m, "seconds": out.timings.get("total") if out is not None else float("nan"),
            "outputs": str(pd.Series(out.outputs).get("report", "")) if out is not None else "",
            "siting_errors": "; ".join(f"{k}: {v}" for k, v in out.siting_errors.items()) if out is not None else "",
            "scenario_errors": ("; ".join(f"{k}: {v}" for k, v in out.scenario_errors.items())
                                if out is not None else ""),
        })
    table = pd.DataFrame(rows, columns=COUNTY_COLUMNS)
    sited = list(dict.fromkeys(t for o in outcomes.values() for t in o.new_sites))
    for tier in sited:  # NA: the county did not finish, or its siting of the tier did not
        table[NEW_SITES_COLUMN.format(tier=tier)] = pd.array(
            [outcomes[c].new_sites.get(tier) if c in outcomes else None for c in table["county"]], dtype="Int64")
    return table


def scenario_scorecards(outcomes: Sequence[CountyOutcome]) -> pd.DataFrame:
    """Every scenario's county rows and their sums per city and for the study (:attr:`MultiResult.scenario_scorecards`).

    Parameters
    ----------
    outcomes
        The finished counties.

    Returns
    -------
    DataFrame
        ``scenario`` then :data:`~planner.multi.aggregate.SCORECARD_COLUMNS`; empty without scenarios.
    """
    from planner.multi.aggregate import SCORECARD_COLUMNS, aggregate_scorecards, county_rows

    names = list(dict.fromkeys(n for o in outcomes for n in o.scenario_labels))
    blocks = []
    for name in names:
        rows = [county_rows(o.scenarios[name], o.county, o.city) for o in outcomes if name in o.scenarios]
        if not rows:
            continue
        county = pd.concat(rows, ignore_index=True)
        for frame in (county, aggregate_scorecards(county, level="city"), aggregate_scorecards(county, level="study")):
            blocks.append(frame.assign(scenario=name))
    if not blocks:
        return pd.DataFrame(columns=["scenario", *SCORECARD_COLUMNS])
    return pd.concat(blocks, ignore_index=True)[["scenario", *SCORECARD_COLUMNS]]


def build_result(partition: Partition, outcomes: Sequence[CountyOutcome], failures: Mapping[str, str], *,
                 seconds: float, workers: int) -> MultiResult:
    """Assemble a :class:`MultiResult` from the counties' outcomes (the sums of :mod:`planner.multi.aggregate`).

    Parameters
    ----------
    partition
        The split study.
    outcomes
        The outcomes of the counties that finished.
    failures
        County -> error of those that did not.
    seconds
        Wall time of the county runs.
    workers
        Workers of the cluster.

    Returns
    -------
    MultiResult
    """
    from planner.multi.aggregate import SCORECARD_COLUMNS, aggregate_scorecards, county_rows

    by_county = {o.county: o for o in outcomes}
    parts = [o.settlements.assign(task_county=o.county) for o in outcomes]
    settlements = pd.concat(parts) if parts else pd.DataFrame()
    cards = [county_rows(o.scorecard, o.county, o.city) for o in outcomes]
    county_card = pd.concat(cards, ignore_index=True) if cards else pd.DataFrame(columns=SCORECARD_COLUMNS)
    params = {"buffer_m": partition.buffer_m, "buffers_m": dict(partition.buffers_m), "workers": int(workers),
              "unassigned_facilities": partition.unassigned_facilities,
              "retries": int(partition.config.execution.retries),
              "cross_border": tuple(partition.config.execution.cross_border),
              "seconds": {"counties": float(seconds)}}
    return MultiResult(
        config=partition.config, counties=_county_table(partition, by_county, failures), settlements=settlements,
        scorecard_county=county_card, scorecard_city=aggregate_scorecards(county_card, level="city"),
        scorecard_study=aggregate_scorecards(county_card, level="study"), outcomes=by_county,
        failures=dict(failures), unassigned=partition.unassigned, params=params,
        boundaries=partition.data.counties.loc[[t.county for t in partition.tasks]].copy(),
        scenario_scorecards=scenario_scorecards(outcomes),
        scenario_labels={n: lab for o in outcomes for n, lab in o.scenario_labels.items()},
        access_settlements=pd.concat([o.access.assign(task_county=o.county) for o in outcomes
                                      if o.access is not None] or [pd.DataFrame()]),
    )


def buffer_words(result: MultiResult, lang: str = "zh") -> str:
    """The road buffer of each travel profile as words: ``步行（walk）4.0 公里；驾车（drive）83.2 公里``.

    Parameters
    ----------
    result : MultiResult
    lang : {"zh", "en"}

    Returns
    -------
    str
        "" when the run has no per-profile buffers (``params["buffers_m"]``).
    """
    from planner.i18n import mode_label, tr

    parts = []
    for name, buf in dict(result.params.get("buffers_m", {})).items():
        prof = result.config.profiles.get(name)
        mode = mode_label(prof.mode, lang) if prof is not None else name
        km = "∞" if buf == float("inf") else f"{buf / 1000:.1f}"
        parts.append(tr(lang, f"{mode}（{name}）{km} 公里", f"{mode} ({name}) {km} km"))
    return tr(lang, "；", "; ").join(parts)
