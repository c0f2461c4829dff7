"""QGIS styles (QML) of the GeoPackage layers, so each layer opens coloured, labelled and with field aliases.

One function per kind of drawing: points coloured by a column's value
(:func:`categorized`), polygons by a share in classes (:func:`graduated`),
one symbol for all (:func:`single`).  :func:`layer_qml` picks the drawing of
each of the study's layers (facilities by tier, settlements served /
under-served, circles per tier translucent, township coverage choropleth,
proposed sites by tier, allocation lines by link) and adds the field aliases:
the workbook's column headers (:func:`planner.reporting.workbook.column_header`),
Chinese by default, English with ``lang="en"``.  Colours are the map's
(:data:`planner.reporting.map_assets.TIER_STYLE`, ``STATUS_COLOR``).

The QML is the document QGIS writes with "Save style"; the symbol layers carry
their properties both as ``<Option>`` maps (QGIS >= 3.26) and as ``<prop>``
elements (older QGIS 3), so QGIS 3.x opens them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from xml.sax.saxutils import quoteattr

import pandas as pd

from planner.i18n import label, tr
from planner.reporting.gpkg_layers import LINK_KINDS
from planner.reporting.map_assets import STATUS_COLOR, TIER_STYLE
from planner.reporting.workbook import column_header

__all__ = ["layer_qml", "field_alias", "categorized", "graduated", "single", "qml_document",
           "marker", "line", "fill", "SHARE_CLASSES"]

#: Headers of the columns the GeoPackage layers add to the workbook's (used when the workbook has none).
EXTRA_LABELS: dict[str, tuple[str, str]] = {
    "geometry_source": ("图形来源", "Geometry source"), "settlement": ("村/社区", "Settlement"),
    "link": ("连线类型", "Link"), "facility": ("设施", "Facility"), "covered": ("已覆盖", "Covered"),
    "tier_label": ("层级名称", "Tier name"), "kind_label": ("类别", "Kind"),
}
#: Township coverage classes: (lower, upper, colour) of the share served, red (low) to green (high).
SHARE_CLASSES: tuple[tuple[float, float, str], ...] = (
    (0.0, 0.5, "#d7191c"), (0.5, 0.7, "#fdae61"), (0.7, 0.8, "#ffffbf"), (0.8, 0.9, "#a6d96a"), (0.9, 1.0, "#1a9641"),
)
_GEOMETRY_TYPE = {"marker": 0, "line": 1, "fill": 2}
_SITE_SHAPE = {"community": "diamond", "township": "star", "county": "square"}


def field_alias(col: str, lang: str) -> str:
    """The header of column ``col`` in ``lang``: the workbook's, else this module's, else the name itself."""
    from planner.reporting.scenario_tables import SCENARIO_COLUMNS

    header = column_header(col, lang)
    if header != col:
        return header
    words = EXTRA_LABELS.get(col) or SCENARIO_COLUMNS.get(col)
    return tr(lang, *words) if words else header


def _rgba(colour: str, alpha: int = 255) -> str:
    c = colour.lstrip("#")
    return f"{int(c[0:2], 16)},{int(c[2:4], 16)},{int(c[4:6], 16)},{alpha}"


def _symbol_layer(cls: str, props: dict[str, str]) -> str:
    options = "".join(f'<Option type="QString" name={quoteattr(k)} value={quoteattr(v)}/>' for k, v in props.items())
    old = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return (f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">{options}</Option>'
            f"{old}</layer>")


def marker(colour: str, *, shape: str = "circle", size: float = 2.4, outline: str = "#232323") -> tuple[str, str]:
    """A simple marker symbol: (symbol type, symbol-layer XML)."""
    return "marker", _symbol_layer("SimpleMarker", {
        "name": shape, "color": _rgba(colour), "outline_color": _rgba(outline), "outline_width": "0.2",
        "outline_width_unit": "MM", "size": f"{size:g}", "size_unit": "MM", "outline_style": "solid",
    })


def line(colour: str, *, width: float = 0.3, style: str = "solid", alpha: int = 255) -> tuple[str, str]:
    """A simple line symbol: (symbol type, symbol-layer XML)."""
    return "line", _symbol_layer("SimpleLine", {
        "line_color": _rgba(colour, alpha), "line_width": f"{width:g}", "line_width_unit": "MM",
        "line_style": style, "capstyle": "round", "joinstyle": "round",
    })


def fill(colour: str | None, *, alpha: int = 255, outline: str = "#232323", width: float = 0.26,
         outline_style: str = "solid") -> tuple[str, str]:
    """A simple fill symbol (``colour=None``: outline only): (symbol type, symbol-layer XML)."""
    return "fill", _symbol_layer("SimpleFill", {
        "color": _rgba(colour or "#ffffff", alpha if colour else 0), "style": "solid" if colour else "no",
        "outline_color": _rgba(outline), "outline_width": f"{width:g}", "outline_width_unit": "MM",
        "outline_style": outline_style, "joinstyle": "bevel",
    })


def _symbols(symbols: Sequence[tuple[str, str]]) -> str:
    return "<symbols>" + "".join(
        f'<symbol type="{kind}" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">{xml}</symbol>'
        for i, (kind, xml) in enumerate(symbols)) + "</symbols>"


def categorized(attr: str, categories: Iterable[tuple[str, str, tuple[str, str]]]) -> tuple[str, str]:
    """Colour by the value of ``attr``: categories (value, label, symbol); returns (symbol type, renderer)."""
    cats = list(categories)
    rows = "".join(f'<category type="string" render="true" symbol="{i}" value={quoteattr(str(v))} '
                   f"label={quoteattr(lab)}/>"
                   for i, (v, lab, _) in enumerate(cats))
    kind = cats[0][2][0] if cats else "marker"
    return kind, (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attr)} symbollevels="0" '
                  f'forceraster="0" enableorderby="0"><categories>{rows}</categories>'
                  f"{_symbols([c[2] for c in cats])}</renderer-v2>")


def graduated(attr: str, ranges: Iterable[tuple[float, float, str, tuple[str, str]]]) -> tuple[str, str]:
    """Colour by classes of the number ``attr``: ranges (lower, upper, label, symbol); (symbol type, renderer)."""
    rs = list(ranges)
    rows = "".join(f'<range render="true" symbol="{i}" lower="{lo:.6f}" upper="{hi:.6f}" label={quoteattr(lab)}/>'
                   for i, (lo, hi, lab, _) in enumerate(rs))
    return rs[0][3][0], (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(attr)} graduatedMethod="GraduatedColor"'
                         f' symbollevels="0" forceraster="0" enableorderby="0"><ranges>{rows}</ranges>'
                         f"{_symbols([r[3] for r in rs])}</renderer-v2>")


def single(symbol: tuple[str, str]) -> tuple[str, str]:
    """One symbol for every feature: (symbol type, renderer)."""
    return symbol[0], (f'<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
                       f"{_symbols([symbol])}</renderer-v2>")


def _labeling(field: str) -> str:
    return ('<labeling type="simple"><settings calloutType="simple"><text-style fieldName='
            f'{quoteattr(field)} isExpression="0" fontSize="9" fontWeight="50" textColor="30,30,30,255" '
            'textOpacity="1"><text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" '
            'bufferColor="255,255,255,255" bufferOpacity="0.9"/></text-style>'
            '<placement placement="0" placementFlags="10"/><rendering obstacle="1" scaleVisibility="0"/>'
            "</settings></labeling>")


def qml_document(fields: Sequence[str], lang: str, *, renderer: tuple[str, str] | None = None,
                 label_field: str | None = None, known: Mapping[str, str] | None = None) -> str:
    """A QML style: the renderer (``None`` for an attribute table), optional labels and the field aliases.

    Parameters
    ----------
    fields : sequence of str
        The layer's attribute columns in order (the GeoPackage ``fid`` is field 0 before them).
    lang : {"zh", "en"}
        Language of the aliases.
    renderer : (str, str), optional
        (symbol type, ``<renderer-v2>`` XML) from :func:`categorized`, :func:`graduated` or :func:`single`.
    label_field : str, optional
        Label the features with this column.
    known : mapping, optional
        Column -> alias for columns whose header depends on the study (scenario names); others
        from :func:`field_alias`.

    Returns
    -------
    str
    """
    names = {f: (known or {}).get(f) or field_alias(f, lang) for f in fields}
    aliases = "".join(f"<alias field={quoteattr(f)} index=\"{i}\" name={quoteattr(names[f])}/>"
                      for i, f in enumerate(fields, start=1))
    geometry = _GEOMETRY_TYPE.get(renderer[0], 4) if renderer else 4
    body = renderer[1] if renderer else ""
    if label_field:
        body += _labeling(label_field)
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="3.28.0" styleCategories="Symbology|Labeling|Fields" '
            f'labelsEnabled="{int(bool(label_field))}">'
            f"{body}<aliases>{aliases}</aliases><layerGeometryType>{geometry}</layerGeometryType></qgis>\n")


def _tier_points(tiers: Iterable[str], lang: str, *, sites: bool = False) -> tuple[str, str]:
    cats = []
    for tier in tiers:
        style = TIER_STYLE.get(tier, TIER_STYLE["community"])
        size = float(style["size"]) / 7.0
        symbol = (marker(style["color"], shape=_SITE_SHAPE.get(tier, "diamond"), size=size + 1.0, outline="#ffffff")
                  if sites else marker(style["color"], shape="square" if tier != "community" else "circle",
                                       size=size))
        cats.append((tier, tr(lang, f"建议新增：{label(tier, 'zh')}", f"Proposed: {label(tier, 'en')}")
                     if sites else label(tier, lang), symbol))
    return categorized("tier", cats)


def _share_ranges(lang: str) -> tuple[str, str]:
    ranges = [(lo, hi, f"{lo:.0%} – {hi:.0%}", fill(colour, alpha=200, outline="#555555")) for lo, hi, colour
              in SHARE_CLASSES]
    return graduated("served_share", ranges)


def _renderer(name: str, frame: pd.DataFrame, lang: str) -> tuple[tuple[str, str] | None, str | None]:
    """The drawing and the label column of layer ``name`` (``None`` renderer: an attribute table)."""
    tiers = [t for t in ("county", "township", "community")
             if "tier" not in frame or t in set(frame["tier"].astype(str))]
    if name == "facilities":
        return _tier_points(tiers, lang), None
    if name.startswith("proposed_sites"):
        return _tier_points(tiers, lang, sites=True), "name"
    if name == "settlements":
        return categorized("status", [(s, label(s, lang), marker(c, size=2.0)) for s, c in STATUS_COLOR.items()]), None
    if name == "centres":
        return single(marker(TIER_STYLE["township"]["color"], shape="star", size=4.2)), "name"
    if name in ("circles", "circles_by_tier"):
        return categorized("tier", [(t, label(t, lang), fill(TIER_STYLE[t]["color"], alpha=50,
                                                             outline=TIER_STYLE[t]["color"], width=0.3))
                                    for t in tiers]), None
    if name == "catchments":
        return single(fill(None, outline=TIER_STYLE["township"]["color"], width=0.5, outline_style="dash")), "name"
    if name == "township_coverage":
        return _share_ranges(lang), "township"
    if name == "townships":
        return single(fill(None, outline="#444444", width=0.4)), "township"
    if name == "counties":
        return single(fill(None, outline="#000000", width=0.9)), None
    if name == "allocation_lines":
        colours = {"centre": TIER_STYLE["township"]["color"], **{f"nearest_{t}": TIER_STYLE[t]["color"]
                                                                for t in TIER_STYLE}}
        kinds = [k for k in LINK_KINDS if k in set(frame.get("kind", pd.Series(dtype=object)))]
        return categorized("kind", [(k, tr(lang, *LINK_KINDS[k]),
                                     line(colours.get(k, "#666666"), width=0.5 if k == "centre" else 0.25,
                                          style="solid" if k == "centre" else "dash", alpha=200))
                                    for k in kinds]), None
    return None, None


def layer_qml(name: str, frame: pd.DataFrame, lang: str = "zh", *, known: Mapping[str, str] | None = None) -> str:
    """The QML style of one of the study's GeoPackage layers (as written: index columns first).

    Parameters
    ----------
    name : str
        The layer name (``facilities``, ``settlements``, ``township_coverage``...).
    frame : pandas.DataFrame
        The layer as written to the file (:func:`planner.io.file_safe`).
    lang : {"zh", "en"}
        Language of the aliases and legend labels.
    known : mapping, optional
        Column -> alias for columns named by the study (scenario names).

    Returns
    -------
    str
    """
    geom = getattr(frame, "_geometry_column_name", None)
    fields = [str(c) for c in frame.columns if c != geom]
    renderer, label_field = _renderer(name, frame, lang) if geom in frame.columns else (None, None)
    if label_field not in fields:
        label_field = None
    return qml_document(fields, lang, renderer=renderer, label_field=label_field, known=known)

