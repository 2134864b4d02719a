"""Working calendars per year: the weekends-only fallback for a year without one (recorded,
logged once, reported), installed files for next year, their checks, ``add-calendar``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from models.core.records import CaseRecord
from models.core.workcalendar import (
    CalendarFileError,
    WorkingCalendar,
    load_calendar,
    load_calendar_file,
)
from models.core.worktime import (
    case_fallback_years,
    checked_elapsed_hours,
    checked_step_deadline,
    scan_deadlines,
    step_deadline,
)

ROOT = Path(__file__).resolve().parents[2]
CS = ZoneInfo("Asia/Shanghai")

# GENERATED test data, not the State Council's 2027 notice (which the repository does not
# hold): a holiday on Friday 1 January and the Saturday after it worked.
GENERATED_2027 = {"calendar": "citygrid-working-calendar", "year": 2027,
                  "note": "GENERATED for the tests: not the official 2027 notice",
                  "holidays": ["2027-01-01"], "adjusted_working_days": ["2027-01-02"]}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CS)


def fresh(cal: WorkingCalendar) -> WorkingCalendar:
    """The same calendar with nothing recorded yet (the loaded one is shared)."""
    return dataclasses.replace(cal)


def write(folder: Path, doc: dict | str, name: str = "working-calendar-2027.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """An empty user data directory (nothing installed)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("CITYGRID_DATA_DIR", str(folder))
    return folder


# --- the fallback ---------------------------------------------------------------------

def test_2027_without_a_calendar_is_counted_on_weekends_only_and_said_so(data_dir, caplog
                                                                          ) -> None:
    cal = fresh(load_calendar())
    assert cal.years == {2026} and cal.missing_years == frozenset()
    start = at(2026, 12, 31, 9, 0)  # Thursday, the last working day of 2026
    with caplog.at_level(logging.WARNING, logger="models.core.workcalendar"):
        due, fallback = checked_step_deadline(start, 16, "working", cal)
        # 2027-01-01 is a Friday: on the fallback it is worked, and that is reported
        assert due == at(2027, 1, 4, 11, 0)
        assert fallback == {2027}
        assert cal.missing_years == {2027}
        # more computations touching 2027: recorded still, logged once
        step_deadline(at(2027, 1, 5, 9, 0), 3, "working", cal)
        cal.working_seconds([at(2027, 3, 1, 9, 0).timestamp()])
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "no working calendar for 2027" in warnings[0]
    assert "add-calendar" in warnings[0]


def test_a_deadline_inside_2026_relies_on_no_fallback(data_dir) -> None:
    cal = fresh(load_calendar())
    due, fallback = checked_step_deadline(at(2026, 12, 30, 9, 0), 8, "working", cal)
    assert due == at(2026, 12, 31, 10, 0) and fallback == frozenset()
    # calendar hours never need the calendar
    due, fallback = checked_step_deadline(at(2026, 12, 31, 20, 0), 48, "calendar", cal)
    assert due == at(2027, 1, 2, 20, 0) and fallback == frozenset()
    assert cal.missing_years == frozenset()


def test_elapsed_time_into_a_missing_year_is_reported(data_dir) -> None:
    cal = fresh(load_calendar())
    hours, fallback = checked_elapsed_hours(at(2025, 12, 31, 9, 0), at(2026, 1, 5, 9, 0),
                                            "working", cal)
    # 2025-12-31: 6.5 h (from 09:00); 1-3 January 2026 holidays; Sunday 4th adjusted: 7 h;
    # Monday 08:30-09:00: 0.5 h
    assert hours == pytest.approx(14.0)
    assert fallback == {2025} and cal.missing_years == {2025}


def test_the_deadline_scan_records_a_missing_year_for_working_rows_only(data_dir) -> None:
    cal = fresh(load_calendar())
    now = at(2026, 12, 31, 10, 0).timestamp()
    started = np.array([now - 3600, now - 3600])
    deadline = np.array([at(2026, 12, 31, 16, 0).timestamp(), at(2027, 1, 4, 10, 0).timestamp()])
    # the 2027 deadline belongs to a calendar-hours row: no calendar needed
    scan_deadlines(started, deadline, now, limit=np.array([7200.0, 7200.0]),
                   working=np.array([True, False]), calendar=cal)
    assert cal.missing_years == frozenset()
    scan_deadlines(started, deadline, now, limit=np.array([7200.0, 7200.0]),
                   working=np.array([True, True]), calendar=cal)
    assert cal.missing_years == {2027}


def case(subcategory: str, started: dt.datetime, deadline: dt.datetime | None) -> CaseRecord:
    return CaseRecord(
        id=1, number="C1", channel="hotline", catalogue_version="2026.1",
        category="city", subcategory=subcategory, event_class="C", priority="normal",
        status="handling", title="t", description="", address="", lon=112.98, lat=28.19,
        grid_id=None, reporter_name="", reporter_phone="", assigned_unit_id=None,
        reported_at=started, step_deadline=deadline, version=1, step_started_at=started)


