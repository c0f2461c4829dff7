"""``planner init``: a study folder for a real county from the packaged reference data.

::

    planner init --county 南岗区 --city 哈尔滨市 --facilities 设施.xlsx --roads harbin.osm.pbf --out 南岗区

writes ``study.toml`` (commented, runs as is), ``boundaries/county.geojson``,
``settlements/settlements.csv`` (every official village and community with its
code, township and kind; coordinates only where a map name matched, else
``需要坐标`` = 是), ``reference/townships.csv`` (township points, their source and
the estimated 60+), the facilities file, and ``待补充.md`` (what the planner
must still supply).  Nothing is invented: an unmatched unit has no coordinates.

Demand where villages have no coordinates: a township with unlocated units
and a point of its own (OSM boundary, OSM place, GeoNames seat) gets one
**stand-in** settlement row ``<township>（代表点）`` at that point, so the
estimated older people of those units stay in the study (at an inferred place,
labelled so); in a Harbin district offline this is how every 街道 enters.
Units with neither coordinates nor a stand-in are left out of the study, and
so are their estimated older people (counted, never moved onto neighbours).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError, InputFileNotFoundError
from planner.reference import (
    CensusTotals,
    CountyRef,
    census_older,
    county_boundary,
    find_county,
    township_seats,
    townships,
    villages,
)
from planner.results import FrozenMap
from planner.scaffold.files import (
    COORD_SOURCE_ZH,
    NEEDS_COORDS,
    SETTLEMENT_COLUMNS,
    settlement_rows,
    study_toml,
    write_boundary,
    write_csv,
    write_township_polygons,
)
from planner.scaffold.places import locate_townships, locate_villages, osm_file_boundaries, osm_file_places
from planner.scaffold.population import older_by_township

__all__ = ["InitResult", "init_study", "DEFAULT_ONLINE_TIMEOUT_S"]

logger = logging.getLogger(__name__)

DEFAULT_ONLINE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class InitResult:
    """What ``planner init`` wrote.

    Parameters
    ----------
    folder, config_path
        The study folder and its ``study.toml``.
    county, census
        The county and its census figures.
    settlements, township_points
        The tables written (settlements.csv rows; one row per township with its point and estimated 60+).
    counts
        ``units``, ``virtual``, ``located`` (and per source ``located_<source>``), ``needs_coordinates``,
        ``stand_ins``, ``townships``, ``townships_located``, ``older_total``, ``older_not_in_study``.
    todo
        What the planner must still supply, one sentence each (Chinese).
    """

    folder: Path
    config_path: Path
    county: CountyRef
    census: CensusTotals
    settlements: pd.DataFrame
    township_points: pd.DataFrame
    counts: FrozenMap = field(default_factory=FrozenMap)
    todo: tuple[str, ...] = ()


def _places(roads: Path | None, online: bool, polygon: Any, cache_dir: Path, timeout_s: float):
    """OSM places and boundaries inside the county: from the road file, or downloaded (--online)."""
    if online:
        from planner.network import osm_places_in

        return osm_places_in(polygon, cache_dir=cache_dir, timeout_s=timeout_s), None, "osm_match"
    if roads is None:
        return None, None, ""
    return osm_file_places(roads, polygon), osm_file_boundaries(roads, polygon), "osm_file_match"


def _stand_ins(towns: pd.DataFrame, points: pd.DataFrame, units: pd.DataFrame, has: pd.Series) -> pd.DataFrame:
    """One settlement row per township with unlocated units and a point of its own."""
    rows = []
    for idx, t in towns.iterrows():
        mine = units[(units["township_code"] == t["code"]) & ~has]
        if mine.empty or not points.at[idx, "coord_source"]:
            continue
        n_comm = int((mine["kind"] == "community").sum())
        src = points.at[idx, "coord_source"]
        rows.append({
            "编号": t["code"], "名称": f"{t['name']}（代表点）", "类型": "社区" if n_comm * 2 >= len(mine) else "村",
            "所属乡镇": t["name"], "所属县": t["county"], "60岁以上人口": "",
            "经度": points.at[idx, "lon"], "纬度": points.at[idx, "lat"], NEEDS_COORDS: "否",
            "坐标来源": COORD_SOURCE_ZH.get(src, src), "匹配得分": f"{points.at[idx, 'score']:.2f}",
            "匹配对象": points.at[idx, "match"],
            "备注": (f"推断的代表点：代表本{('街道' if t['kind'] == 'street' else '乡镇')}尚无坐标的 "
                     f"{len(mine)} 个村/社区，老年人口按普查总数估算；补齐这些村/社区的坐标后删除此行"),
        })
    return pd.DataFrame(rows, columns=list(SETTLEMENT_COLUMNS))


def _todo(counts: dict[str, int], missing_towns: list[str], online: bool, roads: Path | None) -> tuple[str, ...]:
    out = []
    if counts["needs_coordinates"]:
        out.append(f"{counts['needs_coordinates']} 个村/社区没有坐标：在 settlements/settlements.csv 中"
                   f"「{NEEDS_COORDS}」= 是 的行填写经度、纬度（WGS84；取自高德/腾讯地图时在 study.toml 的 "
                   "[inputs.settlements] 写 crs = \"gcj02\"）")
    if counts["stand_ins"]:
        out.append(f"{counts['stand_ins']} 个乡镇街道以推断的代表点代表其尚无坐标的村/社区（名称带「代表点」）："
                   "补齐坐标后删除代表点行")
    if counts["units_not_in_study"]:
        where = f"（其中 {'、'.join(missing_towns)} 没有任何位置）" if missing_towns else ""
        out.append(f"{counts['units_not_in_study']} 个村/社区既无坐标也无代表点{where}，"
                   f"其估算的 {counts['older_not_in_study']:,} 名老年人不在分析中：补这些村/社区的坐标")
    out.append("60 岁以上人口均为按普查总数估算（规则见 study.toml）：有登记数的村/社区填入「60岁以上人口」列")
    out.append("核对设施表：公办性质、床位、服务能力不明的项目会被标为未知（planner validate 会逐行列出）")
    if not online and roads is None:
        out.append("没有路网：在 study.toml [inputs] 写 roads = \"<OSM 文件>\"，或用 planner init --online")
    return tuple(out)


def _counts(units: pd.DataFrame, n_all: int, located: pd.DataFrame, rows: pd.DataFrame, points: pd.DataFrame,
            older: pd.DataFrame, census: CensusTotals, represented: pd.Series) -> dict[str, int]:
    has = located["coord_source"] != ""
    return {"units": len(units), "virtual": n_all - len(units), "located": int(has.sum()),
            **{f"located_{s}": int((located["coord_source"] == s).sum())
               for s in sorted(set(located["coord_source"]) - {""})},
            "needs_coordinates": int((~has).sum()), "stand_ins": int(rows["名称"].str.endswith("（代表点）").sum()),
            "townships": len(points), "townships_located": int((points["coord_source"] != "").sum()),
            "older_total": int(census.pop60plus),
            "older_in_study": int(older["older_in_study"].sum()),
            "older_not_in_study": int(older["older_estimated"].sum() - older["older_in_study"].sum()),
            "units_not_in_study": int((~represented).sum())}


def _township_table(towns: pd.DataFrame, points: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    """reference/townships.csv: each township, its point and source, its units and estimated 60+."""
    tp = towns.join(points.drop(columns="polygon")).merge(older.drop(columns="township"), left_on="code",
                                                          right_index=True, how="left")
    counted = ["communities", "villages", "older_estimated", "older_in_study"]
    tp[counted] = tp[counted].fillna(0).astype(int)  # a township without units: none of them
    return tp


def _copy_facilities(facilities: Path, folder: Path) -> None:
    dest = folder / "facilities" / facilities.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if facilities.resolve() != dest.resolve():
        shutil.copy2(facilities, dest)


def init_study(county: str, *, city: str | None = None, facilities: str | Path, roads: str | Path | None = None,
               online: bool = False, out: str | Path | None = None, force: bool = False,
               timeout_s: float = DEFAULT_ONLINE_TIMEOUT_S) -> InitResult:
    """Write a study folder for a real county (see the module docstring).

    Parameters
    ----------
    county : str
        County name or 6-digit code in the packaged reference data.
    city : str, optional, keyword-only
        The county's city, when the name is ambiguous.
    facilities : str or Path, keyword-only
        The planner's facility table (Excel/CSV/GeoJSON); copied into ``facilities/``.
    roads : str or Path, optional, keyword-only
        OSM road file (``.osm.pbf``...), referenced by absolute path; also the offline source of OSM names.
    online : bool, keyword-only
        Download OSM places for village coordinates now and the roads at run time (``network.source = osmnx``).
    out : str or Path, optional, keyword-only
        The study folder (default: ``./<county>``).
    force : bool, keyword-only
        Overwrite an existing ``study.toml``.
    timeout_s : float, keyword-only
        Server timeout of the ``--online`` place download.

    Returns
    -------
    InitResult

    Raises
    ------
    InputError
        Unknown or ambiguous county, both ``roads`` and ``online``, or an existing study without ``force``.
    InputFileNotFoundError
        The facilities or road file does not exist.
    """
    if roads is not None and online:
        raise InputError("give either --roads <file> or --online, not both")
    ref = find_county(county, city)
    folder = Path(out) if out is not None else Path(ref.name)
    config_path = folder / "study.toml"
    if config_path.exists() and not force:
        raise InputError(f"{config_path} already exists; choose another --out or add --force to overwrite it")
    facilities = Path(facilities)
    roads = Path(roads).resolve() if roads is not None else None
    for what, path in (("facilities", facilities), ("roads", roads)):
        if path is not None and not path.exists():
            raise InputFileNotFoundError(f"{path}: {what} file not found; check the path")
    census, boundary = census_older(ref), county_boundary(ref)
    polygon = boundary.geometry.iloc[0]
    towns = townships(ref)
    all_units = villages(ref)
    units = all_units[all_units["kind"] != "virtual"]
    places, bounds, source = _places(roads, online, polygon, folder / "cache", timeout_s)
    points = locate_townships(towns, township_seats(ref), bounds, places)
    located = locate_villages(units, places, source=source)
    has = located["coord_source"] != ""
    rows = pd.concat([settlement_rows(units, located), _stand_ins(towns, points, units, has)], ignore_index=True)
    stood_for = set(rows.loc[rows["名称"].str.endswith("（代表点）"), "编号"])
    represented = has | units["township_code"].isin(stood_for)
    older = older_by_township(units, census, represented)
    placed = set(rows.loc[rows[NEEDS_COORDS] == "否", "所属乡镇"])
    missing = [t for t in older["township"] if t not in placed]
    counts = _counts(units, len(all_units), located, rows, points, older, census, represented)
    tp = _township_table(towns, points, older)
    _copy_facilities(facilities, folder)
    write_boundary(boundary, ref, folder / "boundaries" / "county.geojson")
    write_csv(rows, folder / "settlements" / "settlements.csv")
    write_csv(tp, folder / "reference" / "townships.csv")
    n_polys = write_township_polygons(towns, points, folder / "boundaries" / "townships.geojson")
    totals = {t: v for t, v in zip(older["township"], older["older_in_study"]) if t in placed}
    config_path.write_text(study_toml(census, ref, facilities=f"facilities/{facilities.name}",
                                      roads=str(roads) if roads else None, online=online, totals=totals,
                                      counts=counts, missing_towns=missing, township_polygons=n_polys),
                           encoding="utf-8")
    todo = _todo(counts, missing, online, roads)
    (folder / "待补充.md").write_text("# 仍需补充 / still to supply\n\n" + "\n".join(f"- {t}" for t in todo) + "\n",
                                    encoding="utf-8")
    logger.info("planner init: %s", counts)
    return InitResult(folder=folder, config_path=config_path, county=ref, census=census, settlements=rows,
                      township_points=tp, counts=FrozenMap(counts), todo=todo)
