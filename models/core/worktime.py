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

The calendar is one file per year (``resources/calendar/working-calendar-YYYY.json``: that
year's public holidays and adjusted working days, from the State Council's notice) beside
the centres' hours (``working-hours.json``); ``main.py add-calendar FILE`` installs next
year's file in the user data directory (:func:`install_calendar_file`). A year with no file
counts weekends only, and never silently: the calendar records it
(:attr:`WorkingCalendar.missing_years`), logs a warning once per year, and
:func:`checked_step_deadline` and :func:`case_fallback_years` say when a deadline relied on it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import repeat
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from models.core.catalogue import STEPS, Catalogue, TimeLimits, limits_for, load_catalogue
from models.core.errors import ValidationError
from models.core.paths import data_dir
from models.core.records import CaseRecord

log = logging.getLogger(__name__)
_MISSING_LOCK = threading.Lock()  # guards the record of missing years and the loaded calendars

DEADLINE_OK, DEADLINE_WARNING, DEADLINE_OVERDUE = 0, 1, 2
# the step a case in this status is waiting for, and so the time limit that applies
STEP_OF: dict[str, str] = {"reported": "accept", "accepted": "dispatch",
                           "dispatched": "handle", "handling": "handle", "verifying": "verify"}


@dataclass(frozen=True)
class WorkingCalendar:
    """When the centres work: daily periods, weekdays, holidays, adjusted working days.

    ``holidays`` and ``adjusted`` hold the dates of every year in ``years`` (the years whose
    official notice is loaded, one calendar file each). A day of any other year is counted
    on the *fallback*: weekends only, no holidays. That is never silent: each computation
    that needs such a year records it in :attr:`missing_years` and logs one warning per
    year, and :meth:`fallback_years` tells which years a given span relied on.
    """

    tz: ZoneInfo
    periods: tuple[tuple[dt.time, dt.time], ...]
    weekdays: frozenset[int]
    holidays: frozenset[dt.date]
    adjusted: frozenset[dt.date]
    years: frozenset[int] = frozenset()
    # the years computations so far counted on the fallback (not part of the value)
    _missing: set[int] = field(default_factory=set, init=False, compare=False, repr=False)

    @property
    def missing_years(self) -> frozenset[int]:
        """The years without a calendar that a deadline or elapsed time so far needed,
        counted on weekends only (empty while every computation had its calendar)."""
        return frozenset(self._missing)

    def fallback_years(self, start: dt.datetime, end: dt.datetime) -> frozenset[int]:
        """The years from ``start`` to ``end`` (in the calendar's zone) that have no
        calendar: counting working time over this span relies on the weekends-only
        fallback for them. Empty when ``end`` precedes ``start``.

        >>> cal = load_calendar()
        >>> sorted(cal.fallback_years(dt.datetime(2026, 12, 30, tzinfo=dt.UTC),
        ...                           dt.datetime(2027, 1, 4, tzinfo=dt.UTC)))
        [2027]
        """
        if end < start:
            return frozenset()
        first, last = start.astimezone(self.tz).year, end.astimezone(self.tz).year
        return frozenset(y for y in range(first, last + 1) if y not in self.years)

    def _record_fallback(self, years: Iterable[int]) -> None:
        new = set(years) - self._missing
        if not new:
            return
        with _MISSING_LOCK:
            for year in sorted(new - self._missing):
                self._missing.add(year)
                log.warning("no working calendar for %d: working hours in %d count weekends "
                            "only, without public holidays (add the State Council's notice "
                            "with `main.py add-calendar FILE`)", year, year)

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
                    due = (a + left).astimezone(dt.UTC)
                    self._record_fallback(self.fallback_years(start, due))
                    return due
                left -= b - a
            day += dt.timedelta(days=1)
        raise ValidationError(f"{hours} working hours do not fit in ten years")

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours elapsed from ``start`` to ``end`` (0 if end precedes start)."""
        if end <= start:
            return 0.0
        self._record_fallback(self.fallback_years(start, end))
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
        A year the times fall in without a calendar is counted on weekends only and
        recorded in :attr:`missing_years`.

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
        self._record_fallback(y for y in range(first, last + 1) if y not in self.years)
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


CALENDAR_FORMAT = "citygrid-working-calendar"
HOURS_FORMAT = "citygrid-working-hours"
_FILE_NAME = re.compile(r"working-calendar-(\d{4})\.json")
_FILE_KEYS = {"calendar", "year", "note", "holidays", "adjusted_working_days"}
_YEARS = range(CLOCK_ORIGIN_YEAR, 2100)


class CalendarFileError(ValidationError):
    """A working calendar file cannot be used; the message is one line naming the file."""

    code = "calendar_file"


@dataclass(frozen=True)
class CalendarYear:
    """One year's official notice: its public holidays and adjusted working days."""

    year: int
    holidays: frozenset[dt.date]
    adjusted: frozenset[dt.date]
    note: str = ""


