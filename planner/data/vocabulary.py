"""The words of the input tables: settlement kinds, 公办 values, township kinds, field names in Chinese."""

from __future__ import annotations

import re

from planner.io import ALIASES

__all__ = [
    "KIND_VALUES",
    "PUBLIC_VALUES",
    "TOWNSHIP_KINDS",
    "FIELD_ZH",
    "AMAP_HINT",
    "township_kind_from_name",
    "settlement_kind_from_name",
]

#: Settlement kind values (lower-cased) -> canonical kind.
KIND_VALUES: dict[str, str] = {
    "村": "village", "行政村": "village", "自然村": "village", "村委会": "village", "village": "village",
    "社区": "community", "居委会": "community", "community": "community",
}
#: 公办 values (lower-cased) -> bool.
PUBLIC_VALUES: dict[str, bool] = {
    "是": True, "公办": True, "公建公营": True, "公建民营": True, "true": True, "1": True, "yes": True,
    "否": False, "民办": False, "false": False, "0": False, "no": False,
}
#: Township kind values (lower-cased) -> canonical kind.
TOWNSHIP_KINDS: dict[str, str] = {
    "街道": "street", "street": "street", "镇": "town", "town": "town",
    "乡": "township", "township": "township", "民族乡": "township",
}
#: The planner's field names in Chinese, for messages about missing columns: the first (Chinese) alias each
#: field is recognised by, so a message suggests exactly the header the reader accepts.
FIELD_ZH: dict[str, str] = {field: aliases[0] for field, aliases in ALIASES.items()}
#: Words in a file or column name that suggest Amap/Gaode, Tencent or Baidu coordinates.
AMAP_HINT = re.compile(r"高德|amap|gaode|gcj|火星|百度|baidu|bd09|腾讯|tencent", re.IGNORECASE)

_COMMUNITY_NAME = re.compile(r"(社区|居委会)$")
_VILLAGE_NAME = re.compile(r"(村|村委会|屯)$")


def township_kind_from_name(name: str) -> str:
    """Kind of a township-level unit from its name: ``street`` (街道), ``town`` (镇), ``township`` (乡).

    Parameters
    ----------
    name : str
        E.g. ``"站前街道"``, ``"站前街道办事处"``, ``"梨树乡"``, ``"明义乡"`` (民族乡 too); the rule is
        :func:`planner.reference.township_kind`'s.

    Returns
    -------
    str
        ``"street"``, ``"town"``, ``"township"``, or ``""`` when the name does not say.
    """
    from planner.reference import township_kind  # the official lists' rule, one for the tool

    kind = township_kind(name)
    return "" if kind == "other" else kind


def settlement_kind_from_name(name: str) -> str | None:
    """``"community"`` (…社区, …居委会), ``"village"`` (…村, …村委会, …屯) or ``None`` when the name does not say."""
    if _COMMUNITY_NAME.search(name):
        return "community"
    if _VILLAGE_NAME.search(name):
        return "village"
    return None
