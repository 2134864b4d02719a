"""Offline base maps: read tiles from an MBTiles file (SQLite, TMS row order)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def read_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    """The tile z/x/y (XYZ numbering, as Leaflet asks) or None when the file has none.

    MBTiles stores rows in TMS order (origin bottom-left), so ``y`` is flipped.
    """
    if z < 0 or not (0 <= x < 2**z and 0 <= y < 2**z):
        return None
    tms_y = (2**z - 1) - y
    # read-only and immutable: the console never writes a base-map file
    uri = f"file:{Path(path).resolve()}?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? "
                           "AND tile_row=?", (z, x, tms_y)).fetchone()
    return bytes(row[0]) if row else None


def metadata(path: Path) -> dict[str, str]:
    """The MBTiles metadata table (name, format, bounds, minzoom, maxzoom ...)."""
    uri = f"file:{Path(path).resolve()}?mode=ro&immutable=1"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        return dict(conn.execute("SELECT name, value FROM metadata").fetchall())
