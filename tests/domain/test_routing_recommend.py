"""Who should go: grid adjacency, ranking with reasons for the routed level and department,
distance for everyone, load balancing, verification, unavailable departments, unit
workload, and the inputs read from the database (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pytest
from shapely.geometry import box

from routing.recommend import (
    NEARBY_HOPS,
    grid_adjacency,
    recommend,
    unavailable_departments,
    workload_by_unit,
)

LON0, LAT0, STEP = 112.98, 28.18, 0.005


def block(n: int = 3) -> tuple[list[int], list]:
    """An n x n block of square grids, ids 1..n*n row by row."""
    ids = list(range(1, n * n + 1))
    cells = [box(LON0 + (i % n) * STEP, LAT0 + (i // n) * STEP,
                 LON0 + (i % n + 1) * STEP, LAT0 + (i // n + 1) * STEP) for i in range(n * n)]
    return ids, cells


def test_adjacency_of_a_square_block_has_no_diagonals() -> None:
    ids, cells = block(3)
    g = grid_adjacency(ids, cells)
    assert g.number_of_edges() == 12  # 3 rows x 2 + 3 columns x 2
    assert sorted(g.neighbors(5)) == [2, 4, 6, 8]  # the centre: four sides, no corners
    assert sorted(g.neighbors(1)) == [2, 4]
    assert not g.has_edge(1, 5)  # touching at a corner only
    assert grid_adjacency([7], [cells[0]]).number_of_nodes() == 1


def staff(**over):
    """Five grid workers of the 3 x 3 block, all managers on duty at the case by default."""
    base = dict(staff_ids=np.array([10, 11, 12, 13, 14]),
                roles=["manager"] * 5, duty=["on_duty"] * 5,
                staff_lon=np.full(5, LON0 + STEP / 2), staff_lat=np.full(5, LAT0 + STEP / 2),
                home_grid=[1, 1, 1, 1, 1], workload={})
    base.update(over)
    return base


def test_on_duty_near_beats_off_duty_far() -> None:
    ids, cells = block(3)
    adjacency = grid_adjacency(ids, cells)
    ranked = recommend(LON0 + STEP / 2, LAT0 + STEP / 2, 1, "community", adjacency=adjacency,
                       **staff(duty=["off_duty", "on_duty", "leave", "busy", "on_duty"],
                               roles=["manager", "manager", "manager", "manager", "dispatcher"],
                               staff_lon=np.array([LON0 + 0.05, LON0 + 0.001, LON0, LON0,
                                                   LON0]),
                               home_grid=[9, 1, 1, 1, None]))
    assert [c.staff_id for c in ranked] == [11, 13, 10]  # leave and centre staff are out
    best, busy, far = ranked
    assert best.reasons[:2] == ("role manager: fit 1.0", "on duty")
    assert "home grid is the case's grid" in best.reasons
    assert far.reasons[1] == "off duty"
    assert "home grid 4 grid(s) away" in far.reasons
    assert far.tier == 1 and best.tier == busy.tier == 0  # grid 9 is beyond NEARBY_HOPS
    assert far.distance_m > 4000 > best.distance_m
    assert best.score > busy.score > far.score


def test_workload_penalises() -> None:
    ranked = recommend(LON0, LAT0, None, "community",
                       **staff(workload={10: 6, 11: 0, 12: 1, 13: 2, 14: 3}))
    assert [c.staff_id for c in ranked] == [11, 12, 13, 14, 10]
    assert ranked[-1].reasons[-1] == "6 open case(s)" and ranked[-1].workload == 6
    assert recommend(LON0, LAT0, None, "community", limit=2, **staff())[0].staff_id == 10


def test_department_cases_want_the_department_handlers() -> None:
    args = staff(roles=["handler", "handler", "manager", "assistant", "volunteer"],
                 home_grid=[None, None, 1, 1, 1])
    ranked = recommend(LON0, LAT0, 1, "street", department_id=7,
                       staff_department=[7, 8, None, None, None], **args)
    assert ranked[0].staff_id == 10
    assert ranked[0].reasons[0] == "role handler of the routed department: fit 1.0"
    other = next(c for c in ranked if c.staff_id == 11)
    assert other.reasons[0] == "role handler of another department: fit 0.2"
    assert 14 not in [c.staff_id for c in ranked]  # volunteers do not handle street cases
    # without department information every handler fits
    plain = recommend(LON0, LAT0, 1, "street", **args)
    assert {plain[0].staff_id, plain[1].staff_id} == {10, 11}


def test_the_routed_department_s_handler_wins_from_afar() -> None:
    """Before: handlers had no home grid, so the grid's manager standing at the case (0.5
    for the home grid alone) beat the routed department's handler 3 km away at the street
    centre; and a handler of another department at the case must not come first either."""
    ids, cells = block(3)
    args = staff(roles=["handler", "handler", "manager", "assistant", "supervisor"],
                 home_grid=[None, None, 1, 1, 1],
                 staff_lon=np.array([LON0 + 0.03, LON0, LON0, LON0, LON0]),
                 staff_lat=np.full(5, LAT0), staff_department=[7, 8, None, None, None])
    adjacency = grid_adjacency(ids, cells)
    ranked = recommend(LON0, LAT0, 1, "street", department_id=7, adjacency=adjacency, **args)
    assert ranked[0].staff_id == 10 and ranked[0].tier == 0
    assert ranked[0].distance_m > 2800
    assert [c.tier for c in ranked[1:]] == [1, 1, 1, 1]
    # the police station's case: its handler at the case, then the others
    police = recommend(LON0, LAT0, 1, "street", department_id=8, adjacency=adjacency, **args)
    assert police[0].staff_id == 11
    assert police[0].reasons[0] == "role handler of the routed department: fit 1.0"


def test_nearness_is_the_real_distance_for_everyone() -> None:
    """Before: the case's grid's own manager scored at least 0.5 for nearness wherever he
    stood; now the assistant of a grid two borders away, 150 m from the case, goes before
    the grid's own manager 3 km away."""
    ids, cells = block(3)
    ranked = recommend(LON0 + STEP / 2, LAT0 + STEP / 2, 1, "community",
                       adjacency=grid_adjacency(ids, cells),
                       **staff(staff_ids=np.array([10, 11]), roles=["manager", "assistant"],
                               duty=["on_duty"] * 2,
                               staff_lon=np.array([LON0 + 0.0325, LON0 + STEP / 2 + 0.0015]),
                               staff_lat=np.full(2, LAT0 + STEP / 2), home_grid=[1, 3]))
    assert [c.staff_id for c in ranked] == [11, 10]
    assert ranked[0].hops == 2 and ranked[0].distance_m < 200
    assert "home grid 2 grid(s) away" in ranked[0].reasons
    # handlers too: of two handlers of the department the nearer goes first
    near_far = recommend(LON0, LAT0, 1, "district", department_id=7,
                         **staff(roles=["handler"] * 2, staff_ids=np.array([10, 11]),
                                 duty=["on_duty"] * 2,
                                 staff_lon=np.array([LON0 + 0.02, LON0 + 0.002]),
                                 staff_lat=np.full(2, LAT0), home_grid=[None, None]),
                         staff_department=[7, 7])
    assert [c.staff_id for c in near_far] == [11, 10]
    assert near_far[0].score > near_far[1].score


