"""A drill's score on the city's own indicators.

:func:`score_drill` scores what happened from the drill database's case history: time to
accept, time to dispatch, routing right or wrong under the policy, deadlines met, rework.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from models.core.catalogue import Catalogue, TimeLimits, limits_for, load_catalogue
from models.core.enums import ACTIVE
from models.core.errors import CityGridError, ValidationError
from models.core.records import RoutingDecision
from models.core.workcalendar import WorkingCalendar, load_calendar
from models.core.worktime import STEP_OF, elapsed_hours, step_deadline
from models.storage.db import Database
from models.storage.schema import AdminUnit, Case, CaseHistory, CaseStatus, utcnow

# the total score's weights (points out of 100 when every indicator can be judged)
WEIGHTS: tuple[tuple[str, float], ...] = (("routing", 40.0), ("deadlines", 30.0),
                                          ("speed", 20.0), ("rework", 10.0))
# transitions that restart the handle step at another unit: the step they end was not
# completed (judged only when it was already overdue)
_RESTARTS = frozenset({"transfer", "escalate", "deescalate"})


class CaseRouter(Protocol):
    """What scoring needs of a router: :class:`routing.policy.Router` is one."""

    def route(self, grid_ids: int | None, subcategory: str) -> RoutingDecision: ...


@dataclass(frozen=True, slots=True)
class StepScore:
    """One step of a case against its deadline.

    ``completed_at`` is None for a step still open (or ended by a transfer or escalation)
    that is judged only because its deadline had passed: it is then missed.
    """

    step: str  # accept | dispatch | handle | verify
    started_at: dt.datetime
    deadline: dt.datetime
    completed_at: dt.datetime | None
    met: bool
    limit_hours: float  # the catalogue's limit, in the case's basis
    used_hours: float | None  # of the limit, until completion (None when not completed)


@dataclass(frozen=True, slots=True)
class CaseScore:
    """One case of the drill: the trainee's decision beside the policy's, and the times."""

    case_id: int
    number: str
    subcategory: str
    title: str
    status: str
    grid_id: int | None
    reported_at: dt.datetime
    accepted_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    time_to_accept_s: float | None  # report -> accept
    time_to_dispatch_s: float | None  # accept -> dispatch
    trainee_unit: str | None  # unit code(s) of the first dispatch (a split: comma-separated)
    trainee_level: str | None
    expected_unit: str | None  # what the policy decides for the case's grid and subcategory
    expected_level: str | None
    right: bool  # dispatched to the policy's unit
    rework: int
    steps: tuple[StepScore, ...]

    @property
    def judged(self) -> bool:
        """Whether the routing could be judged: dispatched, and the policy's unit known."""
        return self.trainee_unit is not None and self.expected_unit is not None

    @property
    def wrong(self) -> bool:
        """Dispatched, but not where the policy sends it."""
        return self.judged and not self.right

    @property
    def deadlines_met(self) -> int:
        return sum(1 for s in self.steps if s.met)

    @property
    def deadlines_missed(self) -> int:
        return sum(1 for s in self.steps if not s.met)


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One indicator's share of the total score."""

    indicator: str  # routing | deadlines | speed | rework
    weight: float  # nominal points out of 100 (:data:`WEIGHTS`)
    value: float | None  # 0..1; None when nothing in the drill could be judged on it
    max_points: float  # its weight, scaled up when other indicators were not judged
    points: float


