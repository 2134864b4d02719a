"""The case service: every read and write of cases goes through here, with the acting user.

Issue-level scope of this module: reporting (intake), reading with masking of residents'
contacts, and the append-only history. The transitions of the six-step loop build on it
(:mod:`models.cases.loop`).
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from models.cases.photos import Photo
from models.core.auth import Actor, Perm, mask_phone
from models.core.catalogue import Catalogue, load_catalogue
from models.core.enums import WORKLOAD, in_order
from models.core.errors import NotFoundError, ValidationError
from models.core.intakekey import MAX_KEY_CHARS
from models.core.privacy import mask_personal_data
from models.core.records import (
    AttachmentRecord,
    CaseChanges,
    CaseDetail,
    CaseRecord,
    HistoryRecord,
    NewCase,
    ReportRecord,
)
from models.core.workcalendar import WorkingCalendar, load_calendar
from models.core.worktime import step_deadline, total_hours
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import (
    Case,
    CaseAttachment,
    CaseHistory,
    CaseReport,
    CaseStatus,
    Channel,
    Priority,
    utcnow,
)

GridLocator = Callable[[float, float], int | None]

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{2,18}[0-9]$")
# Limits of what a case may hold, whatever its channel: they keep a hostile or broken input
# (a 40 MB description, a date in year 9999) from being stored or from overflowing later.
MAX_TITLE_CHARS = 200
MAX_ADDRESS_CHARS = 300
MAX_NAME_CHARS = 100
MAX_PHONE_CHARS = 20  # the width of the phone columns
MAX_DESCRIPTION_CHARS = 10_000  # a long hotline transcript is a few thousand characters
EARLIEST_REPORT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # before the city's grid existed
LATEST_REPORT = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # exclusive; far-future is a typo
DEFAULT_PRIORITY = {"A": Priority.URGENT, "B": Priority.HIGH, "C": Priority.NORMAL,
                    "D": Priority.LOW}


def check_text(name: str, value: object, limit: int) -> str:
    """``value`` as a string of at most ``limit`` characters with no NUL, or ValidationError.

    A NUL cannot be stored by PostgreSQL (and is never meant in a text field); the message
    names the field and its length, never the value (it may hold personal data).

    >>> check_text("title", "井盖缺失", 200)
    '井盖缺失'
    >>> check_text("title", "a\\x00b", 200)
    Traceback (most recent call last):
    ...
    models.core.errors.ValidationError: the title holds a NUL character
    """
    if not isinstance(value, str):
        raise ValidationError(f"the {name} must be text", field=name)
    if "\x00" in value:
        raise ValidationError(f"the {name} holds a NUL character", field=name)
    if len(value) > limit:
        raise ValidationError(f"the {name} is {len(value):,} characters; at most {limit:,}",
                              field=name)
    return value


def check_reported_at(when: dt.datetime, *, not_after: dt.datetime | None = None,
                      field: str = "reported_at") -> dt.datetime:
    """Check a report time: with a time zone, from :data:`EARLIEST_REPORT` to before
    :data:`LATEST_REPORT`, and not after ``not_after`` when given (an import of past
    reports passes "now" plus a small clock skew).

    >>> import datetime as dt
    >>> check_reported_at(dt.datetime(9999, 1, 1, tzinfo=dt.UTC))
    Traceback (most recent call last):
    ...
    models.core.errors.ValidationError: reported_at 9999-01-01T00:00:00+00:00 is outside
    2000-01-01..2099-12-31
    """
    if not isinstance(when, dt.datetime) or when.tzinfo is None:
        raise ValidationError(f"{field} must carry a time zone", field=field)
    if not EARLIEST_REPORT <= when < LATEST_REPORT:
        raise ValidationError(f"{field} {when.isoformat()} is outside "
                              f"{EARLIEST_REPORT:%Y-%m-%d}..{LATEST_REPORT.year - 1}-12-31",
                              field=field)
    if not_after is not None and when > not_after:
        raise ValidationError(f"{field} {when.isoformat()} is in the future", field=field)
    return when


def _validated(new: NewCase, catalogue: Catalogue,
               calendar: WorkingCalendar | None = None) -> dict:
    """Check a :class:`NewCase`; return the column values or raise ValidationError.

    The accept step's deadline and the case deadline (the sum of the step limits) count
    from the report, in the subcategory's basis (working or calendar hours).
    """
    try:
        channel = Channel(new.channel)
    except ValueError:
        raise ValidationError(mask_personal_data(f"unknown channel {new.channel!r}; one of "
                                                 f"{', '.join(c.value for c in Channel)}"),
                              field="channel") from None
    if not isinstance(new.subcategory, str) or len(new.subcategory) > 20 \
            or "\x00" in new.subcategory:
        raise ValidationError("the subcategory must be a short code such as C04",
                              field="subcategory")
    sub = catalogue.subcategory(new.subcategory)
    for name, value, low, high in (("lon", new.lon, -180, 180), ("lat", new.lat, -90, 90)):
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValidationError(mask_personal_data(f"{name} must be a finite number, got "
                                                     f"{value!r}"), field=name)
        if not low <= value <= high:
            raise ValidationError(f"{name} {value} is outside {low}..{high}", field=name)
    title = check_text("title", new.title, MAX_DESCRIPTION_CHARS).strip()
    if not title:
        raise ValidationError("a case needs a title", field="title")
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationError(f"the title is longer than {MAX_TITLE_CHARS} characters",
                              field="title")
    check_text("address", new.address, MAX_ADDRESS_CHARS)
    check_text("description", new.description, MAX_DESCRIPTION_CHARS)
    check_text("reporter name", new.reporter_name, MAX_NAME_CHARS)
    phone = check_text("reporter phone", new.reporter_phone, 40).strip()
    if phone and (len(phone) > MAX_PHONE_CHARS or not _PHONE.match(phone)):
        # never the number itself: the message reaches logs, the quarantine and the CLI
        raise ValidationError(f"the reporter phone ({len(phone)} characters) is not a phone "
                              "number", field="reporter_phone")
    if new.priority is None:
        priority = DEFAULT_PRIORITY[sub.event_class]
    else:
        try:
            priority = Priority(new.priority)
        except ValueError:
            raise ValidationError(mask_personal_data(f"unknown priority {new.priority!r}"),
                                  field="priority") from None
    reported_at = check_reported_at(new.reported_at or utcnow())
    if new.intake_key is not None and (not isinstance(new.intake_key, str)
                                       or not 0 < len(new.intake_key) <= MAX_KEY_CHARS):
        raise ValidationError(f"the intake key must be a text of 1-{MAX_KEY_CHARS} "
                              "characters", field="intake_key")
    limits = sub.limits
    return {
        "channel": channel, "catalogue_version": catalogue.version, "category": sub.category,
        "subcategory": sub.code, "event_class": sub.event_class, "priority": priority,
        "title": title, "description": new.description.strip(), "address": new.address.strip(),
        "lon": float(new.lon), "lat": float(new.lat), "reporter_name": new.reporter_name.strip(),
        "reporter_phone": phone, "reported_at": reported_at, "step_started_at": reported_at,
        "step_deadline": step_deadline(reported_at, limits.accept, limits.basis, calendar),
        "case_deadline": step_deadline(reported_at, total_hours(limits), limits.basis,
                                       calendar),
        "intake_key": new.intake_key,
    }


def add_history(session: Session, case_id: int, actor: Actor, action: str,
                from_status: str | None, to_status: str, note: str = "",
                data: dict | None = None) -> None:
    """Append one history row (the only way history is written)."""
    session.execute(insert(CaseHistory), [{
        "case_id": case_id, "at": utcnow(), "actor_id": actor.staff_id,
        "actor_role": actor.role.value, "action": action, "from_status": from_status,
        "to_status": to_status, "note": note, "data": data or {},
    }])


class CaseService:
    """Cases, as seen and changed by one acting user.

    Parameters
    ----------
    db : Database
    actor : Actor
        The user on whose behalf every call runs; decides permissions and masking.
    locate : callable, optional
        ``(lon, lat) -> grid id or None``; usually :meth:`models.spatial.GridIndex.locate`.
    catalogue : Catalogue, optional
        Defaults to the newest shipped catalogue.
    calendar : WorkingCalendar, optional
        For deadlines in working hours; the shipped calendar by default.
    """

    def __init__(self, db: Database, actor: Actor, *, locate: GridLocator | None = None,
                 catalogue: Catalogue | None = None,
                 calendar: WorkingCalendar | None = None) -> None:
        self.db, self.actor = db, actor
        self.locate = locate
        self.catalogue = catalogue or load_catalogue()
        self.calendar = calendar or load_calendar()

    # -- writes --------------------------------------------------------------------------
    def report(self, new: NewCase) -> CaseChanges:
        """Register a reported event as a case in step ``reported``.

        Raises
        ------
        PermissionDenied
            The actor may not report cases (a ``denied`` audit row is written).
        ValidationError
            The input is invalid; nothing is written.
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "case.report", "case"):
            values = _validated(new, self.catalogue, self.calendar)
            with self.db.write() as s:
                case_id = self._insert(s, [values])[0]
                audit.record(s, self.actor, "case.report", "case", values["number"])
        return CaseChanges("report", (case_id,), self.actor.name, created=True)

    def report_many(self, items: list[NewCase]) -> CaseChanges:
        """Register many cases in ONE transaction: all of them or, if any is invalid, none.

        Raises
        ------
        ValidationError
            With ``problems``: (index, message) of every invalid item; nothing is written.
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "case.import", "case"):
            values, problems = [], []
            for n, new in enumerate(items):
                try:
                    values.append(_validated(new, self.catalogue, self.calendar))
                except ValidationError as exc:
                    # a message may quote a value (an unknown code): never a number
                    problems.append((n, mask_personal_data(exc.message)))
            if problems:
                raise ValidationError(f"{len(problems)} of {len(items)} item(s) are invalid; "
                                      "nothing was imported", problems=problems)
            with self.db.write() as s:
                ids = self._insert(s, values)
                audit.record(s, self.actor, "case.import", "case", f"{len(ids)} cases")
        return CaseChanges("import", tuple(ids), self.actor.name, created=True)

    def report_with_photos(self, new: NewCase, photos: Sequence[Photo]) -> CaseChanges:
        """Register a case with its photos (a snap report), in ONE transaction: the case and
        one ``case_attachment`` row (kind ``photo``, the bytes in the database) per distinct
        photo, so the photos travel with the case to every console sharing the database.
        A photo given twice (same bytes, whatever its name) is kept once, under its first
        name.

        Raises
        ------
        PermissionDenied
            The actor may not report cases.
        ValidationError
            The case is invalid; nothing is written.
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "case.report", "case"):
            values = _validated(new, self.catalogue, self.calendar)
            distinct: dict[str, Photo] = {}
            for photo in photos:
                distinct.setdefault(photo.sha256, photo)
            now = utcnow()
            with self.db.write() as s:
                case_id = self._insert(s, [values])[0]
                if distinct:
                    s.execute(insert(CaseAttachment), [{
                        "case_id": case_id, "kind": "photo", "file_name": p.filename[:200],
                        "media_type": p.media_type, "sha256": p.sha256, "data": p.data,
                        "added_at": now} for p in distinct.values()])
                audit.record(s, self.actor, "case.report", "case", values["number"],
                             detail=f"{len(distinct)} photo(s)")
        return CaseChanges("report", (case_id,), self.actor.name, created=True)

    def _insert(self, s: Session, values: list[dict]) -> list[int]:
        """Insert validated cases with their first report and history row, in bulk (a
        statement per table, whatever the count): the intake path of a surge."""
        if not values:
            return []
        for v in values:
            v["grid_id"] = self.locate(v["lon"], v["lat"]) if self.locate else None
            v["status"] = CaseStatus.REPORTED
            v["version"] = 1
        # Core statements on the tables: the ORM's bulk machinery cost as much as the rows
        conn = s.connection()
        case_t, history_t, report_t = (cast(Table, m.__table__)
                                       for m in (Case, CaseHistory, CaseReport))
        if conn.dialect.name == "postgresql":
            # the ids first, from the table's sequence: the numbers are known before the
            # insert, which psycopg then pipelines (a multi-row VALUES with RETURNING is
            # one long statement it parses afresh for every burst)
            ids = sorted(conn.execute(text(
                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": case_t.name, "n": len(values)}).scalars())
            for v, i in zip(values, ids, strict=True):
                v["id"], v["number"] = i, f"C{v['reported_at']:%Y%m%d}{i:08d}"
            conn.execute(insert(case_t), values)
            numbers = [v["number"] for v in values]
        else:
            # each row's provisional number is unique: it maps the RETURNING rows back to
            # the values (RETURNING in parameter order makes SQLite insert row by row)
            for v in values:
                v["number"] = uuid.uuid4().hex[:24]
            made = {n: i for n, i in conn.execute(
                insert(case_t).returning(case_t.c.number, case_t.c.id), values)}
            ids = [made[v["number"]] for v in values]
            numbers = [f"C{v['reported_at']:%Y%m%d}{i:08d}" for v, i in zip(values, ids,
                                                                         strict=True)]
            for v, n in zip(values, numbers, strict=True):
                v["number"] = n
            conn.execute(update(case_t).where(case_t.c.id == bindparam("b_id"))
                         .values(number=bindparam("b_number")),
                         [{"b_id": i, "b_number": n} for i, n in zip(ids, numbers,
                                                                     strict=True)])
        now = utcnow()
        conn.execute(insert(history_t), [{
            "case_id": i, "at": now, "actor_id": self.actor.staff_id,
            "actor_role": self.actor.role.value, "action": "report", "from_status": None,
            "to_status": CaseStatus.REPORTED.value, "note": "",
            "data": {"channel": v["channel"].value}} for v, i in zip(values, ids, strict=True)])
        conn.execute(insert(report_t), [{
            "case_id": i, "channel": v["channel"].value, "reporter_name": v["reporter_name"],
            "reporter_phone": v["reporter_phone"], "reported_at": v["reported_at"],
            "description": v["description"], "original_number": n}
            for v, i, n in zip(values, ids, numbers, strict=True)])
        return ids

    # -- reads ---------------------------------------------------------------------------
    def stored_keys(self, keys: Sequence[str]) -> dict[str, int]:
        """The cases already holding some of these intake keys (:mod:`models.core.intakekey`):
        key -> case id. Not audited: it reads keys, never a case's content."""
        wanted, out = sorted(set(keys)), dict[str, int]()
        with self.db.read() as s:
            for k in range(0, len(wanted), 500):
                for key, case_id in s.execute(select(Case.intake_key, Case.id).where(
                        Case.intake_key.in_(wanted[k:k + 500]))):
                    out[str(key)] = case_id
        return out

    def free_text(self, text: str) -> str:
        """``text`` (a title, description, address or note) as the actor may see it: with
        the phone and ID numbers written in it masked unless the actor may read contacts."""
        return text if self.actor.can(Perm.CONTACT_READ) else mask_personal_data(text)

    def _record(self, c: Case) -> CaseRecord:
        phone = mask_phone(c.reporter_phone)
        free = self.free_text
        return CaseRecord(
            c.id, c.number, c.channel.value, c.catalogue_version, c.category, c.subcategory,
            c.event_class, c.priority.value, c.status.value, free(c.title),
            free(c.description), free(c.address), c.lon, c.lat, c.grid_id,
            free(c.reporter_name), phone, c.assigned_unit_id,
            c.reported_at, c.step_deadline, c.version, c.step_started_at, c.level,
            c.rework_count, c.escalation_requested, c.claimed_by, c.claim_until,
            c.acknowledged_by)

    def get(self, case_id: int) -> CaseRecord:
        """One case, the reporter's phone masked for every role (a contact role reads it
        with :meth:`reveal_contact`, which leaves the audit row); free text as
        :meth:`free_text` shows it."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.read", "case", case_id):
            with self.db.read() as s:
                c = s.get(Case, case_id)
                if c is None:
                    raise NotFoundError(f"no case with id {case_id}")
                return self._record(c)

    def reveal_contact(self, case_id: int) -> str:
        """The reporter's phone of one case, unmasked, for a role that may read contacts (a
        dispatcher calling the resident back). Every reveal writes ONE ``contact.read`` audit
        row, in the transaction that reads the phone; the ordinary reads (:meth:`get`,
        :meth:`list`) never unmask and never audit, however often a screen refreshes.

        Raises
        ------
        PermissionDenied
            The actor may not read contacts (a ``denied`` audit row is written).
        NotFoundError
            There is no such case.
        """
        with audit.guarded(self.db, self.actor, Perm.CONTACT_READ, "contact.read", "case",
                           case_id):
            with self.db.write() as s:
                row = s.execute(select(Case.number, Case.reporter_phone)
                                .where(Case.id == case_id)).first()
                if row is None:
                    raise NotFoundError(f"no case with id {case_id}")
                audit.record(s, self.actor, "contact.read", "case", row.number,
                             detail="reporter phone revealed")
                return row.reporter_phone

    def list(self, *, statuses: tuple[str, ...] | None = None, limit: int = 100_000
             ) -> list[CaseRecord]:
        """Cases (newest first), optionally only those in ``statuses``; phones masked."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.list", "case"):
            q = select(Case).order_by(Case.id.desc()).limit(limit)
            if statuses:
                q = q.where(Case.status.in_([CaseStatus(x) for x in statuses]))
            with self.db.read() as s:
                return [self._record(c) for c in s.scalars(q)]

    def routing_trace(self, case_id: int) -> tuple[str, ...]:
        """The rule trace of the case's latest routing decision (dispatch, transfer,
        escalation), oldest history first."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.history", "case", case_id):
            with self.db.read() as s:
                rows = s.scalars(select(CaseHistory.data).where(CaseHistory.case_id == case_id)
                                 .order_by(CaseHistory.id.desc()))
                for data in rows:
                    if data and data.get("trace"):
                        return tuple(data["trace"])
        return ()

    def reports(self, case_id: int, *, with_contact: bool = False) -> builtins.list[ReportRecord]:
        """Every report of one case, oldest first: its own and those of the duplicates
        merged into it, with each reporter. Phones are masked unless ``with_contact`` (for
        roles allowed to read contacts; such a read leaves an audit row, as
        :meth:`reveal_contact` does).
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.reports", "case",
                           case_id):
            if with_contact:
                with audit.guarded(self.db, self.actor, Perm.CONTACT_READ, "contact.read",
                                   "case", case_id):
                    pass
            with self.db.write() if with_contact else self.db.read() as s:
                number = s.scalar(select(Case.number).where(Case.id == case_id))
                if number is None:
                    raise NotFoundError(f"no case with id {case_id}")
                rows = s.scalars(select(CaseReport).where(CaseReport.case_id == case_id)
                                 .order_by(CaseReport.reported_at, CaseReport.id)).all()
                if with_contact:
                    audit.record(s, self.actor, "contact.read", "case", number,
                                 detail=f"{len(rows)} report(s)")
                return [ReportRecord(r.channel, r.reporter_name,
                                     r.reporter_phone if with_contact
                                     else mask_phone(r.reporter_phone),
                                     r.reported_at, self.free_text(r.description),
                                     r.original_number)
                        for r in rows]

    def attachments(self, case_id: int) -> builtins.list[AttachmentRecord]:
        """Every attachment of one case with its bytes, oldest first: the photos of a snap
        report and those of a handler's feedback alike.

        Raises
        ------
        PermissionDenied
            The actor may not read cases (a ``denied`` audit row is written).
        NotFoundError
            There is no such case.
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.attachments", "case",
                           case_id):
            with self.db.read() as s:
                if s.scalar(select(Case.id).where(Case.id == case_id)) is None:
                    raise NotFoundError(f"no case with id {case_id}")
                rows = s.scalars(select(CaseAttachment)
                                 .where(CaseAttachment.case_id == case_id)
                                 .order_by(CaseAttachment.id))
                return [_attachment_record(a) for a in rows]

    def detail(self, case_id: int) -> CaseDetail:
        """What the case detail shows, in one read: the case (as :meth:`get`), its history
        (:meth:`history`), the latest routing trace (:meth:`routing_trace`) and its
        attachments (:meth:`attachments`)."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.read", "case", case_id):
            with self.db.read() as s:
                c = s.get(Case, case_id)
                if c is None:
                    raise NotFoundError(f"no case with id {case_id}")
                rows = s.scalars(select(CaseHistory).where(CaseHistory.case_id == case_id)
                                 .order_by(CaseHistory.id)).all()
                files = s.scalars(select(CaseAttachment)
                                  .where(CaseAttachment.case_id == case_id)
                                  .order_by(CaseAttachment.id)).all()
                trace = next((tuple(h.data["trace"]) for h in reversed(rows)
                              if h.data and h.data.get("trace")), ())
                return CaseDetail(self._record(c),
                                  tuple(self._history_record(h) for h in rows), trace,
                                  tuple(_attachment_record(a) for a in files))

    def history(self, case_id: int) -> builtins.list[HistoryRecord]:
        """The append-only history of one case, oldest first."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.history", "case", case_id):
            with self.db.read() as s:
                rows = s.scalars(select(CaseHistory).where(CaseHistory.case_id == case_id)
                                 .order_by(CaseHistory.id))
                return [self._history_record(h) for h in rows]

    def _history_record(self, h: CaseHistory) -> HistoryRecord:
        return HistoryRecord(h.at, h.actor_id, h.actor_role, h.action, h.from_status,
                             h.to_status, self.free_text(h.note))

    def workload_by_staff(self) -> dict[int, int]:
        """Open cases assigned to each staff member."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.count", "case"):
            # IN over the open statuses, not NOT IN over the closed: the status index then
            # finds the few open cases instead of scanning years of closed ones
            open_ = in_order(WORKLOAD)
            with self.db.read() as s:
                rows = s.execute(select(Case.assigned_staff_id, func.count())
                                 .where(Case.assigned_staff_id.is_not(None),
                                        Case.status.in_(open_))
                                 .group_by(Case.assigned_staff_id))
                return {sid: n for sid, n in rows if sid is not None}  # none: the where

    def count_by_status(self) -> dict[str, int]:
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.count", "case"):
            with self.db.read() as s:
                rows = s.execute(select(Case.status, func.count()).group_by(Case.status))
                return {status.value: n for status, n in rows}


def _attachment_record(a: CaseAttachment) -> AttachmentRecord:
    return AttachmentRecord(a.id, a.case_id, a.kind, a.file_name, a.media_type, a.sha256,
                            len(a.data), a.added_at, bytes(a.data))
