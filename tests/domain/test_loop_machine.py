"""A rule-based state machine over the loop, the levels and the roles (hypothesis).

Hypothesis drives random sequences of (action, actor, case) with every action of the
transition table and every kind of actor (centre staff, grid workers of the case's grid and
of another grid, a department handler, people with no part in the loop, the system and a
feed), plus a rule that moves cases on by a legal step so the later steps are reached
often. After each attempt the test checks the outcome against the transition table and the
per-call requirements: only legal transitions happen; each writes exactly one history row
and one "ok" audit row (and the automatic closing of a split parent one more of each); a
refused attempt changes no case and writes no history; closed cases do not change, except
by assessment and by the reopening of a dissatisfied assessment; a resumed case's deadlines
have moved by exactly the pause, counted in the case's basis; a merge keeps every report.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, inspect, select

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.cases.transitions import LEVEL_UP, TRANSITIONS, allowed
from models.core.auth import PERMISSIONS, Actor, SystemRole
from models.core.catalogue import load_catalogue
from models.core.enums import ACTIVE as OPEN
from models.core.enums import CLOSED, DONE
from models.core.errors import CityGridError, StaleVersionError
from models.core.records import RoutingDecision
from models.core.worktime import elapsed_hours, step_deadline
from models.storage.db import Database
from models.storage.schema import (
    AuditEntry,
    Case,
    CaseHistory,
    CaseReport,
    CaseStatus,
    DutyStatus,
    Staff,
    StaffRole,
)
from tests.citykit import make_tiny_city

ACTIONS = tuple(TRANSITIONS)
DOWN = {v: k for k, v in LEVEL_UP.items()}
COLUMNS = tuple(a.key for a in inspect(Case).column_attrs)
CATALOGUE = load_catalogue()
SUBCATEGORIES = ("C02", "C04")  # working hours (class C) and calendar hours (class A)
# the moves `advance` picks from in each status: forward round the loop, with the side
# paths mixed in
NEXT: dict[str, tuple[str, ...]] = {
    "reported": ("accept", "accept", "accept", "merge", "reject"),
    "accepted": ("dispatch", "dispatch", "dispatch", "split", "merge", "suspend"),
    "dispatched": ("start", "start", "start", "escalate", "transfer", "request_escalation"),
    "handling": ("feedback", "feedback", "feedback", "suspend", "deescalate", "extend"),
    "verifying": ("verify_pass", "verify_pass", "verify_fail", "extend"),
    "archived": ("assess",),
    "assessed": ("reopen",),
    "suspended": ("resume",),
    "rejected": (),
    "merged": (),
}


def _template() -> tuple[Path, tuple]:
    """One migrated database with the tiny city and the machine's extra staff, copied for
    every example (migrating afresh each time would dominate the runtime)."""
    if _TEMPLATE:
        return _TEMPLATE[0]
    folder = Path(tempfile.mkdtemp(prefix="loop-machine-template-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "template.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    city = make_tiny_city(db)
    with db.write() as s:
        for code, role, grid in (("H0000001", StaffRole.HANDLER, None),
                                 ("S0000101", StaffRole.SUPERVISOR, city.grids[1]),
                                 ("V0000001", StaffRole.VOLUNTEER, city.grids[0])):
            s.add(Staff(code=code, name=code, phone="13800000000", role=role,
                        unit_id=city.community, home_grid_id=grid,
                        duty_status=DutyStatus.ON_DUTY))
        s.flush()
        extra = {code: sid for code, sid in s.execute(
            select(Staff.code, Staff.id).where(Staff.code.in_(["H0000001", "S0000101",
                                                               "V0000001"])))}
    with db.engine.connect() as conn:  # fold the WAL into the file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    _TEMPLATE.append((path, (city, extra)))
    return _TEMPLATE[0]


_TEMPLATE: list = []


class _Seen:
    """A loop whose actions pass ``version`` as the version seen, unless told another."""

    def __init__(self, loop: CaseLoop, version: int) -> None:
        self.loop, self.version = loop, version

    def __getattr__(self, name: str):
        action = getattr(self.loop, name)
        return lambda *args, **kwargs: action(*args, **{"expected_version": self.version,
                                                        **kwargs})


class LoopMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        template, (city, extra) = _template()
        self.folder = Path(tempfile.mkdtemp(prefix="loop-machine-"))
        shutil.copy(template, self.folder / "m.sqlite3")
        self.db = Database.open(f"sqlite:///{self.folder / 'm.sqlite3'}", migrate=False)
        self.city = city
        self.t = dt.datetime(2026, 3, 4, 1, tzinfo=dt.UTC)  # Wednesday 09:00 in Changsha
        st_ = city.staff
        self.actors = {
            "dispatcher": Actor("d", StaffRole.DISPATCHER, st_["dispatcher"]),
            "lead": Actor("l", StaffRole.SHIFT_LEAD, st_["shift_lead"]),
            "manager": Actor("m", StaffRole.MANAGER, st_["manager"]),
            "assistant": Actor("a", StaffRole.ASSISTANT, st_["assistant"]),
            "supervisor": Actor("s", StaffRole.SUPERVISOR, st_["supervisor"]),
            "outsider": Actor("o", StaffRole.SUPERVISOR, extra["S0000101"]),  # another grid
            "handler": Actor("h", StaffRole.HANDLER, extra["H0000001"]),
            "volunteer": Actor("v", StaffRole.VOLUNTEER, extra["V0000001"]),
            "trainer": Actor("t", StaffRole.TRAINER),
            "auditor": Actor("au", StaffRole.AUDITOR),
            "system": Actor.system("machine"),
            "feed": Actor.system("feed", SystemRole.FEED),
        }
        self.home_grid = {"manager": city.grids[0], "assistant": city.grids[0],
                          "supervisor": city.grids[0], "outsider": city.grids[1]}
        self.cases: list[int] = []
        self.reports = 0
        self.units = {"community": city.community, "street": city.street,
                      "district": city.district, "city": city.city}

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- reading the world ---------------------------------------------------------------
    def clock(self) -> dt.datetime:
        return self.t

    def rows(self) -> dict[int, dict]:
        with self.db.read() as s:
            return {c.id: {k: getattr(c, k) for k in COLUMNS} for c in s.scalars(select(Case))}

    def count(self, model, *where) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    def ok_audits(self) -> int:
        return self.count(AuditEntry, AuditEntry.action.like("case.%"),
                          AuditEntry.action != "case.report", AuditEntry.outcome == "ok")

    def open_children(self, case_id: int) -> int:
        return self.count(Case, Case.parent_case_id == case_id, Case.status.not_in(DONE))

    def decision(self, level: str) -> RoutingDecision:
        return RoutingDecision(self.units[level], level, level, None, None, "machine",
                               (f"machine routes to {level}",))

    # -- what the table and the per-call rules predict --------------------------------------
    def legal(self, action: str, who: str, case: dict, other: int | None,
              rows: dict[int, dict]) -> bool:
        actor = self.actors[who]
        if not allowed(action, case["status"].value, actor.role):
            return False
        if self.open_children(case["id"]):
            return False  # a split case waits for its children
        if action == "reopen":
            return case["satisfaction"] is not None and case["satisfaction"] <= 2
        if action == "escalate":
            return case["level"] is None or case["level"] in LEVEL_UP
        if action == "deescalate":
            return case["level"] is None or case["level"] in DOWN
        if action in ("verify_pass", "verify_fail"):
            return who == "system" or self.home_grid.get(who) == case["grid_id"]
        if action == "merge":
            return other is not None and rows[other]["status"] in OPEN
        return True

    def denied(self, action: str, who: str, case: dict, other: int | None,
               stale: bool = False) -> bool:
        """Whether an attempt leaves a "denied" audit row: the role may not make the
        transition at all, or (verification) the worker is not of the case's grid (looked
        at only once the version given is found current)."""
        if action == "merge" and other is None:
            return False  # refused as invalid input before anyone's role is looked at
        actor, t = self.actors[who], TRANSITIONS[action]
        if isinstance(actor.role, SystemRole):
            return actor.role is not SystemRole.ADMIN
        if t.perm not in PERMISSIONS[actor.role] or actor.role not in t.roles:
            return True
        return (not stale and action in ("verify_pass", "verify_fail")
                and case["status"] in t.sources
                and not self.open_children(case["id"])
                and self.home_grid.get(who) != case["grid_id"])

    def call(self, action: str, who: str, case: dict, other: int | None,
             satisfaction: int, rows: dict[int, dict], stale: int = 0) -> None:
        """Make the attempt with the versions the machine read (``stale``: off by that)."""
        seen = case["version"] + stale
        loop = _Seen(CaseLoop(self.db, self.actors[who], now=self.clock), seen)
        cid = case["id"]
        up = LEVEL_UP.get(case["level"] or "", "street")
        down = DOWN.get(case["level"] or "", "community")
        calls = {
            "accept": lambda: loop.accept(cid),
            "reject": lambda: loop.reject(cid, "duplicate"),
            "dispatch": lambda: loop.dispatch(cid, self.decision("community")),
            "transfer": lambda: loop.transfer(cid, self.decision(case["level"] or "community"),
                                              "换单位"),
            "start": lambda: loop.start(cid),
            "feedback": lambda: loop.feedback(cid, "处理完毕"),
            "verify_pass": lambda: loop.verify(cid, True),
            "verify_fail": lambda: loop.verify(cid, False, "未整改"),
            "assess": lambda: loop.assess(cid, True, satisfaction),
            "reopen": lambda: loop.reopen(cid, "不满意"),
            "suspend": lambda: loop.suspend(cid, "等待"),
            "resume": lambda: loop.resume(cid),
            "extend": lambda: loop.extend(cid, 2, "协调"),
            "request_escalation": lambda: loop.request_escalation(cid, "需协调"),
            "escalate": lambda: loop.escalate(cid, self.decision(up), "超期"),
            "deescalate": lambda: loop.deescalate(cid, self.decision(down), "可下放"),
            "merge": lambda: loop.merge(cid, cid if other is None else other,
                                        original_version=rows[other]["version"]
                                        if other is not None else case["version"]),
            "split": lambda: loop.split(cid, [self.decision("community"),
                                              self.decision("street")]),
            "mark_span": lambda: loop.mark_span(cid, self.city.grids[:2]),
        }
        calls[action]()

    # -- rules -----------------------------------------------------------------------------
    @precondition(lambda self: len(self.cases) < 6)
    @rule(sub=st.sampled_from(SUBCATEGORIES), grid=st.sampled_from([0, 0, 0, 1]))
    def report(self, sub: str, grid: int) -> None:
        svc = CaseService(self.db, self.actors["dispatcher"],
                          locate=lambda lon, lat: self.city.grids[grid])
        self.cases.append(svc.report(NewCase(channel="patrol", subcategory=sub, lon=112.981,
                                             lat=28.189, title="乱堆物料",
                                             reported_at=self.t)).case_ids[0])
        self.reports += 1

    @rule(minutes=st.sampled_from([1, 30, 90, 300, 600, 2000, 6000]))
    def time_passes(self, minutes: int) -> None:
        self.t += dt.timedelta(minutes=minutes)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), tries=st.integers(1, 6), satisfaction=st.integers(1, 5))
    def act(self, data, tries: int, satisfaction: int) -> None:
        """Any actions by anyone on one case, now and then from a stale screen (a version
        off by one or two): each outcome must match the prediction."""
        case_id = data.draw(st.sampled_from(self.cases))
        for _ in range(tries):
            action = data.draw(st.sampled_from(ACTIONS))
            who = data.draw(st.sampled_from(sorted(self.actors)))
            other = data.draw(st.sampled_from(self.cases))
            stale = data.draw(st.sampled_from([0, 0, 0, 0, -1, -2, 1]))
            self.attempt(action, who, case_id, None if other == case_id else other,
                         satisfaction, stale)

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), steps=st.integers(1, 8), satisfaction=st.integers(1, 5))
    def advance(self, data, steps: int, satisfaction: int) -> None:
        """Legal steps for one case, mostly forward round the loop, so that cases reach the
        later steps (random actions alone seldom get past dispatch)."""
        case_id = data.draw(st.sampled_from(self.cases))
        for _ in range(steps):
            # time passes between steps too (so pauses, lateness and warnings vary)
            self.t += dt.timedelta(minutes=data.draw(st.sampled_from([0, 0, 45, 400, 3000])))
            rows = self.rows()
            moves = NEXT[rows[case_id]["status"].value]
            if not moves:
                return
            action = data.draw(st.sampled_from(moves))
            others = [c for c, r in rows.items() if c != case_id and r["status"] in OPEN]
            other = data.draw(st.sampled_from(others)) if action == "merge" and others \
                else None
            who = [w for w in self.actors
                   if self.legal(action, w, rows[case_id], other, rows)]
            if not who:
                continue
            # first by two who may not (refused, nothing changes), then by one who may
            wrong = sorted(set(self.actors) - set(who))
            for w in data.draw(st.lists(st.sampled_from(wrong), max_size=2, unique=True)):
                assert not self.attempt(action, w, case_id, other, satisfaction)
            assert self.attempt(action, data.draw(st.sampled_from(who)), case_id, other,
                                satisfaction)

    def attempt(self, action: str, who: str, case_id: int, other: int | None,
                satisfaction: int, stale: int = 0) -> bool:
        rows = self.rows()
        before = rows[case_id]
        legal = self.legal(action, who, before, other, rows) and not stale
        history = self.count(CaseHistory)
        own_history = self.count(CaseHistory, CaseHistory.case_id == case_id)
        audits = self.ok_audits()
        denied = self.count(AuditEntry, AuditEntry.outcome == "denied")
        expect_denied = self.denied(action, who, before, other, bool(stale))
        original_reports = (self.count(CaseReport, CaseReport.case_id == other)
                            if other else 0)
        own_reports = self.count(CaseReport, CaseReport.case_id == case_id)
        parent = before["parent_case_id"]
        refused_as_stale = False
        try:
            self.call(action, who, before, other, satisfaction, rows, stale)
            happened = True
        except StaleVersionError:
            happened, refused_as_stale = False, True
        except CityGridError:
            happened = False
        after_rows = self.rows()
        after = after_rows[case_id]
        assert happened == legal, (action, who, before["status"], before["level"])

        # a stale version is refused as such whenever the role and the input pass
        assert refused_as_stale == (bool(stale) and not expect_denied
                                    and not (action == "merge" and other is None)), \
            (action, who, stale)
        if not happened:
            assert after_rows == rows, (action, who)  # a refusal changes no case ...
            assert self.count(CaseHistory) == history  # ... writes no history ...
            assert self.ok_audits() == audits  # ... and no "ok" audit row; a refusal
            # for lack of a role (or of the case's grid) leaves exactly one "denied" row
            assert self.count(AuditEntry, AuditEntry.outcome == "denied") == \
                denied + int(expect_denied), (action, who, "denied rows")
            return False

        # a closed case changes only by assessment or the reopening of a dissatisfied one
        if before["status"] in CLOSED:
            assert (before["status"], action) in ((CaseStatus.ARCHIVED, "assess"),
                                                  (CaseStatus.ASSESSED, "reopen"))
        parent_closed = (parent is not None and rows[parent]["status"] not in CLOSED
                         and after_rows[parent]["status"] is CaseStatus.ARCHIVED)
        for cid, row in rows.items():
            if row["status"] in CLOSED and cid != case_id:
                assert after_rows[cid] == row, (action, "changed closed case", cid)

        # exactly one history row and one audit row for the transition (plus one of each
        # for a split parent closing by itself, one history row for a merge's original and
        # one for each new child task)
        children = ({c for c in after_rows if c not in rows} if action == "split" else set())
        extra = (int(parent_closed) + int(action == "merge") + len(children))
        assert self.count(CaseHistory, CaseHistory.case_id == case_id) == own_history + 1
        assert self.count(CaseHistory) == history + 1 + extra
        assert self.ok_audits() == audits + 1 + int(parent_closed)

        assert after["version"] == before["version"] + 1  # every transition moves it on
        target = TRANSITIONS[action].target
        if target is not None:
            assert after["status"] is target
        if after["status"] in CLOSED:
            assert after["step_deadline"] is None and after["closed_at"] is not None
        if action == "verify_fail":
            assert after["rework_count"] == before["rework_count"] + 1
        if action == "resume":
            assert after["status"].value == before["status_before_pause"]
            basis = CATALOGUE.subcategory(before["subcategory"]).limits.basis
            credit = elapsed_hours(before["paused_at"], self.t, basis)
            for column in ("step_deadline", "case_deadline"):
                if before[column] is not None and credit > 0:
                    assert after[column] == step_deadline(before[column], credit, basis)
                else:
                    assert after[column] == before[column]
        if action == "merge":
            assert after["merged_into_id"] == other
            assert self.count(CaseReport, CaseReport.case_id == other) == \
                original_reports + own_reports
            assert self.count(CaseReport, CaseReport.case_id == case_id) == 0
        if action == "split":
            assert len(children) == 2 and after["step_deadline"] is None
            assert all(after_rows[c]["parent_case_id"] == case_id for c in children)
            self.cases.extend(sorted(children))
        return True

    # -- invariants ------------------------------------------------------------------------
    @invariant()
    def no_clock_runs_on_a_closed_case(self) -> None:
        for row in self.rows().values():
            if row["status"] in CLOSED:
                assert row["closed_at"] is not None and row["step_deadline"] is None

    @invariant()
    def every_report_is_kept(self) -> None:
        assert self.count(CaseReport) == self.reports

    @invariant()
    def a_split_case_closes_with_its_last_child(self) -> None:
        """A split case with every child done is closed, unless a dissatisfied assessment
        reopened it after it closed."""
        rows = self.rows()
        for cid, row in rows.items():
            kids = [r for r in rows.values() if r["parent_case_id"] == cid]
            if kids and row["status"] not in CLOSED and all(k["status"] in DONE
                                                            for k in kids):
                with self.db.read() as s:
                    actions = s.scalars(select(CaseHistory.action).where(
                        CaseHistory.case_id == cid).order_by(CaseHistory.id)).all()
                assert "children_verified" in actions, cid
                assert "reopen" in actions[actions.index("children_verified"):], cid


TestLoopMachine = LoopMachine.TestCase
TestLoopMachine.settings = settings(max_examples=80, stateful_step_count=50, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
