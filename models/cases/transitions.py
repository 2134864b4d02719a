"""The loop's rules as a table: every transition of a case, where it may start, where it
leads and which roles may make it.

:data:`TRANSITIONS` is the one table that says, for every transition, from which steps it
may start, where it leads and which roles may make it; :func:`allowed` is its verdict.
:class:`models.cases.loop.CaseLoop` makes the transitions, and checks what the table cannot
say (a verifier's grid, a note, the case's version).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.core.auth import Perm, SystemRole
from models.storage.schema import (
    CaseStatus,
    StaffRole,
)

S = CaseStatus
R = StaffRole
CENTRE = frozenset({R.DISPATCHER, R.SHIFT_LEAD})
LEAD = frozenset({R.SHIFT_LEAD})
GRID_WORKERS = frozenset({R.SUPERVISOR, R.MANAGER, R.ASSISTANT})
HANDLERS = frozenset({R.HANDLER, R.MANAGER, R.ASSISTANT})
REJECT_REASONS = ("invalid", "duplicate")
LEVEL_UP = {"community": "street", "street": "district", "district": "city"}


@dataclass(frozen=True)
class Transition:
    """One edge of the loop: where it may start, where it leads, who may take it."""

    name: str
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: decided by the transition (resume, reopen ...)
    roles: frozenset[StaffRole]
    perm: Perm
    needs: tuple[str, ...] = field(default=())  # what the caller must give


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("accept", frozenset({S.REPORTED}), S.ACCEPTED, CENTRE, Perm.CASE_DISPATCH),
    Transition("reject", frozenset({S.REPORTED}), S.REJECTED, CENTRE, Perm.CASE_DISPATCH,
               ("reason: invalid | duplicate",)),
    Transition("dispatch", frozenset({S.ACCEPTED}), S.DISPATCHED, CENTRE, Perm.CASE_DISPATCH,
               ("routing decision",)),
    Transition("transfer", frozenset({S.DISPATCHED, S.HANDLING}), S.DISPATCHED, CENTRE,
               Perm.CASE_DISPATCH, ("routing decision", "reason")),
    Transition("start", frozenset({S.DISPATCHED}), S.HANDLING, HANDLERS, Perm.CASE_HANDLE),
    Transition("feedback", frozenset({S.HANDLING}), S.VERIFYING, HANDLERS, Perm.CASE_HANDLE,
               ("note",)),
    Transition("verify_pass", frozenset({S.VERIFYING}), S.ARCHIVED, GRID_WORKERS,
               Perm.CASE_VERIFY, ("a grid worker of the case's grid",)),
    Transition("verify_fail", frozenset({S.VERIFYING}), S.HANDLING, GRID_WORKERS,
               Perm.CASE_VERIFY, ("a grid worker of the case's grid", "note")),
    Transition("assess", frozenset({S.ARCHIVED}), S.ASSESSED, CENTRE | {R.AUDITOR},
               Perm.CASE_READ, ("effective", "satisfaction 1-5")),
    Transition("reopen", frozenset({S.ASSESSED}), S.HANDLING, LEAD, Perm.CASE_OVERRIDE,
               ("satisfaction of 2 or less", "reason")),
    Transition("suspend", frozenset({S.ACCEPTED, S.DISPATCHED, S.HANDLING}), S.SUSPENDED,
               LEAD, Perm.CASE_OVERRIDE, ("reason",)),
    Transition("resume", frozenset({S.SUSPENDED}), None, LEAD, Perm.CASE_OVERRIDE),
    Transition("extend", frozenset({S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.VERIFYING}), None,
               LEAD, Perm.CASE_OVERRIDE, ("hours > 0", "reason")),
    Transition("request_escalation", frozenset({S.DISPATCHED, S.HANDLING}), None,
               CENTRE | HANDLERS, Perm.CASE_READ, ("reason",)),
    Transition("escalate", frozenset({S.DISPATCHED, S.HANDLING}), S.DISPATCHED, LEAD,
               Perm.CASE_ESCALATE, ("routing decision one level up", "reason")),
    Transition("deescalate", frozenset({S.DISPATCHED, S.HANDLING}), S.DISPATCHED, LEAD,
               Perm.CASE_OVERRIDE, ("routing decision one level down", "reason")),
    Transition("merge", frozenset({S.REPORTED, S.ACCEPTED}), S.MERGED, CENTRE,
               Perm.CASE_DISPATCH, ("the original case, still open",)),
    Transition("split", frozenset({S.ACCEPTED}), S.DISPATCHED, CENTRE, Perm.CASE_DISPATCH,
               ("two or more routing decisions",)),
    Transition("mark_span", frozenset({S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.HANDLING}),
               None, CENTRE, Perm.CASE_DISPATCH, ("the grids the case spans",)),
)}


def allowed(name: str, status: str, role: StaffRole | SystemRole) -> bool:
    """Whether ``role`` may make transition ``name`` from ``status`` (the table's verdict;
    per-call requirements such as the verifier's grid are checked on the call)."""
    t = TRANSITIONS[name]
    if CaseStatus(status) not in t.sources:
        return False
    if isinstance(role, SystemRole):
        return role is SystemRole.ADMIN
    return role in t.roles
