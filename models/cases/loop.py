"""The six-step closed loop of a case, as an explicit state machine.

report -> accept (or reject as invalid or duplicate) -> dispatch -> handle (feedback with a
note and optional photos) -> verify on site by a grid worker of the case's grid (pass ->
archive; fail -> back to handling, counted as rework) -> archive -> assess (on time,
effective, satisfaction 1-5; dissatisfaction can reopen). Beside the loop: suspend and
resume (the clock stops and the pause is recorded), extend a deadline, request and make
escalations, transfer, merge a duplicate into its original, split into child tasks.

:data:`models.cases.transitions.TRANSITIONS` is the one table that says, for every
transition, from which steps it may start, where it leads and which roles may make it.
Every transition writes exactly one history row and one audit row in the same transaction as
the change; an illegal one raises
:class:`~models.core.errors.IllegalTransition` (or ``PermissionDenied``/``ValidationError``) and
changes nothing (a refusal for lack of a role, or of a verifier's grid, leaves only a
``denied`` audit row).

Versions: every action takes the version of the case the caller saw, keyword-only and
required (``expected_version``; a merge also ``original_version``). If the stored case has
moved on, the action raises :class:`~models.core.errors.StaleVersionError` and writes nothing (no
history, no audit row): a screen that is out of date cannot overwrite another user's work.
Every transition moves the version on by one, even one that changes no column.
A caller that acts on a fresh read (a batch job, the simulator) passes the version it read.

Time: each step's deadline is set when the step starts, from the catalogue's limit in the
item's basis (working or calendar hours, :mod:`models.core.worktime`). The handle step runs from
dispatch (starting work does not restart it). A pause credits the time it stopped, and an
extension adds its hours, in the same basis, to the step deadline and to the case deadline
(the sum of the step limits from the report), against which a verified case is on time or
late. Closed cases carry no step deadline; a split parent has none either while it waits
for its child tasks, and refuses every transition until they are all verified.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from models.cases.photos import Photo
from models.cases.service import add_history
from models.cases.spans import replace_span
from models.cases.transitions import LEVEL_UP, REJECT_REASONS, TRANSITIONS
from models.core.auth import Actor, SystemRole
from models.core.catalogue import Catalogue, TimeLimits, load_catalogue
from models.core.enums import ACTIVE, CLOSED, DONE
from models.core.errors import (
    IllegalTransition,
    NotFoundError,
    PermissionDenied,
    StaleVersionError,
    ValidationError,
)
from models.core.records import CaseChanges, RoutingDecision
from models.core.workcalendar import WorkingCalendar, load_calendar
from models.core.worktime import STEP_OF, elapsed_hours, step_deadline
from models.storage import audit
from models.storage.db import Database
from models.storage.retry import retry_conflicts
from models.storage.schema import (
    AuditOutcome,
    Case,
    CaseAttachment,
    CaseReport,
    CaseStatus,
    Staff,
    StaffRole,
    utcnow,
)

S = CaseStatus
R = StaffRole


# columns a transition may change, compared before and after to say which fields changed
_COLUMNS = tuple(a.key for a in inspect(Case).column_attrs if a.key != "version")
# the fields a history row records the new value of
_LOGGED = frozenset({"status", "level", "assigned_unit_id", "assigned_department_id",
                     "assigned_staff_id", "step_deadline", "priority", "rework_count",
                     "merged_into_id", "parent_case_id", "closed_at", "on_time"})


def _plain(value: object) -> object:
    """A JSON-ready form of a column value."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return getattr(value, "value", value)