def test_the_case_detail_flag(data_dir) -> None:
    cal = fresh(load_calendar())
    start = at(2026, 12, 28, 9, 0)
    # C01 counts working hours, C04 calendar hours (tests/test_worktime.py)
    assert case_fallback_years(case("C01", start, at(2027, 1, 6, 9, 0)), calendar=cal) == {2027}
    assert case_fallback_years(case("C01", start, at(2026, 12, 29, 9, 0)),
                               calendar=cal) == frozenset()
    assert case_fallback_years(case("C04", start, at(2027, 1, 6, 9, 0)),
                               calendar=cal) == frozenset()
    assert case_fallback_years(case("C01", start, None), calendar=cal) == frozenset()


# --- installed calendars ---------------------------------------------------------------

def test_a_deadline_into_2027_uses_the_installed_2027_calendar(data_dir) -> None:
    write(data_dir / "calendar", GENERATED_2027)
    cal = fresh(load_calendar())
    assert cal.years == {2026, 2027}
    start = at(2026, 12, 30, 8, 30)  # Wednesday: 7 h, Thursday 7 h, then 2 h more
    due, fallback = checked_step_deadline(start, 16, "working", cal)
    # 1 January is a holiday in the file, Saturday 2 January a working day
    assert due == at(2027, 1, 2, 10, 30)
    assert fallback == frozenset() and cal.missing_years == frozenset()
    assert cal.working_hours_between(start, due) == pytest.approx(16)
    assert not cal.is_working_day(dt.date(2027, 1, 1))
    assert cal.is_working_day(dt.date(2027, 1, 2))
    # the shipped year is still loaded beside it
    assert not cal.is_working_day(dt.date(2026, 10, 1))


def test_the_working_clock_across_the_year_boundary_with_two_calendars(data_dir) -> None:
    write(data_dir / "calendar", GENERATED_2027)
    cal = fresh(load_calendar())
    rng = np.random.default_rng(27)
    lo, hi = at(2026, 12, 20, 0, 0).timestamp(), at(2027, 1, 12, 0, 0).timestamp()
    a = rng.uniform(lo, hi, 200)
    b = a + rng.uniform(0, 10 * 86400, 200)
    ca, cb = cal.working_seconds(a), cal.working_seconds(b)
    for x, y, u, v in zip(a, b, ca, cb, strict=True):
        want = cal.working_hours_between(dt.datetime.fromtimestamp(x, dt.UTC),
                                         dt.datetime.fromtimestamp(y, dt.UTC))
        assert (v - u) / 3600 == pytest.approx(want, abs=1e-6)
    # New Year's Day stands still, the adjusted Saturday runs
    day = [at(2027, 1, d, 0, 0).timestamp() for d in (1, 2, 3)]
    c = cal.working_seconds(day)
    assert (c[1] - c[0], (c[2] - c[1]) / 3600) == (0, 7)
    # readings from separate calls share one origin across the boundary
    assert cal.working_seconds([a[0]])[0] == pytest.approx(ca[0])
    # a reading from 2028 (no file) is reported
    cal.working_seconds([at(2028, 1, 3, 9, 0).timestamp()])
    assert cal.missing_years == {2028}


def test_an_installed_file_overrides_the_shipped_year(data_dir) -> None:
    shipped = load_calendar()
    assert not shipped.is_working_day(dt.date(2026, 10, 1))
    write(data_dir / "calendar", {"calendar": "citygrid-working-calendar", "year": 2026,
                                  "note": "GENERATED for the tests",
                                  "holidays": ["2026-12-31"], "adjusted_working_days": []},
          name="working-calendar-2026.json")
    cal = load_calendar()
    assert cal is not shipped
    assert cal.is_working_day(dt.date(2026, 10, 1))  # the whole year comes from the file
    assert not cal.is_working_day(dt.date(2026, 12, 31))


def test_load_calendar_is_one_object_while_the_files_stay_the_same(data_dir) -> None:
    first = load_calendar()
    assert load_calendar() is first
    write(data_dir / "calendar", GENERATED_2027)
    second = load_calendar()
    assert second is not first and 2027 in second.years
    assert load_calendar() is second


# --- the file checks -------------------------------------------------------------------

def doc(**changes: object) -> dict:
    d = dict(GENERATED_2027)
    d.update(changes)
    return d