def file_name(year: int) -> str:
    """The name a year's calendar file goes by, shipped or installed."""
    return f"working-calendar-{year}.json"


def user_calendar_dir() -> Path:
    """Where ``add-calendar`` installs calendar files: ``calendar/`` in the data directory.
    A file here overrides the shipped file of its year."""
    return data_dir() / "calendar"


def load_calendar_file(source: str | Path | Traversable, *, year: int | None = None,
                       weekdays: frozenset[int] | None = None) -> CalendarYear:
    """Read and check one year's calendar file (the format is in docs/CASES.md).

    Parameters
    ----------
    source : path
        The JSON file.
    year : int, optional
        The year the file must be for (the loader passes the year its name carries).
    weekdays : frozenset of int, optional
        The centres' working weekdays (the shipped working hours by default): an adjusted
        working day must fall outside them.

    Raises
    ------
    CalendarFileError
        With one line saying what is wrong: not JSON, not a calendar, a missing or wrong
        year, a date that is not a date or lies outside the year, a date that is both a
        holiday and an adjusted working day.
    """
    name = str(source)

    def fail(why: str) -> CalendarFileError:
        return CalendarFileError(f"{name}: {why}", file=str(source))

    try:
        text = (source if isinstance(source, Traversable) else Path(source)).read_text(
            encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                   ) from None
    if not isinstance(doc, dict) or doc.get("calendar") != CALENDAR_FORMAT:
        raise fail(f'not a working calendar (an object with "calendar": "{CALENDAR_FORMAT}")')
    unknown = sorted(set(doc) - _FILE_KEYS)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r} (fields: {', '.join(sorted(_FILE_KEYS))})")
    got = doc.get("year")
    if not isinstance(got, int) or isinstance(got, bool) or got not in _YEARS:
        raise fail(f'"year" must be a year from {_YEARS.start} to {_YEARS.stop - 1}, '
                   f"not {got!r}")
    if year is not None and got != year:
        raise fail(f"is for {got}, not {year} (the year in the file's name)")
    if not isinstance(doc.get("note", ""), str):
        raise fail('"note" must be text')
    weekdays = _working_hours()[2] if weekdays is None else weekdays
    lists: dict[str, frozenset[dt.date]] = {}
    for key in ("holidays", "adjusted_working_days"):
        items = doc.get(key)
        if not isinstance(items, list):
            raise fail(f'"{key}" must be a list of dates (YYYY-MM-DD)')
        days: set[dt.date] = set()
        for item in items:
            try:
                if not isinstance(item, str) or len(item) != 10:
                    raise ValueError
                day = dt.date.fromisoformat(item)
            except ValueError:
                raise fail(f"{item!r} in {key} is not a date (YYYY-MM-DD)") from None
            if day.year != got:
                raise fail(f"{item} in {key} is outside {got}")
            if day in days:
                raise fail(f"{item} is listed twice in {key}")
            if key == "adjusted_working_days" and day.weekday() in weekdays:
                raise fail(f"{item} in {key} is a {day:%A}, already a working day (an "
                           "adjusted working day is a weekend day worked)")
            days.add(day)
        lists[key] = frozenset(days)
    if not lists["holidays"]:
        raise fail('"holidays" is empty (a notice names the year\'s public holidays)')
    both = sorted(lists["holidays"] & lists["adjusted_working_days"])
    if both:
        raise fail(f"{both[0].isoformat()} is both a holiday and an adjusted working day")
    return CalendarYear(got, lists["holidays"], lists["adjusted_working_days"],
                        doc.get("note", ""))


