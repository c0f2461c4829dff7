"""Read-only containers shared by the configuration and the result types.

Results and the study configuration are frozen dataclasses; the mappings they
hold are :class:`FrozenMap` (read-only and hashable), made by :func:`freeze`,
so neither a result nor a config can be changed after it was made, and the
parameters that produced a result travel in one place: its ``params`` field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

__all__ = ["FrozenMap", "freeze", "thaw", "freeze_fields", "FrozenParams"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable mapping (insertion order kept).

    Parameters
    ----------
    data : mapping or iterable of pairs, optional
    **kwargs
        More items.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | Any = (), /, **kwargs: V) -> None:
        object.__setattr__(self, "_data", dict(data, **kwargs))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple(self._data.items())))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))

    def __or__(self, other: Mapping[K, V]) -> FrozenMap[K, V]:
        return FrozenMap({**self._data, **other})


def freeze(value: Any) -> Any:
    """Deep read-only copy: dicts become :class:`FrozenMap`, lists and sets tuples/frozensets.

    Other values (numbers, strings, frozen dataclasses, arrays) are returned as they are.
    """
    if isinstance(value, FrozenMap):
        return value
    if isinstance(value, Mapping):
        return FrozenMap({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain (mutable) copy of a frozen value: mappings become dicts, tuples lists."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def freeze_fields(obj: Any, *names: str) -> None:
    """Make the mapping fields ``names`` of a frozen dataclass deep read-only (call from ``__post_init__``)."""
    for name in names:
        object.__setattr__(obj, name, freeze(getattr(obj, name)))


class FrozenParams:
    """Base of the frozen result dataclasses: their ``params`` become a deep read-only mapping.

    A result declares ``params: Mapping[str, Any] = field(default_factory=dict)``; whatever
    mapping it is given is frozen once, here, so parameters travel one way and cannot change.
    """

    def __post_init__(self) -> None:
        freeze_fields(self, "params")
