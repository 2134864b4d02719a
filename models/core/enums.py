"""The vocabulary of the domain: levels, kinds, roles, statuses (no database imports, so
widgets may use it).

Each vocabulary is defined here once: the enums, the ordered code lists that columns and the
map encode as small integers (a code's index in its list), and the named sets of case
statuses the loop, the queue, the router and the reports test against.
"""

from __future__ import annotations

import enum
from collections.abc import Collection


class Level(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


LEVEL_ORDER: dict[Level, int] = {Level.CITY: 0, Level.DISTRICT: 1, Level.STREET: 2,
                                 Level.COMMUNITY: 3}


class GridKind(enum.StrEnum):
    BASIC = "basic"
    DEDICATED = "dedicated"


class DedicatedType(enum.StrEnum):
    GOVERNMENT = "government"
    SCHOOL = "school"
    HOSPITAL = "hospital"
    BUSINESS = "business"


class StaffRole(enum.StrEnum):
    # the "3" and the "X" of 1+3+X
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ASSISTANT = "assistant"
    VOLUNTEER = "volunteer"
    # command-centre roles
    DISPATCHER = "dispatcher"
    SHIFT_LEAD = "shift_lead"
    TRAINER = "trainer"
    AUDITOR = "auditor"
    # department handler (a worker of a functional department)
    HANDLER = "handler"


GRID_ROLES = (StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.ASSISTANT, StaffRole.VOLUNTEER)
CENTRE_ROLES = (StaffRole.DISPATCHER, StaffRole.SHIFT_LEAD, StaffRole.TRAINER, StaffRole.AUDITOR)


class DutyStatus(enum.StrEnum):
    ON_DUTY = "on_duty"
    BUSY = "busy"
    OFF_DUTY = "off_duty"
    LEAVE = "leave"


class Channel(enum.StrEnum):
    PATROL = "patrol"
    SNAP = "snap"
    HOTLINE_12345 = "hotline_12345"
    EMERGENCY = "emergency"
    IOT = "iot"
    RESIDENT = "resident"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseStatus(enum.StrEnum):
    """Where a case stands in the six-step loop (report, dispatch, handle, verify, archive,
    assess) plus its side exits."""

    REPORTED = "reported"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    VERIFYING = "verifying"
    ARCHIVED = "archived"
    ASSESSED = "assessed"
    SUSPENDED = "suspended"
    MERGED = "merged"


# -- the ordered code lists (a code's index is its small-integer code: the case table's
# columns, the map page's events and staff markers) -----------------------------------------
CATEGORY_CODES: tuple[str, ...] = ("party", "city", "security", "environment", "emergency",
                                   "other")
"""The event categories (the catalogue's top level), in their fixed order."""
STATUS_CODES: tuple[str, ...] = tuple(s.value for s in CaseStatus)
PRIORITY_CODES: tuple[str, ...] = tuple(p.value for p in Priority)
"""Lowest to highest."""
ROLE_CODES: tuple[str, ...] = tuple(r.value for r in StaffRole)

# -- named sets of case statuses ---------------------------------------------------------------
_S = CaseStatus
CLOSED: frozenset[CaseStatus] = frozenset({_S.ARCHIVED, _S.ASSESSED, _S.REJECTED, _S.MERGED})
"""Out of the loop: archived, assessed, rejected at intake or merged into another case."""
DONE: frozenset[CaseStatus] = frozenset({_S.ARCHIVED, _S.ASSESSED})
"""Handled and verified (archived, perhaps assessed since): a child task counts as done for
its parent, and a case reaching one of these is closed (rejected and merged are closed
without being done)."""
OPEN: frozenset[CaseStatus] = frozenset(s for s in CaseStatus if s not in CLOSED)
"""Not closed, suspended included: what the queue lists as open, the duplicate check looks
through, the export calls "open"."""
ACTIVE: frozenset[CaseStatus] = OPEN - {_S.SUSPENDED}
"""Open and not suspended: someone must act and the step's clock runs."""
ASSIGNABLE: frozenset[CaseStatus] = frozenset({_S.REPORTED, _S.ACCEPTED, _S.DISPATCHED,
                                               _S.HANDLING})
"""Still to be handled, so someone may be sent: the router recommends staff for these
(not once the handler has reported back and the case awaits verification)."""
AT_UNIT: frozenset[CaseStatus] = frozenset({_S.DISPATCHED, _S.HANDLING})
"""In the hands of the unit it was dispatched to: what a shift lead moves in bulk, what the
deadline watch escalates."""
WORKLOAD: frozenset[CaseStatus] = OPEN
"""The statuses in which an assigned case counts against its worker (every open one: a
suspended or verifying case still holds its worker)."""
del _S


def in_order(statuses: Collection[str]) -> tuple[CaseStatus, ...]:
    """``statuses`` as a tuple in the vocabulary's order (a query built from it reads the
    same every run, which a set's order does not promise)."""
    return tuple(s for s in CaseStatus if s in statuses)


class AuditOutcome(enum.StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"
