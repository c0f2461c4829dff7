"""Loading a study configuration from TOML: unknown keys are named with the closest valid key."""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.config.access import AccessConfig
from planner.config.checks import check_config, check_values
from planner.config.execution import ExecutionConfig
from planner.config.model import (
    TIER_KEYS,
    Inputs,
    InputSpec,
    NetworkConfig,
    PolicyTargets,
    PopulationConfig,
    SitingConfig,
    StudyConfig,
    Tier,
    TravelProfile,
    default_config,
)
from planner.config.output import OutputConfig
from planner.config.scenarios import Scenario
from planner.errors import ConfigError

__all__ = ["load_config", "config_from_dict"]


def load_config(path: str | Path) -> StudyConfig:
    """Load a study configuration from a TOML file.

    Parameters
    ----------
    path
        The TOML file.  Relative paths inside it are relative to its folder.

    Returns
    -------
    StudyConfig

    Raises
    ------
    ConfigError
        On TOML syntax errors, unknown keys (naming the closest valid key),
        or values of the wrong type.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config files must be UTF-8 encoded; re-save it as UTF-8") from None
    return config_from_dict(data, base_dir=path.parent, source=path)


def config_from_dict(
    data: Mapping[str, Any], *, base_dir: str | Path = ".", source: Path | None = None
) -> StudyConfig:
    """Build a :class:`StudyConfig` from a parsed TOML mapping (see :func:`load_config`)."""
    where = str(source) if source is not None else "<config>"
    base = Path(base_dir)
    defaults = default_config()
    data = dict(data)
    profiles = dict(defaults.profiles)
    for name, raw in _as_table(data.pop("profiles", {}), "profiles", where).items():
        base_prof = profiles.get(name) or _new_profile(name, raw, defaults.profiles)
        profiles[name] = _build(TravelProfile, raw, f"profiles.{name}", where, base_prof, base, name=name)
    tiers = dict(defaults.tiers)
    for key, raw in _as_table(data.pop("tiers", {}), "tiers", where).items():
        if key not in TIER_KEYS:
            raise ConfigError(_unknown(where, "tiers", key, TIER_KEYS))
        tiers[key] = _build(Tier, raw, f"tiers.{key}", where, tiers[key], base, key=key)
    kwargs: dict[str, Any] = {"profiles": profiles, "tiers": tiers, "source": source}
    valid_top = [f.name for f in dataclasses.fields(StudyConfig) if f.name != "source"]
    for key, value in data.items():
        if key not in valid_top:
            raise ConfigError(_unknown(where, "", key, valid_top))
        if key == "inputs":
            kwargs[key] = _inputs(_as_table(value, "inputs", where), where, base)
        elif key == "scenarios":
            kwargs[key] = _scenarios(value, where, base)
        elif key in _SECTIONS:
            kwargs[key] = _build(_SECTIONS[key], value, key, where, _SECTIONS[key](), base)
        else:
            kwargs[key] = _coerce(StudyConfig, key, value, where, key, base)
            check_values(StudyConfig, {key: kwargs[key]}, "", where)
    try:
        config = StudyConfig(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    check_config(config, where)
    return config


#: The built-in profile a new profile of each mode starts from (its road classes, one-way and speed rules).
_MODE_BASE = {"walk": "walk", "bike": "ebike", "drive": "drive"}


def _new_profile(name: str, raw: Any, builtin: Mapping[str, TravelProfile]) -> TravelProfile:
    """A user's new profile starts from the built-in profile of its mode (else it could use no road)."""
    mode = raw.get("mode", "walk") if isinstance(raw, Mapping) else "walk"
    base = builtin.get(_MODE_BASE.get(mode, "walk")) if isinstance(mode, str) else None
    return TravelProfile(name=name) if base is None else dataclasses.replace(base, name=name)


#: The config's sections that are one dataclass each (``inputs`` is a table of :class:`InputSpec`).
_SECTIONS: dict[str, type] = {
    "population": PopulationConfig, "network": NetworkConfig, "targets": PolicyTargets, "siting": SitingConfig,
    "output": OutputConfig,
    "access": AccessConfig,
    "execution": ExecutionConfig,
}
#: Accepted TOML value types per scalar field type (``bool`` is never a number).
_SCALARS: dict[type, tuple[type, ...]] = {bool: (bool,), float: (int, float), int: (int,), str: (str,)}