@pytest.mark.parametrize("content, message", [
    ('{"calendar": "citygrid-working-calendar", "year": 2027,', "not valid JSON: "),
    ("[]", "not a working calendar"),
    (doc(calendar="holidays"), "not a working calendar"),
    (doc(year="2027"), '"year" must be a year from 2000 to 2099'),
    (doc(year=1999), '"year" must be a year from 2000 to 2099'),
    (doc(year=2028, holidays=["2028-01-01"], adjusted_working_days=[]),
     "is for 2028, not 2027 (the year in the file's name)"),
    (doc(holidays=["2026-12-31", "2027-01-01"]), "2026-12-31 in holidays is outside 2027"),
    (doc(adjusted_working_days=["2028-01-01"]),
     "2028-01-01 in adjusted_working_days is outside 2027"),
    (doc(holidays=["2027-01-01", "2027-01-02"]),
     "2027-01-02 is both a holiday and an adjusted working day"),
    (doc(holidays=["2027-02-30"]), "'2027-02-30' in holidays is not a date (YYYY-MM-DD)"),
    (doc(holidays=["20270101"]), "'20270101' in holidays is not a date (YYYY-MM-DD)"),
    (doc(holidays="2027-01-01"), '"holidays" must be a list of dates'),
    (doc(holidays=[]), '"holidays" is empty'),
    (doc(holidays=["2027-01-01", "2027-01-01"]), "2027-01-01 is listed twice in holidays"),
    (doc(adjusted_working_days=["2027-01-04"]),
     "2027-01-04 in adjusted_working_days is a Monday, already a working day"),
    (doc(holiday=["2027-01-01"]), "unknown field 'holiday'"),
])
def test_a_bad_file_gives_one_clear_line(tmp_path, content, message) -> None:
    path = write(tmp_path, content)
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(path, year=2027)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text, text
    assert "\n" not in text


def test_a_bad_installed_file_stops_the_load_with_its_name(data_dir) -> None:
    write(data_dir / "calendar", doc(holidays=["2026-12-31"]))
    with pytest.raises(CalendarFileError, match=r"working-calendar-2027\.json: 2026-12-31"):
        load_calendar()


def test_the_shipped_files_pass_the_checks() -> None:
    from importlib import resources

    folder = resources.files("resources") / "calendar"
    notice = load_calendar_file(folder / "working-calendar-2026.json", year=2026)
    assert (len(notice.holidays), len(notice.adjusted)) == (33, 6)


# --- the data directory and add-calendar -----------------------------------------------

def test_models_paths_finds_the_same_data_dir_as_the_database(tmp_path, monkeypatch) -> None:
    from models.core import paths
    from models.storage import db

    monkeypatch.delenv("CITYGRID_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir() == db.data_dir() == tmp_path / "xdg" / "CityGridConsole"
    monkeypatch.setenv("CITYGRID_DATA_DIR", str(tmp_path / "override"))
    assert paths.data_dir() == db.data_dir() == tmp_path / "override"


def run(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(home),
                                            "XDG_DATA_HOME": str(home / "xdg"),
                                            "PYTHONPATH": str(ROOT)})


DEADLINE = """
import datetime as dt
from models.core.worktime import checked_step_deadline
due, fallback = checked_step_deadline(dt.datetime(2026, 12, 30, 0, 30, tzinfo=dt.UTC), 16,
                                      "working")
print(due.isoformat(), sorted(fallback))
"""


def test_add_calendar_installs_a_file_that_later_runs_load(tmp_path) -> None:
    before = run("-c", DEADLINE, home=tmp_path)
    assert before.returncode == 0, before.stderr
    assert before.stdout.split() == ["2027-01-01T02:30:00+00:00", "[2027]"]
    assert "no working calendar for 2027" in before.stderr  # the log line

    source = write(tmp_path / "notice", GENERATED_2027, name="calendar-2027.json")
    added = run("main.py", "add-calendar", str(source), home=tmp_path)
    assert added.returncode == 0, added.stderr
    installed = tmp_path / "xdg" / "CityGridConsole" / "calendar" / "working-calendar-2027.json"
    assert installed.is_file()
    assert f"installed the 2027 working calendar (1 holiday(s), 1 adjusted working day(s)) " \
           f"as {installed}" in added.stdout
    assert "working calendars: 2026 (shipped), 2027 (installed)" in added.stdout

    after = run("-c", DEADLINE, home=tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ["2027-01-02T02:30:00+00:00", "[]"]
    assert "no working calendar" not in after.stderr

    again = run("main.py", "add-calendar", str(source), home=tmp_path)
    assert again.returncode == 0 and "replacing the one installed before" in again.stdout


def test_add_calendar_refuses_a_bad_file_and_installs_nothing(tmp_path) -> None:
    source = write(tmp_path / "notice", doc(holidays=["2027-01-01", "2027-01-02"]))
    result = run("main.py", "add-calendar", str(source), home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: {source}: 2027-01-02 is both a holiday and an "
                                     "adjusted working day")
    assert not (tmp_path / "xdg" / "CityGridConsole" / "calendar").exists()
    missing = run("main.py", "add-calendar", str(tmp_path / "nowhere.json"), home=tmp_path)
    assert missing.returncode == 1 and "cannot be read" in missing.stderr


def test_the_calendar_files_are_package_data() -> None:
    import fnmatch
    import tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["resources"]
    shipped = sorted(p.name for p in (ROOT / "resources" / "calendar").iterdir())
    assert shipped == ["working-calendar-2026.json", "working-hours.json"]
    for name in shipped:
        assert any(fnmatch.fnmatch(f"calendar/{name}", p) for p in patterns), name
