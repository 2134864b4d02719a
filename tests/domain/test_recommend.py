"""Who should go: ranking with reasons, grid adjacency, unit workload (the short tour; the
full one is tests/test_routing_recommend.py)."""

from __future__ import annotations

import numpy as np
from shapely.geometry import box

from routing.recommend import grid_adjacency, recommend, workload_by_unit


def test_adjacency_needs_a_shared_border() -> None:
    cells = [box(x, y, x + 1, y + 1) for y in range(2) for x in range(2)]
    g = grid_adjacency([1, 2, 3, 4], cells)
    assert sorted(g.edges()) == [(1, 2), (1, 3), (2, 4), (3, 4)]  # no diagonal (1, 4)


def test_near_on_duty_beats_far_and_off_duty() -> None:
    cells = [box(112.98 + i * 0.01, 28.18, 112.98 + (i + 1) * 0.01, 28.19) for i in range(5)]
    adjacency = grid_adjacency([1, 2, 3, 4, 5], cells)
    ranked = recommend(
        112.985, 28.185, 1, "community",
        staff_ids=np.array([10, 11, 12, 13, 14]),
        roles=["manager", "manager", "assistant", "manager", "dispatcher"],
        duty=["on_duty", "off_duty", "on_duty", "leave", "on_duty"],
        staff_lon=np.array([112.986, 112.985, 113.025, 112.985, 112.985]),
        staff_lat=np.array([28.185, 28.185, 28.185, 28.185, 28.185]),
        home_grid=[1, 1, 5, 1, None], workload={}, adjacency=adjacency)
    # leave and centre staff excluded; the worker of grid 5 (4 grids away) comes after the
    # case's own grid, even after its off-duty manager
    assert [(c.staff_id, c.tier) for c in ranked] == [(10, 0), (11, 0), (12, 1)]
    assert "home grid is the case's grid" in ranked[0].reasons
    assert any("4 grid(s) away" in r for r in ranked[2].reasons)


def test_workload_penalises() -> None:
    args = dict(staff_ids=np.array([1, 2]), roles=["manager", "manager"],
                duty=["on_duty", "on_duty"], staff_lon=np.array([112.98, 112.98]),
                staff_lat=np.array([28.18, 28.18]), home_grid=[None, None])
    idle_first = recommend(112.98, 28.18, None, "community", workload={1: 6, 2: 0}, **args)
    assert [c.staff_id for c in idle_first] == [2, 1]
    assert idle_first[1].reasons[-1] == "6 open case(s)"


def test_a_street_case_goes_to_the_routed_department_s_handler() -> None:
    """The squad's handler at the street centre 2 km away, not the police handler or the
    grid's manager standing at the case (before: the manager, 0.5 against 0.37)."""
    ranked = recommend(112.98, 28.18, 1, "street", department_id=7,
                       staff_ids=[1, 2, 3], roles=["handler", "handler", "manager"],
                       duty=["on_duty"] * 3, staff_lon=np.array([113.0004, 112.98, 112.98]),
                       staff_lat=np.full(3, 28.18), home_grid=[None, None, 1], workload={},
                       adjacency=grid_adjacency([1], [box(112.97, 28.17, 112.99, 28.19)]),
                       staff_department=[7, 8, None])
    assert ranked[0].staff_id == 1 and ranked[0].distance_m > 1900


def test_unit_workload_flags() -> None:
    loads = workload_by_unit({1: 100, 2: 100, 3: 200, 4: 300}, {1: 5, 2: 3, 3: 1, 4: 0})
    assert [(u.unit_id, u.state) for u in loads] == [(100, "overloaded"), (200, "normal"),
                                                      (300, "idle")]
