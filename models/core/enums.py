"""The vocabulary of the domain: levels, kinds, roles, statuses (no database imports, so
widgets may use it)."""

from __future__ import annotations

import enum


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


class AuditOutcome(enum.StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"
