"""Is a settlement's population believable?  Values no village or community can have, and values far above the rest.

A typo such as 999999999 residents would otherwise take the whole older
population of its county when county totals are split in proportion to
residents.  Two rules, on the counts of one settlement layer:

* **Impossible**: more than :data:`MAX_SETTLEMENT_POPULATION` people.  No
  village or community (村/社区) holds that many (the largest urban villages
  and communities hold about 100,000).  The value is treated as unknown, with
  an ``IMPLAUSIBLE_POPULATION`` warning naming file, row and value.
* **Far above the others**: more than :data:`OUTLIER_FACTOR` times the
  median of the settlements of the same kind (villages with villages,
  communities with communities; at least :data:`MIN_FOR_MEDIAN` counts) and
  above :data:`OUTLIER_FLOOR`.  The value is kept (a county town can hold a
  large community), with a ``POPULATION_OUTLIER`` warning that says how many
  times the median it is.
"""

from __future__ import annotations

import numpy as np

from planner.codes import DataProblem
from planner.data.reading import LayerLog

__all__ = ["MAX_SETTLEMENT_POPULATION", "OUTLIER_FACTOR", "OUTLIER_FLOOR", "MIN_FOR_MEDIAN", "check_population"]

#: More residents than any village or community (村/社区) holds.
MAX_SETTLEMENT_POPULATION = 300_000.0
#: A count above this many times the median of its kind is flagged ...
OUTLIER_FACTOR = 20.0
#: ... when it is also above this many people.
OUTLIER_FLOOR = 10_000.0
#: The median of a kind is used only when at least this many settlements of that kind have a count.
MIN_FOR_MEDIAN = 5


def check_population(values: np.ndarray, kinds: np.ndarray, rows: np.ndarray, column: str,
                     layer: LayerLog) -> np.ndarray:
    """``values`` with impossible counts made NaN; impossible and outlying counts reported.

    Parameters
    ----------
    values
        Counts of one column (total or 60+ population), NaN = unknown.
    kinds
        ``village`` / ``community`` (or ``""``) per settlement.
    rows
        Source row numbers.
    column
        The file's column name.
    layer
        Where problems go.

    Returns
    -------
    numpy.ndarray
        A copy of ``values``; impossible counts are NaN.
    """
    out = np.asarray(values, dtype=float).copy()
    impossible = np.isfinite(out) & (out > MAX_SETTLEMENT_POPULATION)
    for i in np.flatnonzero(impossible):
        layer.row(rows[i], column, out[i], DataProblem.IMPLAUSIBLE_POPULATION,
                  f"{out[i]:,.0f} 人超过任何村/社区可能的人口（上限 {MAX_SETTLEMENT_POPULATION:,.0f}），按“未知”处理",
                  "核对该数字（常见原因：多写了几位、填了全县或全市的数、单位不对），未知请留空",
                  f"{out[i]:,.0f} people is more than any village or community holds (limit "
                  f"{MAX_SETTLEMENT_POPULATION:,.0f}); treated as unknown",
                  "check the number (extra digits? the county's or city's total? wrong unit?); leave blank if unknown",
                  severity="warning")
    out[impossible] = np.nan
    for kind in sorted(set(kinds.tolist())):
        same = kinds == kind
        known = same & np.isfinite(out)
        if known.sum() < MIN_FOR_MEDIAN:
            continue
        median = float(np.median(out[known]))
        limit = max(OUTLIER_FACTOR * median, OUTLIER_FLOOR)
        for i in np.flatnonzero(known & (out > limit)):
            times = out[i] / median if median > 0 else np.inf
            layer.row(rows[i], column, out[i], DataProblem.POPULATION_OUTLIER,
                      f"{out[i]:,.0f} 人是同类村/社区中位数 {median:,.0f} 的 {times:,.0f} 倍；"
                      "按比例分配老年人口时它会分走大部分",
                      "核对该数字（是否多写了一位或填了乡镇合计）；确实如此则可忽略本警告",
                      f"{out[i]:,.0f} people is {times:,.0f} times the median ({median:,.0f}) of the settlements "
                      "of its kind; a proportional split of older population would give it most",
                      "check the number (an extra digit? a township total?); ignore this if it is right",
                      severity="warning")
    return out
