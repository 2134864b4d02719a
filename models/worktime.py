"""Time limits: working hours with a working calendar, deadlines, warnings, overdue.

A step's limit (from the catalogue) is counted in working hours (the grid centres' hours,
minus weekends and public holidays, plus adjusted working days) or in calendar hours
(class A emergencies run around the clock). Times are aware UTC in storage; the calendar
is read in its own time zone (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass
from importlib import resources
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from models.errors import ValidationError

DEADLINE_OK, DEADLINE_WARNING, DEADLINE_OVERDUE = 0, 1, 2


@dataclass(frozen=True)
class WorkingCalendar:
    """When the centres work: daily periods, weekdays, holidays, adjusted working days."""

    tz: ZoneInfo
    periods: tuple[tuple[dt.time, dt.time], ...]
    weekdays: frozenset[int]
    holidays: frozenset[dt.date]
    adjusted: frozenset[dt.date]

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.adjusted:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays

    def _periods_of(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz))
                for a, b in self.periods]

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """The moment ``hours`` working hours after ``start``.

        >>> cal = load_calendar()
        >>> friday_4pm = dt.datetime(2026, 3, 6, 8, tzinfo=dt.UTC)  # 16:00 in Changsha
        >>> cal.add_working_hours(friday_4pm, 3).astimezone(cal.tz).isoformat()
        '2026-03-09T10:00:00+08:00'
        """
        if start.tzinfo is None:
            raise ValidationError("start must carry a time zone")
        if hours < 0:
            raise ValidationError("hours must not be negative")
        left = dt.timedelta(hours=hours)
        day = start.astimezone(self.tz).date()
        for _ in range(3660):  # ten years of days: a limit longer than that is a data error
            for a, b in self._periods_of(day):
                a = max(a, start)
                if b <= a:
                    continue
                if b - a >= left:
                    return (a + left).astimezone(dt.UTC)
                left -= b - a
            day += dt.timedelta(days=1)
        raise ValidationError(f"{hours} working hours do not fit in ten years")

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours elapsed from ``start`` to ``end`` (0 if end precedes start)."""
        if end <= start:
            return 0.0
        total = dt.timedelta()
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            for a, b in self._periods_of(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600


@functools.cache
def load_calendar(year: int = 2026) -> WorkingCalendar:
    """The working calendar shipped in ``resources/calendar``."""
    path = resources.files("resources") / "calendar" / f"working-calendar-{year}.json"
    if not path.is_file():
        raise ValidationError(f"no working calendar for {year}")
    doc = json.loads(path.read_text(encoding="utf-8"))

    def t(text: str) -> dt.time:
        return dt.time.fromisoformat(text)

    return WorkingCalendar(
        tz=ZoneInfo(doc["timezone"]),
        periods=tuple((t(a), t(b)) for a, b in doc["working_hours"]),
        weekdays=frozenset(doc["working_weekdays"]),
        holidays=frozenset(dt.date.fromisoformat(d) for d in doc["holidays"]),
        adjusted=frozenset(dt.date.fromisoformat(d) for d in doc["adjusted_working_days"]))


def step_deadline(start: dt.datetime, hours: float, basis: str,
                  calendar: WorkingCalendar | None = None) -> dt.datetime:
    """When a step that started at ``start`` with a limit of ``hours`` is due."""
    if basis == "calendar":
        return start + dt.timedelta(hours=hours)
    if basis == "working":
        return (calendar or load_calendar()).add_working_hours(start, hours)
    raise ValidationError(f"unknown time-limit basis {basis!r}")


def scan_deadlines(started: NDArray[np.float64], deadline: NDArray[np.float64], now: float,
                   warn_fraction: float = 0.8) -> NDArray[np.int8]:
    """Classify open cases: 0 on time, 1 warning (past ``warn_fraction`` of the step's
    span), 2 overdue. Times are POSIX seconds; NaN deadlines are on time.

    The span is measured in wall-clock time between the step's start and its deadline (the
    deadline already accounts for working hours and pauses), so the scan is two vectorised
    comparisons over the open cases.

    >>> scan_deadlines(np.array([0.0, 0.0, 0.0]), np.array([100.0, 100.0, np.nan]), 90.0
    ...                ).tolist()
    [1, 1, 0]
    """
    out = np.zeros(len(started), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        warn_at = started + (deadline - started) * warn_fraction
        out[now >= warn_at] = DEADLINE_WARNING
        out[now > deadline] = DEADLINE_OVERDUE
    return out
