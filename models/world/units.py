"""Read access to the administrative units and grids (the map's base layer)."""

from __future__ import annotations

import json

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models.core.auth import Actor, Perm
from models.core.errors import NotFoundError
from models.core.records import DistrictSummary, GridRecord, UnitRecord
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import AdminUnit, Grid, GridKind, Level, Staff


class UnitService:
    """Units of the four levels and their grids, read by one acting user."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db, self.actor = db, actor

    def units(self, level: str | None = None) -> list[UnitRecord]:
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "unit.list", "unit"):
            q = select(AdminUnit).order_by(AdminUnit.code)
            if level:
                q = q.where(AdminUnit.level == Level(level))
            with self.db.read() as s:
                return [UnitRecord(u.id, u.code, u.name, u.name_en, u.level.value, u.parent_id,
                                   u.generated) for u in s.scalars(q)]

    def unit_geometries(self, level: str) -> dict[str, shapely.Geometry]:
        """Boundary of every unit of ``level``, by code (WGS-84)."""
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "unit.geometry", "unit"):
            with self.db.read() as s:
                rows = s.execute(select(AdminUnit.code, AdminUnit.geometry)
                                 .where(AdminUnit.level == Level(level),
                                        AdminUnit.geometry.is_not(None)))
                return {code: shapely.from_wkb(wkb) for code, wkb in rows}

    def grids(self, *, code: str | None = None) -> list[GridRecord]:
        """All grids in code order (or the one with ``code``)."""
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "grid.list", "grid"):
            comm = aliased(AdminUnit)
            q = (select(Grid, comm.code).join(comm, comm.id == Grid.community_id)
                 .order_by(Grid.code))
            if code is not None:
                q = q.where(Grid.code == code)
            with self.db.read() as s:
                return [GridRecord(g.id, g.code, g.kind.value,
                                   g.dedicated_type.value if g.dedicated_type else None, g.name,
                                   g.community_id, ccode, g.area_m2, g.population, g.generated,
                                   (g.min_lon, g.min_lat, g.max_lon, g.max_lat))
                        for g, ccode in s.execute(q)]

    def grid_geometries(self) -> tuple[list[int], list[str], list[shapely.Geometry]]:
        """Ids, codes and polygons of all grids, in code order (for indexes and the map)."""
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "grid.geometry", "grid"):
            with self.db.read() as s:
                rows = s.execute(select(Grid.id, Grid.code, Grid.geometry).order_by(Grid.code)
                                 ).all()
        return ([r[0] for r in rows], [r[1] for r in rows],
                list(shapely.from_wkb([r[2] for r in rows])))

    def grid_by_code(self, code: str) -> GridRecord:
        found = self.grids(code=code)
        if not found:
            raise NotFoundError(f"no grid with code {code!r}")
        return found[0]

    def counts(self) -> dict[str, int]:
        """Units per level and grids per kind."""
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "unit.count", "unit"):
            with self.db.read() as s:
                out = {lvl.value: n for lvl, n in s.execute(
                    select(AdminUnit.level, func.count()).group_by(AdminUnit.level))}
                for kind, n in s.execute(select(Grid.kind, func.count()).group_by(Grid.kind)):
                    out[f"grids_{GridKind(kind).value}"] = n
                return out


def district_summaries(db: Database, actor: Actor) -> list[DistrictSummary]:
    """Counts of streets, communities, grids and grid staff per district."""
    with audit.guarded(db, actor, Perm.GRID_READ, "unit.summary", "unit"):
        street = aliased(AdminUnit)
        comm = aliased(AdminUnit)
        with db.read() as s:
            districts = s.scalars(select(AdminUnit).where(AdminUnit.level == Level.DISTRICT)
                                  .order_by(AdminUnit.code)).all()
            n_streets = dict(s.execute(select(street.parent_id, func.count())
                                       .where(street.level == Level.STREET)
                                       .group_by(street.parent_id)).all())
            n_comms = dict(s.execute(
                select(street.parent_id, func.count(comm.id))
                .join(comm, comm.parent_id == street.id).group_by(street.parent_id)).all())
            grid_rows = s.execute(
                select(street.parent_id, Grid.kind, func.count(Grid.id))
                .join(comm, comm.parent_id == street.id)
                .join(Grid, Grid.community_id == comm.id)
                .group_by(street.parent_id, Grid.kind)).all()
            staff_rows = dict(s.execute(
                select(street.parent_id, func.count(Staff.id))
                .join(comm, comm.parent_id == street.id)
                .join(Grid, Grid.community_id == comm.id)
                .join(Staff, Staff.home_grid_id == Grid.id)
                .group_by(street.parent_id)).all())
    grids: dict[int | None, int] = {}  # by district (a street's parent_id)
    dedicated: dict[int | None, int] = {}
    for did, kind, n in grid_rows:
        grids[did] = grids.get(did, 0) + n
        if GridKind(kind) is GridKind.DEDICATED:
            dedicated[did] = n
    return [DistrictSummary(d.code, d.name, d.name_en, n_streets.get(d.id, 0),
                            n_comms.get(d.id, 0), grids.get(d.id, 0), dedicated.get(d.id, 0),
                            staff_rows.get(d.id, 0), (d.area_m2 or 0.0) / 1e6)
            for d in districts]


def _feature_collection(rows, props) -> dict:  # noqa: ANN001
    features = []
    for row in rows:
        geom = json.loads(shapely.to_geojson(shapely.from_wkb(row.geometry), indent=None))
        features.append({"type": "Feature", "properties": props(row), "geometry": geom})
    return {"type": "FeatureCollection", "features": features}


def grid_feature_collection(db: Database, actor: Actor) -> dict:
    """Every grid as GeoJSON (WGS-84) for the map: code, kind, dedicated type, community."""
    with audit.guarded(db, actor, Perm.GRID_READ, "grid.geometry", "grid"):
        comm = aliased(AdminUnit)
        q = (select(Grid.code, Grid.kind, Grid.dedicated_type, Grid.geometry,
                    comm.code.label("community_code"))
             .join(comm, comm.id == Grid.community_id).order_by(Grid.code))
        with db.read() as s:
            rows = s.execute(q).all()
    return _feature_collection(rows, lambda r: {
        "code": r.code, "kind": r.kind.value,
        "dedicated_type": r.dedicated_type.value if r.dedicated_type else None,
        "community_code": r.community_code})


def boundary_feature_collection(db: Database, actor: Actor, level: str) -> dict:
    """Boundaries of every unit of ``level`` as GeoJSON, with code, name and generated."""
    with audit.guarded(db, actor, Perm.GRID_READ, "unit.geometry", "unit"):
        q = (select(AdminUnit.code, AdminUnit.name, AdminUnit.generated, AdminUnit.geometry)
             .where(AdminUnit.level == Level(level), AdminUnit.geometry.is_not(None))
             .order_by(AdminUnit.code))
        with db.read() as s:
            rows = s.execute(q).all()
    return _feature_collection(rows, lambda r: {"code": r.code, "name": r.name,
                                                "generated": bool(r.generated)})
