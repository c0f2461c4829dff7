"""The census 60+ total of a county split to its townships: the rule ``planner init`` writes into study.toml.

Township and village ages are not published; the 2020 census gives, per
county, residents, urban and rural residents and residents aged 60+.  Rule
(:func:`older_by_township`), stated in the study.toml it writes:

1. The county's 60+ total ``T`` is split into an urban part ``T·U/P`` and a
   rural part ``T·R/P`` (``U``, ``R``, ``P``: census urban, rural and all
   residents), i.e. the same 60+ rate in town and country.
2. The urban part is shared equally by the county's communities (社区), the
   rural part equally by its villages (村, farm 管理区/生活区).  When the county
   has only one of the two kinds, that kind gets all of ``T``.  Virtual
   units (虚拟社区/虚拟生活区) get nothing.
3. A township's total is the sum over its units, rounded to whole people by
   largest remainder so the townships add up exactly to ``T``.
4. In the study (``older_in_study``) a township counts only the units that
   have a point: located units, and unlocated units when a stand-in point
   represents them.  The rest is reported as not in the study, never moved
   onto the located neighbours.

The planner's loader then splits each township's ``older_in_study`` over the
township's located settlements (``population.township_older_totals``,
equally when no residents are known), flagging every value ``older_estimated``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.reference import CensusTotals

__all__ = ["RULE_ZH", "RULE_EN", "older_by_township"]

RULE_ZH = ("县区 60 岁以上人口（2020 年普查）按普查城镇/乡村人口比例分为城镇部分和乡村部分，城镇部分由各社区均分，"
           "乡村部分由各村均分，乡镇街道合计 = 其社区与村之和（四舍五入后总数与普查相同）；均为估算值")
RULE_EN = ("the county's 60+ total (2020 census) is split into urban and rural parts by the census urban/rural "
           "residents; communities share the urban part equally, villages the rural part; a township's total is the "
           "sum over its units (rounded so the townships add up to the census total); all estimated")


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    floor = np.floor(values).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        order = np.argsort(-(values - floor), kind="stable")
        floor[order[:short]] += 1
    return floor


def older_by_township(units: pd.DataFrame, census: CensusTotals, represented: pd.Series | None = None
                      ) -> pd.DataFrame:
    """Estimated 60+ per township from the county's census total (see the module docstring).

    Parameters
    ----------
    units : pandas.DataFrame
        ``planner.reference.villages`` rows of the county (``kind``, ``township_code``, ``township``).
    census : CensusTotals
        The county's census figures.
    represented : pandas.Series of bool, optional
        Indexed like ``units``: the unit has a point in the study (default: all).

    Returns
    -------
    pandas.DataFrame
        Indexed by township code: ``township``, ``communities``, ``villages`` (unit counts), ``older_estimated``
        (int, adds up to ``census.pop60plus``), ``older_in_study`` (int, the represented units' part), sorted by
        code.  Townships without units have no row.

    Raises
    ------
    ValueError
        The county has no community or village at all.
    """
    real = units[units["kind"].isin(["community", "village"])]
    if real.empty:
        raise ValueError(f"{census.county}: no village or community in the official list to share the total over")
    n_comm = int((real["kind"] == "community").sum())
    n_vill = int((real["kind"] == "village").sum())
    total = float(census.pop60plus)
    if n_comm and n_vill and census.population > 0:
        urban = total * census.urban / census.population
        per = {"community": urban / n_comm, "village": (total - urban) / n_vill}
    else:
        per = {"community": total / max(n_comm, 1), "village": total / max(n_vill, 1)}
    share = real["kind"].map(per).astype(float)
    rep = pd.Series(True, index=units.index) if represented is None else represented.reindex(units.index).fillna(False)
    in_study = share.where(rep[real.index].astype(bool), 0.0)
    g = real.assign(share=share, in_study=in_study).groupby("township_code", sort=True)
    out = pd.DataFrame({
        "township": g["township"].first(),
        "communities": g["kind"].apply(lambda k: int((k == "community").sum())),
        "villages": g["kind"].apply(lambda k: int((k == "village").sum())),
    })
    out["older_estimated"] = _largest_remainder(g["share"].sum().to_numpy(), int(census.pop60plus))
    study = g["in_study"].sum().to_numpy()
    out["older_in_study"] = _largest_remainder(study, int(round(study.sum())))
    out.index.name = "township_code"
    return out
