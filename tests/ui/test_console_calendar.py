"""A deadline that runs into a year with no working calendar is flagged in the case detail
and by a banner on the main window (weekends only there: never silently)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.core.workcalendar import load_calendar
from models.storage.schema import StaffRole
from tests.factories import city_actor
from tests.freshloop import stored_version

pytestmark = pytest.mark.gui
NEW_YEAR_EVE = dt.datetime(2026, 12, 31, 8, tzinfo=dt.UTC)


def test_a_deadline_into_a_year_without_a_calendar_is_flagged(qtbot, start_console,
                                                              tiny_city) -> None:
    if 2027 in load_calendar().years:
        pytest.skip("a 2027 calendar ships: the fallback is for a year without one")
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    case_id = CaseService(tiny_city.db, dispatcher,
                          locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="patrol", subcategory="C01", lon=112.981, lat=28.189, title="占道经营",
                reported_at=NEW_YEAR_EVE)).case_ids[0]
    loop = CaseLoop(tiny_city.db, dispatcher, now=lambda: NEW_YEAR_EVE)
    loop.accept(case_id, expected_version=stored_version(tiny_city.db, case_id))
    win, controller = start_console(tiny_city.db, dispatcher)
    controller.show_case(case_id)
    deadline = win.detail.fields["deadline"]
    assert win.detail.calendar_fallback == (2027,)
    assert "no working calendar for 2027" in deadline.text()
    assert "add-calendar" in deadline.toolTip()
    assert 2027 in load_calendar().missing_years
    controller.refresh()
    qtbot.waitUntil(lambda: getattr(win, "calendar_warning", None) is not None, timeout=10_000)
    assert "2027" in win.calendar_warning.text() and win.calendar_warning.isVisibleTo(win)
