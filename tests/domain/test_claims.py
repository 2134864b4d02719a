"""Claims on the case row and the shared acknowledgement of an emergency (SQLite and
PostgreSQL): one seat works a case at a time, no claim moves the version, and every claim
reaches the other seats through the change log."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select, text

from console.application.casedesk import CaseDesk
from models.cases.claims import DEFAULT_TIMEOUT_MINUTES, TIMEOUT_KEY, ClaimService
from models.cases.queue import read_cases
from models.cases.service import CaseService, NewCase
from models.core.auth import Actor
from models.core.errors import ClaimedError, ConflictError, PermissionDenied, ValidationError
from models.storage.changelog import changes_since, latest_seq
from models.storage.schema import AuditEntry, Case, CaseHistory, Setting, StaffRole
from routing.graph import EscalationGraph
from routing.policy import Router

T0 = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves on."""

    def __init__(self, at: dt.datetime = T0) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        self.at += dt.timedelta(minutes=minutes)


@pytest.fixture
def room(tiny_city):
    """Two dispatchers and a shift lead of one room, on one clock."""
    clock = Clock()
    city = tiny_city
    city.clock = clock
    city.a = Actor("调度甲", StaffRole.DISPATCHER, city.staff["dispatcher"])
    city.b = Actor("调度乙", StaffRole.DISPATCHER)
    city.lead_actor = Actor("值班长", StaffRole.SHIFT_LEAD, city.staff["shift_lead"])
    city.claims = {who: ClaimService(city.db, actor, now=clock)
                   for who, actor in (("a", city.a), ("b", city.b), ("lead", city.lead_actor))}
    return city


def report(city, sub: str = "C01", title: str = "占道经营") -> int:
    return CaseService(city.db, Actor("调度甲", StaffRole.DISPATCHER),
                       locate=lambda lon, lat: city.grids[0]).report(
        NewCase(channel="hotline_12345", subcategory=sub, lon=112.981, lat=28.189,
                title=title)).case_ids[0]


def audit_rows(city, action: str) -> list[tuple[str, str, str]]:
    with city.db.read() as s:
        return [tuple(r) for r in s.execute(
            select(AuditEntry.actor_name, AuditEntry.outcome, AuditEntry.detail)
            .where(AuditEntry.action == action).order_by(AuditEntry.id))]


def row(city, case_id: int) -> Case:
    with city.db.read() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


def test_a_claim_refuses_a_second_seat_naming_the_holder(room) -> None:
    a, b = room.claims["a"], room.claims["b"]
    cid = report(room)
    got = a.claim(cid)
    assert (got.case_id, got.claimed_by, got.claimed_at) == (cid, "调度甲", T0)
    assert got.claim_until == T0 + dt.timedelta(minutes=DEFAULT_TIMEOUT_MINUTES)
    seq, audits = latest_seq(room.db), audit_rows(room, "case.claim")
    with pytest.raises(ClaimedError) as refused:
        b.claim(cid)
    exc = refused.value
    assert isinstance(exc, ConflictError) and exc.code == "claimed"
    assert (exc.holder, exc.until, exc.case) == ("调度甲", got.claim_until, got.number)
    assert "held by 调度甲 until 08:15 UTC" in str(exc)
    # nothing written for the refused claim: no change, no audit row
    assert changes_since(room.db, seq).empty and audit_rows(room, "case.claim") == audits
    assert a.held_by(cid) == b.held_by(cid) == got


def test_a_claim_runs_out_and_another_seat_takes_it(room) -> None:
    a, b = room.claims["a"], room.claims["b"]
    cid = report(room)
    a.claim(cid)
    room.clock.advance(DEFAULT_TIMEOUT_MINUTES)  # at the end: still held
    with pytest.raises(ClaimedError):
        b.claim(cid)
    room.clock.advance(1)
    assert a.held_by(cid) is None  # ran out
    taken = b.claim(cid)
    assert (taken.claimed_by, taken.claimed_at) == ("调度乙", room.clock())
    with pytest.raises(ClaimedError, match="held by 调度乙"):
        a.claim(cid)


def test_claiming_again_renews_the_claim_and_keeps_its_start(room) -> None:
    a = room.claims["a"]
    cid = report(room)
    a.claim(cid)
    room.clock.advance(10)
    again = a.claim(cid)
    assert again.claimed_at == T0
    assert again.claim_until == room.clock() + dt.timedelta(minutes=DEFAULT_TIMEOUT_MINUTES)
    assert [r[0] for r in audit_rows(room, "case.claim")] == ["调度甲"]  # a renewal: no row


