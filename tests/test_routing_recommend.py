"""Who should go: grid adjacency, ranking with reasons, department fit, verification,
unavailable departments and unit workload."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from routing.recommend import (
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
    assert ranked[0].reasons[0] == "role handler: fit 1.0"
    other = next(c for c in ranked if c.staff_id == 11)
    assert other.reasons[0] == "role handler of another department: fit 0.2"
    assert 14 not in [c.staff_id for c in ranked]  # volunteers do not handle street cases
    # without department information every handler fits
    plain = recommend(LON0, LAT0, 1, "street", **args)
    assert {plain[0].staff_id, plain[1].staff_id} == {10, 11}


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
