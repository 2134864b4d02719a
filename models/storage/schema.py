"""Tables of the console, as SQLAlchemy 2 typed mappings.

Geometries are stored as WKB in WGS-84 (see :mod:`models.core.geo`) with their bounding box in
plain columns, so the same schema runs on SQLite and PostgreSQL without spatial extensions.
Constraint names follow one naming convention so Alembic migrations work on both.
Widgets never see these classes: services hand out frozen records (:mod:`models.core.records`).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.core.enums import (  # noqa: F401 - re-exported: the schema's vocabulary
    CENTRE_ROLES,
    GRID_ROLES,
    LEVEL_ORDER,
    AuditOutcome,
    CaseStatus,
    Channel,
    DedicatedType,
    DutyStatus,
    GridKind,
    Level,
    Priority,
    StaffRole,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings (no native ENUM type), so adding a member needs no ALTER TYPE.
    return Enum(cls, name=name, native_enum=False, length=24,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the console stores aware UTC times only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Layer(Base):
    """A geometry layer as it came in: where from, in which datum, whether generated."""

    __tablename__ = "layer"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))  # boundaries | grids
    source: Mapped[str] = mapped_column(Text)
    source_datum: Mapped[str] = mapped_column(String(16))
    stored_datum: Mapped[str] = mapped_column(String(16), default="WGS84")
    generated: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AdminUnit(Base):
    """A unit of the four levels: city, district, street, community."""

    __tablename__ = "admin_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[Level] = mapped_column(_enum(Level, "level"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    layer_id: Mapped[int | None] = mapped_column(ForeignKey("layer.id"))
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)
    area_m2: Mapped[float | None] = mapped_column(Float)
    generated: Mapped[bool] = mapped_column(default=False)
    __table_args__ = (
        CheckConstraint("(level = 'city') = (parent_id IS NULL)", name="root_is_city"),
    )


class Grid(Base):
    """A unit grid: the smallest unit of management, with its 15-digit code."""

    __tablename__ = "grid"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    kind: Mapped[GridKind] = mapped_column(_enum(GridKind, "grid_kind"))
    dedicated_type: Mapped[DedicatedType | None] = mapped_column(
        _enum(DedicatedType, "dedicated_type"))
    name: Mapped[str] = mapped_column(String(100), default="")
    community_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    layer_id: Mapped[int | None] = mapped_column(ForeignKey("layer.id"))
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer, default=0)
    generated: Mapped[bool] = mapped_column(default=False)
    __table_args__ = (
        CheckConstraint("length(code) = 15", name="code_length"),
        CheckConstraint("(kind = 'dedicated') = (dedicated_type IS NOT NULL)",
                        name="dedicated_has_type"),
        CheckConstraint("population >= 0", name="population_nonneg"),
    )


class Department(Base):
    """A functional department at one level (city management bureau, police station ...)."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    # category codes this department handles (see resources/catalogue)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)


