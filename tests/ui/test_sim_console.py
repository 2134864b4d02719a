"""The console's simulator dispatches through the router (pytest-qt, offscreen)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from console.tasks import TaskState
from models.storage.schema import Case
from tests.factories import DISPATCHER

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(start_console, tiny_city):
    _win, controller = start_console(tiny_city.db, DISPATCHER)
    return controller


def test_the_consoles_simulator_dispatches_where_the_router_says(controller,
                                                                tiny_city) -> None:
    controller.sim.surge = True
    # the task the simulator timer submits, run here (the runner's thread adds nothing)
    controller.sim.tick(TaskState(controller.runner, "simulate"))
    sim = controller.simulator
    assert sim.router is not None
    sim.run_until(sim.now + dt.timedelta(hours=30))
    with tiny_city.db.read() as s:
        rows = s.execute(select(Case.grid_id, Case.subcategory, Case.assigned_unit_id,
                                Case.level).where(Case.assigned_unit_id.is_not(None))).all()
    assert len(rows) > 10
    for grid_id, sub, unit, level in rows:
        want = sim.router.route(grid_id, sub)
        assert (unit, level) == (want.unit_id, want.level)
    # not all to the grid's community any more
    assert {level for *_, level in rows} - {"community"}
