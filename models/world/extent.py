"""The city's extent: where a case (or a position) can be, as stored in the database.

A case in New York or on Null Island (0, 0) is a broken input, not an event the city can
handle: it would be stored with no grid and no one responsible for it. The extent is the
union of the stored district boundaries (or, where none are stored, of the grids), widened by
:data:`EXTENT_MARGIN_DEG` so that a point a few metres past the outer boundary (GPS error,
a report from the curb) is still taken in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from sqlalchemy import func, select

from models.core.limits import CityExtent as FeedExtent
from models.storage.db import Database
from models.storage.schema import AdminUnit, Grid, Level

EXTENT_MARGIN_DEG = 0.001  # about 100 m: GPS error at the boundary, not another city


@dataclass(frozen=True)
class CityExtent:
    """The area a location must lie in.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> extent = CityExtent.of([box(112.9, 28.1, 113.0, 28.2)])
    >>> extent.contains(112.95, 28.15), extent.contains(-74.0, 40.7), extent.contains(0, 0)
    (True, False, False)
    >>> extent.contains_many([112.95, 0.0], [28.15, 0.0]).tolist()
    [True, False]
    """

    geometry: shapely.Geometry

    @classmethod
    def of(cls, polygons: list[shapely.Geometry],
           margin_deg: float = EXTENT_MARGIN_DEG) -> CityExtent:
        area = shapely.union_all([p for p in polygons if p is not None]).buffer(margin_deg)
        shapely.prepare(area)
        return cls(area)

    @classmethod
    def from_db(cls, db) -> CityExtent | None:  # noqa: ANN001
        """The districts stored in ``db`` (else its grids); None when it holds neither."""
        from models.core.auth import Actor
        from models.world.units import UnitService

        units = UnitService(db, Actor.system("extent"))
        polygons = list(units.unit_geometries("district").values())
        if not polygons:
            polygons = units.grid_geometries()[2]
        return cls.of(polygons) if polygons else None

    def contains(self, lon: float, lat: float) -> bool:
        return bool(shapely.contains_xy(self.geometry, lon, lat))

    def contains_many(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
        return np.asarray(shapely.contains_xy(self.geometry, np.asarray(lon, dtype=float),
                                              np.asarray(lat, dtype=float)))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(self.geometry.bounds)


__all__ = ["EXTENT_MARGIN_DEG", "CityExtent"]


def city_extent(db: Database) -> FeedExtent | None:
    """The extent of the feeds' range checks (:class:`models.core.limits.CityExtent`): the
    extent of the stored districts and grids, or None when nothing is stored yet
    (an empty database refuses no position)."""
    with db.read() as s:
        box = s.execute(select(func.min(Grid.min_lon), func.min(Grid.min_lat),
                               func.max(Grid.max_lon), func.max(Grid.max_lat))).one()
        shapes = s.scalars(select(AdminUnit.geometry).where(
            AdminUnit.level == Level.DISTRICT, AdminUnit.geometry.is_not(None))).all()
    boxes = [tuple(box)] if box[0] is not None else []
    boxes += [tuple(shapely.from_wkb(g).bounds) for g in shapes]
    boxes = [b for b in boxes if all(math.isfinite(x) for x in b)]
    if not boxes:
        return None
    return FeedExtent(min(b[0] for b in boxes), min(b[1] for b in boxes),
                      max(b[2] for b in boxes), max(b[3] for b in boxes))
