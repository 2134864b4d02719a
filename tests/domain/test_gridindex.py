"""Point to grid agrees with a plain shapely loop, edges included."""

from __future__ import annotations

import numpy as np
import shapely

from models.world.gridindex import GridIndex


def test_bulk_agrees_with_brute_force(tiny_city) -> None:
    index = GridIndex.from_db(tiny_city.db)
    rng = np.random.default_rng(3)
    lon = rng.uniform(112.975, 112.995, 5000)
    lat = rng.uniform(28.175, 28.195, 5000)
    # plus points exactly on shared edges and corners
    lon = np.r_[lon, 112.985, 112.985, 112.99]
    lat = np.r_[lat, 28.1875, 28.185, 28.185]
    got = index.locate_many(lon, lat)
    polys = [shapely.from_wkb(tiny_city.cells[c].wkb) for c in tiny_city.grid_codes]
    for x, y, gid in zip(lon, lat, got, strict=True):
        owners = [g for g, p in zip(tiny_city.grids, polys, strict=True)
                  if p.intersects(shapely.Point(x, y))]
        assert gid == (min(owners) if owners else -1)
        assert index.locate(x, y) == (min(owners) if owners else None)
    assert (got == -1).any() and (got >= 0).any()


def test_empty_query_and_no_hits() -> None:
    index = GridIndex([1], [shapely.box(0, 0, 1, 1)])
    assert index.locate_many([], []).tolist() == []
    assert index.locate_many([5.0], [5.0]).tolist() == [-1]
