"""The case desk: what a dispatcher and a shift lead do to a case, as one use case per
action of the case detail.

:data:`QUESTIONS` says, for every action, what the user must answer first (a reason, a note,
hours, a score, a unit); the presenter asks them (a dialog each) and passes the answers to
:meth:`CaseDesk.act`, which makes the decision the router makes for the same case and runs
the transition at the version the user saw. The rules of the console live here, once:

- a case goes where the router sends it: several grids marked as spanned go to their lowest
  common unit, a case outside every grid to the district containing it (else the city);
- a community-level case is dispatched to the best-placed grid worker (the ranking the
  caller passes: :func:`routing.candidates.recommend_for_case`);
- an override is a transfer to the unit the shift lead names;
- escalation keeps the subcategory's rule one level up and names who escalated;
  de-escalation goes one level down the case's own chain from where it is now;
- the grid worker's steps (start, feedback, verify) are entered on the grid worker's behalf,
  as the demo allows: the case's grid's worker on duty, by role preference;
- bulk reassignment moves the cases the lead was shown, each at the version shown;
- a case held by someone else (a claim that has not run out, :mod:`models.cases.claims`) is
  refused to everyone but a shift lead, before anything is asked or written; acting on a
  case claims it for the actor (or renews the actor's claim), so two seats never work one
  case at once; a shift lead acts through another's claim and leaves it with its holder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
from sqlalchemy import select

from models.cases.claims import ClaimService
from models.cases.loop import CaseLoop
from models.cases.service import CaseService
from models.cases.spans import case_grids
from models.cases.transitions import TRANSITIONS, allowed
from models.core.auth import Actor, Perm
from models.core.enums import AT_UNIT, in_order
from models.core.errors import (
    CityGridError,
    ClaimedError,
    StaleVersionError,
    ValidationError,
)
from models.core.records import CaseChanges, CaseRecord, RoutingDecision
from models.storage.db import Database
from models.storage.schema import AdminUnit, Level, StaffRole, utcnow
from models.world.staff import StaffService

if TYPE_CHECKING:
    from routing.policy import Router
    from routing.recommend import Candidate


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks ``text`` for translation in ``context`` (Qt's lupdate reads these calls); the
    presenter translates it when it shows it."""
    return text


CONTEXT = "CaseDesk"
GRID_WORKER_STEPS = frozenset({"start", "feedback", "verify_pass", "verify_fail"})


@dataclass(frozen=True)
class Question:
    """One thing the user answers before an action (the presenter asks, in order)."""

    key: str                         # reason, note, hours, score, unit
    title: str                       # the dialog's title (translate in CONTEXT)
    prompt: str                      # what is asked (translate in CONTEXT)
    options: tuple[str, ...] = ()    # a choice among these, or free text when empty


def _q(key: str, title: str, prompt: str, options: tuple[str, ...] = ()) -> Question:
    return Question(key, title, prompt, options)


REASON = QT_TRANSLATE_NOOP("CaseDesk", "Reason")
QUESTIONS: dict[str, tuple[Question, ...]] = {
    "reject": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Reject"), REASON,
                  ("invalid", "duplicate")),),
    "transfer": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Transfer"), REASON),),
    "override": (_q("unit", QT_TRANSLATE_NOOP("CaseDesk", "Override"),
                    QT_TRANSLATE_NOOP("CaseDesk", "Unit code")),
                 _q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Override"), REASON)),
    "request_escalation": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Request escalation"),
                              REASON),),
    "escalate": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Escalate"), REASON),),
    "deescalate": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "De-escalate"), REASON),),
    "suspend": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Suspend"), REASON),),
    "extend": (_q("hours", QT_TRANSLATE_NOOP("CaseDesk", "Extend"),
                  QT_TRANSLATE_NOOP("CaseDesk", "Hours"), ("1", "2", "4", "8", "24")),
               _q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Extend"), REASON)),
    "feedback": (_q("note", QT_TRANSLATE_NOOP("CaseDesk", "Feedback"),
                    QT_TRANSLATE_NOOP("CaseDesk", "What was done")),),
    "verify_fail": (_q("note", QT_TRANSLATE_NOOP("CaseDesk", "Verify"),
                       QT_TRANSLATE_NOOP("CaseDesk", "What is still wrong")),),
    "assess": (_q("score", QT_TRANSLATE_NOOP("CaseDesk", "Assess"),
                  QT_TRANSLATE_NOOP("CaseDesk", "Resident satisfaction (1-5)"),
                  ("5", "4", "3", "2", "1")),),
    "reopen": (_q("reason", QT_TRANSLATE_NOOP("CaseDesk", "Reopen"), REASON),),
}
#: the answers a ranked candidate brings: (candidate with .staff_id, .reasons; their name)
Ranking = Callable[[CaseRecord, RoutingDecision], Sequence[tuple["Candidate", str]]]