def calendar_files() -> dict[int, Path | Traversable]:
    """Every year's calendar file: the shipped ones (``resources/calendar``) and those
    installed in :func:`user_calendar_dir`, an installed file overriding a shipped one."""
    found: dict[int, Path | Traversable] = {}
    shipped = resources.files("resources") / "calendar"
    user = user_calendar_dir()
    for folder in (shipped, user if user.is_dir() else None):
        for f in sorted(folder.iterdir(), key=lambda f: f.name) if folder else ():
            m = _FILE_NAME.fullmatch(f.name)
            if m and f.is_file():
                found[int(m.group(1))] = f
    return found


def load_calendar() -> WorkingCalendar:
    """The working calendar: the centres' hours with every year whose calendar file is
    shipped or installed (:func:`calendar_files`); other years fall back to weekends only.

    The same object while the files stay the same, so what it records in
    :attr:`~WorkingCalendar.missing_years` is shared by everyone who loaded it.

    Raises
    ------
    CalendarFileError
        When a calendar file is invalid (:func:`load_calendar_file`).
    """
    files = calendar_files()
    key = tuple((y, str(f), _stamp(f)) for y, f in sorted(files.items()))
    with _MISSING_LOCK:
        cal = _CALENDARS.get(key)
    if cal is None:
        tz, periods, weekdays = _working_hours()
        notices = [load_calendar_file(f, year=y, weekdays=weekdays) for y, f in files.items()]
        cal = WorkingCalendar(
            tz=tz, periods=periods, weekdays=weekdays,
            holidays=frozenset().union(*(n.holidays for n in notices)),
            adjusted=frozenset().union(*(n.adjusted for n in notices)),
            years=frozenset(files))
        with _MISSING_LOCK:
            cal = _CALENDARS.setdefault(key, cal)
    return cal


def install_calendar_file(source: str | Path) -> tuple[CalendarYear, Path, bool]:
    """Check a year's calendar file and install it in :func:`user_calendar_dir`, where
    later runs load it (overriding the shipped file of that year).

    Returns
    -------
    notice : CalendarYear
        What the file holds.
    path : Path
        Where it was installed.
    replaced : bool
        Whether it replaced a file installed before for the same year.

    Raises
    ------
    CalendarFileError
        When the file is invalid; nothing is installed.
    """
    m = _FILE_NAME.fullmatch(Path(source).name)
    notice = load_calendar_file(source, year=int(m.group(1)) if m else None)
    folder = user_calendar_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name(notice.year)
    replaced = target.exists()
    tmp = target.with_suffix(".json.tmp")
    tmp.write_bytes(Path(source).read_bytes())
    os.replace(tmp, target)  # atomic: a run that loads meanwhile sees the old or the new
    return notice, target, replaced


def _stamp(f: Path | Traversable) -> tuple[int, int]:
    # an installed file may change between loads; the shipped ones do not
    if isinstance(f, Path):
        st = f.stat()
        return st.st_mtime_ns, st.st_size
    return 0, 0


@functools.cache
def _working_hours() -> tuple[ZoneInfo, tuple[tuple[dt.time, dt.time], ...], frozenset[int]]:
    """The centres' time zone, daily working periods and working weekdays (shipped)."""
    doc = json.loads((resources.files("resources") / "calendar" / "working-hours.json")
                     .read_text(encoding="utf-8"))
    if doc.get("calendar") != HOURS_FORMAT:
        raise CalendarFileError(f"working-hours.json: not {HOURS_FORMAT}")
    periods = tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                    for a, b in doc["working_hours"])
    return ZoneInfo(doc["timezone"]), periods, frozenset(doc["working_weekdays"])


_CALENDARS: dict[tuple, WorkingCalendar] = {}


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
        # only the working rows read the working clock (and so may need a missing year)
        d_clock = np.where(working, cal.working_seconds(np.where(working, deadline, np.nan)),
                           deadline)
        n_clock = np.where(working, cal.working_seconds([float(now)])[0], float(now))
        if s_clock is not None:
            s_clock = np.where(working, cal.working_seconds(np.where(working, s_clock, np.nan)),
                               s_clock)
    with np.errstate(invalid="ignore"):
        if limit is None:
            warn_at = s_clock + (d_clock - s_clock) * warn_fraction
        else:
            warn_at = d_clock - np.asarray(limit, dtype=np.float64) * (1.0 - warn_fraction)
        out[n_clock >= warn_at] = DEADLINE_WARNING
        out[now > deadline] = DEADLINE_OVERDUE
    return out
