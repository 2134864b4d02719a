"""Small worlds for tests (shared by fixtures and hypothesis state machines)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import shapely
from shapely.geometry import box

from models.storage.db import Database
from models.storage.schema import AdminUnit, DutyStatus, Grid, GridKind, Level, Staff, StaffRole


def make_tiny_city(db: Database) -> SimpleNamespace:
    """A one-community city with a 2x2 block of grids and a few staff.

    Returns a namespace with the database and the ids tests need.
    """
    lon0, lat0, step = 112.98, 28.19, 0.005
    cells = {f"430103001001{i + 1:03d}": box(lon0 + (i % 2) * step, lat0 - (i // 2 + 1) * step,
                                             lon0 + (i % 2 + 1) * step, lat0 - (i // 2) * step)
             for i in range(4)}
    outline = shapely.union_all(list(cells.values()))
    with db.write() as s:
        city = AdminUnit(code="430100", name="长沙市", name_en="Changsha", level=Level.CITY)
        s.add(city)
        s.flush()
        district = AdminUnit(code="430103", name="天心区", name_en="Tianxin",
                             level=Level.DISTRICT, parent_id=city.id, geometry=outline.wkb)
        s.add(district)
        s.flush()
        street = AdminUnit(code="430103001", name="街道01", level=Level.STREET,
                           parent_id=district.id, geometry=outline.wkb, generated=True)
        s.add(street)
        s.flush()
        community = AdminUnit(code="430103001001", name="社区01", level=Level.COMMUNITY,
                              parent_id=street.id, geometry=outline.wkb, generated=True)
        s.add(community)
        s.flush()
        grids = []
        for code, poly in cells.items():
            g = Grid(code=code, kind=GridKind.BASIC, community_id=community.id,
                     geometry=poly.wkb, min_lon=poly.bounds[0], min_lat=poly.bounds[1],
                     max_lon=poly.bounds[2], max_lat=poly.bounds[3], area_m2=240_000.0,
                     population=1200)
            s.add(g)
            grids.append(g)
        s.flush()
        staff = []
        for i, role in enumerate((StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.ASSISTANT,
                                  StaffRole.DISPATCHER, StaffRole.SHIFT_LEAD)):
            st = Staff(code=f"S{i:07d}", name=f"测试{i}", phone=f"1381234{i:04d}", role=role,
                       unit_id=community.id if i < 3 else city.id,
                       home_grid_id=grids[0].id if i < 3 else None,
                       duty_status=DutyStatus.ON_DUTY, last_lon=lon0 + 0.001,
                       last_lat=lat0 - 0.001,
                       last_seen_at=dt.datetime(2026, 11, 28, 8, tzinfo=dt.UTC))
            s.add(st)
            staff.append(st)
        s.flush()
        ids = SimpleNamespace(db=db, city=city.id, district=district.id, street=street.id,
                              community=community.id, grids=[g.id for g in grids],
                              grid_codes=list(cells), cells=cells,
                              staff={st.role.value: st.id for st in staff})
    return ids


def add_second_street(city: SimpleNamespace) -> SimpleNamespace:
    """Add a second street of the tiny city's district, with one community and one grid
    (east of the first block); sets ``street2``, ``community2`` and ``grid2`` on ``city``."""
    poly = box(112.99, 28.18, 112.995, 28.185)
    with city.db.write() as s:
        street = AdminUnit(code="430103002", name="街道02", level=Level.STREET,
                           parent_id=city.district, generated=True)
        s.add(street)
        s.flush()
        community = AdminUnit(code="430103002001", name="社区02", level=Level.COMMUNITY,
                              parent_id=street.id, generated=True)
        s.add(community)
        s.flush()
        grid = Grid(code="430103002001001", kind=GridKind.BASIC, community_id=community.id,
                    geometry=poly.wkb, min_lon=poly.bounds[0], min_lat=poly.bounds[1],
                    max_lon=poly.bounds[2], max_lat=poly.bounds[3], area_m2=240_000.0)
        s.add(grid)
        s.flush()
        city.street2, city.community2, city.grid2 = street.id, community.id, grid.id
    return city
