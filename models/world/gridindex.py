"""Point to grid: which grid a location lies in, one point or a million at a time.

A shapely STRtree over the grid polygons; bulk queries are one vectorised call
(``STRtree.query(points, predicate="intersects")``), so assigning a million locations takes
well under a second on the demo city (see ``benchmarks/point_to_grid.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray


class GridIndex:
    """Locate points in a set of grid polygons.

    Parameters
    ----------
    ids : sequence of int
        Grid ids, parallel to ``polygons``.
    polygons : sequence of shapely polygons (WGS-84 lon/lat)

    Examples
    --------
    >>> from shapely.geometry import box
    >>> index = GridIndex([10, 11], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> index.locate(0.5, 0.5), index.locate(5, 5)
    (10, None)
    >>> index.locate_many([0.5, 1.5, 9.0], [0.5, 0.5, 9.0]).tolist()
    [10, 11, -1]

    A point on the edge two grids share belongs to the one listed first:

    >>> index.locate(1.0, 0.5)
    10
    """

    def __init__(self, ids: Sequence[int], polygons: Sequence[shapely.Geometry]) -> None:
        if len(ids) != len(polygons):
            raise ValueError("ids and polygons differ in length")
        self.ids = np.asarray(ids, dtype=np.int64)
        self.polygons = np.asarray(polygons, dtype=object)
        self.tree = shapely.STRtree(self.polygons)

    @classmethod
    def from_db(cls, db, actor=None) -> GridIndex:  # noqa: ANN001
        """Build the index from every grid in ``db`` (read through the unit service)."""
        from models.core.auth import Actor
        from models.world.units import UnitService

        ids, _codes, polys = UnitService(db, actor or Actor.system("index")).grid_geometries()
        return cls(ids, polys)

    def __len__(self) -> int:
        return len(self.ids)

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the grid containing (lon, lat), or None outside every grid."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(self.ids[hits.min()]) if len(hits) else None

    def locate_many(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int64]:
        """Grid ids of many points at once; -1 where a point lies outside every grid."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        points = shapely.points(lon, lat)
        point_ix, poly_ix = self.tree.query(points, predicate="intersects")
        out = np.full(len(lon), -1, dtype=np.int64)
        if len(point_ix) == 0:
            return out
        # The tree answers in point order; re-sort only if a future shapely does not.
        if np.any(point_ix[1:] < point_ix[:-1]):
            order = np.argsort(point_ix, kind="stable")
            point_ix, poly_ix = point_ix[order], poly_ix[order]
        # A point has several hits only on an edge grids share: keep the lowest polygon
        # index, as locate() does.
        starts = np.flatnonzero(np.r_[True, point_ix[1:] != point_ix[:-1]])
        out[point_ix[starts]] = self.ids[np.minimum.reduceat(poly_ix, starts)]
        return out