class CaseLoop:
    """Moves cases around the loop on behalf of one acting user.

    Parameters
    ----------
    db, actor
    calendar : WorkingCalendar, optional
        For working-hour limits; the shipped calendar by default.
    now : callable, optional
        The clock (tests and replay pass their own).
    """

    def __init__(self, db: Database, actor: Actor, *, calendar: WorkingCalendar | None = None,
                 catalogue: Catalogue | None = None,
                 now: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.actor = db, actor
        self.calendar = calendar or load_calendar()
        self.catalogue = catalogue or load_catalogue()
        self.now = now

    # -- the engine ----------------------------------------------------------------------
    def _record_denied(self, name: str, case_id: int, why: str) -> None:
        with self.db.write() as s:
            audit.record(s, self.actor, f"case.{name}", "case", case_id, AuditOutcome.DENIED,
                         why)

    def _deny(self, name: str, case_id: int, why: str) -> None:
        self._record_denied(name, case_id, why)
        raise PermissionDenied(why, transition=name)

    def _run(self, name: str, case_id: int, change: Callable[[Session, Case], dict | None], *,
             expected_version: int, note: str = "",
             new_step: bool | None = None) -> CaseChanges:
        """Run one transition on the case as the caller saw it, at ``expected_version``
        (a different stored version raises :class:`~models.core.errors.StaleVersionError`, with
        nothing written). ``new_step``: None starts a new step (and deadline) when the
        status changes, True always (a new assignment), False never (a resumed step)."""
        _require_version(expected_version, "expected_version")
        t = TRANSITIONS[name]
        number = str(case_id)
        with audit.guarded(self.db, self.actor, t.perm, f"case.{name}", "case", case_id):
            role = self.actor.role
            if isinstance(role, StaffRole) and role not in t.roles:
                self._deny(name, case_id, f"role {role.value!r} may not {name} a case")
            if isinstance(role, SystemRole) and role is not SystemRole.ADMIN:
                self._deny(name, case_id, f"{role.value} may not {name} a case")

            def attempt() -> tuple[tuple[int, ...], tuple[str, ...]]:
                nonlocal number
                with self.db.write() as s:
                    case = s.get(Case, case_id)
                    if case is None:
                        raise NotFoundError(f"no case with id {case_id}")
                    number = case.number
                    if case.version != expected_version:
                        raise StaleVersionError(case.number, expected_version, case.version)
                    if case.status not in t.sources:
                        raise IllegalTransition(
                            f"case {case.number} is {case.status.value}: cannot {name} it "
                            f"(only from {', '.join(sorted(x.value for x in t.sources))})",
                            status=case.status.value, transition=name)
                    if self._open_children(s, case.id):
                        raise IllegalTransition(
                            f"case {case.number} was split: it closes by itself when every "
                            "child task is verified", status=case.status.value,
                            transition=name)
                    before = case.status
                    old = {k: getattr(case, k) for k in _COLUMNS}
                    # one flush at the end, so the version moves on exactly once (a query inside the
                    # change would otherwise flush the case half-changed, and again at the end)
                    with s.no_autoflush:
                        data = change(s, case) or {}
                        starts = case.status is not before if new_step is None else new_step
                        if case.status in CLOSED:
                            case.step_deadline = None  # no clock runs on a closed case
                        elif starts and case.status in ACTIVE:
                            self._start_step(case)
                        fields = tuple(k for k in _COLUMNS if getattr(case, k) != old[k])
                        if not fields:
                            # a transition that changes no column (a second escalation request,
                            # a transfer to the same unit) still moves the version on: a screen
                            # opened before it is out of date (its history has a new row)
                            flag_modified(case, "status")
                        # the state the transition left the case in, so the history is an event
                        # log a replay can rebuild the case from
                        after = {k: _plain(getattr(case, k)) for k in fields if k in _LOGGED}
                        add_history(s, case.id, self.actor, name, before.value, case.status.value,
                                    note, {**data, "set": after} if after else data)
                        audit.record(s, self.actor, f"case.{name}", "case", case.number,
                                     detail=note[:500])
                    s.flush()
                    return tuple(data.get("touched", ())) or (case.id,), fields

            try:
                # a deadlock or serialization abort (PostgreSQL) runs the transaction again:
                # it reads and checks the case afresh, so nothing is applied twice
                touched, fields = retry_conflicts(attempt)
            except StaleDataError:
                # another writer committed between the check and the write (PostgreSQL): the
                # version lock refused the write; name the version that won
                with self.db.read() as s:
                    now = s.scalar(select(Case.version).where(Case.id == case_id))
                raise StaleVersionError(number, expected_version, now) from None
            except PermissionDenied as exc:  # a check that needs the case (verifier's grid)
                self._record_denied(name, case_id, exc.message)
                raise
        return CaseChanges(name, touched, self.actor.name, fields=fields)

    @staticmethod
    def _open_children(s: Session, case_id: int) -> int:
        """How many child tasks of a split case are not yet verified."""
        return s.execute(select(func.count()).select_from(Case).where(
            Case.parent_case_id == case_id, Case.status.not_in(DONE))).scalar_one()

    def _limits(self, case: Case) -> TimeLimits:
        """The time limits of the catalogue version the case was classified under (the
        current catalogue's if that version is not shipped)."""
        catalogue = self.catalogue
        if case.catalogue_version != catalogue.version:
            with contextlib.suppress(ValidationError):
                catalogue = load_catalogue(case.catalogue_version)
        return catalogue.subcategory(case.subcategory).limits

    def _start_step(self, case: Case) -> None:
        """A new step starts now: set its deadline from the catalogue's limit."""
        now = self.now()
        case.step_started_at = now
        step = STEP_OF.get(case.status.value)
        if step is None:
            case.step_deadline = None
            return
        limits = self._limits(case)
        case.step_deadline = step_deadline(now, limits.hours(step), limits.basis, self.calendar)

    def _move_deadlines(self, case: Case, hours: float) -> str:
        """Move the step and case deadlines on by ``hours`` in the case's basis."""
        basis = self._limits(case).basis
        if hours > 0:
            for column in ("step_deadline", "case_deadline"):
                when = getattr(case, column)
                if when is not None:
                    setattr(case, column, step_deadline(when, hours, basis, self.calendar))
        return basis

    def _require_note(self, note: str, what: str = "a note") -> str:
        note = note.strip()
        if not note:
            raise ValidationError(f"{what} is required")
        return note

    def _assign(self, case: Case, decision: RoutingDecision) -> dict:
        case.assigned_unit_id = decision.unit_id
        case.assigned_department_id = decision.department_id
        case.assigned_staff_id = decision.staff_id
        case.level = decision.level
        case.routing_policy = decision.policy
        case.escalation_requested = False
        return {"unit": decision.unit_code, "level": decision.level,
                "department_id": decision.department_id, "staff_id": decision.staff_id,
                "policy": decision.policy, "trace": list(decision.trace)}

    # -- the loop ------------------------------------------------------------------------
    def accept(self, case_id: int, note: str = "", *, expected_version: int) -> CaseChanges:
        def change(s: Session, c: Case) -> None:
            c.status = S.ACCEPTED
        return self._run("accept", case_id, change, note=note, expected_version=expected_version)

    def reject(self, case_id: int, reason: str, note: str = "", *,
               expected_version: int) -> CaseChanges:
        if reason not in REJECT_REASONS:
            raise ValidationError(f"a rejection needs a reason: {' or '.join(REJECT_REASONS)}")

        def change(s: Session, c: Case) -> dict:
            c.status = S.REJECTED
            c.closed_at = self.now()
            return {"reason": reason}
        return self._run("reject", case_id, change, note=note, expected_version=expected_version)

    def dispatch(self, case_id: int, decision: RoutingDecision, note: str = "",
                 *, expected_version: int) -> CaseChanges:
        def change(s: Session, c: Case) -> dict:
            c.status = S.DISPATCHED
            return self._assign(c, decision)
        return self._run("dispatch", case_id, change, note=note,
                         expected_version=expected_version)

    def transfer(self, case_id: int, decision: RoutingDecision, reason: str,
                 *, expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")

        def change(s: Session, c: Case) -> dict:
            c.status = S.DISPATCHED
            return self._assign(c, decision)
        return self._run("transfer", case_id, change, note=reason, new_step=True,
                         expected_version=expected_version)

    def start(self, case_id: int, note: str = "", *, expected_version: int) -> CaseChanges:
        """The handler starts work; the handle step (and its deadline) runs from dispatch."""
        def change(s: Session, c: Case) -> None:
            c.status = S.HANDLING
        return self._run("start", case_id, change, note=note, new_step=False,
                         expected_version=expected_version)

    def feedback(self, case_id: int, note: str,
                 photos: Sequence[tuple[str, str, bytes]] = (), *,
                 expected_version: int) -> CaseChanges:
        """The handler reports back: a note and optional photos (name, media type, bytes).

        Each photo is checked like a snap report's (:class:`models.cases.photos.Photo`: JPEG, PNG
        or WebP by its bytes, at most :data:`models.cases.photos.MAX_PHOTO_BYTES`); the media type
        given is not trusted, the one sniffed from the bytes is kept.
        """
        note = self._require_note(note)
        checked = [Photo.from_bytes(name, data) for name, _, data in photos]

        def change(s: Session, c: Case) -> dict:
            c.status = S.VERIFYING
            for p in checked:
                s.add(CaseAttachment(case_id=c.id, kind="photo", file_name=p.filename[:200],
                                     media_type=p.media_type, sha256=p.sha256, data=p.data,
                                     added_at=self.now()))
            return {"photos": [p.filename for p in checked]}
        return self._run("feedback", case_id, change, note=note,
                         expected_version=expected_version)

    def _check_verifier(self, s: Session, c: Case) -> None:
        if isinstance(self.actor.role, SystemRole):
            return
        home = s.scalar(select(Staff.home_grid_id).where(Staff.id == self.actor.staff_id))
        if c.grid_id is None or home != c.grid_id:
            raise PermissionDenied(f"case {c.number} is verified on site by a grid worker of "
                                   "its own grid")

    def verify(self, case_id: int, passed: bool, note: str = "", *,
               expected_version: int) -> CaseChanges:
        """On-site verification: pass archives the case, fail sends it back (rework)."""
        if not passed:
            note = self._require_note(note, "a failed verification's note")

        def change(s: Session, c: Case) -> dict:
            self._check_verifier(s, c)
            if passed:
                c.status = S.ARCHIVED
                c.closed_at = self.now()
                c.on_time = _on_time(c)
                touched = self._close_parent_if_done(s, c)
                return {"passed": True, "touched": [c.id, *touched]}
            c.status = S.HANDLING
            c.rework_count += 1
            return {"passed": False, "rework": c.rework_count}
        return self._run("verify_pass" if passed else "verify_fail", case_id, change,
                         note=note, expected_version=expected_version)

    def _close_parent_if_done(self, s: Session, child: Case) -> list[int]:
        if child.parent_case_id is None:
            return []
        # Lock the parent first: when the last two children are verified at once (on
        # PostgreSQL), the second waits here and then sees the first one archived.
        parent = s.execute(select(Case).where(Case.id == child.parent_case_id)
                           .with_for_update()).scalar_one_or_none()
        open_siblings = s.scalar(select(func.count()).select_from(Case).where(
            Case.parent_case_id == child.parent_case_id, Case.id != child.id,
            Case.status.not_in(DONE)))
        if open_siblings or parent is None or parent.status in CLOSED:
            return []
        before = parent.status
        parent.status = S.ARCHIVED
        parent.closed_at = self.now()
        parent.on_time = _on_time(parent)
        parent.step_deadline = None
        add_history(s, parent.id, self.actor, "children_verified", before.value,
                    S.ARCHIVED.value, "every child task verified")
        audit.record(s, self.actor, "case.children_verified", "case", parent.number)
        return [parent.id]

    def assess(self, case_id: int, effective: bool, satisfaction: int, note: str = "",
               *, expected_version: int) -> CaseChanges:
        if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
            raise ValidationError("satisfaction is a whole number from 1 to 5")

        def change(s: Session, c: Case) -> dict:
            c.status = S.ASSESSED
            c.effective, c.satisfaction = bool(effective), satisfaction
            return {"effective": bool(effective), "satisfaction": satisfaction,
                    "on_time": c.on_time}
        return self._run("assess", case_id, change, note=note, expected_version=expected_version)

    def reopen(self, case_id: int, reason: str, *, expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")

        def change(s: Session, c: Case) -> None:
            if c.satisfaction is None or c.satisfaction > 2:
                raise IllegalTransition(f"case {c.number}: only a dissatisfied assessment "
                                        "(2 or less) reopens a case")
            c.status = S.HANDLING
            c.closed_at = None
            c.rework_count += 1
            # the assessment judged the closure now undone (the history keeps it)
            c.on_time = c.effective = c.satisfaction = None
        return self._run("reopen", case_id, change, note=reason,
                         expected_version=expected_version)

    def suspend(self, case_id: int, reason: str, *, expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")

        def change(s: Session, c: Case) -> dict:
            c.status_before_pause = c.status.value
            c.status = S.SUSPENDED
            c.paused_at = self.now()
            return {"paused_at": c.paused_at.isoformat()}
        return self._run("suspend", case_id, change, note=reason,
                         expected_version=expected_version)

    def resume(self, case_id: int, note: str = "", *, expected_version: int) -> CaseChanges:
        """Back to the step the case paused in; its deadlines move on by the pause, counted
        in the case's basis (a working-hours case is credited the working hours it lost)."""
        def change(s: Session, c: Case) -> dict:
            now = self.now()
            basis = self._limits(c).basis
            paused, credit = 0.0, 0.0
            if c.paused_at is not None:
                paused = max(0.0, (now - c.paused_at).total_seconds())
                credit = elapsed_hours(c.paused_at, now, basis, self.calendar)
            c.status = S(c.status_before_pause or S.HANDLING.value)
            c.paused_seconds += paused
            self._move_deadlines(c, credit)
            c.paused_at, c.status_before_pause = None, None
            return {"paused_seconds": paused, "credited_hours": credit, "basis": basis}
        # resuming continues the step it paused: keep its start, only move the deadline
        return self._run("resume", case_id, change, note=note, new_step=False,
                         expected_version=expected_version)

    def extend(self, case_id: int, hours: float, reason: str, *,
               expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")
        if not hours > 0:
            raise ValidationError("an extension is a positive number of hours")

        def change(s: Session, c: Case) -> dict:
            # from the deadline, not from now: an overdue case needs a long enough extension
            return {"hours": hours, "basis": self._move_deadlines(c, hours)}
        return self._run("extend", case_id, change, note=reason,
                         expected_version=expected_version)

    def request_escalation(self, case_id: int, reason: str, *,
                           expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")

        def change(s: Session, c: Case) -> None:
            c.escalation_requested = True
        return self._run("request_escalation", case_id, change, note=reason,
                         expected_version=expected_version)

    def escalate(self, case_id: int, decision: RoutingDecision, reason: str,
                 *, expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")

        def change(s: Session, c: Case) -> dict:
            if c.level and LEVEL_UP.get(c.level) != decision.level:
                raise IllegalTransition(f"escalation goes one level up, from {c.level} to "
                                        f"{LEVEL_UP.get(c.level, 'nowhere')}, not to "
                                        f"{decision.level}")
            c.status = S.DISPATCHED
            return self._assign(c, decision)
        return self._run("escalate", case_id, change, note=reason, new_step=True,
                         expected_version=expected_version)

    def deescalate(self, case_id: int, decision: RoutingDecision, reason: str,
                   *, expected_version: int) -> CaseChanges:
        reason = self._require_note(reason, "a reason")

        def change(s: Session, c: Case) -> dict:
            if c.level and LEVEL_UP.get(decision.level) != c.level:
                raise IllegalTransition(f"de-escalation goes one level down from {c.level}")
            c.status = S.DISPATCHED
            return self._assign(c, decision)
        return self._run("deescalate", case_id, change, note=reason, new_step=True,
                         expected_version=expected_version)

    def merge(self, duplicate_id: int, original_id: int, note: str = "", *,
              expected_version: int, original_version: int) -> CaseChanges:
        """Merge a duplicate into its original: the original keeps every report.

        Both versions are required, the ones the user saw: ``expected_version`` of the
        duplicate (the case that changes) and ``original_version`` of the case it goes into
        (the user chose it as it was then; re-routed or changed since, it may no longer be
        the right one). Either stale raises :class:`~models.core.errors.StaleVersionError` and
        nothing is written. The merge itself changes no column of the original (its reports
        grow and it gets a history row), so the original's version stays as it was.
        """
        if duplicate_id == original_id:
            raise ValidationError("a case cannot be merged into itself")
        _require_version(original_version, "original_version")

        def change(s: Session, c: Case) -> dict:
            # locked, so it cannot close while its new reports move in
            original = s.execute(select(Case).where(Case.id == original_id)
                                 .with_for_update()).scalar_one_or_none()
            if original is None:
                raise NotFoundError(f"no case with id {original_id}")
            if original.version != original_version:
                raise StaleVersionError(original.number, original_version, original.version)
            if original.status not in ACTIVE:
                raise IllegalTransition(f"case {original.number} is {original.status.value}: "
                                        "merge into an open case")
            s.execute(update(CaseReport).where(CaseReport.case_id == c.id)
                      .values(case_id=original.id))
            c.status = S.MERGED
            c.merged_into_id = original.id
            c.closed_at = self.now()
            add_history(s, original.id, self.actor, "merged_in", original.status.value,
                        original.status.value, f"{c.number} merged in", {"from": c.number})
            return {"into": original.number, "touched": [c.id, original.id]}
        return self._run("merge", duplicate_id, change, note=note,
                         expected_version=expected_version)

    def split(self, case_id: int, decisions: Sequence[RoutingDecision], note: str = "",
              *, expected_version: int) -> CaseChanges:
        """Split into child tasks, one per department; the parent closes when every child
        is verified."""
        if len(decisions) < 2:
            raise ValidationError("a split needs two or more routing decisions")

        def change(s: Session, c: Case) -> dict:
            children = []
            for n, d in enumerate(decisions, start=1):
                child = Case(
                    number=f"{c.number}-{n}", channel=c.channel,
                    catalogue_version=c.catalogue_version, category=c.category,
                    subcategory=c.subcategory, event_class=c.event_class, priority=c.priority,
                    status=S.DISPATCHED, title=c.title, description=c.description,
                    address=c.address, lon=c.lon, lat=c.lat, grid_id=c.grid_id,
                    reporter_name=c.reporter_name, reporter_phone=c.reporter_phone,
                    reported_at=c.reported_at, step_started_at=self.now(),
                    case_deadline=c.case_deadline, parent_case_id=c.id)
                self._assign(child, d)
                self._start_step(child)
                s.add(child)
                s.flush()
                add_history(s, child.id, self.actor, "split_from", None, S.DISPATCHED.value,
                            f"child task of {c.number}", {"parent": c.number,
                                                          "trace": list(d.trace)})
                children.append(child)
            c.status = S.DISPATCHED
            c.level = None
            # the parent waits for its children: no clock of its own
            c.step_started_at, c.step_deadline = self.now(), None
            return {"children": [ch.number for ch in children],
                    "touched": [c.id, *(ch.id for ch in children)]}
        return self._run("split", case_id, change, note=note, new_step=False,
                         expected_version=expected_version)

    def mark_span(self, case_id: int, grid_ids: Sequence[int], note: str = "", *,
                  expected_version: int) -> CaseChanges:
        """Mark the grids the case spans (its own grid is always one of them; only its own
        grid clears the span). Routing then goes to the grids' lowest common unit; a case
        already dispatched keeps its assignment until it is transferred."""
        _require_version(expected_version, "expected_version")

        def change(s: Session, c: Case) -> dict:
            # the span lives in its own table; the version still moves (as on every
            # transition), so a stale screen cannot route on the old span
            return {"grids": replace_span(s, c, grid_ids)}
        return self._run("mark_span", case_id, change, note=note, new_step=False,
                         expected_version=expected_version)


def _require_version(version: object, name: str) -> None:
    """Refuse a case action that does not say which version of the case it acts on."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError(f"a case action needs {name}=<the version of the case the user saw>, "
                        f"not {version!r}")


def _on_time(case: Case) -> bool | None:
    """Closed within the case deadline (None when the case has none: reported before case
    deadlines were kept)."""
    if case.case_deadline is None or case.closed_at is None:
        return None
    return case.closed_at <= case.case_deadline
