"""The six-step loop: each transition's happy path, its refusals, and the side paths."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.cases.transitions import TRANSITIONS, allowed
from models.core.auth import PERMISSIONS, Actor
from models.core.errors import (
    ConflictError,
    IllegalTransition,
    PermissionDenied,
    StaleVersionError,
    ValidationError,
)
from models.core.records import RoutingDecision
from models.core.workcalendar import load_calendar
from models.core.worktime import total_hours
from models.storage.schema import (
    AuditEntry,
    Case,
    CaseAttachment,
    CaseHistory,
    CaseReport,
    StaffRole,
)
from tests.factories import city_actor
from tests.freshloop import FreshLoop

CAL = load_calendar()

T0 = dt.datetime(2026, 3, 4, 1, 0, tzinfo=dt.UTC)  # a Wednesday, 09:00 in Changsha


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> dt.datetime:
        return self.t


def decision(tc, level: str = "community", unit: str = "community") -> RoutingDecision:
    unit_id = getattr(tc, unit)
    return RoutingDecision(unit_id, "x", level, None, None, "test", (f"test sends to {level}",))


@pytest.fixture
def world(tiny_city):
    tc = tiny_city
    clock = Clock()
    people = {
        "dispatcher": city_actor(tc, StaffRole.DISPATCHER),
        "lead": city_actor(tc, StaffRole.SHIFT_LEAD),
        "manager": city_actor(tc, StaffRole.MANAGER),
        "supervisor": city_actor(tc, StaffRole.SUPERVISOR),
        "trainer": Actor("培训", StaffRole.TRAINER),
    }
    # not about versions: each action passes the version stored just before it
    loops = {k: FreshLoop(CaseLoop(tc.db, a, now=clock)) for k, a in people.items()}

    def report(**over) -> int:
        args = dict(channel="hotline_12345", subcategory="C01", lon=112.981, lat=28.189,
                    title="占道经营", reporter_name="张三", reporter_phone="13812345678",
                    reported_at=clock.t)
        args.update(over)
        svc = CaseService(tc.db, people["dispatcher"], locate=lambda lon, lat: tc.grids[0])
        return svc.report(NewCase(**args)).case_ids[0]

    return tc, clock, loops, report


def counts(db, case_id: int) -> tuple[int, int]:
    with db.read() as s:
        h = s.scalar(select(func.count()).select_from(CaseHistory)
                     .where(CaseHistory.case_id == case_id))
        a = s.scalar(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action.like("case.%"), AuditEntry.outcome == "ok"))
    return h, a


def status(db, case_id: int) -> Case:
    with db.read() as s:
        return s.get(Case, case_id)


def test_the_whole_loop(world) -> None:
    tc, clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))
    c = status(tc.db, cid)
    assert (c.status.value, c.level, c.assigned_unit_id) == ("dispatched", "community",
                                                             tc.community)
    L["manager"].start(cid)
    L["manager"].feedback(cid, "摊位已清理",
                          photos=[("after.jpg", "image/jpeg", b"\xff\xd8\xffjpg")])
    L["supervisor"].verify(cid, passed=True)
    L["dispatcher"].assess(cid, effective=True, satisfaction=5)
    c = status(tc.db, cid)
    assert c.status.value == "assessed" and c.satisfaction == 5 and c.closed_at == clock.t
    h, _ = counts(tc.db, cid)
    assert h == 7  # report + six transitions
    with tc.db.read() as s:
        assert s.scalar(select(CaseAttachment.file_name)) == "after.jpg"


def test_illegal_transition_changes_nothing(world) -> None:
    tc, _, L, report = world
    cid = report()
    before = counts(tc.db, cid)
    with pytest.raises(IllegalTransition, match="is reported: cannot dispatch"):
        L["dispatcher"].dispatch(cid, decision(tc))
    assert counts(tc.db, cid) == before and status(tc.db, cid).status.value == "reported"


def test_roles_are_enforced_and_refusals_audited(world) -> None:
    tc, _, L, report = world
    cid = report()
    with pytest.raises(PermissionDenied):
        L["trainer"].accept(cid)
    with pytest.raises(PermissionDenied, match="manager"):
        L["manager"].accept(cid)
    with tc.db.read() as s:
        denied = s.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied")).all()
    assert denied == ["case.accept", "case.accept"]
    assert status(tc.db, cid).status.value == "reported"


def test_only_a_worker_of_the_case_grid_verifies(world) -> None:
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))
    L["manager"].start(cid)
    L["manager"].feedback(cid, "done")
    with tc.db.write() as s:  # the case turns out to lie in another grid
        s.get(Case, cid).grid_id = tc.grids[1]
    before = counts(tc.db, cid)
    with pytest.raises(PermissionDenied, match="its own grid"):
        L["supervisor"].verify(cid, passed=True)
    assert status(tc.db, cid).status.value == "verifying"
    assert counts(tc.db, cid) == before
    with tc.db.read() as s:  # the refusal leaves a trace, as every refusal does
        denied = s.scalars(select(AuditEntry.action).where(AuditEntry.outcome == "denied"))
        assert denied.all() == ["case.verify_pass"]
    FreshLoop(CaseLoop(tc.db, Actor.system())).verify(cid, passed=True)  # the system may


def test_failed_verification_is_rework(world) -> None:
    tc, _, L, report = world
    cid = report()
    for step in (lambda: L["dispatcher"].accept(cid),
                 lambda: L["dispatcher"].dispatch(cid, decision(tc)),
                 lambda: L["manager"].start(cid), lambda: L["manager"].feedback(cid, "done")):
        step()
    with pytest.raises(ValidationError, match="note"):
        L["supervisor"].verify(cid, passed=False)
    L["supervisor"].verify(cid, passed=False, note="摊位仍在")
    c = status(tc.db, cid)
    assert (c.status.value, c.rework_count) == ("handling", 1)


def test_reject_needs_a_reason(world) -> None:
    tc, _, L, report = world
    cid = report()
    with pytest.raises(ValidationError, match="invalid or duplicate"):
        L["dispatcher"].reject(cid, "boring")
    L["dispatcher"].reject(cid, "invalid")
    assert status(tc.db, cid).status.value == "rejected"
    with pytest.raises(IllegalTransition):
        L["dispatcher"].accept(cid)


def test_suspend_stops_the_clock(world) -> None:
    """A working-hours case is credited the working hours the pause stopped: Wednesday
    09:00 to 14:00 is 5 hours on the wall but 3 working hours (lunch is 12:00-14:00)."""
    tc, clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    before = status(tc.db, cid)
    assert before.step_deadline == CAL.add_working_hours(clock.t, 4)  # C01 dispatch: 4 h
    L["lead"].suspend(cid, "等待产权单位回复")
    clock.t += dt.timedelta(hours=5)
    L["lead"].resume(cid)
    c = status(tc.db, cid)
    assert c.status.value == "accepted"
    assert c.step_deadline == CAL.add_working_hours(before.step_deadline, 3)
    assert c.case_deadline == CAL.add_working_hours(before.case_deadline, 3)
    assert CAL.working_hours_between(before.step_deadline, c.step_deadline) == 3
    assert c.paused_seconds == 5 * 3600
    with tc.db.read() as s:
        data = s.scalars(select(CaseHistory.data).where(CaseHistory.case_id == cid)
                         .order_by(CaseHistory.id.desc())).first()
    assert data["credited_hours"] == 3 and data["basis"] == "working"


def test_a_calendar_hours_case_is_credited_the_whole_pause(world) -> None:
    tc, clock, L, report = world
    cid = report(subcategory="C04")  # class A: calendar hours
    L["dispatcher"].accept(cid)
    before = status(tc.db, cid)
    L["lead"].suspend(cid, "等待")
    clock.t += dt.timedelta(hours=5)
    L["lead"].resume(cid)
    c = status(tc.db, cid)
    assert c.step_deadline - before.step_deadline == dt.timedelta(hours=5)
    assert c.case_deadline - before.case_deadline == dt.timedelta(hours=5)


def test_a_suspended_case_keeps_still(world) -> None:
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["lead"].suspend(cid, "等待")
    for refused in (lambda: L["dispatcher"].dispatch(cid, decision(tc)),
                    lambda: L["lead"].extend(cid, 2, "x"),
                    lambda: L["lead"].suspend(cid, "again")):
        with pytest.raises(IllegalTransition, match="is suspended"):
            refused()
    with pytest.raises(PermissionDenied):
        L["dispatcher"].resume(cid)  # only a shift lead resumes


def test_extension_counts_in_the_items_basis(world) -> None:
    tc, _clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    before = status(tc.db, cid)
    changes = L["lead"].extend(cid, 2, "等待协调")
    c = status(tc.db, cid)
    assert c.step_deadline == CAL.add_working_hours(before.step_deadline, 2)
    assert c.case_deadline == CAL.add_working_hours(before.case_deadline, 2)
    assert set(changes.fields) == {"step_deadline", "case_deadline"}
    with pytest.raises(ValidationError, match="positive"):
        L["lead"].extend(cid, 0, "x")
    with pytest.raises(ValidationError, match="reason"):
        L["lead"].extend(cid, 2, " ")
    with pytest.raises(PermissionDenied):
        L["dispatcher"].extend(cid, 2, "x")


def test_report_deadlines_count_working_hours(world) -> None:
    tc, clock, _L, report = world
    clock.t = dt.datetime(2026, 3, 6, 8, tzinfo=dt.UTC)  # Friday 16:00 in Changsha
    cid = report()
    c = status(tc.db, cid)
    # C01 accepts within 2 working hours: 1.5 on Friday, 0.5 on Monday morning
    assert c.step_deadline == dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)  # Mon 09:00
    limits = CaseLoop(tc.db, Actor.system()).catalogue.subcategory("C01").limits
    assert c.case_deadline == CAL.add_working_hours(clock.t, total_hours(limits))


def test_starting_work_does_not_restart_the_handle_clock(world) -> None:
    tc, clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))
    dispatched = status(tc.db, cid)
    clock.t += dt.timedelta(days=2)
    changes = L["manager"].start(cid)
    c = status(tc.db, cid)
    assert (c.step_started_at, c.step_deadline) == (dispatched.step_started_at,
                                                    dispatched.step_deadline)
    assert changes.fields == ("status",)


def test_on_time_is_judged_against_the_case_deadline(world) -> None:
    tc, clock, L, report = world

    def close(cid: int) -> Case:
        L["dispatcher"].accept(cid)
        L["dispatcher"].dispatch(cid, decision(tc))
        L["manager"].start(cid)
        L["manager"].feedback(cid, "done")
        L["supervisor"].verify(cid, passed=True)
        return status(tc.db, cid)

    quick = close(report())
    assert quick.on_time is True
    late = report()
    clock.t += dt.timedelta(days=60)
    assert close(late).on_time is False
    L["dispatcher"].assess(late, effective=True, satisfaction=4)
    with tc.db.read() as s:
        data = s.scalars(select(CaseHistory.data).where(CaseHistory.case_id == late)
                         .order_by(CaseHistory.id.desc())).first()
    # the row also records the state the case was left in (the event log a replay reads)
    assert data == {"effective": True, "satisfaction": 4, "on_time": False,
                    "set": {"status": "assessed"}}


def test_closed_cases_carry_no_step_deadline(world) -> None:
    tc, _, L, report = world
    rejected, merged, original = report(), report(), report()
    L["dispatcher"].reject(rejected, "invalid")
    L["dispatcher"].merge(merged, original)
    for cid in (rejected, merged):
        c = status(tc.db, cid)
        assert c.step_deadline is None and c.closed_at is not None
    assert status(tc.db, original).step_deadline is not None


def test_merge_keeps_every_report_and_reporter(world) -> None:
    tc, _, L, report = world
    original = report()
    duplicate = report(reporter_name="李四", reporter_phone="13900000000", channel="snap")
    L["dispatcher"].merge(duplicate, original)
    with tc.db.read() as s:
        reporters = sorted(s.scalars(select(CaseReport.reporter_name)
                                     .where(CaseReport.case_id == original)))
    assert reporters == ["张三", "李四"]
    assert status(tc.db, duplicate).status.value == "merged"
    assert status(tc.db, duplicate).merged_into_id == original
    dispatcher = L["dispatcher"].actor
    reports = CaseService(tc.db, dispatcher).reports(original)
    assert [(r.reporter_name, r.reporter_phone, r.channel) for r in reports] == [
        ("张三", "138****5678", "hotline_12345"), ("李四", "139****0000", "snap")]
    assert reports[1].original_number == status(tc.db, duplicate).number
    assert CaseService(tc.db, dispatcher).reports(original, with_contact=True)[1] \
        .reporter_phone == "13900000000"
    assert CaseService(tc.db, dispatcher).reports(duplicate) == []
    with pytest.raises(PermissionDenied):  # a trainer may read cases, not residents' phones
        CaseService(tc.db, Actor("t", StaffRole.TRAINER)).reports(original, with_contact=True)
    with pytest.raises(IllegalTransition):
        L["dispatcher"].merge(report(), duplicate)  # a merged case is not open


def test_split_closes_the_parent_when_every_child_is_verified(world) -> None:
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    changes = L["dispatcher"].split(cid, [decision(tc), decision(tc, "street", "street")])
    children = changes.case_ids[1:]
    assert len(children) == 2
    parent = status(tc.db, cid)
    assert parent.step_deadline is None  # it waits for its children: no clock of its own
    with tc.db.read() as s:
        assert [c.parent_case_id for c in s.scalars(select(Case).where(
            Case.id.in_(children)))] == [cid, cid]
    for n, child in enumerate(children):
        L["manager"].start(child)
        L["manager"].feedback(child, "done")
        L["supervisor"].verify(child, passed=True)
        assert status(tc.db, cid).status.value == ("archived" if n == 1 else "dispatched")
    parent = status(tc.db, cid)
    assert parent.closed_at is not None and parent.on_time is True
    with tc.db.read() as s:
        assert s.scalars(select(CaseHistory.action).where(CaseHistory.case_id == cid)
                         .order_by(CaseHistory.id)).all() == ["report", "accept", "split",
                                                              "children_verified"]


def test_a_split_case_refuses_every_step_while_it_waits(world) -> None:
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].split(cid, [decision(tc), decision(tc, "street", "street")])
    before = counts(tc.db, cid)
    for refused in (lambda: L["manager"].start(cid),
                    lambda: L["dispatcher"].transfer(cid, decision(tc), "x"),
                    lambda: L["lead"].escalate(cid, decision(tc, "street", "street"), "x"),
                    lambda: L["lead"].suspend(cid, "x")):
        with pytest.raises(IllegalTransition, match="was split"):
            refused()
    assert counts(tc.db, cid) == before
    with pytest.raises(ValidationError, match="two or more"):
        L["dispatcher"].split(report(), [decision(tc)])


def test_reopen_only_on_dissatisfaction(world) -> None:
    tc, _, L, report = world
    cid = report()
    for step in (lambda: L["dispatcher"].accept(cid),
                 lambda: L["dispatcher"].dispatch(cid, decision(tc)),
                 lambda: L["manager"].start(cid), lambda: L["manager"].feedback(cid, "done"),
                 lambda: L["supervisor"].verify(cid, passed=True),
                 lambda: L["dispatcher"].assess(cid, effective=False, satisfaction=1)):
        step()
    with pytest.raises(PermissionDenied):
        L["dispatcher"].reopen(cid, "居民不满意")  # a shift lead reopens
    with pytest.raises(ValidationError, match="reason"):
        L["lead"].reopen(cid, "")
    L["lead"].reopen(cid, "居民不满意")
    c = status(tc.db, cid)
    assert (c.status.value, c.rework_count, c.closed_at) == ("handling", 1, None)
    # the assessment judged a closure that is now undone (the history keeps it)
    assert (c.satisfaction, c.effective, c.on_time) == (None, None, None)
    assert c.step_deadline is not None


def test_a_satisfied_assessment_does_not_reopen(world) -> None:
    tc, _, L, report = world
    cid = report()
    for step in (lambda: L["dispatcher"].accept(cid),
                 lambda: L["dispatcher"].dispatch(cid, decision(tc)),
                 lambda: L["manager"].start(cid), lambda: L["manager"].feedback(cid, "done"),
                 lambda: L["supervisor"].verify(cid, passed=True)):
        step()
    for bad in (0, 6, 3.5):
        with pytest.raises(ValidationError, match="1 to 5"):
            L["dispatcher"].assess(cid, effective=True, satisfaction=bad)
    L["dispatcher"].assess(cid, effective=True, satisfaction=3)
    before = counts(tc.db, cid)
    with pytest.raises(IllegalTransition, match="dissatisfied"):
        L["lead"].reopen(cid, "再看看")
    assert counts(tc.db, cid) == before and status(tc.db, cid).status.value == "assessed"


def test_escalation_goes_one_level_up(world) -> None:
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))
    L["manager"].request_escalation(cid, "需要街道协调")
    assert status(tc.db, cid).escalation_requested
    with pytest.raises(IllegalTransition, match="one level up"):
        L["lead"].escalate(cid, decision(tc, "district", "district"), "跳级")
    L["lead"].escalate(cid, decision(tc, "street", "street"), "超期")
    c = status(tc.db, cid)
    assert (c.level, c.assigned_unit_id, c.escalation_requested) == ("street", tc.street, False)
    L["lead"].deescalate(cid, decision(tc), "社区可处理")
    assert status(tc.db, cid).level == "community"


def snapshot(db, case_id: int) -> tuple:
    """Everything a transition writes about a case: its row, its history, the audit."""
    with db.read() as s:
        c = s.get(Case, case_id)
        row = tuple(getattr(c, k) for k in ("status", "version", "assigned_unit_id", "level",
                                            "step_deadline", "merged_into_id", "closed_at"))
        history = s.scalars(select(CaseHistory.id).where(CaseHistory.case_id == case_id)
                            .order_by(CaseHistory.id)).all()
        audit = s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
    return row, tuple(history), tuple(audit)


# every action with the arguments it needs besides the case and the version
ACTION_ARGS = {
    "accept": (), "reject": ("duplicate",), "dispatch": ("DECISION",),
    "transfer": ("DECISION", "r"), "start": (), "feedback": ("n",), "verify": (True,),
    "assess": (True, 4), "reopen": ("r",), "suspend": ("r",), "resume": (), "extend": (1, "r"),
    "request_escalation": ("r",), "escalate": ("DECISION", "r"),
    "deescalate": ("DECISION", "r"), "merge": (0,), "split": (["DECISION", "DECISION"],),
}


def test_every_action_refuses_to_run_without_a_version(world) -> None:
    """No default: an action that does not say which version it saw is refused before
    anything is read or written, including ``expected_version=None``."""
    from tests.freshloop import ACTIONS

    tc, _, L, report = world
    assert set(ACTION_ARGS) == ACTIONS and len(ACTIONS) == 17
    cid = report()
    before = snapshot(tc.db, cid)
    loop = L["lead"].loop  # the plain loop, without the fresh version

    def args(name: str) -> list:
        out = [decision(tc) if a == "DECISION" else a for a in ACTION_ARGS[name]]
        if name == "split":
            out = [[decision(tc), decision(tc)]]
        return out

    for name in ACTION_ARGS:
        extra = {"original_version": 1} if name == "merge" else {}
        with pytest.raises(TypeError, match="expected_version"):
            getattr(loop, name)(cid, *args(name), **extra)
        with pytest.raises(TypeError, match="expected_version"):
            getattr(loop, name)(cid, *args(name), expected_version=None, **extra)
        with pytest.raises(TypeError, match="expected_version"):
            getattr(loop, name)(cid, *args(name), expected_version="1", **extra)
    assert snapshot(tc.db, cid) == before


def test_a_merge_needs_the_originals_version_too(world) -> None:
    tc, _, L, report = world
    original, dup = report(), report()
    v = status(tc.db, dup).version
    with pytest.raises(TypeError, match="original_version"):
        L["dispatcher"].loop.merge(dup, original, expected_version=v)
    with pytest.raises(TypeError, match="original_version"):
        L["dispatcher"].loop.merge(dup, original, expected_version=v, original_version=None)


def test_stale_version_is_refused_and_nothing_is_written(world) -> None:
    """On SQLite and PostgreSQL (the fixture runs both): the stored case, its history and
    the audit trail are exactly as before the refused action."""
    tc, _, L, report = world
    cid = report()
    seen = status(tc.db, cid).version
    L["dispatcher"].accept(cid)
    number, now = status(tc.db, cid).number, status(tc.db, cid).version
    before = snapshot(tc.db, cid)
    with pytest.raises(StaleVersionError) as caught:
        L["lead"].loop.suspend(cid, "x", expected_version=seen)
    err = caught.value
    assert isinstance(err, ConflictError) and err.code == "stale_version"
    assert (err.case, err.expected, err.actual) == (number, seen, now)
    assert str(err) == (f"case {number} was changed by someone else: version {now} now, "
                        f"not version {seen} as seen")
    assert "\n" not in str(err)
    assert snapshot(tc.db, cid) == before and status(tc.db, cid).status.value == "accepted"
    # a version from the future is as stale as one from the past
    with pytest.raises(StaleVersionError):
        L["lead"].loop.suspend(cid, "x", expected_version=now + 1)
    assert snapshot(tc.db, cid) == before


def test_a_stale_merge_writes_nothing_on_either_case(world) -> None:
    tc, _, L, report = world
    original, dup = report(), report()
    seen_original, seen_dup = status(tc.db, original).version, status(tc.db, dup).version
    L["dispatcher"].accept(original)  # another dispatcher moves the original on
    before = snapshot(tc.db, original), snapshot(tc.db, dup)
    with pytest.raises(StaleVersionError, match=status(tc.db, original).number):
        L["dispatcher"].loop.merge(dup, original, expected_version=seen_dup,
                                   original_version=seen_original)
    assert (snapshot(tc.db, original), snapshot(tc.db, dup)) == before
    L["dispatcher"].accept(dup)  # and the duplicate
    before = snapshot(tc.db, original), snapshot(tc.db, dup)
    with pytest.raises(StaleVersionError, match=status(tc.db, dup).number):
        L["dispatcher"].loop.merge(dup, original, expected_version=seen_dup,
                                   original_version=status(tc.db, original).version)
    assert (snapshot(tc.db, original), snapshot(tc.db, dup)) == before
    v_dup, v_original = status(tc.db, dup).version, status(tc.db, original).version
    L["dispatcher"].loop.merge(dup, original, expected_version=v_dup,
                               original_version=v_original)
    # the duplicate moves on by exactly one; the original's row is not changed
    assert (status(tc.db, dup).status.value, status(tc.db, dup).version) == ("merged",
                                                                             v_dup + 1)
    assert status(tc.db, original).version == v_original


def test_a_transfer_from_a_stale_screen_does_not_overwrite_a_dispatch(world) -> None:
    """The issue's experiment with a smaller n: two dispatchers open the same accepted
    cases; one dispatches each, then the other transfers each from the screen it opened
    before. Without a required version some transfers overwrote the dispatch; now every one
    is refused and every case keeps the first dispatcher's unit."""
    tc, _, L, report = world
    one, two = L["dispatcher"].loop, CaseLoop(tc.db, Actor("调度二", StaffRole.DISPATCHER,
                                                           tc.staff["dispatcher"]))
    n = 12
    ids = [report() for _ in range(n)]
    for cid in ids:
        one.accept(cid, expected_version=status(tc.db, cid).version)
    seen_by_two = {cid: status(tc.db, cid).version for cid in ids}  # both screens open
    for cid in ids:
        one.dispatch(cid, decision(tc), expected_version=status(tc.db, cid).version)
    refused = 0
    for cid in ids:
        before = snapshot(tc.db, cid)
        try:
            # the second dispatcher's screen still shows the case accepted: it would route
            # the case elsewhere (the transfer is legal from dispatched)
            two.transfer(cid, decision(tc, "street", "street"), "另派",
                         expected_version=seen_by_two[cid])
        except StaleVersionError:
            refused += 1
            assert snapshot(tc.db, cid) == before
    assert refused == n
    assert {status(tc.db, cid).assigned_unit_id for cid in ids} == {tc.community}
    assert {status(tc.db, cid).level for cid in ids} == {"community"}


