"""A window follows what other writers commit (another seat, the service, the command line)
through the change log: their cases appear and change without a reload."""

from __future__ import annotations

import pytest

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.storage.schema import StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui


def test_another_writers_cases_reach_the_window(qtbot, start_console, tiny_city) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    win, controller = start_console(tiny_city.db, dispatcher)
    submitted: list[str] = []
    submit = controller.runner.submit
    controller.runner.submit = lambda kind, *a, **k: (submitted.append(kind),
                                                      submit(kind, *a, **k))[1]
    other = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0])
    case_id = other.report(NewCase(channel="hotline_12345", subcategory="C01", lon=112.981,
                                   lat=28.189, title="另一席位登记")).case_ids[0]
    qtbot.waitUntil(lambda: win.queue.model.row_of_case(case_id) is not None, timeout=10_000)
    assert win.status_cases.text().startswith("Open cases: 1")
    CaseLoop(tiny_city.db, dispatcher).accept(case_id, expected_version=other.get(case_id).version)

    def shown() -> str:
        row = win.queue.model.row_of_case(case_id)
        return win.queue.model.index(row, 1).data()

    qtbot.waitUntil(lambda: shown() == "Accepted", timeout=10_000)
    assert "snapshot" not in submitted  # followed, not reloaded
    assert "changes" in submitted
