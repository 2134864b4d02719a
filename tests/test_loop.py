"""The six-step loop: each transition's happy path, its refusals, and the side paths."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models.auth import Actor
from models.cases import CaseService, NewCase
from models.errors import ConflictError, IllegalTransition, PermissionDenied, ValidationError
from models.loop import TRANSITIONS, CaseLoop, allowed
from models.records import RoutingDecision
from models.schema import AuditEntry, Case, CaseAttachment, CaseHistory, CaseReport, StaffRole

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
        "dispatcher": Actor("调度", StaffRole.DISPATCHER, tc.staff["dispatcher"]),
        "lead": Actor("值班长", StaffRole.SHIFT_LEAD, tc.staff["shift_lead"]),
        "manager": Actor("管理员", StaffRole.MANAGER, tc.staff["manager"]),
        "supervisor": Actor("监督员", StaffRole.SUPERVISOR, tc.staff["supervisor"]),
        "trainer": Actor("培训", StaffRole.TRAINER),
    }
    loops = {k: CaseLoop(tc.db, a, now=clock) for k, a in people.items()}

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
    L["manager"].feedback(cid, "摊位已清理", photos=[("after.jpg", "image/jpeg", b"\xff\xd8jpg")])
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
    with pytest.raises(PermissionDenied, match="its own grid"):
        L["supervisor"].verify(cid, passed=True)
    assert status(tc.db, cid).status.value == "verifying"


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
    tc, clock, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    deadline = status(tc.db, cid).step_deadline
    L["lead"].suspend(cid, "等待产权单位回复")
    clock.t += dt.timedelta(hours=5)
    L["lead"].resume(cid)
    c = status(tc.db, cid)
    assert c.status.value == "accepted"
    assert c.step_deadline - deadline == dt.timedelta(hours=5)
    assert c.paused_seconds == 5 * 3600


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
    with pytest.raises(IllegalTransition):
        L["dispatcher"].merge(report(), duplicate)  # a merged case is not open


def test_split_closes_the_parent_when_every_child_is_verified(world) -> None:
    tc, _, L, report = world
    cid = report()
    L["dispatcher"].accept(cid)
    changes = L["dispatcher"].split(cid, [decision(tc), decision(tc, "street", "street")])
    children = changes.case_ids[1:]
    assert len(children) == 2
    for n, child in enumerate(children):
        L["manager"].start(child)
        L["manager"].feedback(child, "done")
        L["supervisor"].verify(child, passed=True)
        assert status(tc.db, cid).status.value == ("archived" if n == 1 else "dispatched")


def test_reopen_only_on_dissatisfaction(world) -> None:
    tc, _, L, report = world
    cid = report()
    for step in (lambda: L["dispatcher"].accept(cid),
                 lambda: L["dispatcher"].dispatch(cid, decision(tc)),
                 lambda: L["manager"].start(cid), lambda: L["manager"].feedback(cid, "done"),
                 lambda: L["supervisor"].verify(cid, passed=True),
                 lambda: L["dispatcher"].assess(cid, effective=False, satisfaction=1)):
        step()
    L["lead"].reopen(cid, "居民不满意")
    assert status(tc.db, cid).status.value == "handling"


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


def test_stale_version_is_a_conflict(world) -> None:
    tc, _, L, report = world
    cid = report()
    seen = status(tc.db, cid).version
    L["dispatcher"].accept(cid)
    with pytest.raises(ConflictError, match="changed since"):
        L["lead"].suspend(cid, "x", expected_version=seen)


def test_the_table_is_consistent() -> None:
    for t in TRANSITIONS.values():
        assert t.sources, t.name
    assert allowed("accept", "reported", StaffRole.DISPATCHER)
    assert not allowed("accept", "reported", StaffRole.MANAGER)
    assert not allowed("accept", "archived", StaffRole.SHIFT_LEAD)


def test_the_documentation_lists_every_transition() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "CASES.md").read_text(encoding="utf-8")
    for name in TRANSITIONS:
        assert f"| `{name}` |" in doc, name


def test_a_deadline_breach_escalates_one_level_up(world) -> None:
    from routing.graph import EscalationGraph
    from routing.policy import Router, escalate_overdue

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
