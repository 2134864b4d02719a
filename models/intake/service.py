"""One intake service for every channel; each channel an adapter that validates what comes in.

An item that cannot become a case is kept in the quarantine with its reason, where a
dispatcher can inspect it, fix it and retry it: nothing that arrives is dropped silently.
A new case that looks like an open one (same subcategory, near, recent) is reported with
the likely duplicates, so the console can offer a merge.

Residents' phones in quarantined payloads are masked in every listing; a role with contact
rights asks for one item unmasked (:meth:`IntakeService.reveal`), and that read is audited.
A retry of an edited payload that still carries the masked form of a phone keeps the
stored phone, so a masked phone is never submitted nor stored over the real one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from models.cases.service import CaseService, GridLocator, NewCase, _validated
from models.core.auth import Actor, Perm, mask_phone
from models.core.catalogue import Catalogue, load_catalogue
from models.core.errors import ConflictError, NotFoundError, ValidationError
from models.core.geo import geodesic_distance_m
from models.core.intakekey import form_key, is_key_clash
from models.core.limits import is_transient, storage_reason
from models.core.privacy import holds_personal_data, mask_personal_data
from models.core.records import QuarantineRecord
from models.intake.duplicates import DUPLICATE_DEFAULT, DUPLICATE_WINDOWS, OPEN, OpenCases
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import Case, QuarantineItem, utcnow
from models.world.extent import city_extent
from models.world.sensors import SensorRegistry, iot_adapter
from models.world.staff import StaffService, parse_fix

log = logging.getLogger(__name__)

PHONE_KEYS = frozenset({"phone", "reporter_phone"})  # residents' phones in payloads
# words that suggest a subcategory on the hotline form (the dispatcher confirms)
KEYWORDS: dict[str, tuple[str, ...]] = {
    "C01": ("摆摊", "占道", "小贩", "vendor", "stall"), "C03": ("垃圾", "rubbish", "garbage"),
    "C04": ("井盖", "manhole"), "C05": ("路面", "坑", "pothole"), "C08": ("路灯", "street light"),
    "E01": ("油烟", "fumes"), "E02": ("噪音", "噪声", "吵", "noise"),
    "M01": ("着火", "火灾", "冒烟", "fire", "smoke"), "M02": ("燃气", "煤气", "gas"),
    "M03": ("积水", "内涝", "flood"), "O02": ("电梯", "lift", "elevator"),
    "S01": ("纠纷", "吵架", "dispute"), "S06": ("消防通道", "fire lane"),
}


@dataclass(frozen=True)
class IntakeResult:
    """What became of one incoming item."""

    case_id: int | None
    quarantine_id: int | None
    reason: str = ""
    duplicates: tuple[int, ...] = ()
    staff_id: int | None = None  # a retried position: whose position it applied
    # a redelivery (its intake key is stored): the case it repeats; no case, no quarantine
    duplicate_of: int | None = None


def payload_text(payload: object) -> str:
    r"""The JSON text a payload is stored as: readable (not ASCII-escaped), but with NUL
    escaped, since PostgreSQL text cannot hold it.

    >>> payload_text({"kind": "smoke\x00", "名": 1})
    '{"kind": "smoke\\u0000", "名": 1}'
    """
    # a raw NUL can only stand inside a JSON string, where \u0000 means the same
    return json.dumps(payload, ensure_ascii=False, default=str).replace("\x00", "\\u0000")


def _text(value: str) -> str:
    return value.replace("\x00", "\ufffd")


def keep_stored_phones(edited: Mapping, stored: Mapping) -> dict:
    """The edited payload, with each phone that is the masked form of the stored phone put
    back to the stored one (the editor showed it masked), and each text that is the stored
    text with its phone and ID numbers masked (:func:`models.core.privacy.mask_personal_data`)
    put back likewise.

    >>> keep_stored_phones({"phone": "138****5678", "lon": 1}, {"phone": "13812345678"})
    {'phone': '13812345678', 'lon': 1}
    >>> keep_stored_phones({"phone": "13900000000"}, {"phone": "13812345678"})
    {'phone': '13900000000'}
    >>> keep_stored_phones({"title": "回电 138****5678"}, {"title": "回电 13812345678"})
    {'title': '回电 13812345678'}
    """
    out = dict(edited)
    if not isinstance(stored, Mapping):
        return out
    for key, original in stored.items():
        if not (isinstance(original, str) and original and isinstance(out.get(key), str)):
            continue
        shown = mask_phone(original) if key in PHONE_KEYS else mask_personal_data(original)
        if out[key] != original and out[key] == shown:
            out[key] = original
    return out


def _masked(payload: object) -> object:
    """A payload as the quarantine lists it: phones masked, and phone and ID numbers
    written in its texts (a title, a description) masked too."""
    if not isinstance(payload, dict):
        return payload
    return {k: (mask_phone(str(v)) if k in PHONE_KEYS and v
                else mask_personal_data(v) if isinstance(v, str) else v)
            for k, v in payload.items()}


def _holds_contact(record: QuarantineRecord) -> bool:
    """Whether an item shows personal data once unmasked: a phone field, or a phone or ID
    number in its reason or in a text of its payload."""
    payload = record.payload if isinstance(record.payload, dict) else {}
    return (any(payload.get(k) for k in PHONE_KEYS) or holds_personal_data(record.reason)
            or any(isinstance(v, str) and holds_personal_data(v) for v in payload.values()))


def suggest_subcategory(text: str) -> str | None:
    """The subcategory the words of a call suggest, or None.

    >>> suggest_subcategory("小区门口井盖丢了"), suggest_subcategory("hello")
    ('C04', None)
    """
    lowered = text.lower()
    best, hits = None, 0
    for code, words in KEYWORDS.items():
        n = sum(1 for w in words if w in lowered)
        if n > hits:
            best, hits = code, n
    return best


def _num(payload: Mapping, key: str) -> float:
    value: Any = payload.get(key)  # anything a sender wrote
    try:
        number = float(value)
    except (TypeError, ValueError):
        # the value is quoted masked: it may be a phone typed in the wrong field
        raise ValidationError(mask_personal_data(f"{key} must be a number, got {value!r}"),
                              field=key) from None
    if not math.isfinite(number):
        raise ValidationError(f"{key} must be finite", field=key)
    return number


def _time(payload: Mapping, key: str) -> dt.datetime | None:
    value = payload.get(key)
    if value in (None, ""):
        return None
    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(mask_personal_data(f"{key} is not an ISO 8601 time: {value!r}"),
                              field=key) from None
    if when.tzinfo is None:
        raise ValidationError(f"{key} needs a time zone (e.g. +08:00)", field=key)
    return when


def hotline_case(p: Mapping) -> NewCase:
    """The 12345 hotline form: caller, phone, address, a map click, a subcategory."""
    text = str(p.get("description", ""))
    sub = str(p.get("subcategory") or suggest_subcategory(text) or "")
    if not sub:
        raise ValidationError("no subcategory given and none suggested by the description")
    return NewCase(channel="hotline_12345", subcategory=sub, lon=_num(p, "lon"),
                   lat=_num(p, "lat"), title=str(p.get("title") or text[:40] or sub),
                   description=text, address=str(p.get("address", "")),
                   reporter_name=str(p.get("caller", "")), reporter_phone=str(p.get("phone", "")),
                   reported_at=_time(p, "reported_at"), intake_key=form_key(p))


def snap_case(p: Mapping) -> NewCase:
    """A snap report from a phone (JSON). Its photos are files beside the JSON: a report
    that lists ``photos`` is taken in by :mod:`models.intake.snaps`, which stores them and passes
    the rest here. Anywhere else (a retry from the quarantine) such a report is refused
    rather than made into a case that silently lost its photos."""
    if p.get("photos"):
        raise ValidationError("a snap report with photos is imported with its files (the "
                              "watched snap folder or main.py import-snaps); remove "
                              "\"photos\" to take the case without them", field="photos")
    return NewCase(channel="snap", subcategory=str(p.get("subcategory", "")),
                   lon=_num(p, "lon"), lat=_num(p, "lat"),
                   title=str(p.get("title", "")), description=str(p.get("description", "")),
                   reporter_name=str(p.get("name", "")), reporter_phone=str(p.get("phone", "")),
                   reported_at=_time(p, "time"))


ADAPTERS: dict[str, Callable[[Mapping], NewCase]] = {
    "hotline_12345": hotline_case, "snap": snap_case,
}


class IntakeService:
    """Turns incoming items into cases, or into quarantine entries with their reasons."""

    def __init__(self, db: Database, actor: Actor, *, locate: GridLocator | None = None,
                 catalogue: Catalogue | None = None,
                 adapters: Mapping[str, Callable[[Mapping], NewCase]] | None = None,
                 now: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.actor, self.now = db, actor, now
        self.catalogue = catalogue or load_catalogue()
        self.cases = CaseService(db, actor, locate=locate, catalogue=self.catalogue)
        if adapters is None:
            # the IoT channel too, so a quarantined alert can be retried from anywhere
            adapters = {**ADAPTERS, "iot": iot_adapter(SensorRegistry(db, actor), now=now)}
        self.adapters = dict(adapters)
        self.open_cases = OpenCases(db)  # duplicate candidates, kept between bursts

    def submit(self, channel: str, payload: Mapping, *, source: str = "") -> IntakeResult:
        """One item from ``channel``: a case, or a quarantine entry saying why not."""
        adapter = self.adapters.get(channel)
        try:
            if adapter is None:
                raise ValidationError(f"no intake adapter for channel {channel!r}")
            new = adapter(payload)
            dups = self.duplicates_of(new)
            case_id = self.cases.report(new).case_ids[0]
        except ValidationError as exc:
            qid = self._quarantine(channel, payload, exc.message, source)
            return IntakeResult(None, qid, exc.message)
        return IntakeResult(case_id, None, duplicates=dups)

    def submit_many(self, channel: str, payloads: Sequence[Mapping], *,
                    source: str = "") -> list[IntakeResult]:
        """A burst of items from one channel, in ONE transaction: each item becomes a case
        or a quarantine entry (unlike a file import, one invalid item does not hold back
        the others), and either all of that is written or, if the database fails, none.
        Duplicates are looked for among the open cases and the burst's earlier items.

        An item whose intake key (:mod:`models.core.intakekey`) is stored already, or came
        earlier in the burst, is a redelivery: no case, no quarantine entry; its result
        names the case it repeats (``duplicate_of``). When another console or service
        stores one of the burst's keys meanwhile, the UNIQUE index refuses the burst and it
        is taken once more (then it sees the key).

        Raises
        ------
        sqlalchemy.exc.SQLAlchemyError
            The database failed (locked, gone, or refused a value); nothing was written, so
            the caller may try again, or item by item to find the item at fault.
        """
        adapter = self.adapters.get(channel)
        good: list[tuple[int, NewCase, dict]] = []
        bad: list[tuple[int, Mapping, str]] = []
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "intake.burst", "case"):
            for n, payload in enumerate(payloads):
                try:
                    if adapter is None:
                        raise ValidationError(f"no intake adapter for channel {channel!r}")
                    new = adapter(payload)
                    good.append((n, new, _validated(new, self.catalogue,
                                                    self.cases.calendar)))
                except ValidationError as exc:
                    bad.append((n, payload, exc.message))
                except (ArithmeticError, ValueError, TypeError) as exc:
                    # a value no check foresaw (a date at the end of the calendar): this
                    # item is at fault, not the burst
                    log.warning("%s item %d refused: %s", channel, n, type(exc).__name__)
                    bad.append((n, payload, f"cannot be taken in ({type(exc).__name__})"))
            if not good and not bad:
                return []
            try:
                return self._write_burst(channel, source, len(payloads), good, bad)
            except IntegrityError as exc:
                if not is_key_clash(exc):
                    raise
                log.info("%s: an intake key of the burst was stored meanwhile (another "
                         "console or service); taking the burst again", channel)
            return self._write_burst(channel, source, len(payloads), good, bad)

    def _write_burst(self, channel: str, source: str, total: int,
                     good: list[tuple[int, NewCase, dict]],
                     bad: list[tuple[int, Mapping, str]]) -> list[IntakeResult]:
        results: list[IntakeResult | None] = [None] * total
        stored = self.cases.stored_keys([g[1].intake_key for g in good if g[1].intake_key])
        fresh: list[tuple[int, NewCase, dict]] = []
        again: list[tuple[int, str]] = []  # redeliveries: (index, key)
        first: dict[str, int] = {}  # a key of the burst -> its item's place in fresh
        for g in good:
            key = g[1].intake_key
            if key is not None and (key in stored or key in first):
                again.append((g[0], key))
                continue
            if key is not None:
                first[key] = len(fresh)
            fresh.append(g)
        dups = self.open_cases.duplicates([(g[1].subcategory, g[1].lon, g[1].lat,
                                            g[1].reported_at) for g in fresh])
        with self.db.write() as s:
            ids = self.cases._insert(s, [g[2] for g in fresh])
            if ids:
                audit.record(s, self.actor, "case.report", "case",
                             f"{len(ids)} cases from {channel}")
            qids = self._insert_quarantine(s, [(channel, p, reason, source)
                                               for _, p, reason in bad]) if bad else []
        for (n, _, _), case_id, d in zip(fresh, ids, dups, strict=True):
            results[n] = IntakeResult(case_id, None, duplicates=tuple(
                ids[-1 - j] if j < 0 else j for j in d))
        for (n, _, reason), qid in zip(bad, qids, strict=True):
            results[n] = IntakeResult(None, qid, reason)
        for n, key in again:
            case_id = stored[key] if key in stored else ids[first[key]]
            results[n] = IntakeResult(None, None, f"a redelivery of case {case_id} (intake "
                                      f"key {key})", duplicate_of=case_id)
        return results  # type: ignore[return-value]

    def _insert_quarantine(self, s,  # noqa: ANN001
                           items: list[tuple[str, Mapping, str, str]]) -> list[int]:
        """Insert (channel, payload, reason, source) items in the caller's transaction."""
        ids = list(s.scalars(insert(QuarantineItem).returning(
            QuarantineItem.id, sort_by_parameter_order=True), [{
                "channel": channel, "received_at": utcnow(), "payload": payload_text(p),
                "reason": _text(reason), "status": "pending", "source": _text(source[:300])}
                for channel, p, reason, source in items]))
        channels = ", ".join(sorted({i[0] for i in items}))
        audit.record(s, self.actor, "intake.quarantine", "quarantine",
                     f"{len(ids)} items from {channels}")
        return ids

    def quarantine_many(self, items: list[tuple[str, Mapping, str, str]]) -> list[int]:
        """Keep items ``(channel, payload, reason, source)`` in the quarantine, in one
        transaction; returns their quarantine ids in order."""
        if not items:
            return []
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "intake.quarantine",
                           "quarantine"):
            with self.db.write() as s:
                return self._insert_quarantine(s, items)

    def _quarantine(self, channel: str, payload: Mapping, reason: str, source: str) -> int:
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "intake.quarantine",
                           "quarantine"):
            with self.db.write() as s:
                item = QuarantineItem(channel=channel, received_at=utcnow(),
                                      payload=payload_text(payload), reason=_text(reason),
                                      status="pending", source=_text(source[:300]))
                s.add(item)
                s.flush()
                audit.record(s, self.actor, "intake.quarantine", "quarantine", item.id,
                             detail=_text(reason))
                return item.id

    def quarantine(self, status: str = "pending") -> list[QuarantineRecord]:
        """The items in the quarantine with ``status``, oldest first, residents' phones
        masked (for every role: listing is not reading a phone; see :meth:`reveal`)."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "intake.list", "quarantine"):
            with self.db.read() as s:
                rows = s.scalars(select(QuarantineItem).where(QuarantineItem.status == status)
                                 .order_by(QuarantineItem.id))
                return [QuarantineRecord(q.id, q.channel, q.received_at,
                                         mask_personal_data(q.reason), q.status,
                                         mask_personal_data(q.source),
                                         _masked(json.loads(q.payload)))
                        for q in rows]

    def reveal(self, quarantine_id: int) -> QuarantineRecord:
        """One quarantined item with its phones unmasked, for a role with contact rights;
        the read is audited (``contact.read``, once per call) when the item holds a phone.

        Raises
        ------
        PermissionDenied
            The actor may not read contacts (a ``denied`` audit row is written).
        NotFoundError
            No such item.
        """
        with audit.guarded(self.db, self.actor, Perm.CONTACT_READ, "contact.read",
                           "quarantine", quarantine_id):
            with self.db.read() as s:
                q = s.get(QuarantineItem, quarantine_id)
                if q is None:
                    raise NotFoundError(f"no quarantine item {quarantine_id}")
                record = QuarantineRecord(q.id, q.channel, q.received_at, q.reason, q.status,
                                          q.source, json.loads(q.payload))
            if _holds_contact(record):
                with self.db.write() as s:
                    audit.record(s, self.actor, "contact.read", "quarantine", quarantine_id)
            return record

    def quarantine_count(self) -> int:
        """How many items wait in the quarantine (pending: not retried, not discarded)."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "intake.list", "quarantine"):
            with self.db.read() as s:
                return s.scalar(select(func.count()).select_from(QuarantineItem)
                                .where(QuarantineItem.status == "pending")) or 0

    def retry(self, quarantine_id: int, fixed: Mapping | None = None) -> IntakeResult:
        """Try a quarantined item again (as fixed by the dispatcher, or as it was).

        A case (or, for a ``staff_position`` item, the position) and the item's status
        ``retried`` are written in ONE transaction: both or neither. A phone in ``fixed``
        that is the masked form of the stored phone keeps the stored phone. When the item
        is refused again, its reason and the edited payload are kept (with the stored
        phones, never the masked ones) and the result says why.

        Raises
        ------
        PermissionDenied
            The actor may not report cases (or, for a position, track staff); a ``denied``
            audit row is written.
        NotFoundError
            No pending item with this id (retried or discarded meanwhile).
        ConflictError
            The database is busy or unreachable; nothing was changed, try again.
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "intake.retry",
                           "quarantine", quarantine_id):
            pass  # the check alone; the write below is one transaction
        with self.db.read() as s:
            item = s.get(QuarantineItem, quarantine_id)
            if item is None or item.status != "pending":
                raise NotFoundError(f"no pending quarantine item {quarantine_id}")
            channel, stored = item.channel, json.loads(item.payload)
        payload = stored if fixed is None else keep_stored_phones(fixed, stored)
        if channel == "staff_position":
            with audit.guarded(self.db, self.actor, Perm.STAFF_TRACK, "intake.retry",
                               "quarantine", quarantine_id):
                pass
        try:
            if not isinstance(payload, Mapping):
                raise ValidationError("the payload is not a JSON object")
            if channel == "staff_position":
                return self._retry_position(quarantine_id, payload)
            return self._retry_case(quarantine_id, channel, payload)
        except ValidationError as exc:
            reason = exc.message
        except (ArithmeticError, ValueError, TypeError) as exc:
            reason = f"cannot be taken in ({type(exc).__name__})"  # a value no check foresaw
        except SQLAlchemyError as exc:
            if is_transient(exc):
                raise ConflictError("the database is busy or unreachable; nothing was "
                                    "changed, try again") from None
            reason = storage_reason(exc)
        self._keep_refused(quarantine_id, payload, reason, stored)
        return IntakeResult(None, quarantine_id, reason)

    def _claim(self, s, quarantine_id: int, **values: object) -> None:  # noqa: ANN001
        """Mark the item retried in the caller's transaction, unless someone else did."""
        done = s.execute(update(QuarantineItem).where(
            QuarantineItem.id == quarantine_id, QuarantineItem.status == "pending")
            .values(status="retried", **values)).rowcount
        if done != 1:
            raise NotFoundError(f"no pending quarantine item {quarantine_id}")
        audit.record(s, self.actor, "intake.retry", "quarantine", quarantine_id)

    def _retry_case(self, quarantine_id: int, channel: str, payload: Mapping) -> IntakeResult:
        adapter = self.adapters.get(channel)
        if adapter is None:
            raise ValidationError(f"no intake adapter for channel {channel!r}")
        new = adapter(payload)
        values = _validated(new, self.catalogue, self.cases.calendar)
        if new.intake_key and (done := self.cases.stored_keys([new.intake_key])):
            raise ValidationError(f"this alert is case {done[new.intake_key]} already (a "
                                  "redelivery): nothing to retry, discard the item")
        dups = self.duplicates_of(new)
        with self.db.write() as s:
            (case_id,) = self.cases._insert(s, [values])
            audit.record(s, self.actor, "case.report", "case", values["number"])
            self._claim(s, quarantine_id, case_id=case_id)
        return IntakeResult(case_id, None, duplicates=dups)

    def _retry_position(self, quarantine_id: int, payload: Mapping) -> IntakeResult:
        staff_id = payload.get("staff_id")
        if staff_id is None:  # items kept before the id was stored: it is in the topic
            parts = str(payload.get("topic", "")).split("/")
            staff_id = parts[-2] if len(parts) >= 2 else None
        fix = parse_fix(staff_id, payload, now=self.now(), extent=city_extent(self.db))
        staff = StaffService(self.db, self.actor, now=self.now)
        with self.db.write() as s:
            try:
                staff.apply_positions(s, [fix])
            except NotFoundError as exc:  # the staff id: the item's fault, not a lost item
                raise ValidationError(exc.message) from None
            self._claim(s, quarantine_id)
        return IntakeResult(None, None, staff_id=fix.staff_id)

    def _keep_refused(self, quarantine_id: int, payload: object, reason: str,
                      stored: object) -> None:
        """Keep the new reason and the payload as edited (a payload the database refuses
        to store keeps the stored one)."""
        values = {"reason": _text(reason), "payload": payload_text(payload)}
        for attempt in (values, {"reason": _text(reason), "payload": payload_text(stored)}):
            try:
                with self.db.write() as s:
                    s.execute(update(QuarantineItem).where(
                        QuarantineItem.id == quarantine_id,
                        QuarantineItem.status == "pending").values(**attempt))
                return
            except SQLAlchemyError as exc:
                if is_transient(exc):
                    raise ConflictError("the database is busy or unreachable; the item is "
                                        "unchanged, try again") from None
                log.warning("quarantine item %d: the edited payload cannot be stored (%s)",
                            quarantine_id, type(exc).__name__)

    def discard(self, quarantine_id: int, reason: str) -> None:
        if not reason.strip():
            raise ValidationError("say why the item is discarded")
        with audit.guarded(self.db, self.actor, Perm.CASE_DISPATCH, "intake.discard",
                           "quarantine", quarantine_id):
            with self.db.write() as s:
                item = s.get(QuarantineItem, quarantine_id)
                if item is None or item.status != "pending":
                    raise NotFoundError(f"no pending quarantine item {quarantine_id}")
                item.status = "discarded"
                item.reason = f"{item.reason} | discarded: {reason.strip()}"
                audit.record(s, self.actor, "intake.discard", "quarantine", quarantine_id,
                             detail=reason)

    def duplicates_of(self, new: NewCase) -> tuple[int, ...]:
        """Open cases of the same subcategory within the subcategory's distance and time
        window (``DUPLICATE_WINDOWS``), nearest first."""
        metres, hours = DUPLICATE_WINDOWS.get(new.subcategory, DUPLICATE_DEFAULT)
        when = new.reported_at or utcnow()
        box = metres / 100_000  # degrees, generous: refined by the geodesic distance
        with self.db.read() as s:
            rows = s.execute(select(Case.id, Case.lon, Case.lat).where(
                Case.subcategory == new.subcategory, Case.status.in_(OPEN),
                Case.reported_at >= when - dt.timedelta(hours=hours),
                Case.reported_at <= when + dt.timedelta(hours=hours),
                Case.lon.between(new.lon - box * 1.2, new.lon + box * 1.2),
                Case.lat.between(new.lat - box, new.lat + box))).all()
        if not rows:
            return ()
        ids = np.array([r[0] for r in rows])
        d = geodesic_distance_m(np.full(len(rows), new.lon), np.full(len(rows), new.lat),
                                np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
        near = d <= metres
        return tuple(int(i) for i in ids[near][np.argsort(d[near])])


__all__ = ["IntakeResult", "IntakeService", "suggest_subcategory"]
