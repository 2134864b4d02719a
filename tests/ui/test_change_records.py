"""Change records drive the views: after an action only the cases it changed are re-read and
redrawn (no whole snapshot), and what the window shows equals a full reload."""

from __future__ import annotations

import numpy as np
import pytest

from models.cases.service import CaseService, NewCase
from models.cases.table import STATUS_CODES
from models.core.records import CaseChanges
from models.storage.schema import StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui


@pytest.fixture
def console(start_console, tiny_city):
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    svc = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0])
    for title in ("占道经营", "井盖缺失", "路灯不亮"):
        svc.report(NewCase(channel="hotline_12345", subcategory="C01", lon=112.981,
                           lat=28.189, title=title))
    answers: list[str] = []
    win, controller = start_console(
        tiny_city.db, dispatcher,
        ask=lambda kind, prompt, options: answers.pop(0) if answers else None)
    submitted: list[str] = []
    submit = controller.runner.submit

    def spy(kind, *args, **kwargs):
        submitted.append(kind)
        return submit(kind, *args, **kwargs)

    controller.runner.submit = spy
    return win, controller, answers, submitted


def shown_status(win, case_id: int) -> str:
    row = win.queue.model.row_of_case(case_id)
    assert row is not None
    return win.queue.model.index(row, 1).data()


def test_an_action_redraws_the_changed_case_without_a_reload(qtbot, console) -> None:
    win, controller, _answers, submitted = console
    case_id = controller.snapshot.table.ids[0]
    win.queue.select_case(int(case_id))
    before = controller.snapshot
    win.detail.buttons["accept"].click()
    assert "snapshot" not in submitted  # no whole reload
    assert controller.snapshot is not before  # the snapshot shown was patched
    assert shown_status(win, int(case_id)) == "Accepted"
    assert win.queue.selected_case_id() == int(case_id)  # the selection stays
    i = int(np.flatnonzero(controller.snapshot.table.ids == case_id)[0])
    assert STATUS_CODES[controller.snapshot.table.status[i]] == "accepted"
    # the other cases are as they were
    assert all(shown_status(win, int(c)) == "Reported"
               for c in controller.snapshot.table.ids if c != case_id)


def test_after_the_change_the_window_equals_a_full_reload(qtbot, console) -> None:
    win, controller, _answers, submitted = console
    for case_id in controller.snapshot.table.ids[1:3]:
        win.queue.select_case(int(case_id))
        win.detail.buttons["accept"].click()
    win.queue.select_case(int(controller.snapshot.table.ids[1]))
    win.detail.buttons["dispatch"].click()  # the level changes too
    assert "snapshot" not in submitted
    patched = controller.snapshot.table
    counts = win.status_cases.text()
    alerts = win.alerts.list.count()
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "snapshot"):
        controller.refresh()
    qtbot.wait(50)
    full = controller.snapshot.table
    order = np.argsort(full.ids)
    mine = np.argsort(patched.ids)
    assert full.ids[order].tolist() == patched.ids[mine].tolist()
    assert full.status[order].tolist() == patched.status[mine].tolist()
    assert full.level[order].tolist() == patched.level[mine].tolist()
    assert win.status_cases.text() == counts
    assert win.alerts.list.count() == alerts


def test_a_registered_call_is_listed_at_once(qtbot, console, tiny_city) -> None:
    win, controller, _answers, submitted = console
    n = len(controller.snapshot.table)
    rows = controller.snapshot.table
    created = CaseService(tiny_city.db, controller.actor,
                          locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="hotline_12345", subcategory="C01", lon=112.982, lat=28.188,
                title="垃圾满溢"))
    new_id = created.case_ids[0]
    controller.apply_changes(CaseChanges("report", (new_id,), "test", created=True))
    assert "snapshot" not in submitted
    assert len(controller.snapshot.table) == n + 1 and len(rows) == n
    assert shown_status(win, int(new_id)) == "Reported"
    assert win.status_cases.text().startswith("Open cases: 4")


def test_the_minute_shows_a_step_going_overdue_without_a_read(qtbot, start_console,
                                                              tiny_city) -> None:
    """The minute's clock: a case whose step runs out becomes overdue in the counts and
    the queue without a snapshot read; every tenth tick reads the window whole."""
    import datetime as dt

    from models.cases.service import CaseService, NewCase
    from models.storage.schema import StaffRole
    from tests.factories import city_actor

    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    case_id = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0]
                          ).report(NewCase(channel="patrol", subcategory="C01", lon=112.981,
                                           lat=28.189, title="占道")).case_ids[0]
    win, controller = start_console(tiny_city.db, dispatcher)
    assert win.status_cases.text() == "Open cases: 1 (overdue 0)"
    # the step ran out a second ago: no writer touched the case (as time alone does it),
    # so the snapshot's deadline is moved in place, as a read a minute later would have it
    snap = controller.snapshot
    row = snap.table.ids.tolist().index(case_id)
    snap.table.deadline[row] = dt.datetime.now(dt.UTC).timestamp() - 1
    submitted: list[str] = []
    submit = controller.runner.submit
    controller.runner.submit = lambda kind, *a, **k: (submitted.append(kind),
                                                      submit(kind, *a, **k))[1]
    controller.views.tick(controller.refresh)
    assert win.status_cases.text() == "Open cases: 1 (overdue 1)"
    assert "snapshot" not in submitted
    model = win.queue.model
    assert model._overdue[model._rows[0]]  # painted as overdue
    for _ in range(9):  # the tenth tick: the whole window read again
        controller.views.tick(controller.refresh)
    assert submitted.count("snapshot") == 1
