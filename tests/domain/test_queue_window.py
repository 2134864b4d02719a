"""The queue's cost follows the open work: every open case however old, a window of recently
closed ones, the rest counted and searched on demand (issue 12, "it does not scale with
history"). Runs on SQLite and PostgreSQL (``tiny_city``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from models.cases.queue import load_case_table, search_cases, window_start
from models.cases.service import CaseService, NewCase
from models.cases.table import STATUS_CODES
from models.core.auth import Actor
from models.core.enums import CaseStatus
from models.storage.schema import Case, StaffRole

NOW = dt.datetime.now(dt.UTC)
DISPATCHER = Actor("d", StaffRole.DISPATCHER)


def _case(city, title: str, *, reported: dt.datetime, status: CaseStatus = CaseStatus.REPORTED,
          closed: dt.datetime | None = None) -> tuple[int, str]:
    svc = CaseService(city.db, DISPATCHER, locate=lambda lon, lat: city.grids[0])
    case_id = svc.report(NewCase(channel="patrol", subcategory="C01", lon=112.981, lat=28.189,
                                 title=title, reported_at=reported)).case_ids[0]
    if status is not CaseStatus.REPORTED:
        with city.db.write() as s:
            s.execute(update(Case).where(Case.id == case_id)
                      .values(status=status, closed_at=closed))
    with city.db.read() as s:
        return case_id, s.execute(select(Case.number).where(Case.id == case_id)).scalar_one()


def _history(city) -> dict[str, int]:
    """An open case of a year ago, then newer closed cases: three closed a month ago
    (beyond a week's window) and five closed in the last days."""
    ids = {"old open": _case(city, "old open", reported=NOW - dt.timedelta(days=400))[0]}
    for i in range(3):
        ids[f"month {i}"] = _case(city, f"month {i}", reported=NOW - dt.timedelta(days=40),
                                  status=CaseStatus.ARCHIVED,
                                  closed=NOW - dt.timedelta(days=30, hours=i))[0]
    for i in range(5):
        ids[f"recent {i}"] = _case(city, f"recent {i}", reported=NOW - dt.timedelta(days=3),
                                   status=CaseStatus.ASSESSED,
                                   closed=NOW - dt.timedelta(days=2, hours=i))[0]
    return ids


def test_an_old_open_case_stays_in_the_queue_and_the_counts(tiny_city) -> None:
    ids = _history(tiny_city)
    # a cap smaller than the closed cases newer than the open one: the old queue (newest
    # N rows by id) dropped the open case; the window never does
    table = load_case_table(tiny_city.db, DISPATCHER, closed_days=7, closed_limit=3)
    listed = dict(zip(table.titles.tolist(), table.ids.tolist(), strict=True))
    assert listed["old open"] == ids["old open"]
    assert int(table.open_mask().sum()) == 1
    with tiny_city.db.read() as s:
        in_db = s.execute(select(func.count()).select_from(Case).where(
            Case.status == CaseStatus.REPORTED)).scalar_one()
    assert in_db == 1
    # the cap keeps the latest closed: recent 0, 1, 2 (closed 2 days + 0, 1, 2 hours ago)
    assert sorted(t for t in listed if t.startswith("recent")) == ["recent 0", "recent 1",
                                                                   "recent 2"]
    assert not any(t.startswith("month") for t in listed)
    # beyond the window: three of a month ago and two the cap left out; counted, not read
    assert table.closed_beyond == 5
    assert len(table) == 4


def test_closed_cases_beyond_the_window_are_counted_not_loaded(tiny_city) -> None:
    _history(tiny_city)
    table = load_case_table(tiny_city.db, DISPATCHER, closed_days=7)
    titles = set(table.titles.tolist())
    assert titles == {"old open", *(f"recent {i}" for i in range(5))}
    assert table.closed_beyond == 3
    # a wider window takes the month-old ones in
    wide = load_case_table(tiny_city.db, DISPATCHER, closed_days=60)
    assert len(wide) == 9 and wide.closed_beyond == 0


def test_the_count_beyond_the_window_follows_new_closures(tiny_city) -> None:
    _history(tiny_city)
    assert load_case_table(tiny_city.db, DISPATCHER, closed_days=7).closed_beyond == 3
    # one more case closed long ago (the count before the window's start is recounted when
    # the window moves; here the window is the same hour, so a wider one shows the change)
    _case(tiny_city, "older still", reported=NOW - dt.timedelta(days=90),
          status=CaseStatus.REJECTED, closed=NOW - dt.timedelta(days=89))
    assert load_case_table(tiny_city.db, DISPATCHER, closed_days=8).closed_beyond == 4


def test_window_starts_on_the_hour() -> None:
    start = window_start(dt.datetime(2026, 12, 3, 7, 41, 5, tzinfo=dt.UTC), 7)
    assert start == dt.datetime(2026, 11, 26, 7, tzinfo=dt.UTC)


def test_search_finds_an_old_closed_case(tiny_city) -> None:
    _history(tiny_city)
    old_id, old_number = _case(tiny_city, "井盖缺失 old", reported=NOW - dt.timedelta(days=700),
                               status=CaseStatus.ARCHIVED,
                               closed=NOW - dt.timedelta(days=690))
    assert old_id not in load_case_table(tiny_city.db, DISPATCHER).ids
    by_number = search_cases(tiny_city.db, DISPATCHER, number=old_number.lower())
    assert by_number.ids.tolist() == [old_id]
    assert by_number.titles.tolist() == ["井盖缺失 old"]
    assert STATUS_CODES[by_number.status[0]] == "archived"
    assert search_cases(tiny_city.db, DISPATCHER, text=old_number).ids.tolist() == [old_id]
    assert search_cases(tiny_city.db, DISPATCHER, text="井盖").ids.tolist() == [old_id]
    # a time range, a status, a district, a grid and a page limit
    year_ago = NOW - dt.timedelta(days=365)
    assert search_cases(tiny_city.db, DISPATCHER, until=year_ago).titles.tolist() == [
        "井盖缺失 old", "old open"]
    assert search_cases(tiny_city.db, DISPATCHER, until=year_ago,
                        statuses=["archived"]).ids.tolist() == [old_id]
    grid = tiny_city.grid_codes[0]
    page = search_cases(tiny_city.db, DISPATCHER, grid_code=grid, district="430103", limit=4)
    assert len(page) == 4 and set(page.grid_code) == {grid}
    assert page.ids.tolist() == sorted(page.ids.tolist(), reverse=True)  # newest first
    assert len(search_cases(tiny_city.db, DISPATCHER, district="999999")) == 0
    # "%" is a character to look for, not a wildcard
    assert len(search_cases(tiny_city.db, DISPATCHER, text="%")) == 0


def test_search_keeps_phone_numbers_private(tiny_city) -> None:
    from tests.domain.test_privacy_reads import TRAINER

    _case(tiny_city, "井盖缺失 回电13812345678", reported=NOW - dt.timedelta(days=500),
          status=CaseStatus.ARCHIVED, closed=NOW - dt.timedelta(days=499))
    assert len(search_cases(tiny_city.db, DISPATCHER, text="13812345678")) == 1
    # who may not read contact data cannot probe a title for a phone number
    assert len(search_cases(tiny_city.db, TRAINER, text="13812345678")) == 0
    assert search_cases(tiny_city.db, TRAINER, text="井盖").titles.tolist() == [
        "井盖缺失 回电138****5678"]


def test_a_reader_rereads_only_what_changed_and_follows_every_change(tiny_city) -> None:
    from models.cases.queue import QueueReader

    ids = _history(tiny_city)
    reader = QueueReader(tiny_city.db, closed_days=7)
    first = reader.read(DISPATCHER)
    assert first.closed_beyond == 3 and len(first) == 6

    def status_of(table, case_id: int) -> str:
        return STATUS_CODES[table.status[table.ids.tolist().index(case_id)]]

    # a closed case changes (through the ORM: the version moves), one reopens, one more
    # closes: the next read shows all three, in the window's order
    with tiny_city.db.write() as s:
        s.get(Case, ids["recent 1"]).status = CaseStatus.ARCHIVED
        reopened = s.get(Case, ids["recent 3"])
        reopened.status, reopened.closed_at = CaseStatus.HANDLING, None
        closed = s.get(Case, ids["old open"])
        closed.status, closed.closed_at = CaseStatus.REJECTED, NOW - dt.timedelta(minutes=5)
    again = reader.read(DISPATCHER)
    assert status_of(again, ids["recent 1"]) == "archived"
    assert status_of(again, ids["recent 3"]) == "handling"
    assert status_of(again, ids["old open"]) == "rejected"
    assert again.ids.tolist().count(ids["recent 3"]) == 1  # once, as an open case
    assert again.ids.tolist() == [ids["recent 3"], ids["old open"], ids["recent 0"],
                                  ids["recent 1"], ids["recent 2"], ids["recent 4"]]
    assert int(again.open_mask().sum()) == 1
    # what a fresh read says, the reader says
    fresh = load_case_table(tiny_city.db, DISPATCHER, closed_days=7)
    assert fresh.ids.tolist() == again.ids.tolist()
    assert fresh.status.tolist() == again.status.tolist()
    assert fresh.closed_beyond == again.closed_beyond == 3


def test_a_reader_masks_titles_for_each_reader_it_serves(tiny_city) -> None:
    from models.cases.queue import QueueReader
    from tests.domain.test_privacy_reads import TRAINER

    _case(tiny_city, "回电13812345678", reported=NOW - dt.timedelta(days=2),
          status=CaseStatus.ARCHIVED, closed=NOW - dt.timedelta(days=1))
    reader = QueueReader(tiny_city.db)
    assert reader.read(DISPATCHER).titles.tolist() == ["回电13812345678"]
    assert reader.read(TRAINER).titles.tolist() == ["回电138****5678"]
    assert reader.read(DISPATCHER).titles.tolist() == ["回电13812345678"]


def test_a_reader_follows_the_window_as_it_moves_on(tiny_city) -> None:
    from models.cases.queue import QueueReader

    _history(tiny_city)
    reader = QueueReader(tiny_city.db, closed_days=7)
    assert reader.read(DISPATCHER, now=NOW).closed_beyond == 3
    # four weeks later the five closed two days ago are beyond the window too
    later = NOW + dt.timedelta(days=28, minutes=61)
    moved = reader.read(DISPATCHER, now=later)
    fresh = load_case_table(tiny_city.db, DISPATCHER, closed_days=7, now=later)
    assert moved.closed_beyond == fresh.closed_beyond == 8
    assert moved.titles.tolist() == fresh.titles.tolist() == ["old open"]


def test_the_shared_reader_does_not_keep_a_database_alive(sqlite_url) -> None:
    import gc
    import weakref

    from models.cases.queue import reader_for
    from models.storage.db import Database

    db = Database.open(sqlite_url)
    assert reader_for(db) is reader_for(db)
    gone = weakref.ref(db)
    db.dispose()
    del db
    gc.collect()
    assert gone() is None  # and with it its entry in the shared readers


def test_a_reader_follows_the_change_log_and_agrees_with_a_fresh_read(tiny_city) -> None:
    """Between whole reads a reader re-reads only the cases the change log names: after
    every kind of change (new cases, closing, reopening a case of a month ago, closing one
    before the window, a title edited) it says what a fresh read says, row for row."""
    import random

    from models.cases.queue import QueueReader

    ids = _history(tiny_city)
    reader = QueueReader(tiny_city.db, closed_days=7)
    reader.read(DISPATCHER)
    rng = random.Random(7)
    month_old = [ids[f"month {i}"] for i in range(3)]
    made = list(ids.values())

    def change(step: int) -> None:
        kind = step % 5
        with tiny_city.db.write() as s:
            if kind == 0:  # a new case
                pass
            elif kind == 1:  # an open or recent case closes now
                case = s.get(Case, rng.choice(made))
                case.status, case.closed_at = CaseStatus.ARCHIVED, NOW - dt.timedelta(
                    minutes=step)
            elif kind == 2 and month_old:  # a case of a month ago comes back
                case = s.get(Case, month_old.pop())
                case.status, case.closed_at = CaseStatus.HANDLING, None
            elif kind == 3:  # a listed case is closed with a time before the window
                case = s.get(Case, rng.choice(made))
                case.status, case.closed_at = CaseStatus.REJECTED, NOW - dt.timedelta(
                    days=20)
            else:  # only the title changes
                case = s.get(Case, rng.choice(made))
                case.title = f"edited {step}"
        if kind == 0:
            made.append(_case(tiny_city, f"new {step}", reported=NOW)[0])

    for step in range(15):
        change(step)
        followed = reader.read(DISPATCHER)
        fresh = load_case_table(tiny_city.db, DISPATCHER, closed_days=7)
        assert followed.ids.tolist() == fresh.ids.tolist(), step
        assert followed.status.tolist() == fresh.status.tolist(), step
        assert followed.titles.tolist() == fresh.titles.tolist(), step
        assert followed.closed_beyond == fresh.closed_beyond, step
    assert reader.whole_reads == 1  # every read after the first followed the log
    # nothing changed: the very table of the last read (a view may skip its redraw)
    assert reader.read(DISPATCHER) is followed
