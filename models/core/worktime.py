"""Time limits: deadlines, warnings, overdue, counted on the working calendar.

A step's limit (from the catalogue) is counted in working hours (the grid centres' hours,
minus weekends and public holidays, plus adjusted working days: the calendar of
:mod:`models.core.workcalendar`) or in calendar hours (class A emergencies run around the
clock). Times are aware UTC in storage.

Everything that moves a deadline counts in the item's basis: a pause of a working-hours
case credits the working hours it stopped, an extension of N hours is N working hours. The
deadline scan compares arrays on a *working clock*
(:meth:`models.core.workcalendar.WorkingCalendar.working_seconds`, a clock that runs only in
working hours), so a warning at 80 % means 80 % of the step's working time, not of the
nights and weekends in between.

A year with no calendar file counts weekends only, and never silently:
:func:`checked_step_deadline` and :func:`case_fallback_years` say when a deadline relied on
it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import repeat
from typing import cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from models.core.catalogue import STEPS, Catalogue, TimeLimits, limits_for, load_catalogue
from models.core.errors import ValidationError
from models.core.records import CaseRecord
from models.core.workcalendar import WorkingCalendar, load_calendar

DEADLINE_OK, DEADLINE_WARNING, DEADLINE_OVERDUE = 0, 1, 2
# the step a case in this status is waiting for, and so the time limit that applies
STEP_OF: dict[str, str] = {"reported": "accept", "accepted": "dispatch",
                           "dispatched": "handle", "handling": "handle", "verifying": "verify"}


def step_deadline(start: dt.datetime, hours: float, basis: str,
                  calendar: WorkingCalendar | None = None) -> dt.datetime:
    """When a step that started at ``start`` with a limit of ``hours`` is due (``hours``
    counted in ``basis``: ``working`` or ``calendar`` hours).

    Also moves a deadline on: by a pause (:func:`elapsed_hours` of the pause) or by an
    extension, in the item's basis. A year without a calendar is counted on weekends only
    and recorded (:func:`checked_step_deadline` says which years).
    """
    if basis == "calendar":
        return start + dt.timedelta(hours=hours)
    if basis == "working":
        return (calendar or load_calendar()).add_working_hours(start, hours)
    raise ValidationError(f"unknown time-limit basis {basis!r}")


def checked_step_deadline(start: dt.datetime, hours: float, basis: str,
                          calendar: WorkingCalendar | None = None
                          ) -> tuple[dt.datetime, frozenset[int]]:
    """:func:`step_deadline` and the years it counted on the weekends-only fallback
    (empty when every year it spans has its calendar, and for calendar hours).

    >>> due, fallback = checked_step_deadline(
    ...     dt.datetime(2026, 12, 31, 1, tzinfo=dt.UTC), 16, "working")
    >>> due.date().isoformat(), sorted(fallback)
    ('2027-01-04', [2027])
    """
    calendar = calendar or load_calendar()
    due = step_deadline(start, hours, basis, calendar)
    return due, deadline_fallback_years(start, due, basis, calendar)


def deadline_fallback_years(start: dt.datetime, deadline: dt.datetime | None, basis: str,
                            calendar: WorkingCalendar | None = None) -> frozenset[int]:
    """The years without a calendar between ``start`` and ``deadline`` that a deadline in
    ``basis`` relied on: the years it was counted on weekends only (empty for calendar
    hours, or with no deadline). For a stored deadline pass the step's start.
    """
    if basis != "working" or deadline is None:
        return frozenset()
    return (calendar or load_calendar()).fallback_years(start, deadline)


def case_fallback_years(case: CaseRecord, catalogue: Catalogue | None = None,
                        calendar: WorkingCalendar | None = None) -> frozenset[int]:
    """The years without a calendar that ``case``'s current step deadline was counted
    across on weekends only: what the case detail flags. Empty for calendar-hours items,
    for a case with no running step, and while every year has its calendar.

    The span runs from the case's report (a deadline moved on by pauses and extensions
    counted its working hours from there) to its step deadline.
    """
    if case.step_deadline is None:
        return frozenset()
    limits = limits_for(case.catalogue_version, case.subcategory, catalogue or load_catalogue())
    start = min(case.reported_at, case.step_started_at or case.reported_at)
    return deadline_fallback_years(start, case.step_deadline, limits.basis, calendar)


def elapsed_hours(start: dt.datetime, end: dt.datetime, basis: str,
                  calendar: WorkingCalendar | None = None) -> float:
    """Hours from ``start`` to ``end`` counted in ``basis`` (0 if ``end`` precedes
    ``start``): how much of a limit a step has used, or how long a pause stopped it.
    A year without a calendar is counted on weekends only and recorded.

    >>> mon_9am = dt.datetime(2026, 3, 9, 1, tzinfo=dt.UTC)
    >>> elapsed_hours(mon_9am, mon_9am + dt.timedelta(hours=6), "working")  # lunch off
    4.0
    """
    if basis == "calendar":
        return max(0.0, (end - start).total_seconds() / 3600)
    if basis == "working":
        return (calendar or load_calendar()).working_hours_between(start, end)
    raise ValidationError(f"unknown time-limit basis {basis!r}")


def checked_elapsed_hours(start: dt.datetime, end: dt.datetime, basis: str,
                          calendar: WorkingCalendar | None = None
                          ) -> tuple[float, frozenset[int]]:
    """:func:`elapsed_hours` and the years it counted on the weekends-only fallback."""
    calendar = calendar or load_calendar()
    hours = elapsed_hours(start, end, basis, calendar)
    return hours, deadline_fallback_years(start, end, basis, calendar)


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
    sub_ix, step_ix, table, working_of = _limit_table(catalogue or load_catalogue())
    n_subs = len(sub_ix)
    rows = np.fromiter(map(sub_ix.get, _strings(subcategories), repeat(n_subs)), np.intp)
    cols = np.fromiter(map(step_ix.get, _strings(statuses), repeat(len(STEPS))), np.intp)
    if rows.shape != cols.shape:
        raise ValidationError("one status per subcategory is needed")
    return table[rows, cols], working_of[rows]


# the limits table of each catalogue seen (a few at most), keyed by identity; the value
# keeps the catalogue alive so its id is not reused
_LimitTable = tuple[dict[str, int], dict[str, int], NDArray[np.float64], NDArray[np.bool_]]
_LIMIT_TABLES: dict[int, tuple[Catalogue, _LimitTable]] = {}


def _limit_table(catalogue: Catalogue) -> _LimitTable:
    """Subcategory index, status index, the (subcategory x step) limits in seconds with a
    last row and column for none, and which subcategories count working hours: built once
    per catalogue (the deadline scan runs on every redraw)."""
    hit = _LIMIT_TABLES.get(id(catalogue))
    if hit is not None and hit[0] is catalogue:
        return hit[1]
    subs = catalogue.all_subcategories()
    sub_ix = {s.code: i for i, s in enumerate(subs)}
    step_ix = {status: STEPS.index(step) for status, step in STEP_OF.items()}
    table = np.full((len(subs) + 1, len(STEPS) + 1), np.nan)  # last row/column: none
    for i, s in enumerate(subs):
        table[i, :len(STEPS)] = [s.limits.hours(step) * 3600 for step in STEPS]
    table.flags.writeable = False
    working_of = np.array([s.limits.basis == "working" for s in subs] + [False])
    working_of.flags.writeable = False
    built: _LimitTable = (sub_ix, step_ix, table, working_of)
    if len(_LIMIT_TABLES) > 8:
        _LIMIT_TABLES.clear()
    _LIMIT_TABLES[id(catalogue)] = (catalogue, built)
    return built


def _strings(values: ArrayLike) -> list:
    # plain Python strings: iterating a numpy array would make one numpy scalar per row
    if isinstance(values, np.ndarray):
        return values.tolist()
    return [str(v) for v in cast(Iterable[object], values)]  # one per row: never a scalar


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
        # only the working rows read the working clock (and so may need a missing year)
        d_clock = np.where(working, cal.working_seconds(np.where(working, deadline, np.nan)),
                           deadline)
        n_clock = np.where(working, cal.working_seconds([float(now)])[0], float(now))
        if s_clock is not None:
            s_clock = np.where(working, cal.working_seconds(np.where(working, s_clock, np.nan)),
                               s_clock)
    with np.errstate(invalid="ignore"):
        if s_clock is not None:  # (no limit given: the step starts count)
            warn_at = s_clock + (d_clock - s_clock) * warn_fraction
        else:
            warn_at = d_clock - np.asarray(limit, dtype=np.float64) * (1.0 - warn_fraction)
        out[n_clock >= warn_at] = DEADLINE_WARNING
        out[now > deadline] = DEADLINE_OVERDUE
    return out
