"""Time limits: working hours with a working calendar, deadlines, warnings, overdue.

A step's limit (from the catalogue) is counted in working hours (the grid centres' hours,
minus weekends and public holidays, plus adjusted working days) or in calendar hours
(class A emergencies run around the clock). Times are aware UTC in storage; the calendar
is read in its own time zone (Asia/Shanghai).

Everything that moves a deadline counts in the item's basis: a pause of a working-hours
case credits the working hours it stopped, an extension of N hours is N working hours. The
deadline scan compares arrays on a *working clock* (:meth:`WorkingCalendar.working_seconds`,
a clock that runs only in working hours), so a warning at 80 % means 80 % of the step's
working time, not of the nights and weekends in between.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from itertools import repeat
from dataclasses import dataclass
from importlib import resources
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from models.catalogue import STEPS, Catalogue, TimeLimits, load_catalogue
from models.errors import ValidationError

DEADLINE_OK, DEADLINE_WARNING, DEADLINE_OVERDUE = 0, 1, 2
# the step a case in this status is waiting for, and so the time limit that applies
STEP_OF: dict[str, str] = {"reported": "accept", "accepted": "dispatch",
                           "dispatched": "handle", "handling": "handle", "verifying": "verify"}


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

    def working_seconds(self, t: ArrayLike) -> NDArray[np.float64]:
        """The working clock at each POSIX time ``t``: working seconds since a fixed origin.

        The clock runs only in working hours and stands still at lunch, at night, on
        weekends and on holidays, so the difference of two readings is the working time
        between them. Vectorised (one ``np.interp`` over the working periods of the years
        the times fall in); NaN stays NaN. Readings from separate calls share one origin.

        >>> cal = load_calendar()
        >>> friday_4pm = dt.datetime(2026, 3, 6, 8, tzinfo=dt.UTC).timestamp()
        >>> monday_10am = dt.datetime(2026, 3, 9, 2, tzinfo=dt.UTC).timestamp()
        >>> a, b = cal.working_seconds([friday_4pm, monday_10am])
        >>> float(b - a) / 3600
        3.0
        """
        t = np.asarray(t, dtype=np.float64)
        finite = t[np.isfinite(t)]
        if finite.size == 0:
            return np.full(t.shape, np.nan)
        first = dt.datetime.fromtimestamp(float(finite.min()), self.tz).year
        last = dt.datetime.fromtimestamp(float(finite.max()), self.tz).year
        # the clock reads 0 at the start of CLOCK_ORIGIN_YEAR, whatever years a call covers
        if first >= CLOCK_ORIGIN_YEAR:
            offset = sum(_year_axis(self, y)[2] for y in range(CLOCK_ORIGIN_YEAR, first))
        else:
            offset = -sum(_year_axis(self, y)[2] for y in range(first, CLOCK_ORIGIN_YEAR))
        edges, clock = [], []
        for year in range(first, last + 1):
            x, worked, total = _year_axis(self, year)
            edges.append(x)
            clock.append(worked + offset)
            offset += total
        return np.interp(t, np.concatenate(edges), np.concatenate(clock))  # NaN stays NaN


CLOCK_ORIGIN_YEAR = 2000


@functools.cache
def _year_axis(cal: WorkingCalendar, year: int
               ) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """One year's working periods as a piecewise-linear clock: the POSIX times of every
    period's start and end, the working seconds since 1 January at each (flat between
    periods), and the year's total."""
    edges: list[float] = []
    day, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    while day < end:
        for a, b in cal._periods_of(day):
            edges += (a.timestamp(), b.timestamp())
        day += dt.timedelta(days=1)
    x = np.array(edges, dtype=np.float64)
    worked = np.zeros_like(x)
    worked[1::2] = x[1::2] - x[0::2]  # each period adds its length at its end
    worked = np.cumsum(worked)
    return x, worked, float(worked[-1]) if worked.size else 0.0


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
    """When a step that started at ``start`` with a limit of ``hours`` is due (``hours``
    counted in ``basis``: ``working`` or ``calendar`` hours).

    Also moves a deadline on: by a pause (:func:`elapsed_hours` of the pause) or by an
    extension, in the item's basis.
    """
    if basis == "calendar":
        return start + dt.timedelta(hours=hours)
    if basis == "working":
        return (calendar or load_calendar()).add_working_hours(start, hours)
    raise ValidationError(f"unknown time-limit basis {basis!r}")


def elapsed_hours(start: dt.datetime, end: dt.datetime, basis: str,
                  calendar: WorkingCalendar | None = None) -> float:
    """Hours from ``start`` to ``end`` counted in ``basis`` (0 if ``end`` precedes
    ``start``): how much of a limit a step has used, or how long a pause stopped it.

    >>> mon_9am = dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC)
    >>> elapsed_hours(mon_9am, mon_9am + dt.timedelta(hours=6), "working")  # lunch off
    4.0
    """
    if basis == "calendar":
        return max(0.0, (end - start).total_seconds() / 3600)
    if basis == "working":
        return (calendar or load_calendar()).working_hours_between(start, end)
    raise ValidationError(f"unknown time-limit basis {basis!r}")


def total_hours(limits: TimeLimits) -> float:
    """The time the catalogue allows a case from report to verification: the sum of its
    step limits (the case deadline, against which a closed case is on time or late)."""
    return sum(limits.hours(step) for step in STEPS)