def test_only_the_holder_or_a_shift_lead_releases(room) -> None:
    a, b, lead = room.claims["a"], room.claims["b"], room.claims["lead"]
    cid = report(room)
    a.claim(cid)
    with pytest.raises(ClaimedError, match="held by 调度甲"):
        b.release(cid)
    assert a.held_by(cid) is not None
    released = a.release(cid)
    assert released is not None and released.claimed_by == "调度甲"
    assert a.held_by(cid) is None and a.release(cid) is None  # nothing held: nothing to do
    b.claim(cid)
    assert lead.release(cid) is not None and a.held_by(cid) is None
    assert [(r[0], r[2]) for r in audit_rows(room, "case.release")] == [
        ("调度甲", ""), ("值班长", "claim of 调度乙")]
    stored = row(room, cid)
    assert (stored.claimed_by, stored.claimed_at, stored.claim_until) == (None, None, None)


def test_logging_out_releases_every_claim_of_the_actor(room) -> None:
    a, b = room.claims["a"], room.claims["b"]
    one, two, other = report(room), report(room), report(room)
    a.claim(one)
    a.claim(two)
    b.claim(other)
    done = a.release_all()
    assert done.case_ids == (one, two) and done.action == "release"
    assert a.held_by(one) is None and a.held_by(two) is None
    assert b.held_by(other) is not None and b.held_by(other).claimed_by == "调度乙"
    assert len(audit_rows(room, "case.release")) == 2
    assert a.release_all().case_ids == ()


def test_the_shift_lead_shortens_the_rooms_claim_timeout(room) -> None:
    a, lead = room.claims["a"], room.claims["lead"]
    with pytest.raises(PermissionDenied):
        a.set_claim_timeout(5)
    assert [r[1] for r in audit_rows(room, "room.claim_timeout")] == ["denied"]
    for bad in (0, 61, 2.5, True):
        with pytest.raises(ValidationError):
            lead.set_claim_timeout(bad)
    assert lead.set_claim_timeout(5) == 5
    assert a.timeout_minutes() == 5
    with room.db.read() as s:
        assert s.scalar(select(Setting.value).where(Setting.key == TIMEOUT_KEY)) == "5"
    cid = report(room)
    assert a.claim(cid).claim_until == T0 + dt.timedelta(minutes=5)
    # a claim asked for longer than the room allows gets the room's timeout
    assert a.claim(cid, minutes=30).claim_until == T0 + dt.timedelta(minutes=5)
    assert a.claim(cid, minutes=2).claim_until == T0 + dt.timedelta(minutes=2)
    assert [r[2] for r in audit_rows(room, "room.claim_timeout")][-1] == "15 -> 5 minutes"


def test_a_claim_moves_no_version_and_reaches_the_change_log(room) -> None:
    a = room.claims["a"]
    cid = report(room)
    before = row(room, cid).version
    seq = latest_seq(room.db)
    a.claim(cid)
    assert row(room, cid).version == before  # the claimer's screen is not stale
    assert changes_since(room.db, seq).case_ids == (cid,)  # other seats redraw it
    # what the other seats re-read carries the holder
    rows = read_cases(room.db, room.b, [cid])
    assert rows.claimed_by.tolist() == ["调度甲"]
    assert rows.holders(room.clock()).tolist() == ["调度甲"]
    assert rows.holders(room.clock() + dt.timedelta(minutes=16)).tolist() == [""]
    seq = latest_seq(room.db)
    a.release(cid)
    assert row(room, cid).version == before and changes_since(room.db, seq).case_ids == (cid,)
    # an action at the version the screen showed before the claim still goes through
    desk = CaseDesk(room.db, room.a, lambda: Router(EscalationGraph.from_db(room.db)),
                    now=room.clock)
    a.claim(cid)
    desk.act("accept", cid, before)
    assert row(room, cid).version == before + 1


def test_of_seats_claiming_at_once_exactly_one_wins(room) -> None:
    cases = [report(room, title=str(i)) for i in range(3)]
    seats = [ClaimService(room.db, Actor(f"调度{n}", StaffRole.DISPATCHER), now=room.clock)
             for n in range(4)]
    results: dict[tuple[int, int], str] = {}
    barrier = threading.Barrier(len(seats))

    def run(n: int) -> None:
        barrier.wait()
        for cid in cases:
            try:
                seats[n].claim(cid)
                results[(n, cid)] = "won"
            except ClaimedError as exc:
                results[(n, cid)] = f"lost to {exc.holder}"

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(seats))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    for cid in cases:
        winners = [n for n in range(len(seats)) if results[(n, cid)] == "won"]
        assert len(winners) == 1, results
        holder = row(room, cid).claimed_by
        assert holder == f"调度{winners[0]}"
        assert {results[(n, cid)] for n in range(len(seats)) if n != winners[0]} == \
            {f"lost to {holder}"}


