"""Who should go: ranking with reasons, grid adjacency, unit workload."""

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
    assert [c.staff_id for c in ranked] == [10, 12, 11]  # leave and centre staff excluded
    assert "home grid is the case's grid" in ranked[0].reasons
    assert any("4 grid(s) away" in r for r in ranked[1].reasons)


def test_workload_penalises() -> None:
    args = dict(staff_ids=np.array([1, 2]), roles=["manager", "manager"],
                duty=["on_duty", "on_duty"], staff_lon=np.array([112.98, 112.98]),
                staff_lat=np.array([28.18, 28.18]), home_grid=[None, None])
    idle_first = recommend(112.98, 28.18, None, "community", workload={1: 6, 2: 0}, **args)
    assert [c.staff_id for c in idle_first] == [2, 1]
    assert idle_first[1].reasons[-1] == "6 open case(s)"


def test_unit_workload_flags() -> None:
    loads = workload_by_unit({1: 100, 2: 100, 3: 200, 4: 300}, {1: 5, 2: 3, 3: 1, 4: 0})
    assert [(u.unit_id, u.state) for u in loads] == [(100, "overloaded"), (200, "normal"),
                                                      (300, "idle")]