def test_a_concurrent_write_is_a_conflict(world) -> None:
    """Two consoles on PostgreSQL: another commits between our check and our write, and the
    version lock turns our write into a stale version (SQLite serialises writers instead)."""
    from sqlalchemy import update

    tc, clock, L, report = world
    if tc.db.is_sqlite:
        pytest.skip("SQLite takes the write lock at BEGIN: writers cannot interleave")
    cid = report()
    seen = status(tc.db, cid).version
    before = counts(tc.db, cid)

    def clock_with_a_rival() -> dt.datetime:  # called inside the transition's transaction
        with tc.db.engine.begin() as conn:
            conn.execute(update(Case).where(Case.id == cid)
                         .values(title="改过", version=Case.version + 1))
        return clock.t

    with pytest.raises(StaleVersionError, match="someone else") as caught:
        CaseLoop(tc.db, L["dispatcher"].actor, now=clock_with_a_rival).accept(
            cid, expected_version=seen)
    assert (caught.value.expected, caught.value.actual) == (seen, seen + 1)
    c = status(tc.db, cid)
    assert (c.status.value, c.title) == ("reported", "改过")
    assert counts(tc.db, cid) == before


def test_changes_name_the_fields_that_changed(world) -> None:
    tc, clock, L, report = world
    cid = report()
    clock.t += dt.timedelta(minutes=10)
    changes = L["dispatcher"].accept(cid)
    assert changes.case_ids == (cid,) and changes.actor == "调度"
    assert set(changes.fields) == {"status", "step_started_at", "step_deadline"}
    changes = L["dispatcher"].dispatch(cid, decision(tc))
    assert {"status", "assigned_unit_id", "level", "routing_policy"} <= set(changes.fields)


