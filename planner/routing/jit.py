"""Whether the routing kernels are already compiled: numba's on-disk cache, looked at before the first search.

The kernels are compiled with ``cache=True``: the first run on a computer
compiles them (about 40 s) and writes the machine code next to the modules
(``__pycache__``), or in the user's cache folder when that folder is read-only
(numba's own fallback; ``NUMBA_CACHE_DIR`` overrides both); later runs load it
in well under a second.  :func:`kernels_need_compiling` tells the caller
before that wait, so it can say why the first run pauses.
"""

from __future__ import annotations

import importlib
import logging

__all__ = ["kernels_need_compiling", "JIT_MODULES"]

logger = logging.getLogger(__name__)

#: The routing modules holding numba kernels compiled with ``cache=True``.
JIT_MODULES = ("planner.routing.csr", "planner.routing.grid", "planner.routing.contract",
               "planner.routing.kernels")


def _cached(dispatcher) -> bool:
    """Whether numba holds fresh machine code of ``dispatcher`` on disk (its cache index is current)."""
    cache = getattr(dispatcher, "_cache", None)
    index = getattr(cache, "_cache_file", None)
    return bool(index is not None and index._load_index())


def kernels_need_compiling() -> bool | None:
    """Whether the next search compiles routing kernels (a module of :data:`JIT_MODULES` has none cached).

    Returns
    -------
    bool or None
        ``True``: the first search will compile (tens of seconds); ``False``: every module has
        cached machine code; ``None``: numba's cache could not be read (unknown).
    """
    try:
        from numba.core.registry import CPUDispatcher
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    try:
        for name in JIT_MODULES:
            module = importlib.import_module(name)
            kernels = [v for v in vars(module).values() if isinstance(v, CPUDispatcher)
                       and v.__module__ == name and v.targetoptions.get("inline", "never") == "never"]
            if kernels and not any(_cached(k) for k in kernels):
                return True
    except Exception as exc:  # noqa: BLE001 - numba's private cache layout changed: say "unknown"
        logger.debug("numba cache not readable: %s", exc)
        return None
    return False