@dataclass(frozen=True, slots=True)
class DrillScore:
    """The score of a drill: indicators overall, the total, and one row per case."""

    scored_at: dt.datetime
    since: dt.datetime | None
    policy: str | None  # the routing policy judged against (None: routing not judged)
    cases: int
    accepted: int
    dispatched: int
    mean_time_to_accept_s: float | None
    mean_time_to_dispatch_s: float | None
    routing_right: int
    routing_wrong: int
    deadlines_met: int
    deadlines_missed: int
    rework: int  # verification failures and reopenings, over all cases
    reworked_cases: int
    verified_cases: int  # cases that reached a verification decision
    parts: tuple[ScorePart, ...]
    total: float  # 0..100
    rows: tuple[CaseScore, ...]

    @property
    def routing_accuracy(self) -> float | None:
        judged = self.routing_right + self.routing_wrong
        return self.routing_right / judged if judged else None

    @property
    def deadline_rate(self) -> float | None:
        judged = self.deadlines_met + self.deadlines_missed
        return self.deadlines_met / judged if judged else None


@dataclass
class _Walk:
    """What a case's history says, walked in order."""

    reported_at: dt.datetime
    accepted_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    first_dispatch: dict | None = None
    split: bool = False
    verified: bool = False


def _walk_history(rows: Sequence[CaseHistory], reported_at: dt.datetime, limits: TimeLimits,
                  calendar: WorkingCalendar, now: dt.datetime
                  ) -> tuple[_Walk, list[StepScore]]:
    """Replay a case's history: each step's start, deadline and end, as the loop set them
    (the deadline from the catalogue's limit in the case's basis when the step started,
    moved on by extensions and by the time a suspension credited)."""
    basis = limits.basis
    walk = _Walk(reported_at)
    steps: list[StepScore] = []
    step: str | None = None
    start = deadline = paused_at = None

    def begin(name: str | None, at: dt.datetime) -> None:
        nonlocal step, start, deadline
        step, start = name, at
        deadline = step_deadline(at, limits.hours(name), basis, calendar) if name else None

    def end(at: dt.datetime, completed: bool) -> None:
        if step is None or start is None or deadline is None:  # (start is set with step)
            return
        if completed:
            used = elapsed_hours(start, at, basis, calendar)
            steps.append(StepScore(step, start, deadline, at, at <= deadline,
                                   limits.hours(step), used))
        elif at > deadline:  # not completed, but overdue by then: missed
            steps.append(StepScore(step, start, deadline, None, False, limits.hours(step),
                                   None))

    for h in rows:
        action, data = h.action, h.data or {}
        if action == "report":
            walk.reported_at = h.at
            begin(STEP_OF[CaseStatus.REPORTED.value], h.at)
            continue
        if action == "extend":
            if deadline is not None:
                deadline = step_deadline(deadline, float(data.get("hours", 0.0)), basis,
                                         calendar)
            continue
        if action == "suspend":
            paused_at = h.at
            continue
        if action == "resume":
            credit = float(data.get("credited_hours", 0.0))
            if deadline is not None and credit > 0:
                deadline = step_deadline(deadline, credit, basis, calendar)
            paused_at = None
            continue
        if action == "accept" and walk.accepted_at is None:
            walk.accepted_at = h.at
        if action in ("dispatch", "split") and walk.dispatched_at is None:
            walk.dispatched_at = h.at
            walk.first_dispatch = data
            walk.split = action == "split"
        if action in ("verify_pass", "verify_fail"):
            walk.verified = True
        restart = action in _RESTARTS
        if not restart and (action == "start" or h.from_status == h.to_status):
            continue  # the step goes on (starting work, a request, a duplicate merged in)
        end(h.at, completed=not restart)
        to = CaseStatus(h.to_status)
        if action == "split":
            begin(None, h.at)  # the parent waits for its child tasks, without a clock
        elif to in ACTIVE:
            begin(STEP_OF[to.value], h.at)
        else:
            begin(None, h.at)
    if paused_at is None:
        end(now, completed=False)  # an open step counts once its deadline has passed
    return walk, steps


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def score_drill(drill_db: Database, *, router: CaseRouter | None = None,
                since: dt.datetime | None = None, now: dt.datetime | None = None,
                recorded: Mapping[int, tuple[str, str]] | None = None,
                catalogue: Catalogue | None = None,
                calendar: WorkingCalendar | None = None) -> DrillScore:
    """Score a drill from its database's case history, on the city's own indicators.

    Each case reported into the drill (child tasks of a split count with their parent) is
    scored on:

    * **time to accept** (report -> accept) and **time to dispatch** (accept -> dispatch),
      from the history's timestamps;
    * **routing**: the unit of the first dispatch (or the units of a split) against the
      unit ``router.route(grid, subcategory)`` decides under its policy; right when they
      are the same unit (which fixes the level too);
    * **deadlines**: every step (accept, dispatch, handle, verify) completed by its
      deadline is met, one completed later is missed; a step still open (or ended by a
      transfer or escalation) counts as missed once its deadline has passed by ``now``,
      and is not judged before. Deadlines are recomputed from the history as the loop sets
      them: the catalogue's limit from the step's start, in the case's basis (working or
      calendar hours), moved on by extensions and by suspensions;
    * **rework**: verification failures and reopenings (``rework_count``).

    The total (0-100) weighs four indicators, each a value from 0 to 1:

    ========= ====== =======================================================================
    indicator weight value
    ========= ====== =======================================================================
    routing   40     share of judged dispatches that went to the policy's unit
    deadlines 30     share of judged steps that met their deadline
    speed     20     mean over completed accept and dispatch steps of the share of the
                     step's limit left at completion (1 - used / limit, at least 0)
    rework    10     share of cases that reached a verification decision without rework
    ========= ====== =======================================================================

    An indicator with nothing to judge (no router, nothing dispatched, nothing verified
    yet ...) is left out and the others' weights are scaled up to 100; with nothing to
    judge at all the total is 0.

    Parameters
    ----------
    drill_db : Database
    router : CaseRouter, optional
        Usually ``Router(EscalationGraph.from_db(drill_db))``; without one routing is not
        judged (``expected_unit`` is None for every case).
    since : datetime, optional
        Only cases reported at or after this time (the drill's start).
    now : datetime, optional
        When the drill is scored (for steps still open); the current time by default.
    recorded : mapping, optional
        case id -> (unit code, level) the case was really dispatched to (injects from a
        recorded scenario); for those cases the trainee is judged against the recorded
        decision rather than the policy's.
    catalogue, calendar : optional
        The shipped ones by default.

    Raises
    ------
    ValidationError
        ``now`` or ``since`` is naive.
    """
    now = now or utcnow()
    if now.tzinfo is None or (since is not None and since.tzinfo is None):
        raise ValidationError("now and since must carry a time zone")
    catalogue = catalogue or load_catalogue()
    calendar = calendar or load_calendar()
    with drill_db.read() as s:
        cases = s.scalars(select(Case).where(Case.parent_case_id.is_(None))
                          .order_by(Case.id)).all()
        history: dict[int, list[CaseHistory]] = {}
        for h in s.scalars(select(CaseHistory).where(CaseHistory.case_id.in_(
                select(Case.id).where(Case.parent_case_id.is_(None))))
                .order_by(CaseHistory.case_id, CaseHistory.id)):  # in the order written
            history.setdefault(h.case_id, []).append(h)
        children: dict[int | None, list[tuple[str, str]]] = {}  # by parent case
        for parent, code, lv in s.execute(
                select(Case.parent_case_id, AdminUnit.code, AdminUnit.level)
                .join(AdminUnit, AdminUnit.id == Case.assigned_unit_id)
                .where(Case.parent_case_id.is_not(None)).order_by(Case.id)):
            children.setdefault(parent, []).append((code, lv.value))
    rows: list[CaseScore] = []
    verified = reworked = 0
    policy: str | None = None
    for case in cases:
        limits = limits_for(case.catalogue_version, case.subcategory, catalogue)
        walk, steps = _walk_history(history.get(case.id, []), case.reported_at, limits,
                                    calendar, now)
        if since is not None and walk.reported_at < since:
            continue
        trainee_units: list[tuple[str, str]] = []
        if walk.split:
            trainee_units = children.get(case.id, [])
        elif walk.first_dispatch is not None and walk.first_dispatch.get("unit"):
            trainee_units = [(str(walk.first_dispatch["unit"]),
                              str(walk.first_dispatch.get("level") or ""))]
        expected: RoutingDecision | None = None
        if router is not None:
            try:
                expected = router.route(case.grid_id, case.subcategory)
            except CityGridError:
                expected = None  # an unknown grid or an older catalogue's item: not judged
        if expected is not None:
            policy = expected.policy
        if recorded and recorded.get(case.id, ("", ""))[0]:
            # an inject from a recorded scenario: the real dispatcher's decision
            unit, level = recorded[case.id]
            expected = RoutingDecision(0, unit, level, None, None, "recorded",
                                       ("the decision recorded in the scenario",))
        codes = [code for code, _ in trainee_units]
        rows.append(CaseScore(
            case.id, case.number, case.subcategory, case.title, case.status.value,
            case.grid_id, walk.reported_at, walk.accepted_at, walk.dispatched_at,
            (walk.accepted_at - walk.reported_at).total_seconds()
            if walk.accepted_at else None,
            (walk.dispatched_at - walk.accepted_at).total_seconds()
            if walk.dispatched_at and walk.accepted_at else None,
            ", ".join(codes) or None,
            ", ".join(dict.fromkeys(lv for _, lv in trainee_units)) or None,
            expected.unit_code if expected else None, expected.level if expected else None,
            bool(expected and expected.unit_code in codes), case.rework_count, tuple(steps)))
        verified += walk.verified
        reworked += walk.verified and case.rework_count > 0
    rows.sort(key=lambda r: (r.reported_at, r.case_id))
    return _total(rows, now, since, policy, verified, reworked)


