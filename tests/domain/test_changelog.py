"""The change log: every committed change of a case, in order, whoever wrote it."""

from __future__ import annotations

from sqlalchemy import update

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.storage.changelog import changes_since, latest_seq, prune
from models.storage.schema import Case, StaffRole
from tests.factories import city_actor


def _report(city, title: str = "占道经营") -> int:
    svc = CaseService(city.db, city_actor(city, StaffRole.DISPATCHER),
                      locate=lambda lon, lat: city.grids[0])
    return svc.report(NewCase(channel="hotline_12345", subcategory="C01", lon=112.981,
                              lat=28.189, title=title)).case_ids[0]


def test_every_insert_and_update_is_logged_in_order(tiny_city) -> None:
    db = tiny_city.db
    start = latest_seq(db)
    a, b = _report(tiny_city, "a"), _report(tiny_city, "b")
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    CaseLoop(db, dispatcher).accept(a, expected_version=CaseService(db, dispatcher).get(a).version)
    batch = changes_since(db, start)
    assert batch.case_ids == (a, b)  # each once, in the order of their first change
    assert batch.seq == latest_seq(db) > start
    assert changes_since(db, batch.seq).empty
    # a write that bypasses the services (SQL from another program) is logged as well
    with db.write() as s:
        s.execute(update(Case).where(Case.id == b).values(title="c"))
    assert changes_since(db, batch.seq).case_ids == (b,)


def test_a_rolled_back_change_leaves_no_trace(tiny_city) -> None:
    db = tiny_city.db
    a = _report(tiny_city)
    seq = latest_seq(db)
    try:
        with db.write() as s:
            s.execute(update(Case).where(Case.id == a).values(title="x"))
            raise RuntimeError("the writer fails before its commit")
    except RuntimeError:
        pass
    assert changes_since(db, seq).empty


def test_too_many_changes_ask_for_a_whole_read(tiny_city) -> None:
    db = tiny_city.db
    seq = latest_seq(db)
    for i in range(5):
        _report(tiny_city, str(i))
    batch = changes_since(db, seq, limit=3)
    assert batch.overflow and not batch.case_ids and batch.seq == latest_seq(db)


def test_pruning_keeps_the_newest_rows_and_the_sequence(tiny_city) -> None:
    db = tiny_city.db
    for i in range(4):
        _report(tiny_city, str(i))
    newest = latest_seq(db)
    assert prune(db, keep=1) >= 3
    assert latest_seq(db) == newest
    after = _report(tiny_city, "after")
    assert changes_since(db, newest).case_ids == (after,)


def test_a_commit_that_comes_after_a_later_number_is_not_lost(tiny_city) -> None:
    """On PostgreSQL a transaction may take a number and commit after one that took a later
    number: the reader asks for the missing number again and finds it once committed."""
    import pytest

    db = tiny_city.db
    if db.is_sqlite:
        pytest.skip("SQLite writers commit one at a time, in the order of their numbers")
    a, b = _report(tiny_city, "a"), _report(tiny_city, "b")
    seq = latest_seq(db)
    with db.engine.connect() as slow:
        slow.begin()
        slow.execute(update(Case).where(Case.id == a).values(title="slow"))  # takes seq+1
        with db.write() as s:  # commits first, with a later number
            s.execute(update(Case).where(Case.id == b).values(title="fast"))
        first = changes_since(db, seq)
        assert first.case_ids == (b,) and first.gaps == {seq + 1}
        slow.commit()
    second = changes_since(db, first.seq, gaps=first.gaps)
    assert second.case_ids == (a,) and not second.gaps and second.seq == first.seq
