"""Administrative names: kinds from suffixes, and the fuzzy name matcher.

Official names (National Bureau of Statistics codes) and map names (GeoNames,
OpenStreetMap) of the same place differ in small, regular ways:

* suffixes: 石头河子镇 / 石头河子, 新华街道办事处 / 新华街道, 永和乡 / 永和;
* variant characters: 闫家 / 阎家, 崗 / 岗;
* a dropped trailing 子 or 屯: 石头河 / 石头河子.

:func:`name_core` removes the suffix and normalises the variants;
:func:`name_score` compares two cores (1.0 identical, 0.9 one a prefix of the
other plus 子 or 屯, else ``difflib`` ratio); and
:func:`match_names` pairs two lists one-to-one, best score first, never below
``min_score``.  Every match carries its score so callers can label it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

__all__ = [
    "TOWNSHIP_KINDS",
    "SETTLEMENT_KINDS",
    "township_kind",
    "settlement_kind",
    "is_virtual",
    "name_core",
    "name_score",
    "match_names",
    "DEFAULT_MIN_SCORE",
]

#: Township-level kinds: 街道 -> street, 镇 -> town, 乡 -> township; farms, forestry bureaus... -> other.
TOWNSHIP_KINDS = ("street", "town", "township", "other")
#: Village-level kinds: 村委会 -> village, 社区居委会 -> community; farm 管理区/生活区 -> village; 虚拟... -> virtual.
SETTLEMENT_KINDS = ("village", "community", "virtual")

#: The lowest score :func:`match_names` accepts.
DEFAULT_MIN_SCORE = 0.9

_TOWNSHIP_SUFFIX = re.compile(r"(街道办事处|街道办|街道|地区办事处|办事处|民族乡|民族镇|镇|乡)$")
_ETHNIC = re.compile(r"(朝鲜族|满族|蒙古族|达斡尔族|鄂伦春族|赫哲族|回族|锡伯族|柯尔克孜族|鄂温克族)$")
_SETTLEMENT_SUFFIX = re.compile(
    r"(社区居民委员会|社区居委会|居民委员会|居委会|社区|村民委员会|村委员会|村委会|委会|生活区|管理区|自然村|行政村|村)$")
_COMMUNITY = re.compile(r"(社区居民委员会|社区居委会|居民委员会|居委会|社区)$")
_VILLAGE = re.compile(r"(村民委员会|村委员会|村委会|村|屯|生活区|管理区)$")
#: Variant characters seen in place names -> one form (traditional/old forms and common alternates).
_VARIANTS = str.maketrans({
    "阎": "闫", "崗": "岗", "屯": "屯", "於": "于", "莊": "庄", "馬": "马", "溝": "沟", "灣": "湾",
    "傢": "家", "廟": "庙", "東": "东", "臺": "台", "台": "台", "龍": "龙", "鎮": "镇", "鄉": "乡",
    "興": "兴", "長": "长", "陽": "阳", "發": "发", "寶": "宝", "義": "义", "勝": "胜", "豐": "丰",
    "〇": "零",
})
_DROPPABLE_TAIL = "子屯"


def township_kind(name: str) -> str:
    """Kind of a township-level unit from its official name.

    Parameters
    ----------
    name : str
        E.g. ``"花园街道"``, ``"王岗镇"``, ``"红旗满族乡"``, ``"红旗农场"``.

    Returns
    -------
    str
        ``"street"`` (街道, 街道办事处, 地区办事处), ``"town"`` (镇), ``"township"`` (乡) or ``"other"``
        (state farms, forestry bureaus, development zones...).
    """
    name = str(name).strip()
    if name.endswith(("街道", "街道办事处", "街道办", "地区办事处")):
        return "street"
    if name.endswith("镇"):
        return "town"
    if name.endswith("乡"):
        return "township"
    return "other"


def is_virtual(name: str) -> bool:
    """True for statistical units with no residents of their own (虚拟社区, 虚拟生活区)."""
    return "虚拟" in str(name)


def settlement_kind(name: str) -> str:
    """Kind of a village-level unit from its official name.

    Parameters
    ----------
    name : str
        E.g. ``"索菲亚社区居委会"`` (community), ``"红星村委会"`` (village), ``"第一管理区"`` (village: a
        state farm's residential area), ``"虚拟生活区"`` (virtual).

    Returns
    -------
    str
        ``"community"`` for 社区/居委会/居民委员会 names, ``"virtual"`` for 虚拟 units, else ``"village"``
        (村委会, 村民委员会, farm 管理区/生活区 and anything unrecognised, which in the NBS list are rural units).
    """
    name = str(name).strip()
    if is_virtual(name):
        return "virtual"
    if _COMMUNITY.search(name):
        return "community"
    return "village"


def name_core(name: str) -> str:
    """The distinctive part of a place name: administrative suffix removed, variant characters unified.

    Parameters
    ----------
    name : str
        E.g. ``"阎家岗镇"``, ``"石头河子村民委员会"``, ``"红旗满族乡"``.

    Returns
    -------
    str
        E.g. ``"闫家岗"``, ``"石头河子"``, ``"红旗"``; the whole (normalised) name when removing the
        suffix would leave fewer than two characters (东乡, 新村).
    """
    text = re.sub(r"[\s()（）·・]", "", str(name)).translate(_VARIANTS)
    core = _TOWNSHIP_SUFFIX.sub("", text)
    if core == text:  # a village-level name: 靠山村村委会 -> 靠山村 -> 靠山
        for _ in range(2):
            core = _SETTLEMENT_SUFFIX.sub("", text)
            if core == text or len(core) < 2:
                break
            text = core
    elif len(core) >= 2:  # 东乡, 新村: the suffix is part of the name
        text = core
    core = _ETHNIC.sub("", text)
    return core or text


def name_score(a: str, b: str) -> float:
    """Similarity of two place names in [0, 1], compared on their cores (:func:`name_core`).

    Parameters
    ----------
    a, b : str
        Names (official or map names, with or without suffixes).

    Returns
    -------
    float
        1.0 when the cores are equal; 0.9 when one core is the other plus 子 or 屯
        (石头河 / 石头河子); otherwise ``difflib.SequenceMatcher`` ratio of the cores.  0.0 for empty names.
    """
    ca, cb = name_core(a), name_core(b)
    if not ca or not cb:
        return 0.0
    if ca == cb:
        return 1.0
    short, long_ = sorted((ca, cb), key=len)
    if len(long_) == len(short) + 1 and long_.startswith(short) and long_[-1] in _DROPPABLE_TAIL and len(short) >= 2:
        return 0.9
    return difflib.SequenceMatcher(None, ca, cb).ratio()


def match_names(
    left: Sequence[str],
    right: Sequence[Iterable[str] | str],
    *,
    min_score: float = DEFAULT_MIN_SCORE,
) -> list[tuple[int, int, float]]:
    """Pair names one-to-one, best score first.

    Parameters
    ----------
    left : sequence of str
        Official names (e.g. a county's townships).
    right : sequence of str or of iterables of str
        Map places; each may carry several names (GeoNames' Chinese alternate names), the best counts.
    min_score : float, keyword-only
        Pairs scoring below this are never made.

    Returns
    -------
    list of (int, int, float)
        ``(left index, right index, score)``, each index used at most once, sorted by left index.
        Ties are broken by the lower right index, so the result does not depend on set order.
    """
    options = [[r] if isinstance(r, str) else list(r) for r in right]
    pairs = []
    for i, name in enumerate(left):
        for j, names in enumerate(options):
            score = max((name_score(name, n) for n in names), default=0.0)
            if score >= min_score:
                pairs.append((-score, i, j))
    pairs.sort()
    used_left: set[int] = set()
    used_right: set[int] = set()
    out = []
    for neg, i, j in pairs:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        out.append((i, j, -neg))
    return sorted(out)
