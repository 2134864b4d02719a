"""Frozen records handed out by services: what widgets and the command line see.

Services never hand out live ORM objects (they would lazy-load from a closed session on the
GUI thread). Each write returns a ``*Changes`` record of what changed, which the console
broadcasts once (STYLE.md, practice 3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class UnitRecord:
    id: int
    code: str
    name: str
    name_en: str
    level: str
    parent_id: int | None
    generated: bool


@dataclass(frozen=True, slots=True)
class GridRecord:
    id: int
    code: str
    kind: str
    dedicated_type: str | None
    name: str
    community_id: int
    community_code: str
    area_m2: float
    population: int
    generated: bool
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class StaffRecord:
    id: int
    code: str
    name: str
    phone: str  # masked unless the actor may read contacts
    role: str
    unit_id: int | None
    home_grid_id: int | None
    department_id: int | None
    duty_status: str
    lon: float | None
    lat: float | None
    last_seen_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    number: str
    channel: str
    catalogue_version: str
    category: str
    subcategory: str
    event_class: str
    priority: str
    status: str
    title: str
    description: str
    address: str
    lon: float
    lat: float
    grid_id: int | None
    reporter_name: str
    reporter_phone: str  # masked unless the actor may read contacts
    assigned_unit_id: int | None
    reported_at: dt.datetime
    step_deadline: dt.datetime | None
    version: int
    step_started_at: dt.datetime | None = None
    level: str | None = None
    rework_count: int = 0
    escalation_requested: bool = False
    # who holds the case (models.cases.claims); a claim past claim_until holds nothing
    claimed_by: str | None = None
    claim_until: dt.datetime | None = None
    acknowledged_by: str | None = None  # an emergency's alarm, acknowledged for every seat

    def held_by_other(self, name: str, now: dt.datetime) -> str | None:
        """The holder's name when someone other than ``name`` holds the case at ``now``."""
        if self.claimed_by is None or self.claimed_by == name:
            return None
        if self.claim_until is not None and self.claim_until < now:
            return None
        return self.claimed_by


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """Who holds a case, since when and until when (:mod:`models.cases.claims`)."""

    case_id: int
    number: str
    claimed_by: str
    claimed_at: dt.datetime
    claim_until: dt.datetime


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    at: dt.datetime
    actor_id: int | None
    actor_role: str
    action: str
    from_status: str | None
    to_status: str
    note: str


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """One report of a case: the first, or one brought along by a merged duplicate."""

    channel: str
    reporter_name: str
    reporter_phone: str  # masked unless the actor may read contacts and asked to
    reported_at: dt.datetime
    description: str
    original_number: str  # the case number the report was first filed under


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    """A photo (or other file) of a case, with its bytes, as kept in the database: from a
    snap report or a handler's feedback alike."""

    id: int
    case_id: int
    kind: str  # photo
    file_name: str  # as sent
    media_type: str  # image/jpeg, image/png or image/webp, sniffed from the bytes
    sha256: str
    size: int  # bytes
    added_at: dt.datetime
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: dt.datetime
    actor_name: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    detail: str


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """An incoming item that could not become a case, with the reason it was kept back.

    ``payload`` is the item as received (or as last fixed by a dispatcher), decoded from its
    JSON text; ``status`` is ``pending``, ``retried`` or ``discarded``.
    """

    id: int
    channel: str
    received_at: dt.datetime
    reason: str
    status: str
    source: str
    payload: Any  # decoded JSON: an object as a rule, but kept as whatever arrived


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """What the case detail shows of one case, read together."""

    case: CaseRecord
    history: tuple[HistoryRecord, ...]
    trace: tuple[str, ...]  # the rule trace of the latest routing decision
    attachments: tuple[AttachmentRecord, ...]


@dataclass(frozen=True, slots=True)
class CaseChanges:
    """Cases created or changed by one service call."""

    action: str
    case_ids: tuple[int, ...]
    actor: str
    created: bool = False
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffChanges:
    """Staff whose position or duty status changed in one service call."""

    action: str
    staff_ids: tuple[int, ...]
    actor: str
    fields: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class DistrictSummary:
    """One row of the city overview."""

    code: str
    name: str
    name_en: str
    streets: int
    communities: int
    grids: int
    dedicated_grids: int
    staff: int
    area_km2: float


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Where a case should go and why: produced by :mod:`routing`, recorded by the case
    service on dispatch, transfer or escalation.

    ``trace`` holds one line per rule considered, in order, so the case detail can show why
    this unit was chosen; ``policy`` names the rule set (replay compares policies).
    """

    unit_id: int
    unit_code: str
    level: str
    department_id: int | None
    staff_id: int | None
    policy: str
    trace: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewCase:
    """What an intake channel knows about a new event."""

    channel: str
    subcategory: str
    lon: float
    lat: float
    title: str
    description: str = ""
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    priority: str | None = None
    reported_at: dt.datetime | None = None
    # the item's idempotency key (an IoT alert's: models.core.intakekey); None: no key
    intake_key: str | None = None
