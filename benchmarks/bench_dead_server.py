"""Time from a download to its error message when the server is silent or refuses the connection.

Usage::

    PYTHONPATH=$PWD python benchmarks/bench_dead_server.py [--timeout 2]

A local TCP server accepts connections and never answers; the road download
(Overpass) and the geocoding (Nominatim) are pointed at it with
``timeout_s`` and ``retries`` 0 and 2, then at a closed port (refused).  Each
line prints the seconds until the :class:`~planner.errors.NetworkError` (osmnx
already imported; Nominatim includes osmnx's own 1 s pause before a request).
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import shapely

from planner.config import config_from_dict
from planner.errors import NetworkError
from planner.network import OnlineSettings, geocode_place, load_network

BOX = shapely.box(126.63, 45.755, 126.64, 45.762)  # a few blocks of central Harbin


def _silent_port() -> int:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held = []
    threading.Thread(target=lambda: [held.append(srv.accept()[0]) for _ in iter(int, 1)], daemon=True).start()
    return srv.getsockname()[1]


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def _seconds(call) -> float:
    t0 = time.perf_counter()
    try:
        call()
    except NetworkError:
        return time.perf_counter() - t0
    raise AssertionError("no NetworkError")


def main() -> None:
    """Print one timing line per case."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args()
    import osmnx  # noqa: F401 - imported before timing (several seconds on a busy machine)

    cache = Path(tempfile.mkdtemp())
    for kind, port in (("silent", _silent_port()), ("refused", _closed_port())):
        for retries in (0, 2):
            cfg = config_from_dict({"network": {"source": "osmnx", "timeout_s": args.timeout, "retries": retries,
                                                "buffer_m": 0, "overpass_url": f"http://127.0.0.1:{port}/api"}},
                                   base_dir=cache)
            s = _seconds(lambda cfg=cfg: load_network(cfg, BOX))
            print(f"overpass {kind:7s} timeout {args.timeout:g} s retries {retries}: {s:5.2f} s to the message")
        settings = OnlineSettings(cache_dir=cache, timeout_s=args.timeout, retries=0,
                                  nominatim_url=f"http://127.0.0.1:{port}/")
        s = _seconds(lambda settings=settings: geocode_place("桦南县", settings))
        print(f"nominatim {kind:7s} timeout {args.timeout:g} s retries 0: {s:5.2f} s to the message")


if __name__ == "__main__":
    main()
