"""The columns particular to a point layer: facility type, tier, beds and 公办; settlement kind and population."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.codes import DataProblem, OlderRule, OlderSource
from planner.config import StudyConfig, tier_for_type
from planner.data.cells import cell_text, number
from planner.data.plausibility import check_population
from planner.data.reading import LayerLog
from planner.data.vocabulary import KIND_VALUES, PUBLIC_VALUES, settlement_kind_from_name
from planner.i18n import label

__all__ = ["numeric_column", "facility_fields", "settlement_fields"]


def numeric_column(frame: pd.DataFrame, cols: dict[str, str], fld: str, layer: LayerLog) -> np.ndarray:
    """Field ``fld`` as floats; junk and negative values become NaN with a warning."""
    rows = frame.index.to_numpy()
    out = np.full(len(rows), np.nan)
    if fld not in cols:
        return out
    col = cols[fld]
    for i, (r, raw_v) in enumerate(zip(rows, frame[col].tolist())):
        v, ok = number(raw_v)
        if not ok:
            layer.row(r, col, raw_v, DataProblem.NON_NUMERIC_VALUE, "不是数字，按“未知”处理",
                      "填写数字（不要带单位或文字），未知请留空",
                      "not a number; treated as unknown", "write a plain number, or leave blank if unknown",
                      severity="warning")
        elif v < 0:
            layer.row(r, col, raw_v, DataProblem.NEGATIVE_VALUE, "数值为负，按“未知”处理",
                      "改为正确的非负数，未知请留空", "negative value; treated as unknown",
                      "correct it, or leave blank if unknown", severity="warning")
        else:
            out[i] = v
    return out


def _facility_tiers(frame: pd.DataFrame, cols: dict[str, str], layer: LayerLog,
                    config: StudyConfig) -> tuple[list[str], list[str | None]]:
    """Types as written and their tiers; a type that matches no tier excludes its row."""
    rows = frame.index.to_numpy()
    tcol = cols["type"]
    types = [cell_text(v) for v in frame[tcol].tolist()]
    tiers = [tier_for_type(t, config.tiers) if t else None for t in types]
    unknown = sorted({t for t, k in zip(types, tiers) if k is None})
    if not unknown:
        return types, tiers
    shown = "、".join(f"「{t}」" if t else "（空）" for t in unknown)
    shown_en = ", ".join(f"'{t}'" if t else "(blank)" for t in unknown)
    known_zh = "；".join(f"{tier.name_zh}：{'、'.join(tier.all_words)}" for tier in config.tiers.values())
    known_en = "; ".join(f"{k}: {', '.join(tier.all_words)}" for k, tier in config.tiers.items())
    for r, t, k in zip(rows, types, tiers):
        if k is None:
            layer.row(r, tcol, t, DataProblem.UNKNOWN_FACILITY_TYPE,
                      f"设施类型无法归入县级、乡镇或村级（文件中无法识别的类型：{shown}）",
                      f"类型须包含以下词之一——{known_zh}。或在配置中添加，例如 "
                      f"[tiers.community] extra_words = [\"{t or '类型名称'}\"]",
                      f"facility type matches no tier (unrecognised types in the file: {shown_en})",
                      f"the type must contain one of: {known_en}; or add it in the config, e.g. "
                      f"[tiers.community] extra_words = [\"{t or 'type name'}\"]")
    return types, tiers


def _public(frame: pd.DataFrame, cols: dict[str, str], layer: LayerLog) -> pd.api.extensions.ExtensionArray:
    """公办 as a nullable boolean; unrecognised values become NA with a warning."""
    rows = frame.index.to_numpy()
    public = pd.array([pd.NA] * len(rows), dtype="boolean")
    if "public" not in cols:
        return public
    pcol = cols["public"]
    for i, (r, v) in enumerate(zip(rows, frame[pcol].tolist())):
        v = cell_text(v)
        if not v:
            continue
        b = PUBLIC_VALUES.get(v.lower())
        if b is None:
            layer.row(r, pcol, v, DataProblem.UNKNOWN_BOOLEAN, "无法判断是否公办，按“未知”处理",
                      "填写 是/否、公办/民办", "cannot tell whether public; treated as unknown",
                      "write 是/否 or 公办/民办", severity="warning")
        else:
            public[i] = b
    return public


def facility_fields(frame: pd.DataFrame, cols: dict[str, str], layer: LayerLog, config: StudyConfig,
                    out: pd.DataFrame) -> None:
    """Add ``type``, ``tier``, the bed counts, ``public`` and ``capacity`` to ``out`` (in place)."""
    types, tiers = _facility_tiers(frame, cols, layer, config)
    out["type"] = types
    out["tier"] = [k or "" for k in tiers]
    for fld in ("beds", "nursing_beds", "occupied_beds"):
        out[fld] = numeric_column(frame, cols, fld, layer)
    out["public"] = _public(frame, cols, layer)
    out["capacity"] = _capacity(frame, cols, layer)


def _capacity(frame: pd.DataFrame, cols: dict[str, str], layer: LayerLog) -> np.ndarray:
    """``capacity`` as floats; 0 (a centre serving nobody: a blank written as 0) is unknown, with a warning."""
    cap = numeric_column(frame, cols, "capacity", layer)
    for i in np.flatnonzero(cap == 0):
        layer.row(frame.index[i], cols["capacity"], "0", DataProblem.ZERO_CAPACITY,
                  "服务能力为 0，按“未知”处理（乡镇级中心使用配置的默认服务能力）",
                  "填写该设施可服务的老年人数，未知请留空",
                  "capacity 0; treated as unknown (a township centre takes the config's default capacity)",
                  "write the number of older people the facility serves, or leave blank if unknown",
                  severity="warning")
        cap[i] = np.nan
    return cap


def _settlement_kind(layer: LayerLog, row: int, column: str | None, value: str, name: str) -> str:
    """Village or community from the kind column, else from the name (warning), else ``""`` (error)."""
    kind = KIND_VALUES.get(value.lower())
    if kind is not None:
        return kind
    accepted = "、".join(KIND_VALUES)
    guess = settlement_kind_from_name(name)
    if guess is None:
        layer.row(row, column, value or None, DataProblem.UNKNOWN_SETTLEMENT_KIND,
                  "无法判断是村还是社区" + (f"（类型「{value}」无法识别）" if value else "（类型为空，名称也看不出）"),
                  f"在类型列填写以下之一：{accepted}",
                  "cannot tell whether this is a village or a community",
                  f"write one of: {', '.join(KIND_VALUES)} in the kind column")
        return ""
    guess_zh = label(guess if guess == "village" else "community_kind")
    layer.row(row, column, value or None, DataProblem.KIND_FROM_NAME,
              f"类型{'「' + value + '」无法识别' if value else '为空'}，按名称判断为{guess_zh}",
              f"在类型列填写以下之一：{accepted}",
              f"kind {'unrecognised' if value else 'blank'}; taken from the name as {guess}",
              f"write one of: {', '.join(KIND_VALUES)}", severity="warning")
    return guess


def settlement_fields(frame: pd.DataFrame, cols: dict[str, str], layer: LayerLog, out: pd.DataFrame) -> None:
    """Add ``kind``, ``population``, ``older_population``, ``older_estimated``, ``older_source`` and
    ``older_rule`` to ``out`` (in place; the last two say counted or unknown until the allocation)."""
    rows = frame.index.to_numpy()
    kcol = cols.get("kind")
    kvals = frame[kcol].tolist() if kcol else [None] * len(rows)
    out["kind"] = [_settlement_kind(layer, r, kcol, cell_text(kv), nm) for r, nm, kv in zip(rows, out["name"], kvals)]
    out["population"] = numeric_column(frame, cols, "population", layer)
    out["older_population"] = numeric_column(frame, cols, "older_population", layer)
    for fld in ("population", "older_population"):
        if fld in cols:
            out[fld] = check_population(out[fld].to_numpy(), out["kind"].to_numpy(), rows, cols[fld], layer)
    too_many = out["older_population"].to_numpy() > out["population"].to_numpy()
    for r, older, pop in zip(rows[too_many], out["older_population"][too_many], out["population"][too_many]):
        layer.row(r, cols["older_population"], older, DataProblem.OLDER_EXCEEDS_POPULATION,
                  f"60岁以上人口 {older:g} 大于总人口 {pop:g}", "核对这两个数字（是否填反或多写了一位）",
                  f"population aged 60+ ({older:g}) exceeds the total population ({pop:g})",
                  "check both numbers (swapped columns or an extra digit?)", severity="warning")
    out["older_estimated"] = False
    known = np.isfinite(out["older_population"].to_numpy(dtype=float))
    out["older_source"] = np.where(known, str(OlderSource.COUNTED), str(OlderSource.UNKNOWN))
    out["older_rule"] = np.where(known, str(OlderRule.AS_COUNTED), str(OlderRule.NONE))
