"""One intake service for every channel; each channel an adapter that validates what comes in.

An item that cannot become a case is kept in the quarantine with its reason, where a
dispatcher can inspect it, fix it and retry it: nothing that arrives is dropped silently.
A new case that looks like an open one (same subcategory, near, recent) is reported with
the likely duplicates, so the console can offer a merge.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, update

from models import audit
from models.auth import Actor, Perm
from models.cases import CaseService, GridLocator, NewCase
from models.catalogue import Catalogue, load_catalogue
from models.db import Database
from models.errors import NotFoundError, ValidationError
from models.geo import geodesic_distance_m
from models.schema import Case, CaseStatus, QuarantineItem, utcnow

OPEN = [CaseStatus.REPORTED, CaseStatus.ACCEPTED, CaseStatus.DISPATCHED, CaseStatus.HANDLING,
        CaseStatus.VERIFYING, CaseStatus.SUSPENDED]
DUPLICATE_DEFAULT = (200.0, 24.0)  # metres, hours
DUPLICATE_WINDOWS: dict[str, tuple[float, float]] = {
    # a fire or a gas leak: many calls about one incident, close in time and space
    "M01": (500.0, 6.0), "M02": (300.0, 6.0), "M03": (800.0, 12.0),
    # a street light or a manhole: the same object, reported for days
    "C04": (50.0, 72.0), "C08": (50.0, 72.0),
}

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
    value = payload.get(key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{key} must be a number, got {value!r}", field=key) from None
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
        raise ValidationError(f"{key} is not an ISO 8601 time: {value!r}", field=key) from None
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
                   reported_at=_time(p, "reported_at"))


def snap_case(p: Mapping) -> NewCase:
    """A snap report from a phone (JSON; photos are attached separately)."""
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
                 adapters: Mapping[str, Callable[[Mapping], NewCase]] | None = None) -> None:
        self.db, self.actor = db, actor
        self.catalogue = catalogue or load_catalogue()
        self.cases = CaseService(db, actor, locate=locate, catalogue=self.catalogue)
        self.adapters = dict(ADAPTERS if adapters is None else adapters)

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

    def _quarantine(self, channel: str, payload: Mapping, reason: str, source: str) -> int:
        with audit.guarded(self.db, self.actor, Perm.CASE_REPORT, "intake.quarantine",
                           "quarantine"):
            with self.db.write() as s:
                item = QuarantineItem(channel=channel, received_at=utcnow(),
                                      payload=json.dumps(payload, ensure_ascii=False,
                                                         default=str),
                                      reason=reason, status="pending", source=source[:300])
                s.add(item)
                s.flush()
                audit.record(s, self.actor, "intake.quarantine", "quarantine", item.id,
                             detail=reason)
                return item.id

    def quarantine(self, status: str = "pending") -> list[tuple[int, str, str, dict]]:
        """(id, channel, reason, payload) of the items in the quarantine."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "intake.list", "quarantine"):
            with self.db.read() as s:
                rows = s.scalars(select(QuarantineItem).where(QuarantineItem.status == status)
                                 .order_by(QuarantineItem.id))
                return [(q.id, q.channel, q.reason, json.loads(q.payload)) for q in rows]

    def retry(self, quarantine_id: int, fixed: Mapping | None = None) -> IntakeResult:
        """Try a quarantined item again (as fixed by the dispatcher, or as it was)."""
        with self.db.read() as s:
            item = s.get(QuarantineItem, quarantine_id)
            if item is None or item.status != "pending":
                raise NotFoundError(f"no pending quarantine item {quarantine_id}")
            channel, payload = item.channel, json.loads(item.payload)
        adapter = self.adapters.get(channel)
        try:
            if adapter is None:
                raise ValidationError(f"no intake adapter for channel {channel!r}")
            new = adapter(fixed if fixed is not None else payload)
            dups = self.duplicates_of(new)
            case_id = self.cases.report(new).case_ids[0]
        except ValidationError as exc:
            with self.db.write() as s:
                s.execute(update(QuarantineItem).where(QuarantineItem.id == quarantine_id)
                          .values(reason=exc.message,
                                  payload=json.dumps(fixed if fixed is not None else payload,
                                                     ensure_ascii=False, default=str)))
            return IntakeResult(None, quarantine_id, exc.message)
        with self.db.write() as s:
            s.execute(update(QuarantineItem).where(QuarantineItem.id == quarantine_id)
                      .values(status="retried", case_id=case_id))
            audit.record(s, self.actor, "intake.retry", "quarantine", quarantine_id)
        return IntakeResult(case_id, None, duplicates=dups)

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


__all__ = ["IntakeService", "IntakeResult", "suggest_subcategory"]
