"""The study's GeoPackage: every layer, described, styled for QGIS, in the chosen CRS, marked when synthetic.

- layers: :func:`planner.reporting.files.study_layers` (coverage layers, boundaries, proposed sites, the
  township coverage polygons and the allocation lines of :mod:`planner.reporting.gpkg_layers`);
- ``gpkg_contents.description`` of every layer says what it is, in the run's language;
- ``layer_styles``: one default QML per layer (:mod:`planner.reporting.styles`), with the field
  aliases in the run's language;
- CRS: WGS84 (EPSG:4326) or CGCS2000 (EPSG:4490), from ``[output] crs`` or the ``crs`` argument;
- synthetic inputs (the demo county): every layer's description starts with the synthetic-data
  note and every layer carries the metadata ``synthetic = true`` (``gpkg_metadata``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner.config import OUTPUT_CRS
from planner.errors import ConfigError
from planner.i18n import check_lang, label, tr
from planner.io import file_safe
from planner.io.export import write_geopackage as write_layers
from planner.io.export import write_layer_styles
from planner.reporting.files import base_layers
from planner.reporting.gpkg_layers import allocation_lines, township_coverage
from planner.reporting.scenario_tables import scenario_labels
from planner.reporting.styles import layer_qml

if TYPE_CHECKING:
    import pandas as pd

    from planner.study import StudyResult

__all__ = ["write_study_geopackage", "gis_layers", "layer_descriptions", "SYNTHETIC_NOTE"]

#: The note every layer of a synthetic study carries: (zh, en).
SYNTHETIC_NOTE = ("【合成数据，非真实情况】本图层由合成（模拟）数据生成。", "[SYNTHETIC DATA - not a real place] "
                  "Made from synthetic (simulated) data.")

#: What each layer is: layer name -> (zh, en); proposed_sites_<tier> and other layers are described in code.
_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "settlements": ("村/社区：各层级最近设施、出行时间、是否覆盖、原因与优先序",
                    "Settlements: nearest facility, travel time, covered, reasons and priority per tier"),
    "facilities": ("养老服务设施：层级、床位、服务圈内人口与负荷", "Elderly-care facilities: tier, beds, people "
                   "in their circle and load"),
    "centres": ("乡镇/街道区域养老服务中心及其负荷", "Township centres and their load"),
    "townships_without_centre": ("没有区域中心的乡镇/街道", "Townships without a centre"),
    "by_township": ("各乡镇/街道覆盖统计（表）", "Coverage by township (table)"),
    "by_county": ("各县覆盖统计（表）", "Coverage by county (table)"),
    "overall": ("全研究区覆盖统计（表）", "Coverage of the whole study (table)"),
    "scorecard": ("政策指标评估（表）", "Policy indicators (table)"),
    "circles": ("每个设施的服务圈（路网可达范围）", "Service circle of each facility (reach on the roads)"),
    "circles_by_tier": ("各层级服务圈合并（半透明）", "Service circles merged per tier"),
    "catchments": ("区域中心服务片区（按实际分配的村/社区）", "Township-centre catchments (from the "
                   "settlements assigned)"),
    "townships": ("乡镇/街道边界", "Township boundaries"),
    "counties": ("县（市、区）边界", "County boundaries"),
}


def gis_layers(result: StudyResult, *, lang: str = "zh") -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The layers made for GIS (township coverage with geometry, allocation lines) and their descriptions.

    Parameters
    ----------
    result : StudyResult
    lang : {"zh", "en"}

    Returns
    -------
    tuple of dict
        Layer name -> frame, and layer name -> description.
    """
    layers, words = {}, {}
    for name, made in (("township_coverage", township_coverage(result, lang=lang)),
                       ("allocation_lines", allocation_lines(result, lang=lang))):
        if made is not None:
            layers[name], words[name] = made.frame, made.description
    return layers, words


def layer_descriptions(result: StudyResult, names: list[str], *, lang: str = "zh",
                       extra: dict[str, str] | None = None) -> dict[str, str]:
    """The ``gpkg_contents`` description of each layer, starting with the synthetic note when synthetic."""
    out = {}
    for name in names:
        if extra and name in extra:
            text = extra[name]
        elif name.startswith("proposed_sites_"):
            tier = name.removeprefix("proposed_sites_")
            text = tr(lang, f"建议新增选址：{label(tier, 'zh')}", f"Proposed new sites: {label(tier, 'en')}")
        else:
            text = tr(lang, *_DESCRIPTIONS.get(name, (name, name)))
        out[name] = f"{tr(lang, *SYNTHETIC_NOTE)} {text}" if result.synthetic else text
    return out


def write_study_geopackage(result: StudyResult, path: str | Path, *, lang: str | None = None,
                           crs: str | None = None) -> Path:
    """Write the study's GeoPackage: layers, descriptions, QGIS styles, CRS and the synthetic note.

    Parameters
    ----------
    result : StudyResult
    path : str or Path
        The GeoPackage; replaced when it exists.
    lang : {"zh", "en"}, optional
        Language of descriptions, aliases and legend labels (default: the config's).
    crs : {"wgs84", "cgcs2000"}, optional
        CRS of the layers (default: the config's ``[output] crs``, else WGS84).

    Returns
    -------
    Path

    Raises
    ------
    ConfigError
        ``crs`` is not one of the names in :data:`planner.config.OUTPUT_CRS`.
    """
    lang = check_lang(lang or result.config.lang)
    output = getattr(result.config, "output", None)
    crs = crs or (output.crs if output is not None else "wgs84")
    if crs not in OUTPUT_CRS:
        raise ConfigError(f"output crs {crs!r} is not known; allowed: {', '.join(map(repr, OUTPUT_CRS))}. "
                          f"Fix: use crs = \"wgs84\" or \"cgcs2000\"")
    extra, extra_words = gis_layers(result, lang=lang)
    layers = {**base_layers(result), **extra}
    names = [n for n, f in layers.items() if f is not None]
    descriptions = layer_descriptions(result, names, lang=lang, extra=extra_words)
    metadata = ({n: {"synthetic": "true", "note": tr(lang, *SYNTHETIC_NOTE)} for n in names}
                if result.synthetic else None)
    path = write_layers(layers, path, crs=OUTPUT_CRS[crs], descriptions=descriptions, metadata=metadata)
    known = scenario_labels(result, lang)  # scenario columns are named by the study's scenario keys
    known.update({f"{k} met": v + tr(lang, "（是否达标）", " (met)") for k, v in list(known.items())})
    styles = {n: (tr(lang, "默认样式", "default"), layer_qml(n, file_safe(layers[n]), lang, known=known))
              for n in names}
    return write_layer_styles(path, styles)
