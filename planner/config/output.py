"""``[output]``: how the output files are written (the coordinate reference system of the GIS layers).

WGS84 (EPSG:4326) is the default: every web map and GPS uses it.  CGCS2000
(EPSG:4490, 2000国家大地坐标系) is China's national standard and what a
bureau's GIS expects.  The two frames differ by a few centimetres, far below
the precision of the inputs, so PROJ converts between them with a null
transformation: the coordinates stay the same numbers and only the declared
CRS changes (``docs/geopackage.md``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["OutputConfig", "OUTPUT_CRS"]

#: The output CRS names a study may choose (``[output] crs``) -> the CRS written into the files.
OUTPUT_CRS: dict[str, str] = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}


@dataclass(frozen=True)
class OutputConfig:
    """How the output files are written.

    Attributes
    ----------
    crs
        ``"wgs84"`` (EPSG:4326, default) or ``"cgcs2000"`` (EPSG:4490): the CRS of the GeoPackage layers.
    """

    crs: str = "wgs84"

    def __post_init__(self) -> None:
        # The allowed values live in one table (config/checks.py), also for an OutputConfig built in Python.
        from planner.config.checks import check_values

        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        check_values(OutputConfig, values, "output", "OutputConfig")

    @property
    def epsg(self) -> str:
        """The CRS written into the files, e.g. ``"EPSG:4490"``."""
        return OUTPUT_CRS[self.crs]
