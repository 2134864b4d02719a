"""Time limits in working hours: lunch, weekends, holidays, adjusted working days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from numpy.typing import NDArray

from models.core.errors import ValidationError
from models.core.workcalendar import load_calendar
from models.core.worktime import (
    DEADLINE_OK,
    DEADLINE_OVERDUE,
    DEADLINE_WARNING,
    elapsed_hours,
    scan_deadlines,
    step_deadline,
    step_limits,
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


def test_elapsed_hours_in_either_basis() -> None:
    start = at(2026, 3, 6, 16, 0)  # Friday
    assert elapsed_hours(start, at(2026, 3, 9, 10, 0), "working") == pytest.approx(3)
    assert elapsed_hours(start, at(2026, 3, 9, 10, 0), "calendar") == 66
    assert elapsed_hours(at(2026, 3, 9, 10, 0), start, "calendar") == 0
    with pytest.raises(ValidationError, match="basis"):
        elapsed_hours(start, start, "lunar")


def random_times(rng: np.random.Generator, n: int) -> NDArray:
    # from December 2025 to February 2027: across years, holidays and adjusted days
    lo = at(2025, 12, 1, 0, 0).timestamp()
    hi = at(2027, 2, 28, 0, 0).timestamp()
    return rng.uniform(lo, hi, n)


def test_the_working_clock_agrees_with_the_calendar() -> None:
    rng = np.random.default_rng(11)
    a = random_times(rng, 300)
    b = a + rng.uniform(0, 20 * 86400, 300)
    clock_a, clock_b = cal.working_seconds(a), cal.working_seconds(b)
    for x, y, ca, cb in zip(a, b, clock_a, clock_b, strict=True):
        want = cal.working_hours_between(dt.datetime.fromtimestamp(x, dt.UTC),
                                         dt.datetime.fromtimestamp(y, dt.UTC))
        assert (cb - ca) / 3600 == pytest.approx(want, abs=1e-6)
    # readings from separate calls (covering different years) share one origin
    single = np.array([cal.working_seconds([t])[0] for t in a[:50]])
    assert single == pytest.approx(clock_a[:50])
    assert np.isnan(cal.working_seconds([np.nan, a[0]])[0])
    # the years without a calendar file (2025 and 2027 unless installed) were counted on
    # weekends only, and recorded as such
    assert {2025, 2026, 2027} - cal.years <= cal.missing_years
    assert 2026 in cal.years and 2026 not in cal.missing_years


def test_the_clock_stands_still_on_holidays_and_runs_on_adjusted_days() -> None:
    def worked(start: dt.datetime, end: dt.datetime) -> float:
        c = cal.working_seconds([start.timestamp(), end.timestamp()])
        return float(c[1] - c[0]) / 3600

    assert worked(at(2026, 10, 1, 0, 0), at(2026, 10, 8, 0, 0)) == 0  # National Day week
    assert worked(at(2026, 10, 10, 0, 0), at(2026, 10, 11, 0, 0)) == 7  # adjusted Saturday
    assert worked(at(2026, 3, 4, 12, 0), at(2026, 3, 4, 14, 0)) == 0  # lunch
    assert worked(at(2026, 3, 7, 0, 0), at(2026, 3, 9, 0, 0)) == 0  # a weekend


def test_warning_at_80_percent_of_the_working_time() -> None:
    start = at(2026, 3, 4, 9, 0)  # Wednesday
    deadline = cal.add_working_hours(start, 10)  # Thursday 12:30
    limit = np.array([10 * 3600.0])

    def state(now: dt.datetime, fraction: float = 0.8) -> int:
        return int(scan_deadlines(np.array([start.timestamp()]),
                                  np.array([deadline.timestamp()]), now.timestamp(),
                                  fraction, limit=limit, working=np.array([True]))[0])

    eight_hours_in = cal.add_working_hours(start, 8)  # Thursday 10:30
    assert state(eight_hours_in - dt.timedelta(minutes=1)) == DEADLINE_OK
    assert state(eight_hours_in) == DEADLINE_WARNING
    assert state(eight_hours_in - dt.timedelta(minutes=1), fraction=0.5) == DEADLINE_WARNING
    assert state(at(2026, 3, 4, 23, 0)) == DEADLINE_OK  # night: 6.5 of 10 working hours
    assert state(deadline) == DEADLINE_WARNING
    assert state(deadline + dt.timedelta(seconds=1)) == DEADLINE_OVERDUE
    with pytest.raises(ValidationError, match="outside"):
        state(start, fraction=1.5)


def test_a_pause_does_not_stretch_the_warning() -> None:
    """After a pause the deadline has moved on; the warning still comes when 20 % of the
    limit is left, not 20 % of the longer span from the step's start."""
    start = at(2026, 3, 4, 9, 0)
    limit_h = 10
    deadline = cal.add_working_hours(cal.add_working_hours(start, limit_h), 7)  # paused 7 h
    now = deadline - dt.timedelta(hours=1)  # 1 working hour left (Thursday)
    args = (np.array([start.timestamp()]), np.array([deadline.timestamp()]), now.timestamp())
    with_limit = scan_deadlines(*args, limit=np.array([limit_h * 3600.0]),
                                working=np.array([True]))
    assert with_limit.tolist() == [DEADLINE_WARNING]