def test_community_cases_look_to_the_grid_and_nearby_grids_first() -> None:
    """A worker of a far grid standing at the case comes after the case's grid and the
    grids up to NEARBY_HOPS away; without an adjacency graph distance alone decides."""
    ids, cells = block(3)
    adjacency = grid_adjacency(ids, cells)
    args = staff(staff_ids=np.array([10, 11, 12]), roles=["manager"] * 3,
                 duty=["on_duty"] * 3, staff_lon=np.array([LON0, LON0 + 0.006, LON0 + 0.009]),
                 staff_lat=np.full(3, LAT0), home_grid=[9, 1, 3])
    ranked = recommend(LON0, LAT0, 1, "community", adjacency=adjacency, **args)
    assert [(c.staff_id, c.tier) for c in ranked] == [(11, 0), (12, 0), (10, 1)]
    assert ranked[1].hops == NEARBY_HOPS and ranked[2].hops == 4
    assert [c.staff_id for c in recommend(LON0, LAT0, 1, "community", **args)] == [10, 11, 12]


def test_assigning_a_cluster_in_sequence_spreads_the_load() -> None:
    """Twelve cases at one spot, each given to the top choice in turn (its open cases
    counted): the three managers share them, where nearest-first gives all to one."""
    args = staff(staff_ids=np.array([10, 11, 12]), roles=["manager"] * 3,
                 duty=["on_duty"] * 3, home_grid=[1, 1, 1],
                 staff_lon=np.array([LON0 + 0.0005, LON0 + 0.0015, LON0 + 0.003]),
                 staff_lat=np.full(3, LAT0))
    args.pop("workload")
    load: Counter[int] = Counter()
    for _ in range(12):
        load[recommend(LON0, LAT0, 1, "community", workload=load, limit=1, **args)[0]
             .staff_id] += 1
    assert set(load) == {10, 11, 12}
    assert max(load.values()) <= 6
    assert load[10] > load[11] > load[12]  # the nearest still takes the most


