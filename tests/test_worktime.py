"""Time limits in working hours: lunch, weekends, holidays, adjusted working days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from models.errors import ValidationError
from models.worktime import (
    DEADLINE_OK,
    DEADLINE_OVERDUE,
    DEADLINE_WARNING,
    load_calendar,
    scan_deadlines,
    step_deadline,
)

CS = ZoneInfo("Asia/Shanghai")
cal = load_calendar()


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CS)


@pytest.mark.parametrize("start, hours, due", [
    (at(2026, 3, 4, 11, 0), 2, at(2026, 3, 4, 15, 0)),     # across the lunch break
    (at(2026, 3, 6, 16, 0), 3, at(2026, 3, 9, 10, 0)),     # Friday -> Monday
    (at(2026, 3, 7, 10, 0), 1, at(2026, 3, 9, 9, 30)),     # reported on a Saturday
    (at(2026, 9, 30, 17, 0), 1, at(2026, 10, 8, 9, 0)),    # into the National Day week
    (at(2026, 10, 9, 17, 0), 1, at(2026, 10, 10, 9, 0)),   # an adjusted working Saturday
    (at(2026, 3, 4, 7, 0), 0.5, at(2026, 3, 4, 9, 0)),     # before opening time
])
def test_adding_working_hours(start, hours, due) -> None:
    assert cal.add_working_hours(start, hours) == due
    assert cal.working_hours_between(start, due) == pytest.approx(hours)


def test_calendar_hours_run_through_the_night() -> None:
    start = at(2026, 3, 7, 23, 0)
    assert step_deadline(start, 2, "calendar") == at(2026, 3, 8, 1, 0)
    assert step_deadline(start, 2, "working") == at(2026, 3, 9, 10, 30)
    with pytest.raises(ValidationError, match="basis"):
        step_deadline(start, 2, "lunar")


def test_naive_or_negative_input_is_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        cal.add_working_hours(dt.datetime(2026, 3, 4, 9), 1)
    with pytest.raises(ValidationError, match="negative"):
        cal.add_working_hours(at(2026, 3, 4, 9), -1)


def test_days_of_the_calendar() -> None:
    assert not cal.is_working_day(dt.date(2026, 10, 1))   # National Day
    assert cal.is_working_day(dt.date(2026, 10, 10))      # adjusted working Saturday
    assert not cal.is_working_day(dt.date(2026, 3, 8))    # a Sunday


def test_scan_matches_a_slow_reference() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    now = 1_000_000.0
    started = now - rng.uniform(0, 50_000, n)
    deadline = started + rng.uniform(1_000, 60_000, n)
    deadline[rng.uniform(0, 1, n) < 0.05] = np.nan
    got = scan_deadlines(started, deadline, now, warn_fraction=0.8)
    for i in range(n):
        if np.isnan(deadline[i]):
            want = DEADLINE_OK
        elif now > deadline[i]:
            want = DEADLINE_OVERDUE
        elif now >= started[i] + 0.8 * (deadline[i] - started[i]):
            want = DEADLINE_WARNING
        else:
            want = DEADLINE_OK
        assert got[i] == want
    assert {0, 1, 2} <= set(got.tolist())
