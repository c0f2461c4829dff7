"""What a study still lacks, in a few sentences for ``planner validate`` (after the row-by-row problems)."""

from __future__ import annotations

from typing import Any

from planner.codes import DataProblem
from planner.i18n import tr

__all__ = ["still_missing", "STAND_IN_SUFFIX"]

#: Name suffix of the stand-in settlements ``planner init`` writes for townships without located units.
STAND_IN_SUFFIX = "（代表点）"
_LAYER_ZH = {"settlements": "村/社区", "facilities": "设施", "candidates": "候选点"}


def still_missing(data: Any, *, lang: str = "zh") -> list[str]:
    """Sentences saying what the planner must still supply, with counts and the file to fill.

    Parameters
    ----------
    data : planner.data.StudyData
        A loaded study.
    lang : str, keyword-only
        ``"zh"`` or ``"en"``.

    Returns
    -------
    list of str
        One sentence per gap (rows without coordinates per layer and file; stand-in points; estimated older
        population); empty when nothing is missing.
    """
    out = []
    for layer in data.report.layers:
        n = int(layer.excluded.get(str(DataProblem.MISSING_COORDINATES), 0))
        if not n:
            continue
        what = _LAYER_ZH.get(layer.layer, layer.layer)
        out.append(tr(lang, f"{n} 个{what}没有坐标，分析时已排除：在 {layer.file} 中填写经度、纬度"
                            "（planner init 生成的表中是「需要坐标」= 是 的行）",
                      f"{n} {layer.layer} rows have no coordinates and were left out: fill longitude and latitude "
                      f"in {layer.file} (in a table written by planner init: the rows with 需要坐标 = 是)"))
    s = data.settlements
    if s is not None and len(s):
        stand = int(s["name"].astype(str).str.endswith(STAND_IN_SUFFIX).sum())
        if stand:
            out.append(tr(lang, f"{stand} 个代表点（推断位置）代替没有坐标的村/社区：补齐坐标后删除这些行",
                          f"{stand} stand-in points (inferred places) stand for villages/communities without "
                          "coordinates: delete them once those have coordinates"))
        est = int(s["older_estimated"].sum()) if "older_estimated" in s else 0
        if est:
            out.append(tr(lang, f"{est} 个点的 60 岁以上人口是估算值：有实际登记数时填入「60岁以上人口」列",
                          f"{est} settlements carry an estimated 60+ population: enter counted figures where known"))
    return out