def test_the_centre_s_case_goes_to_the_unit_s_handlers() -> None:
    """No department (the district centre handles it itself): the handlers of the routed
    unit come first; when the routed department has nobody, the best of the rest."""
    args = staff(roles=["handler", "handler", "manager", "assistant", "supervisor"],
                 home_grid=[None, None, 1, 1, 1],
                 staff_lon=np.array([LON0 + 0.02, LON0, LON0, LON0, LON0]))
    centre = recommend(LON0, LAT0, 1, "district", unit_id=2, staff_unit=[2, 3, 4, 4, 4],
                       **args)
    assert centre[0].staff_id == 10
    assert centre[0].reasons[0] == "role handler of the routed unit: fit 1.0"
    nobody = recommend(LON0, LAT0, 1, "district", department_id=99,
                       staff_department=[7, 8, None, None, None], **args)
    assert {c.tier for c in nobody} == {0}
    assert nobody[0].staff_id in (12, 13)  # the grid's manager or assistant at the case


def test_verification_is_for_the_grid_s_own_three() -> None:
    args = staff(roles=["supervisor", "manager", "assistant", "volunteer", "manager"],
                 home_grid=[1, 1, 1, 1, 2])
    ranked = recommend(LON0, LAT0, 1, "street", purpose="verify", **args)
    assert [c.staff_id for c in ranked] == [11, 12, 10]
    with pytest.raises(ValueError, match="purpose"):
        recommend(LON0, LAT0, 1, "street", purpose="inspect", **args)


def test_position_unknown_is_said_and_scored_low() -> None:
    ranked = recommend(LON0, LAT0, None, "community",
                       **staff(staff_lon=np.array([np.nan, LON0, LON0, LON0, LON0])))
    assert ranked[-1].staff_id == 10 and "position unknown" in ranked[-1].reasons


def test_unavailable_departments_and_routing_around_them() -> None:
    from routing.graph import DeptRow, EscalationGraph, UnitRow
    from routing.policy import Router

    off = unavailable_departments([1, 1, 2, 3, None], ["off_duty", "leave", "busy",
                                                       "off_duty", "on_duty"])
    assert off == {1, 3}
    units = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
             UnitRow(3, "430103001", "street", 2), UnitRow(4, "430103001001", "community", 3)]
    depts = [DeptRow(1, "S-PCS", "派出所", 3, ("security",)),
             DeptRow(2, "S-ZZ", "综治办", 3, ("security", "party"))]
    router = Router(EscalationGraph(units, {10: 4}, depts), unavailable=off)
    assert router.route(10, "S02").department_id == 2


def test_unit_workload_flags() -> None:
    loads = workload_by_unit({1: 100, 2: 100, 3: 200, 4: 300}, {1: 5, 2: 3, 3: 1, 4: 0})
    assert [(u.unit_id, u.open_cases, u.per_staff, u.state) for u in loads] == [
        (100, 8, 4.0, "overloaded"), (200, 1, 1.0, "normal"), (300, 0, 0.0, "idle")]