def step_limits(subcategories: ArrayLike, statuses: ArrayLike,
                catalogue: Catalogue | None = None
                ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The limit of each case's current step, for :func:`scan_deadlines`.

    Parameters
    ----------
    subcategories, statuses : array_like of str
        One case per row.
    catalogue : Catalogue, optional
        The shipped catalogue by default.

    Returns
    -------
    limit : ndarray of float
        Seconds the step allows, counted in the row's basis; NaN for a status with no
        running step (closed, suspended) or an unknown subcategory.
    working : ndarray of bool
        Whether the row's limits count working hours.
    """
    catalogue = catalogue or load_catalogue()
    subs = catalogue.all_subcategories()
    sub_ix = {s.code: i for i, s in enumerate(subs)}
    step_ix = {status: STEPS.index(step) for status, step in STEP_OF.items()}
    table = np.full((len(subs) + 1, len(STEPS) + 1), np.nan)  # last row/column: none
    for i, s in enumerate(subs):
        table[i, :len(STEPS)] = [s.limits.hours(step) * 3600 for step in STEPS]
    working_of = np.array([s.limits.basis == "working" for s in subs] + [False])
    rows = np.fromiter(map(sub_ix.get, _strings(subcategories), repeat(len(subs))), np.intp)
    cols = np.fromiter(map(step_ix.get, _strings(statuses), repeat(len(STEPS))), np.intp)
    if rows.shape != cols.shape:
        raise ValidationError("one status per subcategory is needed")
    return table[rows, cols], working_of[rows]


def _strings(values: ArrayLike) -> list:
    # plain Python strings: iterating a numpy array would make one numpy scalar per row
    return values.tolist() if isinstance(values, np.ndarray) else [str(v) for v in values]


def scan_deadlines(started: NDArray[np.float64], deadline: NDArray[np.float64], now: float,
                   warn_fraction: float = 0.8, *, limit: NDArray[np.float64] | None = None,
                   working: NDArray[np.bool_] | None = None,
                   calendar: WorkingCalendar | None = None) -> NDArray[np.int8]:
    """Classify open cases: 0 on time, 1 warning, 2 overdue.

    A case is overdue when ``now`` is past its deadline, and in warning when no more than
    ``1 - warn_fraction`` of its step's time is left. Times are measured in each row's
    basis: on the working clock (:meth:`WorkingCalendar.working_seconds`) for rows in
    ``working``, in plain seconds otherwise.

    Parameters
    ----------
    started, deadline : ndarray of float
        POSIX seconds of the current step's start and deadline; a NaN deadline is on time.
    now : float
        POSIX seconds.
    warn_fraction : float
        The share of the step's time after which a case is in warning (default 80 %).
    limit : ndarray of float, optional
        The step's time limit in seconds of the row's basis (:func:`step_limits`). Given,
        the warning counts what is left of the limit, so a pause (which moved the deadline)
        or an extension does not stretch the warning; without it the span is the time from
        ``started`` to the deadline.
    working : ndarray of bool, optional
        Rows whose limits count working hours; none by default.
    calendar : WorkingCalendar, optional
        For the working rows; the shipped calendar by default.

    Returns
    -------
    ndarray of int8
        ``DEADLINE_OK``, ``DEADLINE_WARNING`` or ``DEADLINE_OVERDUE`` per row.

    Examples
    --------
    >>> scan_deadlines(np.array([0.0, 0.0, 0.0]), np.array([100.0, 100.0, np.nan]), 90.0
    ...                ).tolist()
    [1, 1, 0]

    Friday 16:00 with 3 working hours to Monday 10:00: on Sunday at 22:00 (past 80 % of
    the wall-clock span) only half the working time has gone.

    >>> fri, mon = (dt.datetime(2026, 3, d, h, tzinfo=dt.UTC).timestamp() for d, h in
    ...             ((6, 8), (9, 2)))
    >>> sun_10pm = dt.datetime(2026, 3, 8, 14, tzinfo=dt.UTC).timestamp()
    >>> args = np.array([fri]), np.array([mon]), sun_10pm
    >>> scan_deadlines(*args).tolist(), scan_deadlines(*args, working=np.array([True])).tolist()
    ([1], [0])
    """
    if not 0.0 <= warn_fraction <= 1.0:
        raise ValidationError(f"warn_fraction {warn_fraction} is outside 0..1")
    deadline = np.asarray(deadline, dtype=np.float64)
    out = np.zeros(deadline.shape, dtype=np.int8)
    d_clock, n_clock = deadline, np.full(deadline.shape, float(now))
    s_clock = None if limit is not None else np.asarray(started, dtype=np.float64)
    if working is not None and np.any(working):
        cal = calendar or load_calendar()
        d_clock = np.where(working, cal.working_seconds(deadline), deadline)
        n_clock = np.where(working, cal.working_seconds([float(now)])[0], float(now))
        if s_clock is not None:
            s_clock = np.where(working, cal.working_seconds(s_clock), s_clock)
    with np.errstate(invalid="ignore"):
        if limit is None:
            warn_at = s_clock + (d_clock - s_clock) * warn_fraction
        else:
            warn_at = d_clock - np.asarray(limit, dtype=np.float64) * (1.0 - warn_fraction)
        out[n_clock >= warn_at] = DEADLINE_WARNING
        out[now > deadline] = DEADLINE_OVERDUE
    return out
