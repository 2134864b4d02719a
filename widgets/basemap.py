"""The one rule for a base map's settings (no Qt): the settings file is checked with it when
it is read (:class:`console.settings.BaseMapSettings`), the map when it is built
(:class:`widgets.citymap.BaseMap`)."""

from __future__ import annotations

from pathlib import Path

from models.core.errors import DatumError
from models.core.geo import Datum

BASE_MAP_KINDS = ("none", "xyz", "wmts", "mbtiles")
"""No base map (the grid layer is the map), an XYZ or WMTS URL template, an MBTiles file."""


def check_base_map(kind: str, url: str, path: str, datum: str, *,
                   file_present: bool = True) -> None:
    """Raise :class:`ValueError` unless these describe a usable base map.

    With ``file_present`` false an MBTiles file is not looked for: a settings file naming
    one on a drive that is not mounted is still a valid settings file (the map, built with
    the check, then starts without it).
    """
    if kind not in BASE_MAP_KINDS:
        raise ValueError(f"unknown base map kind {kind!r}")
    for name, value in (("URL", url), ("path", path), ("datum", datum)):
        if not isinstance(value, str):
            raise ValueError(f"the base map's {name} must be text, not {value!r}")
    try:
        Datum.parse(datum)
    except DatumError as exc:  # a bad setting like the others, not a domain error
        raise ValueError(str(exc)) from exc
    if kind in ("xyz", "wmts") and not url:
        raise ValueError("an XYZ or WMTS base map needs a URL template")
    if file_present and kind == "mbtiles" and not Path(path).is_file():
        raise ValueError(f"MBTiles file not found: {path!r}")