# -- the inputs read from the database -------------------------------------------------
def _world(db):
    """The tiny city (tests/citykit.py) with a street city-management squad and police
    station, a district emergency bureau and public security bureau, one handler each:
    the squad's 2 km east at the street centre, the police handler at the case, the
    emergency handler 3 km east, the district police handler at the case."""
    from models.storage.schema import Department, DutyStatus, Staff, StaffRole
    from tests.citykit import make_tiny_city

    city = make_tiny_city(db)
    seen = dt.datetime(2026, 11, 28, 8, tzinfo=dt.UTC)
    with db.write() as s:
        depts = {code: Department(code=code, name=code, unit_id=unit, categories=cats)
                 for code, unit, cats in (("S-CG", city.street, ["city"]),
                                          ("S-PCS", city.street, ["security"]),
                                          ("D-YJ", city.district, ["emergency"]),
                                          ("D-GA", city.district, ["security"]))}
        s.add_all(depts.values())
        s.flush()
        handlers = {}
        for i, (code, unit, lon) in enumerate((("S-CG", city.street, 113.001),
                                               ("S-PCS", city.street, 112.981),
                                               ("D-YJ", city.district, 113.011),
                                               ("D-GA", city.district, 112.981))):
            st = Staff(code=f"H{i:07d}", name=f"处置{i}", phone=f"1391234{i:04d}",
                       role=StaffRole.HANDLER, unit_id=unit, department_id=depts[code].id,
                       duty_status=DutyStatus.ON_DUTY, last_lon=lon, last_lat=28.189,
                       last_seen_at=seen)
            s.add(st)
            s.flush()
            handlers[code] = st.id
    city.depts = {code: d.id for code, d in depts.items()}
    city.handlers = handlers
    return city


def _report(city, subcategory: str):
    from models.cases.service import CaseService, NewCase
    from models.core.auth import Actor
    from models.storage.schema import StaffRole

    svc = CaseService(city.db, Actor("d", StaffRole.DISPATCHER),
                      locate=lambda lon, lat: city.grids[0])
    changes = svc.report(NewCase(channel="patrol", subcategory=subcategory, lon=112.981,
                                 lat=28.189, title=subcategory))
    return svc.get(changes.case_ids[0])


def test_each_case_gets_a_handler_of_its_routed_department(tiny_city_world) -> None:
    """From the database as the console reads it: a street city-management case gets the
    squad's handler 2 km away (not the police handler or the grid's workers at the case),
    a blocked fire lane the district emergency bureau's handler 3 km away, a party matter
    the grid's workers; a dispatched case is ranked for the department it went to."""
    from models.cases.loop import CaseLoop
    from models.cases.service import CaseService
    from models.core.auth import Actor
    from models.storage.schema import StaffRole
    from routing.candidates import (
        read_adjacency,
        read_staff_pool,
        recommend_for_case,
    )
    from routing.graph import EscalationGraph
    from routing.policy import Router

    city = tiny_city_world
    actor = Actor("d", StaffRole.DISPATCHER)
    router = Router(EscalationGraph.from_db(city.db, actor))
    road = _report(city, "C05")  # damaged road surface, class B: the street squad
    rec = recommend_for_case(city.db, actor, road, router)
    assert (rec.decision.level, rec.decision.department_id) == ("street", city.depts["S-CG"])
    assert rec.candidates[0].staff_id == city.handlers["S-CG"]
    assert rec.candidates[0].distance_m > 1500
    fire_lane = _report(city, "S06")
    rec = recommend_for_case(city.db, actor, fire_lane, router)
    assert (rec.decision.level, rec.decision.department_id) == ("district",
                                                                city.depts["D-YJ"])
    assert rec.candidates[0].staff_id == city.handlers["D-YJ"]
    assert rec.candidates[0].reasons[0] == "role handler of the routed department: fit 1.0"
    party = _report(city, "P01")  # class D: the community's grid workers
    rec = recommend_for_case(city.db, actor, party, router,
                             pool=read_staff_pool(city.db, actor),
                             adjacency=read_adjacency(city.db, actor))
    assert rec.decision.level == "community"
    assert [c.staff_id for c in rec.candidates] == [city.staff["manager"],
                                                    city.staff["assistant"],
                                                    city.staff["supervisor"]]
    # dispatched to the police station by a shift lead's decision: ranked for it
    lead = Actor("l", StaffRole.SHIFT_LEAD)
    loop = CaseLoop(city.db, lead)
    loop.accept(road.id, expected_version=road.version)
    station = router.override(city.street, "security", "l", "the vendor threatens people")
    loop.dispatch(road.id, station, expected_version=road.version + 1)
    dispatched = CaseService(city.db, actor).get(road.id)
    rec = recommend_for_case(city.db, actor, dispatched, router)
    assert rec.decision.department_id == city.depts["S-PCS"]
    assert rec.candidates[0].staff_id == city.handlers["S-PCS"]


@pytest.fixture
def tiny_city_world(db):
    return _world(db)