@pytest.mark.postgres
def test_a_claim_waiting_for_anothers_commit_sees_that_claim(pg_url) -> None:
    """PostgreSQL: the second UPDATE waits for the first's row lock, then evaluates its
    condition again against the committed claim: it loses, naming the first holder."""
    from models.storage.db import Database
    from tests.citykit import make_tiny_city

    db = Database.open(pg_url)
    try:
        city = make_tiny_city(db)
        cid = report(city)
        b = ClaimService(db, Actor("调度乙", StaffRole.DISPATCHER))
        outcome: list[object] = []
        with db.engine.connect() as first:
            first.begin()
            pid = first.execute(text("SELECT pg_backend_pid()")).scalar()
            first.execute(text("UPDATE case_ SET claimed_by = '调度甲', claimed_at = now(), "
                               "claim_until = now() + interval '15 minutes' WHERE id = :id"),
                          {"id": cid})

            def second() -> None:
                try:
                    outcome.append(b.claim(cid))
                except ClaimedError as exc:
                    outcome.append(exc)

            thread = threading.Thread(target=second)
            thread.start()
            deadline = time.monotonic() + 30
            with db.engine.connect() as probe:  # wait until the second claim is blocked
                while True:
                    waiting = probe.execute(text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE :pid = ANY(pg_blocking_pids(pid))"), {"pid": pid}).scalar()
                    if waiting or not thread.is_alive():
                        break
                    assert time.monotonic() < deadline, "the second claim never waited"
                    probe.rollback()
            assert not outcome  # still waiting for the first
            first.commit()
        thread.join(timeout=30)
        assert len(outcome) == 1 and isinstance(outcome[0], ClaimedError)
        assert outcome[0].holder == "调度甲"
    finally:
        db.dispose()


def test_an_acknowledgement_is_kept_once_for_every_seat(room) -> None:
    a, b = room.claims["a"], room.claims["b"]
    fire, litter = report(room, "M01", "火情"), report(room, "C01")
    version = row(room, fire).version
    seq = latest_seq(room.db)
    done = a.acknowledge([fire, litter])
    assert done.case_ids == (fire,) and done.action == "acknowledge"  # emergencies only
    stored = row(room, fire)
    assert (stored.acknowledged_by, stored.acknowledged_at, stored.version) == (
        "调度甲", T0, version)
    assert row(room, litter).acknowledged_by is None
    assert changes_since(room.db, seq).case_ids == (fire,)
    # again, from another seat: nothing changes, nothing is written
    seq = latest_seq(room.db)
    room.clock.advance(1)
    assert b.acknowledge([fire]).case_ids == ()
    assert row(room, fire).acknowledged_by == "调度甲"
    assert changes_since(room.db, seq).empty
    assert [(r[0], r[1]) for r in audit_rows(room, "case.acknowledge")] == [("调度甲", "ok")]
    rows = read_cases(room.db, room.b, [fire, litter])
    assert dict(zip(rows.ids.tolist(), rows.acknowledged.tolist(), strict=True)) == {
        fire: True, litter: False}
    assert CaseService(room.db, room.b).get(fire).acknowledged_by == "调度甲"


def test_an_acknowledgement_needs_a_dispatching_role(room) -> None:
    fire = report(room, "M01", "火情")
    auditor = ClaimService(room.db, Actor("审计", StaffRole.AUDITOR), now=room.clock)
    with pytest.raises(PermissionDenied):
        auditor.acknowledge([fire])
    assert row(room, fire).acknowledged_by is None


@pytest.fixture
def desks(room):
    router = Router(EscalationGraph.from_db(room.db))
    room.desk = {who: CaseDesk(room.db, actor, lambda: router, now=room.clock)
                 for who, actor in (("a", room.a), ("b", room.b), ("lead", room.lead_actor))}
    return room


def history(city, case_id: int) -> int:
    with city.db.read() as s:
        return s.scalar(select(func.count()).select_from(CaseHistory)
                        .where(CaseHistory.case_id == case_id))


def test_the_desk_refuses_an_action_on_a_case_another_seat_holds(desks) -> None:
    a, b = desks.desk["a"], desks.desk["b"]
    cid = report(desks)
    v = a.cases.get(cid).version
    claimed = a.claim(cid)
    assert claimed.case_ids == (cid,) and claimed.action == "claim"
    rows_before = history(desks, cid)
    with pytest.raises(ClaimedError, match="held by 调度甲"):
        b.check_version(cid, v)  # before any question is asked
    with pytest.raises(ClaimedError, match="held by 调度甲"):
        b.act("accept", cid, v)
    assert a.cases.get(cid).version == v and history(desks, cid) == rows_before
    a.act("accept", cid, v)  # the holder acts
    assert a.cases.get(cid).status == "accepted"


def test_acting_on_a_free_case_claims_it(desks) -> None:
    a, b = desks.desk["a"], desks.desk["b"]
    cid = report(desks)
    a.act("accept", cid, a.cases.get(cid).version)
    held = a.claims.held_by(cid)
    assert held is not None and held.claimed_by == "调度甲"
    with pytest.raises(ClaimedError):
        b.act("dispatch", cid, b.cases.get(cid).version)
    # the claim runs out: the other seat acts, and holds it now
    desks.clock.advance(DEFAULT_TIMEOUT_MINUTES + 1)
    b.act("dispatch", cid, b.cases.get(cid).version)
    assert b.cases.get(cid).claimed_by == "调度乙"
    # released: the first seat may act again
    assert b.release(cid).case_ids == (cid,)
    assert a.cases.get(cid).claimed_by is None


def test_a_shift_lead_acts_through_a_claim_and_leaves_it(desks) -> None:
    a, lead = desks.desk["a"], desks.desk["lead"]
    cid = report(desks)
    a.act("accept", cid, a.cases.get(cid).version)
    lead.act("suspend", cid, lead.cases.get(cid).version, {"reason": "待查"})
    case = lead.cases.get(cid)
    assert (case.status, case.claimed_by) == ("suspended", "调度甲")
    # and releases it for another seat
    assert lead.release(cid).case_ids == (cid,)
    assert lead.cases.get(cid).claimed_by is None


def test_the_claim_migration_goes_down_and_up(db_url) -> None:
    """0010 adds the claim columns without rebuilding the case table (the change log's
    triggers stay), and its downgrade takes them and the room's timeout away again."""
    from alembic import command
    from sqlalchemy import inspect

    from models.storage.db import Database, _alembic_config

    db = Database.open(db_url)
    try:
        with db.write() as s:
            s.add(Setting(key=TIMEOUT_KEY, value="5"))
        command.downgrade(_alembic_config(db.engine), "0008")  # below 0010
        columns = {c["name"] for c in inspect(db.engine).get_columns("case_")}
        assert not columns & {"claimed_by", "claimed_at", "claim_until", "acknowledged_by",
                              "acknowledged_at"}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM meta WHERE key = :k"),
                                {"k": TIMEOUT_KEY}).scalar() == 0
        command.upgrade(_alembic_config(db.engine), "head")
        assert db.schema_is_current()
        from tests.citykit import make_tiny_city

        city = make_tiny_city(db)
        cid = report(city)
        seq = latest_seq(db)
        ClaimService(db, Actor("调度甲", StaffRole.DISPATCHER)).claim(cid)
        assert changes_since(db, seq).case_ids == (cid,)  # the triggers survived
    finally:
        db.dispose()