def _total(rows: list[CaseScore], now: dt.datetime, since: dt.datetime | None,
           policy: str | None, verified: int, reworked: int) -> DrillScore:
    right = sum(r.right for r in rows if r.judged)
    wrong = sum(r.wrong for r in rows)
    met = sum(r.deadlines_met for r in rows)
    missed = sum(r.deadlines_missed for r in rows)
    speeds = [max(0.0, 1.0 - s.used_hours / s.limit_hours) for r in rows for s in r.steps
              if s.step in ("accept", "dispatch") and s.used_hours is not None
              and s.limit_hours > 0]
    values = {
        "routing": right / (right + wrong) if right + wrong else None,
        "deadlines": met / (met + missed) if met + missed else None,
        "speed": _mean(speeds),
        "rework": (verified - reworked) / verified if verified else None,
    }
    judged_weight = sum(w for name, w in WEIGHTS if values[name] is not None)
    parts = []
    for name, weight in WEIGHTS:
        value = values[name]
        share = 100.0 * weight / judged_weight if value is not None else 0.0
        parts.append(ScorePart(name, weight, value, share, share * (value or 0.0)))
    return DrillScore(
        scored_at=now, since=since, policy=policy, cases=len(rows),
        accepted=sum(r.accepted_at is not None for r in rows),
        dispatched=sum(r.dispatched_at is not None for r in rows),
        mean_time_to_accept_s=_mean(r.time_to_accept_s for r in rows),
        mean_time_to_dispatch_s=_mean(r.time_to_dispatch_s for r in rows),
        routing_right=right, routing_wrong=wrong, deadlines_met=met, deadlines_missed=missed,
        rework=sum(r.rework for r in rows), reworked_cases=reworked, verified_cases=verified,
        parts=tuple(parts), total=round(sum(p.points for p in parts), 1), rows=tuple(rows))


__all__ = [
    "WEIGHTS",
    "CaseRouter",
    "CaseScore",
    "DrillScore",
    "ScorePart",
    "StepScore",
    "score_drill",
]