def test_the_table_is_consistent() -> None:
    for t in TRANSITIONS.values():
        assert t.sources, t.name
        for role in t.roles:  # the table never offers what the permissions refuse
            assert t.perm in PERMISSIONS[role], (t.name, role)
    assert allowed("accept", "reported", StaffRole.DISPATCHER)
    assert not allowed("accept", "reported", StaffRole.MANAGER)
    assert not allowed("accept", "archived", StaffRole.SHIFT_LEAD)


def test_the_documentation_lists_every_transition() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "CASES.md").read_text(encoding="utf-8")
    for name in TRANSITIONS:
        assert f"| `{name}` |" in doc, name


def test_a_deadline_breach_escalates_one_level_up(world) -> None:
    from routing.graph import EscalationGraph
    from routing.overdue import escalate_overdue
    from routing.policy import Router

    tc, clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))  # community
    router = Router(EscalationGraph.from_db(tc.db))
    assert escalate_overdue(tc.db, router, now=clock.t) == []
    later = status(tc.db, cid).step_deadline + dt.timedelta(minutes=1)
    assert escalate_overdue(tc.db, router, now=later) == [cid]
    c = status(tc.db, cid)
    assert (c.level, c.assigned_unit_id) == ("street", tc.street)
    with tc.db.read() as s:
        last = s.scalars(select(CaseHistory).where(CaseHistory.case_id == cid)
                         .order_by(CaseHistory.id.desc())).first()
    assert last.action == "escalate" and "deadline breached" in last.note