def test_tables_read_without_claims_take_rows_that_carry_them() -> None:
    """A replay's table has no claim columns; the re-read rows of a change record do: the
    patched and joined tables carry the holders, nobody holding the other rows."""
    import dataclasses

    from models.cases.table import CaseTable

    def rows(*claims: tuple) -> CaseTable:
        return CaseTable.from_rows([
            (i, f"C{i}", "t", "city", "C01", "reported", "normal", None, "", "", T0, None,
             113.0, 28.0, T0, "", *claim) for i, claim in enumerate(claims, start=1)])

    bare = dataclasses.replace(rows((None, None, None), (None, None, None)),
                               claimed_by=None, claim_until=None, acknowledged=None)
    until = T0 + dt.timedelta(minutes=15)
    fresh = rows(("", None, None), ("调度甲", until, "调度甲"))
    fresh = fresh.take([1])  # case 2 only
    patched, where = bare.patch(fresh)
    assert where.tolist() == [1]
    assert patched.holders(T0).tolist() == ["", "调度甲"]
    assert patched.acknowledged.tolist() == [False, True]
    joined = CaseTable.concat([bare, fresh])
    assert joined.claimed_by.tolist() == ["", "", "调度甲"]
    assert np_isnan(joined.claim_until[:2]) and joined.claim_until[2] == until.timestamp()
    assert bare.holders(T0).tolist() == ["", ""]
    assert CaseTable.concat([bare, bare]).claimed_by is None


def np_isnan(values) -> bool:
    import numpy as np

    return bool(np.isnan(values).all())
