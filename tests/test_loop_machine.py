"""A rule-based state machine over the loop, the levels and the roles (hypothesis).

Hypothesis drives random sequences of (action, actor, case). After each step the test
checks the outcome against the transition table: only legal transitions happen; each one
writes exactly one history row for its case and one "ok" audit row; closed cases do not
change (except the explicit reopen of a dissatisfied assessment); a resumed case's
deadline has moved by exactly the pause.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from models.auth import Actor
from models.cases import CaseService, NewCase
from models.db import Database
from models.errors import CityGridError
from models.loop import CLOSED, LEVEL_UP, TRANSITIONS, CaseLoop, allowed
from models.records import RoutingDecision
from models.schema import AuditEntry, Case, CaseHistory, CaseStatus, StaffRole
from tests.citykit import make_tiny_city

ACTIONS = ("accept", "reject", "dispatch", "start", "feedback", "verify_pass", "verify_fail",
           "assess", "reopen", "suspend", "resume", "extend", "request_escalation",
           "escalate", "deescalate")


class LoopMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="loop-machine-"))
        self.db = Database.open(f"sqlite:///{self.folder / 'm.sqlite3'}")
        self.city = make_tiny_city(self.db)
        self.t = dt.datetime(2026, 3, 4, 1, tzinfo=dt.UTC)
        st_ = self.city.staff
        self.actors = {
            "dispatcher": Actor("d", StaffRole.DISPATCHER, st_["dispatcher"]),
            "lead": Actor("l", StaffRole.SHIFT_LEAD, st_["shift_lead"]),
            "manager": Actor("m", StaffRole.MANAGER, st_["manager"]),
            "supervisor": Actor("s", StaffRole.SUPERVISOR, st_["supervisor"]),
            "trainer": Actor("t", StaffRole.TRAINER),
            "auditor": Actor("a", StaffRole.AUDITOR),
        }
        self.cases: list[int] = []
        self.units = {"community": self.city.community, "street": self.city.street,
                      "district": self.city.district, "city": self.city.city}

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def clock(self) -> dt.datetime:
        return self.t

    def case(self, case_id: int) -> Case:
        with self.db.read() as s:
            return s.get(Case, case_id)

    def history_count(self, case_id: int) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(CaseHistory)
                            .where(CaseHistory.case_id == case_id))

    def ok_audits(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action.like("case.%"),
                                   AuditEntry.action != "case.report",
                                   AuditEntry.outcome == "ok"))

    def decision(self, level: str) -> RoutingDecision:
        return RoutingDecision(self.units[level], level, level, None, None, "machine",
                               (f"machine routes to {level}",))

    @rule()
    def report(self) -> None:
        svc = CaseService(self.db, self.actors["dispatcher"],
                          locate=lambda lon, lat: self.city.grids[0])
        self.cases.append(svc.report(NewCase(channel="patrol", subcategory="C02", lon=112.981,
                                             lat=28.189, title="乱堆物料",
                                             reported_at=self.t)).case_ids[0])

    @rule(minutes=st.integers(1, 600))
    def time_passes(self, minutes: int) -> None:
        self.t += dt.timedelta(minutes=minutes)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), action=st.sampled_from(ACTIONS),
          who=st.sampled_from(["dispatcher", "lead", "manager", "supervisor", "trainer",
                               "auditor"]),
          satisfaction=st.integers(1, 5))
    def act(self, data, action: str, who: str, satisfaction: int) -> None:
        case_id = data.draw(st.sampled_from(self.cases))
        actor = self.actors[who]
        loop = CaseLoop(self.db, actor, now=self.clock)
        before = self.case(case_id)
        history, audits = self.history_count(case_id), self.ok_audits()
        up = LEVEL_UP.get(before.level or "", "street")
        down = {v: k for k, v in LEVEL_UP.items()}.get(before.level or "", "community")
        calls = {
            "accept": lambda: loop.accept(case_id),
            "reject": lambda: loop.reject(case_id, "duplicate"),
            "dispatch": lambda: loop.dispatch(case_id, self.decision("community")),
            "start": lambda: loop.start(case_id),
            "feedback": lambda: loop.feedback(case_id, "处理完毕"),
            "verify_pass": lambda: loop.verify(case_id, True),
            "verify_fail": lambda: loop.verify(case_id, False, "未整改"),
            "assess": lambda: loop.assess(case_id, True, satisfaction),
            "reopen": lambda: loop.reopen(case_id, "不满意"),
            "suspend": lambda: loop.suspend(case_id, "等待"),
            "resume": lambda: loop.resume(case_id),
            "extend": lambda: loop.extend(case_id, 2, "协调"),
            "request_escalation": lambda: loop.request_escalation(case_id, "需协调"),
            "escalate": lambda: loop.escalate(case_id, self.decision(up), "超期"),
            "deescalate": lambda: loop.deescalate(case_id, self.decision(down), "可下放"),
        }
        legal = allowed(action, before.status.value, actor.role)
        if action == "reopen":
            legal = legal and before.satisfaction is not None and before.satisfaction <= 2
        if action == "escalate":
            legal = legal and (before.level is None or before.level in LEVEL_UP)
        if action == "deescalate":
            legal = legal and (before.level is None or before.level in LEVEL_UP.values())
        try:
            calls[action]()
            happened = True
        except CityGridError:
            happened = False
        after = self.case(case_id)
        assert happened == legal, (action, who, before.status, before.level)
        if before.status in CLOSED and happened:
            # archived cases do not change, except by assessment and by the reopening of
            # a dissatisfied assessment
            assert (before.status, action) in ((CaseStatus.ARCHIVED, "assess"),
                                               (CaseStatus.ASSESSED, "reopen"))
        if happened:
            assert self.history_count(case_id) == history + 1
            assert self.ok_audits() == audits + 1
            target = TRANSITIONS[action].target
            if target is not None:
                assert after.status is target
            if action == "resume":
                assert after.status.value == before.status_before_pause
                paused = self.t - before.paused_at
                if before.step_deadline is not None:
                    assert after.step_deadline - before.step_deadline == paused
        else:
            assert self.history_count(case_id) == history
            assert self.ok_audits() == audits
            assert (after.status, after.version) == (before.status, before.version)

    @invariant()
    def closed_cases_have_no_deadline_running(self) -> None:
        with self.db.read() as s:
            for c in s.scalars(select(Case).where(Case.status.in_(list(CLOSED)))):
                assert c.closed_at is not None or c.status is CaseStatus.ASSESSED


TestLoopMachine = LoopMachine.TestCase
TestLoopMachine.settings = settings(max_examples=60, stateful_step_count=40, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