def test_scan_in_working_hours_matches_a_slow_reference() -> None:
    rng = np.random.default_rng(7)
    n = 1500
    now_dt = at(2026, 5, 6, 10, 15)  # just after the Labour Day holiday
    now = now_dt.timestamp()
    started = now - rng.uniform(0, 20 * 86400, n)
    deadline = started + rng.uniform(1800, 25 * 86400, n)
    deadline[rng.uniform(0, 1, n) < 0.05] = np.nan
    working = rng.uniform(0, 1, n) < 0.7
    limit = rng.choice([1.0, 2.0, 4.0, 8.0, 24.0, 72.0], n) * 3600
    got = scan_deadlines(started, deadline, now, 0.8, limit=limit, working=working)
    for i in range(n):
        if np.isnan(deadline[i]):
            want = DEADLINE_OK
        elif now > deadline[i]:
            want = DEADLINE_OVERDUE
        else:
            due = dt.datetime.fromtimestamp(deadline[i], dt.UTC)
            left = (cal.working_hours_between(now_dt, due) * 3600 if working[i]
                    else deadline[i] - now)
            want = DEADLINE_WARNING if left <= 0.2 * limit[i] else DEADLINE_OK
        assert got[i] == want, i
    assert {0, 1, 2} <= set(got.tolist())


def test_step_limits_follow_the_catalogue() -> None:
    limit, working = step_limits(["C01", "C01", "C04", "C01", "C01", "nope"],
                                 ["reported", "handling", "dispatched", "archived",
                                  "suspended", "handling"])
    assert limit[:3].tolist() == [2 * 3600, 72 * 3600, 4 * 3600]
    assert np.isnan(limit[3:]).all()
    assert working.tolist() == [True, True, False, True, True, False]


def test_the_queue_warns_in_working_hours_and_skips_suspended_cases() -> None:
    from models.cases.table import CaseTable

    start = at(2026, 3, 6, 16, 0)  # Friday: 2 working hours run to Monday 09:00
    due = cal.add_working_hours(start, 2)
    sunday = at(2026, 3, 8, 22, 0)  # 83 % of the wall-clock span, 75 % of the working time

    def row(i: int, sub: str, status: str, deadline: dt.datetime) -> tuple:
        return (i, f"C{i}", "t", "city", sub, status, "normal", None, "430103",
                "430103001001001", start, deadline, 112.98, 28.19, start)

    table = CaseTable.from_rows([row(1, "C01", "reported", due),
                                 row(2, "C01", "suspended", start),  # stopped: not overdue
                                 row(3, "C04", "reported", start + dt.timedelta(hours=1)),
                                 row(4, "C01", "archived", start)])
    assert table.deadline_states(sunday).tolist() == [DEADLINE_OK, DEADLINE_OK,
                                                      DEADLINE_OVERDUE, DEADLINE_OK]
    assert table.overdue_mask(sunday).tolist() == [False, False, True, False]
    monday = at(2026, 3, 9, 8, 50)  # 1h50 of 2 working hours gone
    assert table.deadline_states(monday).tolist()[0] == DEADLINE_WARNING


def test_add_working_hours_agrees_with_a_day_by_day_walk() -> None:
    """The binary search over each year's working time gives, to the microsecond, what
    walking the working periods day by day gives (starts on period edges included)."""
    import random

    from models.core.workcalendar import load_calendar

    cal = load_calendar()

    def walk(start: dt.datetime, hours: float) -> dt.datetime:
        left = dt.timedelta(hours=hours)
        day = start.astimezone(cal.tz).date()
        while True:
            for a, b in cal._periods_of(day):
                a = max(a, start)
                if b <= a:
                    continue
                if b - a >= left:
                    return (a + left).astimezone(dt.UTC)
                left -= b - a
            day += dt.timedelta(days=1)

    rng = random.Random(7)
    for _ in range(3000):
        start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC) + dt.timedelta(
            seconds=rng.randrange(0, 400 * 86400), microseconds=rng.randrange(10**6))
        if rng.random() < 0.2:  # on the hour: often a period's edge
            start = start.replace(minute=0, second=0, microsecond=0)
        hours = rng.choice([0, 0.001, 1 / 3, 0.5, 1, 2, 3.5, 8, 24, 72, 100, 500])
        assert cal.add_working_hours(start, hours) == walk(start, hours), (start, hours)
