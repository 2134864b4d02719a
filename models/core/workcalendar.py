"""The working calendar: the grid centres' working hours, weekends, public holidays and
adjusted working days, and a working clock that runs only in working hours.

Times are aware UTC in storage; the calendar is read in its own time zone (Asia/Shanghai).
:meth:`WorkingCalendar.working_seconds` is the *working clock* the deadline scan compares
on (:func:`models.core.worktime.scan_deadlines`).

The calendar is one file per year (``resources/calendar/working-calendar-YYYY.json``: that
year's public holidays and adjusted working days, from the State Council's notice) beside
the centres' hours (``working-hours.json``); ``main.py add-calendar FILE`` installs next
year's file in the user data directory (:func:`install_calendar_file`). A year with no file
counts weekends only, and never silently: the calendar records it
(:attr:`WorkingCalendar.missing_years`), logs a warning once per year, and
:func:`models.core.worktime.checked_step_deadline` and
:func:`models.core.worktime.case_fallback_years` say when a deadline relied on it.
"""

from __future__ import annotations

import bisect
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
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from models.core.errors import ValidationError
from models.core.paths import data_dir

log = logging.getLogger(__name__)
_MISSING_LOCK = threading.Lock()  # guards the record of missing years and the loaded calendars


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
    # a day's ordinal -> its working periods in microseconds since the epoch, and their sum
    _days_us: dict[int, tuple[tuple[tuple[int, int], ...], int]] = field(
        default_factory=dict, init=False, compare=False, repr=False)
    # a year -> its working periods' starts, ends and cumulative working time (microseconds)
    _years_us: dict[int, tuple[list[int], list[int], list[int]]] = field(
        default_factory=dict, init=False, compare=False, repr=False)

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

    def _day_us(self, ordinal: int) -> tuple[tuple[tuple[int, int], ...], int]:
        got = self._days_us.get(ordinal)
        if got is None:  # a dict on the calendar: a cache keyed by the calendar hashed it
            periods = tuple(((a - _EPOCH) // _MICROSECOND, (b - _EPOCH) // _MICROSECOND)
                            for a, b in _day_periods(self, dt.date.fromordinal(ordinal)))
            got = self._days_us[ordinal] = (periods, sum(b - a for a, b in periods))
        return got

    def _periods_of(self, day: dt.date) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        return _day_periods(self, day)

    def _year_us(self, year: int) -> tuple[list[int], list[int], list[int]]:
        """The year's working periods in microseconds since the epoch: their starts, their
        ends, and the working time of the year up to each one's end (cumulative)."""
        got = self._years_us.get(year)
        if got is None:
            starts: list[int] = []
            ends: list[int] = []
            first = dt.date(year, 1, 1).toordinal()
            for day in range(first, dt.date(year + 1, 1, 1).toordinal()):
                for a, b in self._day_us(day)[0]:
                    starts.append(a)
                    ends.append(b)
            cum, total = [], 0
            for a, b in zip(starts, ends, strict=True):
                total += b - a
                cum.append(total)
            got = self._years_us[year] = (starts, ends, cum)
        return got

    def _add_us(self, at: int, left: int, year: int) -> int | None:
        """The moment ``left`` (> 0) working microseconds after ``at``: a binary search over
        each year's cumulative working time (the day-by-day walk it replaced cost a case's
        intake as much as its insert)."""
        for y in range(year, year + 11):  # ten years: a longer limit is a data error
            starts, ends, cum = self._year_us(y)
            k = bisect.bisect_right(ends, at)  # the first period still running after at
            if k == len(ends):
                continue  # the year's working time is over: the next year
            a = max(starts[k], at)
            worked = (cum[k - 1] if k else 0) + (a - starts[k])  # the year's, up to a
            target = worked + left
            if target <= cum[-1]:
                j = bisect.bisect_left(cum, target, lo=k)  # the period where it is reached
                return starts[j] + (target - (cum[j - 1] if j else 0))
            left = target - cum[-1]
            at = ends[-1]
        return None

    def _next_working_us(self, at: int, start: dt.datetime) -> int | None:
        """``at`` if it lies in working time, else the start of the next working period."""
        day = start.astimezone(self.tz).toordinal()
        for _ in range(3660):
            for a, b in self._day_us(day)[0]:
                if b > at:
                    return max(a, at)
            day += 1
        return None

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
        # in whole microseconds since the epoch: exact as timedelta arithmetic, and without
        # comparing datetimes across zones (the cost of every case's two deadlines)
        left = dt.timedelta(hours=hours) // _MICROSECOND
        at = (start - _EPOCH) // _MICROSECOND
        if left == 0:
            due_us = self._next_working_us(at, start)
        else:
            due_us = self._add_us(at, left, start.astimezone(self.tz).year)
        if due_us is not None:
            due = _EPOCH + dt.timedelta(microseconds=due_us)
            self._record_fallback(self.fallback_years(start, due))
            return due
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


@functools.lru_cache(maxsize=4096)
def _day_periods(cal: WorkingCalendar, day: dt.date
                 ) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The working periods of one day (none on a day off), made once per day: every new
    case asks for the days its deadlines run through, mostly the same few."""
    if not cal.is_working_day(day):
        return ()
    return tuple((dt.datetime.combine(day, a, cal.tz), dt.datetime.combine(day, b, cal.tz))
                 for a, b in cal.periods)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


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
    installed in :func:`user_calendar_dir`, an installed file overriding a shipped one.

    The shipped folder is listed once; the installed one again whenever its modification
    time changes (a file added, removed or renamed), so a loop made for every case action
    does not list folders each time (an edited file is noticed by its own stamp)."""
    found: dict[int, Path | Traversable] = dict(_shipped_calendar_files())
    user = user_calendar_dir()
    try:
        stamp = user.stat().st_mtime_ns if user.is_dir() else None
    except OSError:
        stamp = None
    if stamp is not None:
        found.update(_installed_calendar_files(str(user), stamp))
    return found


def _calendar_years(folder: Path | Traversable) -> tuple[tuple[int, Path | Traversable], ...]:
    found = []
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        m = _FILE_NAME.fullmatch(f.name)
        if m and f.is_file():
            found.append((int(m.group(1)), f))
    return tuple(found)


@functools.cache
def _shipped_calendar_files() -> tuple[tuple[int, Path | Traversable], ...]:
    return _calendar_years(resources.files("resources") / "calendar")


@functools.lru_cache(maxsize=16)
def _installed_calendar_files(folder: str, mtime_ns: int
                              ) -> tuple[tuple[int, Path | Traversable], ...]:
    return _calendar_years(Path(folder))


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