class Staff(Base):
    """A person: a grid worker of 1+3+X, a centre operator or a department handler."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole, "staff_role"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    home_grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    duty_status: Mapped[DutyStatus] = mapped_column(
        _enum(DutyStatus, "duty_status"), default=DutyStatus.OFF_DUTY)
    last_lon: Mapped[float | None] = mapped_column(Float)
    last_lat: Mapped[float | None] = mapped_column(Float)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # when the last position went into the track (the track keeps moves, not every fix)
    tracked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    __table_args__ = (
        CheckConstraint("(last_lon IS NULL) = (last_lat IS NULL)", name="position_pair"),
    )


class Case(Base):
    """A case: an accepted event running the six-step loop."""

    __tablename__ = "case_"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    # the idempotency key of the item it came from (models.core.intakekey): a UNIQUE index
    # (NULL, for items without one, many times), so a redelivered alert is never a 2nd case
    intake_key: Mapped[str | None] = mapped_column(String(200), index=True, unique=True)
    catalogue_version: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    subcategory: Mapped[str] = mapped_column(String(20))
    event_class: Mapped[str] = mapped_column(String(1))
    priority: Mapped[Priority] = mapped_column(_enum(Priority, "priority"))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "case_status"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    reporter_name: Mapped[str] = mapped_column(String(60), default="")
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    assigned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    assigned_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # a child task of a split case (indexed: every transition asks for open children)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("case_.id"))
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    step_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    step_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    case_deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    # the level of the unit handling the case now (city, district, street, community)
    level: Mapped[str | None] = mapped_column(String(12))
    routing_policy: Mapped[str] = mapped_column(String(40), default="")
    escalation_requested: Mapped[bool] = mapped_column(default=False)
    # a suspended case's clock: when it stopped, for how long it was stopped before, and
    # the step it returns to
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    status_before_pause: Mapped[str | None] = mapped_column(String(24))
    # assessment
    on_time: Mapped[bool | None] = mapped_column()
    effective: Mapped[bool | None] = mapped_column()
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    # who works the case now, on which seat's say, until when (models.cases.claims): written
    # without moving the version (a claim is not a change of the case), and an emergency's
    # alarm acknowledged once for every seat
    claimed_by: Mapped[str | None] = mapped_column(String(60))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claim_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(60))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_case__status_grid", "status", "grid_id"),
        Index("ix_case__status_deadline", "status", "step_deadline"),
        # the queue's window of recently closed cases and the count of those beyond it
        Index("ix_case__closed_at", "closed_at"),
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90",
                        name="lonlat_range"),
    )


class CaseGrid(Base):
    """A grid a case spans beyond its own (marked by a dispatcher; routes by the grids'
    lowest common unit). A case with no rows here lies in its own grid only."""

    __tablename__ = "case_grid"
    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"), primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True, index=True)


class CaseHistory(Base):
    """Append-only history of a case: one row per transition."""

    __tablename__ = "case_history"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_role: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class CaseReport(Base):
    """One report of a case (a merged duplicate brings its reports and reporters along)."""

    __tablename__ = "case_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"), index=True)
    channel: Mapped[str] = mapped_column(String(24))
    reporter_name: Mapped[str] = mapped_column(String(60), default="")
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(Text, default="")
    original_number: Mapped[str] = mapped_column(String(24))


class CaseAttachment(Base):
    """A photo (or other file) given with a report or feedback, kept in the database so it
    travels with the case and is never lost with a workstation's disk."""

    __tablename__ = "case_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StaffTrack(Base):
    """Append-only track of staff positions: a fix is kept when the person moved 25 m or
    more, or a minute passed, since the last kept one (enough to replay who was where)."""

    __tablename__ = "staff_track"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class Sensor(Base):
    """A registered IoT sensor: where it is, its grid, and the subcategory its alerts raise."""

    __tablename__ = "sensor"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subcategory: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)


class QuarantineItem(Base):
    """An incoming item that could not become a case, kept with its reason so a dispatcher
    can inspect, fix and retry it: nothing that arrives is dropped silently."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(24), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    payload: Mapped[str] = mapped_column(Text)  # as received (JSON text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|retried|discarded
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_.id"))
    source: Mapped[str] = mapped_column(String(300), default="")


class AuditEntry(Base):
    """Who did what to which object, when, and how it ended (append-only)."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no FK: system actors have none
    actor_name: Mapped[str] = mapped_column(String(60))
    actor_role: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[AuditOutcome] = mapped_column(_enum(AuditOutcome, "audit_outcome"))
    detail: Mapped[str] = mapped_column(Text, default="")


class ChangeLog(Base):
    """Every committed change of a case, in commit order: a trigger in the database writes
    one row per inserted or updated case in the writer's own transaction (whoever writes:
    a console, the city service, the command line), so the sequence is the truth a seat
    follows (:mod:`models.storage.changelog`). On PostgreSQL the trigger also announces it
    (``NOTIFY citygrid_changes``, payload the kind only: ids are read from here)."""

    __tablename__ = "change_log"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))


class ServiceHealth(Base):
    """One running city service (``main.py serve``): a heartbeat every few seconds with what
    its intake has seen, so the seats show whether intake and the timers are alive and how
    far behind they are (:mod:`models.storage.services`)."""

    __tablename__ = "service_health"
    instance: Mapped[str] = mapped_column(String(80), primary_key=True)
    host: Mapped[str] = mapped_column(String(120), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # what it runs: intake (mqtt, snaps) on every instance; the timers and the simulator
    # on the one holding the lease
    mqtt: Mapped[str] = mapped_column(String(200), default="")
    mqtt_connected: Mapped[bool] = mapped_column(default=False)
    leader: Mapped[bool] = mapped_column(default=False)
    simulating: Mapped[bool] = mapped_column(default=False)
    received: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                          default=0)
    processed: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                           default=0)
    backlog: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # the age of the oldest item still waiting to be applied, in seconds (0: none waits)
    lag_s: Mapped[float] = mapped_column(Float, default=0.0)
    last_error: Mapped[str] = mapped_column(String(300), default="")


class ServiceLease(Base):
    """Who runs a job that must run once per city (the deadline watch, the simulator): the
    holder renews it; when it lapses another service takes it over."""

    __tablename__ = "service_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Setting(Base):
    """Small key/value facts about this database (demo seed, catalogue version ...)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


__all__ = [name for name in dir() if not name.startswith("_")]
