"""The city's extent: where a case (or a position) can be, as stored in the database.

A case in New York or on Null Island (0, 0) is a broken input, not an event the city can
handle: it would be stored with no grid and no one responsible for it. The extent is the
union of the stored district boundaries (or, where none are stored, of the grids), widened by
:data:`EXTENT_MARGIN_DEG` so that a point a few metres past the outer boundary (GPS error,
a report from the curb) is still taken in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

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
           margin_deg: float = EXTENT_MARGIN_DEG) -> "CityExtent":
        area = shapely.union_all([p for p in polygons if p is not None]).buffer(margin_deg)
        shapely.prepare(area)
        return cls(area)

    @classmethod
    def from_db(cls, db) -> "CityExtent | None":  # noqa: ANN001
        """The districts stored in ``db`` (else its grids); None when it holds neither."""
        from models.auth import Actor
        from models.units import UnitService

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
        return tuple(self.geometry.bounds)  # type: ignore[return-value]


__all__ = ["EXTENT_MARGIN_DEG", "CityExtent"]
