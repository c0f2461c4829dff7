"""Column recognition: the planner's field names, their aliases, and which file column holds each field.

:func:`recognise_columns` maps the planner's field names to the file's columns
by the alias table of ``docs/architecture.md`` (case-insensitive, first alias
that matches wins), with the user's ``[inputs.<layer>.columns]`` overrides
taking precedence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["ALIASES", "LAYER_FIELDS", "ColumnMatch", "recognise_columns", "known_column_names", "norm_name"]

#: Column aliases per planner field (docs/architecture.md); first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("编号", "设施编号", "机构编号", "村编号", "代码", "区划代码", "id", "code", "fid"),
    "name": ("名称", "机构名称", "设施名称", "村名", "社区名称", "name"),
    "type": ("类型", "设施类型", "机构类型", "type", "category"),
    "kind": ("类型", "村社类型", "类别", "kind", "type"),
    "x": ("经度", "lng", "lon", "long", "longitude", "x", "东经"),
    "y": ("纬度", "lat", "latitude", "y", "北纬"),
    "beds": ("床位数", "床位", "总床位", "beds"),
    "nursing_beds": ("护理型床位数", "护理型床位", "护理床位", "nursing_beds"),
    "occupied_beds": ("入住人数", "在住人数", "入住床位", "occupied", "occupied_beds"),
    "public": ("是否公办", "公办", "性质", "举办性质", "public"),
    "capacity": ("服务能力", "服务人数", "服务老人数", "capacity"),
    "township": ("所属乡镇", "乡镇", "街道", "乡镇街道", "乡镇(街道)", "township", "town"),
    "county": ("所属县", "县", "区县", "县(市、区)", "county", "district"),
    "population": ("总人口", "常住人口", "户籍人口", "人口", "population", "pop"),
    "older_population": (
        "60岁以上人口", "60岁及以上人口", "老年人口", "older_population", "pop60", "pop60plus",
    ),
    "city": ("所属市", "地级市", "所属地级市", "市", "city", "prefecture"),
}

#: Fields each layer may have, and which of them are required.  ``x``/``y``
#: are required only for tables (vector files carry geometry).
LAYER_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "facilities": {
        "required": ("type", "x", "y"),
        "optional": ("id", "name", "beds", "nursing_beds", "occupied_beds", "public", "capacity",
                     "township", "county"),
    },
    "settlements": {
        "required": ("x", "y"),
        "optional": ("id", "name", "kind", "township", "county", "population", "older_population"),
    },
    "candidates": {
        "required": ("x", "y"),
        "optional": ("id", "name", "type", "township", "county"),
    },
    "townships": {"required": ("name",), "optional": ("kind", "county")},
    "counties": {"required": ("name",), "optional": ("city",)},
}


@dataclass(frozen=True)
class ColumnMatch:
    """Which file column holds each planner field.

    Parameters
    ----------
    columns
        Field -> column name in the file, for the fields found.
    missing
        Required fields with no column.
    found
        Every column of the file (to show the user when something is missing).
    bad_overrides
        Overrides from the config that name a column the file does not have.
    """

    columns: Mapping[str, str]
    missing: tuple[str, ...] = ()
    found: tuple[str, ...] = ()
    bad_overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every required field was found and every override exists."""
        return not self.missing and not self.bad_overrides


# --------------------------------------------------------------------------- columns


def norm_name(name: str) -> str:
    """A column name for comparison: trimmed, lower case, ASCII brackets and commas, no spaces."""
    return (
        str(name).strip().lower()
        .replace("（", "(").replace("）", ")").replace("，", ",").replace(" ", "")
    )


def recognise_columns(
    columns: Sequence[str],
    fields: Sequence[str],
    *,
    required: Sequence[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> ColumnMatch:
    """Match planner fields to a file's columns.

    Parameters
    ----------
    columns
        The file's column names.
    fields
        Planner fields to look for (keys of :data:`ALIASES`).
    required
        Fields that must be found.
    overrides
        Field -> column name from ``[inputs.<layer>.columns]``; these win
        over the aliases.  An override naming a column the file lacks is
        reported in ``bad_overrides``.

    Returns
    -------
    ColumnMatch
        Each file column is used for at most one field (overrides first,
        then fields in the order given).
    """
    columns = [str(c) for c in columns if c != "geometry"]
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm_name(c), c)
    used: set[str] = set()
    out: dict[str, str] = {}
    bad: dict[str, str] = {}
    for fld, col in (overrides or {}).items():
        hit = col if col in columns else by_norm.get(norm_name(col))
        if hit is None:
            bad[fld] = col
        else:
            out[fld] = hit
            used.add(hit)
    for fld in fields:
        if fld in out or fld in bad:
            continue
        for alias in ALIASES.get(fld, (fld,)):
            hit = by_norm.get(norm_name(alias))
            if hit is not None and hit not in used:
                out[fld] = hit
                used.add(hit)
                break
    missing = tuple(f for f in required if f not in out and f not in bad)
    return ColumnMatch(columns=out, missing=missing, found=tuple(columns), bad_overrides=bad)


def known_column_names(extra: Sequence[str] = ()) -> frozenset[str]:
    """Every alias of every field, normalised (:func:`norm_name`), plus ``extra`` column names.

    Used to recognise a header row: the row whose cells are known column names.
    """
    names = {norm_name(a) for aliases in ALIASES.values() for a in aliases}
    names.update(norm_name(e) for e in extra)
    return frozenset(names)