@dataclass(frozen=True)
class BulkReassignment:
    """What a bulk reassignment did: the cases moved, and those left because someone else
    changed them since they were listed."""

    moved: tuple[str, ...]
    stale: tuple[str, ...]


class CaseDesk:
    """The case actions of one acting user (a dispatcher or a shift lead).

    Parameters
    ----------
    db, actor
    router : callable
        Gives the :class:`routing.policy.Router` (built once, on first use, by the caller).
    now : callable, optional
        The clock claims run out by (tests pass their own).
    """

    def __init__(self, db: Database, actor: Actor, router: Callable[[], Router], *,
                 now: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.actor = db, actor
        self._router = router
        self.cases = CaseService(db, actor)
        self.claims = ClaimService(db, actor, now=now)
        self.staff = StaffService(db, actor)
        self._districts: list | None = None

    # -- where a case goes -----------------------------------------------------------------
    def district_at(self, lon: float, lat: float) -> int | None:
        """The district whose boundary contains a point (read once, then cached)."""
        if self._districts is None:
            with self.db.read() as s:
                rows = s.execute(select(AdminUnit.id, AdminUnit.geometry).where(
                    AdminUnit.level == Level.DISTRICT, AdminUnit.geometry.is_not(None))).all()
            self._districts = [(r[0], shapely.from_wkb(r[1])) for r in rows]
        point = shapely.Point(lon, lat)
        return next((uid for uid, geom in self._districts if geom.covers(point)), None)

    def route(self, case: CaseRecord) -> RoutingDecision:
        """The router's decision for ``case``: a case marked as spanning several grids goes
        to their lowest common unit; a case outside every grid goes to the district whose
        boundary contains it (else the city smart centre)."""
        grids = case_grids(self.db, case.id)
        district = None if grids else self.district_at(case.lon, case.lat)
        return self._router().route(list(grids) or None, case.subcategory,
                                    district_id=district)

    def current(self, case: CaseRecord) -> RoutingDecision:
        """Where the case is now: its unit, else where the router sends it."""
        router = self._router()
        unit = case.assigned_unit_id
        if not unit:
            return self.route(case)
        return RoutingDecision(unit, router.graph.units[unit].code,
                               router.graph.units[unit].level, None, None,
                               router.policy.name, ())

    def grid_worker(self, case: CaseRecord, prefer: tuple[str, ...]) -> Actor:
        """The grid worker who acts for the case's grid: on duty first, by ``prefer``."""
        staff = self.staff.list(grid_id=case.grid_id) if case.grid_id is not None else []
        for on_duty_only in (True, False):
            for role in prefer:
                for st in staff:
                    if st.role == role and (not on_duty_only
                                            or st.duty_status in ("on_duty", "busy")):
                        return Actor(st.name, StaffRole(st.role), st.id)
        raise CityGridError(f"grid {case.grid_id} has no grid worker to act")

    # -- what may be done --------------------------------------------------------------------
    def available_actions(self, status: str) -> dict[str, bool]:
        """Which transition buttons to show and which are legal now. The grid worker's
        steps are entered on the grid worker's behalf, as the demo allows."""
        out = {}
        for name in TRANSITIONS:
            if name in GRID_WORKER_STEPS:
                out[name] = allowed(name, status, StaffRole.MANAGER)
            elif self.actor.role in TRANSITIONS[name].roles:
                out[name] = allowed(name, status, self.actor.role)
        out.pop("merge", None)  # merging is offered by duplicate detection, split by routing
        out.pop("split", None)
        if self.actor.role is StaffRole.SHIFT_LEAD:  # override = a transfer the lead chooses
            out["override"] = allowed("transfer", status, self.actor.role)
        return out

    @staticmethod
    def questions(name: str) -> tuple[Question, ...]:
        """What the user answers before action ``name`` (none for most)."""
        return QUESTIONS.get(name, ())

    def check_version(self, case_id: int, shown_version: int) -> CaseRecord:
        """The case as stored; raises :class:`StaleVersionError` when it changed since the
        user's screen showed it, :class:`ClaimedError` when someone else holds it (a shift
        lead excepted): before any question is asked for nothing."""
        case = self.cases.get(case_id)
        if case.version != shown_version:
            raise StaleVersionError(case.number, shown_version, case.version)
        holder = case.held_by_other(self.claims.me, self.claims.now())
        if holder is not None and not self.claims.overrides:
            raise ClaimedError(case.number, holder, case.claim_until)
        return case

    def _hold(self, case: CaseRecord) -> None:
        """Claim the case for the actor before acting on it (renewing the actor's own claim):
        refused with :class:`ClaimedError`, and nothing written, when another seat got it
        first. A shift lead acts through another's claim and leaves it with its holder; a
        role that does not dispatch (an auditor's assessment) claims nothing."""
        if not self.actor.can(Perm.CASE_DISPATCH):
            return
        if self.claims.overrides and case.held_by_other(self.claims.me, self.claims.now()):
            return
        try:
            self.claims.claim(case.id)
        except ClaimedError:
            if not self.claims.overrides:
                raise

    # -- claims ------------------------------------------------------------------------------
    def claim(self, case_id: int) -> CaseChanges:
        """Claim the case for the actor, for the room's timeout (renewing the actor's own
        claim); :class:`ClaimedError` when someone else holds it."""
        self.claims.claim(case_id)
        return CaseChanges("claim", (case_id,), self.actor.name,
                           fields=("claimed_by", "claimed_at", "claim_until"))

    def release(self, case_id: int) -> CaseChanges:
        """Release the claim on the case (the actor's own; anyone's for a shift lead)."""
        released = self.claims.release(case_id)
        return CaseChanges("release", (case_id,) if released else (), self.actor.name,
                           fields=("claimed_by", "claimed_at", "claim_until"))

    # -- the actions -------------------------------------------------------------------------
    def act(self, name: str, case_id: int, shown_version: int,
            answers: Mapping[str, str] | None = None, *,
            rank: Ranking | None = None) -> CaseChanges:
        """Make action ``name`` on the case at ``shown_version`` with the user's ``answers``
        (keys of :func:`questions`). ``rank`` ranks the people for a community dispatch."""
        answers = dict(answers or {})
        for q in self.questions(name):
            value = str(answers.get(q.key, "")).strip()
            if not value:
                raise ValidationError(f"{name} needs {q.key}")
            answers[q.key] = value
        step = _STEPS.get(name)
        if step is None:
            raise ValidationError(f"no case action {name!r}")
        case = self.check_version(case_id, shown_version)
        self._hold(case)
        return step(self, _Step(CaseLoop(self.db, self.actor), case, shown_version, answers,
                                answers.get("reason", ""), rank))

    # -- one method per action: the loop's transition with what the desk decides for it ----
    def _dispatch(self, x: _Step) -> CaseChanges:
        decision = self.route(x.case)
        ranked = x.rank(x.case, decision) if x.rank is not None else ()
        if ranked and decision.level == "community":
            # a community-level case goes to the best-placed grid worker
            best, who = ranked[0]
            decision = dataclasses.replace(decision, staff_id=best.staff_id, trace=(
                *decision.trace, f"recommended {who}: {'; '.join(best.reasons)}"))
        return x.loop.dispatch(x.case.id, decision, expected_version=x.version)

    def _override(self, x: _Step) -> CaseChanges:
        router = self._router()
        code = x.answers["unit"]
        unit = next((u.id for u in router.graph.units.values() if u.code == code), None)
        if unit is None:
            raise ValidationError(f"unknown unit code {code}")
        decision = router.override(unit, x.case.category, self.actor, x.reason,
                                   previous=self.current(x.case))
        return x.loop.transfer(x.case.id, decision, x.reason, expected_version=x.version)

    def _escalate(self, x: _Step) -> CaseChanges:
        # the subcategory keeps its rule one level up (a fire lane stays with the fire
        # service); the trace names who escalated
        decision = self._router().escalate(self.current(x.case), x.reason, x.case.category,
                                           who=self.actor, subcategory=x.case.subcategory)
        return x.loop.escalate(x.case.id, decision, x.reason, expected_version=x.version)

    def _deescalate(self, x: _Step) -> CaseChanges:
        # one level down from where the case is now, the router's own de-escalation
        decision = self._router().deescalate(self.current(x.case), x.case.grid_id,
                                             x.case.category, x.reason, who=self.actor,
                                             subcategory=x.case.subcategory)
        return x.loop.deescalate(x.case.id, decision, x.reason, expected_version=x.version)

    def _extend(self, x: _Step) -> CaseChanges:
        try:
            hours = float(x.answers["hours"])
        except ValueError:
            raise ValidationError(f"hours must be a number, not {x.answers['hours']!r}") \
                from None
        return x.loop.extend(x.case.id, hours, x.reason, expected_version=x.version)

    def _handler(self, x: _Step) -> CaseLoop:
        """The loop as the case's grid manager or assistant (the field steps)."""
        return CaseLoop(self.db, self.grid_worker(x.case, ("manager", "assistant")))

    def _verifier(self, x: _Step) -> CaseLoop:
        return CaseLoop(self.db, self.grid_worker(x.case, ("supervisor", "manager",
                                                           "assistant")))

    def _assess(self, x: _Step) -> CaseChanges:
        score = int(x.answers["score"])
        return x.loop.assess(x.case.id, effective=score >= 3, satisfaction=score,
                             expected_version=x.version)

    def mark_span(self, case_id: int, grid_ids: Sequence[int], note: str,
                  shown_version: int) -> CaseChanges:
        self._hold(self.check_version(case_id, shown_version))
        return CaseLoop(self.db, self.actor).mark_span(case_id, grid_ids, note,
                                                       expected_version=shown_version)

    # -- many cases at once (shift lead) -----------------------------------------------------
    def _unit_id(self, code: str) -> int:
        units = {u.code: u.id for u in self._router().graph.units.values()}
        if code not in units:
            raise ValidationError(f"unknown unit code {code}")
        return units[code]

    def _lead_only(self) -> None:
        if self.actor.role is not StaffRole.SHIFT_LEAD:
            raise CityGridError("only a shift lead reassigns in bulk")

    def bulk_candidates(self, from_code: str) -> list[CaseRecord]:
        """The dispatched or handling cases of one unit, as the shift lead is shown them
        before moving them in bulk (each record carries the version seen)."""
        self._lead_only()
        unit = self._unit_id(from_code)
        return [c for c in self.cases.list(statuses=in_order(AT_UNIT))
                if c.assigned_unit_id == unit]

    def reassign_bulk(self, cases: Sequence[CaseRecord], to_code: str,
                      reason: str) -> BulkReassignment:
        """Move the cases the shift lead was shown to another unit, each at the version it
        was shown at: one changed by someone else since is left as it is (and named)."""
        self._lead_only()
        router = self._router()
        unit = self._unit_id(to_code)
        loop = CaseLoop(self.db, self.actor)
        moved, stale = [], []
        for case in cases:
            decision = router.override(unit, case.category, self.actor.name, reason)
            try:
                loop.transfer(case.id, decision, reason, expected_version=case.version)
            except StaleVersionError:
                stale.append(case.number)
                continue
            moved.append(case.number)
        return BulkReassignment(tuple(moved), tuple(stale))


@dataclasses.dataclass(frozen=True)
class _Step:
    """One action as the desk runs it: the loop as the user, the case as shown, the answers."""

    loop: CaseLoop
    case: CaseRecord
    version: int
    answers: dict[str, str]
    reason: str
    rank: Ranking | None


_Action = Callable[[CaseDesk, _Step], CaseChanges]
# every action the desk takes, by name (its questions are in QUESTIONS)
_STEPS: dict[str, _Action] = {
    "accept": lambda d, x: x.loop.accept(x.case.id, expected_version=x.version),
    "reject": lambda d, x: x.loop.reject(x.case.id, x.reason, expected_version=x.version),
    "dispatch": CaseDesk._dispatch,
    "transfer": lambda d, x: x.loop.transfer(x.case.id, d.route(x.case), x.reason,
                                             expected_version=x.version),
    "override": CaseDesk._override,
    "request_escalation": lambda d, x: x.loop.request_escalation(
        x.case.id, x.reason, expected_version=x.version),
    "escalate": CaseDesk._escalate,
    "deescalate": CaseDesk._deescalate,
    "suspend": lambda d, x: x.loop.suspend(x.case.id, x.reason, expected_version=x.version),
    "resume": lambda d, x: x.loop.resume(x.case.id, expected_version=x.version),
    "extend": CaseDesk._extend,
    "start": lambda d, x: d._handler(x).start(x.case.id, expected_version=x.version),
    "feedback": lambda d, x: d._handler(x).feedback(x.case.id, x.answers["note"],
                                                    expected_version=x.version),
    "verify_pass": lambda d, x: d._verifier(x).verify(
        x.case.id, True, x.answers.get("note", ""), expected_version=x.version),
    "verify_fail": lambda d, x: d._verifier(x).verify(
        x.case.id, False, x.answers.get("note", ""), expected_version=x.version),
    "assess": CaseDesk._assess,
    "reopen": lambda d, x: x.loop.reopen(x.case.id, x.reason, expected_version=x.version),
}
