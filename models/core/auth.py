"""Who is acting, and what their role allows.

Every service takes an :class:`Actor`. The permission table is the one place that says which
role may do what; services call :func:`require`, which raises :class:`PermissionDenied` (and
the service writes a ``denied`` audit row) when the role lacks the permission.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from models.core.enums import StaffRole
from models.core.errors import PermissionDenied


class Perm(enum.StrEnum):
    CASE_READ = "case.read"
    CASE_REPORT = "case.report"
    CASE_DISPATCH = "case.dispatch"
    CASE_HANDLE = "case.handle"
    CASE_VERIFY = "case.verify"
    CASE_ESCALATE = "case.escalate"
    CASE_OVERRIDE = "case.override"
    CONTACT_READ = "contact.read"  # unmasked phone numbers of residents and staff
    STAFF_READ = "staff.read"
    STAFF_WRITE = "staff.write"
    STAFF_TRACK = "staff.track"  # report positions and duty status
    GRID_READ = "grid.read"
    GRID_WRITE = "grid.write"  # import grid layers, build the demo city
    AUDIT_READ = "audit.read"
    DRILL_RUN = "drill.run"
    ROOM_SETTINGS = "room.settings"  # the control room's settings (the claim timeout)


_BASE = {Perm.CASE_READ, Perm.STAFF_READ, Perm.GRID_READ}

PERMISSIONS: dict[StaffRole, frozenset[Perm]] = {
    StaffRole.DISPATCHER: frozenset(_BASE | {Perm.CASE_REPORT, Perm.CASE_DISPATCH,
                                             Perm.CONTACT_READ, Perm.CASE_ESCALATE}),
    StaffRole.SHIFT_LEAD: frozenset(_BASE | {Perm.CASE_REPORT, Perm.CASE_DISPATCH,
                                             Perm.CASE_ESCALATE, Perm.CASE_OVERRIDE,
                                             Perm.CONTACT_READ, Perm.STAFF_WRITE,
                                             Perm.STAFF_TRACK, Perm.ROOM_SETTINGS}),
    StaffRole.TRAINER: frozenset(_BASE | {Perm.DRILL_RUN}),
    StaffRole.AUDITOR: frozenset(_BASE | {Perm.AUDIT_READ, Perm.CONTACT_READ}),
    StaffRole.SUPERVISOR: frozenset(_BASE | {Perm.CASE_REPORT, Perm.CASE_VERIFY,
                                             Perm.STAFF_TRACK}),
    StaffRole.MANAGER: frozenset(_BASE | {Perm.CASE_REPORT, Perm.CASE_VERIFY,
                                          Perm.CASE_HANDLE, Perm.STAFF_TRACK}),
    StaffRole.ASSISTANT: frozenset(_BASE | {Perm.CASE_REPORT, Perm.CASE_VERIFY,
                                            Perm.CASE_HANDLE, Perm.STAFF_TRACK}),
    StaffRole.VOLUNTEER: frozenset({Perm.CASE_REPORT, Perm.GRID_READ, Perm.STAFF_TRACK}),
    StaffRole.HANDLER: frozenset(_BASE | {Perm.CASE_HANDLE, Perm.STAFF_TRACK}),
}


class SystemRole(enum.StrEnum):
    """Actors that are not people: the installer/importer, live feeds, and the scripted
    events of a training drill (which only ever run on a drill's own database)."""

    ADMIN = "admin"
    FEED = "feed"
    TRAINER = "trainer"


SYSTEM_PERMISSIONS: dict[SystemRole, frozenset[Perm]] = {
    SystemRole.ADMIN: frozenset(Perm),
    SystemRole.FEED: frozenset({Perm.CASE_REPORT, Perm.STAFF_TRACK, Perm.GRID_READ,
                                Perm.CASE_READ, Perm.STAFF_READ}),
    # a drill's injects are reported like incoming events; trainers (people) get no report
    # right on the live database for it
    SystemRole.TRAINER: frozenset({Perm.CASE_REPORT, Perm.CASE_READ, Perm.GRID_READ,
                                   Perm.STAFF_READ}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The user (or system process) on whose behalf a service acts."""

    name: str
    role: StaffRole | SystemRole
    staff_id: int | None = None
    unit_id: int | None = None  # the unit whose centre the user works at, if any

    @property
    def permissions(self) -> frozenset[Perm]:
        if isinstance(self.role, SystemRole):
            return SYSTEM_PERMISSIONS[self.role]
        return PERMISSIONS[self.role]

    def can(self, perm: Perm) -> bool:
        return perm in self.permissions

    @classmethod
    def system(cls, name: str = "system", role: SystemRole = SystemRole.ADMIN) -> Actor:
        return cls(name=name, role=role)


def require(actor: Actor, perm: Perm) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds ``perm``."""
    if not actor.can(perm):
        raise PermissionDenied(f"role {actor.role.value!r} may not {perm.value}",
                               role=actor.role.value, permission=perm.value)


def mask_phone(phone: str) -> str:
    """Mask a phone number for display: ``13812345678`` -> ``138****5678``.

    >>> mask_phone("13812345678")
    '138****5678'
    >>> mask_phone("0731-8888")
    '07*****88'
    >>> mask_phone("")
    ''
    """
    digits = phone.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