def test_the_deadline_watch_leaves_a_case_changed_since_it_read_it(world) -> None:
    """The watch escalates from the unit it read; a dispatcher who transferred the case
    after that read keeps the transfer (the escalation is refused as stale)."""
    from routing.graph import EscalationGraph
    from routing.overdue import escalate_overdue
    from routing.policy import Router

    tc, _clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))  # community
    router = Router(EscalationGraph.from_db(tc.db))
    later = status(tc.db, cid).step_deadline + dt.timedelta(minutes=1)
    escalate = router.escalate

    def escalate_after_a_transfer(*args, **kwargs):
        # the dispatcher moves the case between the watch's read and its escalation
        # (to another worker of the same community: a new step with a new deadline)
        L["dispatcher"].transfer(cid, decision(tc), "换人处置")
        return escalate(*args, **kwargs)

    router.escalate = escalate_after_a_transfer
    assert escalate_overdue(tc.db, router, now=later) == []
    after = status(tc.db, cid)
    assert (after.level, after.assigned_unit_id) == ("community", tc.community)
    with tc.db.read() as s:
        last = s.scalars(select(CaseHistory.action).where(CaseHistory.case_id == cid)
                         .order_by(CaseHistory.id.desc())).first()
    assert last == "transfer"  # and no escalation after it