def _inputs(table: dict[str, Any], where: str, base_dir: Path) -> Inputs:
    """``[inputs]``: each layer a table, or just its path."""
    names = [f.name for f in dataclasses.fields(Inputs)]
    specs = {}
    for name, spec in table.items():
        if name not in names:
            raise ConfigError(_unknown(where, "inputs", name, names))
        spec = {"path": spec} if isinstance(spec, str) else spec
        specs[name] = _build(InputSpec, spec, f"inputs.{name}", where, InputSpec(), base_dir)
    return Inputs(**specs)


def _scenarios(value: Any, where: str, base_dir: Path) -> dict[str, Scenario]:
    """``[scenarios.<name>]`` tables, or ``[[scenarios]]`` entries each with its ``name``."""
    if isinstance(value, list):
        named: dict[str, Any] = {}
        for i, raw in enumerate(value, start=1):
            raw = dict(_as_table(raw, f"scenarios #{i}", where))
            name = raw.pop("name", None)
            if not isinstance(name, str) or not name.strip() or name in named:
                raise ConfigError(f"{where}: [[scenarios]] entry {i} needs a unique name; fix: add name = \"winter\"")
            named[name] = raw
        value = named
    return {name: _build(Scenario, raw, f"scenarios.{name}", where, Scenario(name=name), base_dir, name=name)
            for name, raw in _as_table(value, "scenarios", where).items()}


def _as_table(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{key}] must be a table, got {type(value).__name__} {value!r}")
    return dict(value)


def _unknown(where: str, section: str, key: str, valid: typing.Iterable[str]) -> str:
    valid = list(valid)
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    full = f"{section}.{key}" if section else key
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{where}: unknown key {full!r}{hint} Valid keys here: {', '.join(valid)}"


def _build(cls: type, raw: Any, section: str, where: str, base_obj: Any, base_dir: Path, **fixed: Any) -> Any:
    """``base_obj`` with the keys of table ``raw`` (section ``[section]``) applied, and ``fixed``."""
    raw = _as_table(raw, section, where)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in names or key in fixed:
            raise ConfigError(_unknown(where, section, key, [n for n in names if n not in fixed]))
        values[key] = _coerce(cls, key, value, where, f"{section}.{key}", base_dir)
    check_values(cls, values, section, where)
    try:
        return dataclasses.replace(base_obj, **values, **fixed)
    except (TypeError, ValueError) as exc:  # ConfigError from the dataclass checks included
        raise ConfigError(f"{where}: [{section}] {exc}") from None


def _coerce(cls: type, key: str, value: Any, where: str, full: str, base_dir: Path) -> Any:
    """TOML ``value`` for field ``key`` of ``cls``, checked against the field's type."""
    hint = typing.get_type_hints(cls)[key]
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        hint = next(a for a in args if a is not type(None))
        if value in ("", None):
            return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    bad = ConfigError(f"{where}: {full} = {value!r} has the wrong type; expected {_describe(hint)}")
    if hint is Path:
        if not isinstance(value, str):
            raise bad
        return Path(value) if Path(value).is_absolute() else base_dir / value
    if hint in _SCALARS:
        if not isinstance(value, _SCALARS[hint]) or (hint is not bool and isinstance(value, bool)):
            raise bad
        return float(value) if hint is float else value
    if origin is tuple and args[:1] == (float,):  # a list of numbers
        if not isinstance(value, list | tuple) or any(isinstance(v, bool) or not isinstance(v, int | float)
                                                     for v in value):
            raise ConfigError(f"{where}: {full} = {value!r} has the wrong type; expected a list of numbers")
        return tuple(float(v) for v in value)
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise bad
        return tuple(value)
    if origin in (Mapping, dict) or hint is Mapping:
        if not isinstance(value, Mapping):
            raise bad
        val_type = args[1] if len(args) == 2 else Any
        return {str(k): _table_value(v, val_type, f"{where}: {full}.{k}") for k, v in value.items()}
    return value


def _table_value(v: Any, val_type: Any, name: str) -> Any:
    if val_type is float:
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ConfigError(f"{name} = {v!r} must be a number")
        return float(v)
    if val_type is str and not isinstance(v, str):
        raise ConfigError(f"{name} = {v!r} must be a string")
    return v


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if hint is Path:
        return "a path string"
    if origin is tuple:
        return "a list of strings"
    return "a table" if origin in (Mapping, dict) else getattr(hint, "__name__", str(hint))