def test_every_transition_moves_the_version_on(world) -> None:
    """Even one that changes no column: a screen opened before it is out of date."""
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    L["dispatcher"].dispatch(cid, decision(tc))
    L["dispatcher"].request_escalation(cid, "人手不够")
    seen = status(tc.db, cid).version
    changes = L["dispatcher"].request_escalation(cid, "还是不够")  # already requested
    assert changes.fields == () and status(tc.db, cid).version == seen + 1
    with pytest.raises(StaleVersionError):
        L["lead"].loop.escalate(cid, decision(tc, "street", "street"), "超期",
                                expected_version=seen)


def test_two_dispatchers_at_once_claim_each_case_once(world) -> None:
    """Two dispatchers on two threads dispatch the same accepted cases, each from the screen
    (a read) it has: every case is dispatched exactly once, the other attempt is refused as
    stale (or, read after the winner, as illegal), and the case's unit is the winner's."""
    import threading

    from models.core.errors import CityGridError

    tc, _, L, report = world
    n = 20
    ids = [report() for _ in range(n)]
    for cid in ids:
        L["dispatcher"].accept(cid)
    loops = {"community": L["dispatcher"].loop,
             "street": CaseLoop(tc.db, Actor("调度二", StaffRole.DISPATCHER,
                                             tc.staff["dispatcher"]))}
    start = threading.Barrier(2)
    outcomes: dict[str, list] = {"community": [], "street": []}

    def work(unit: str) -> None:
        start.wait()
        for cid in ids if unit == "community" else reversed(ids):
            screen = status(tc.db, cid)
            try:
                loops[unit].dispatch(cid, decision(tc, unit, unit),
                                     expected_version=screen.version)
                outcomes[unit].append((cid, "ok"))
            except StaleVersionError:
                outcomes[unit].append((cid, "stale"))
            except CityGridError as exc:
                outcomes[unit].append((cid, type(exc).__name__))

    threads = [threading.Thread(target=work, args=(u,)) for u in loops]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(len(v) == n for v in outcomes.values())
    won = {cid: unit for unit, got in outcomes.items() for cid, what in got if what == "ok"}
    assert sorted(won) == sorted(ids)  # each case claimed by exactly one of the two
    assert sum(what == "ok" for got in outcomes.values() for _, what in got) == n
    with tc.db.read() as s:
        dispatches = dict(s.execute(
            select(CaseHistory.case_id, func.count()).where(CaseHistory.action == "dispatch")
            .group_by(CaseHistory.case_id)).all())
    assert dispatches == {cid: 1 for cid in ids}
    for cid, unit in won.items():
        assert status(tc.db, cid).assigned_unit_id == getattr(tc, unit)
