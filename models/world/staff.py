"""The staff service: reading staff (contacts masked by role), positions and duty status."""

from __future__ import annotations

import builtins
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sqlalchemy import String, Table, and_, bindparam, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from models.core.auth import Actor, Perm, mask_phone
from models.core.errors import NotFoundError, ValidationError
from models.core.limits import MAX_CLOCK_SKEW, MAX_ID, CityExtent, check_number, check_time, short
from models.core.records import StaffChanges, StaffRecord
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import DutyStatus, Staff, StaffRole, StaffTrack, utcnow

# the track keeps a fix when the person moved this far, or this long after the last kept one
TRACK_METRES = 25.0
TRACK_SECONDS = 60.0


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres, equirectangular (exact enough for tens of metres)."""
    k = 111_320.0
    return math.hypot((lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2)),
                      (lat2 - lat1) * k)


@dataclass(frozen=True, slots=True)
class PositionFix:
    """One position report of one staff member (from the app, MQTT or the simulator)."""

    staff_id: int
    lon: float
    lat: float
    at: dt.datetime


_STAFF_ID = re.compile(r"[0-9]{1,10}")


def parse_fix(staff_id: object, payload: Mapping, *, now: dt.datetime,
              extent: CityExtent | None = None) -> PositionFix:
    """A position as a feed sends it (``{"lon": .., "lat": .., "time": ISO 8601}``), range
    checked: a staff id of 1 to :data:`~models.core.limits.MAX_ID`, finite coordinates
    inside the city's ``extent`` (when known), a time neither before the city existed nor
    in the future (``now`` when absent).

    Raises
    ------
    ValidationError
        Naming the staff id and what is wrong.

    Examples
    --------
    >>> now = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
    >>> parse_fix("7", {"lon": 112.98, "lat": 28.19, "time": "2026-11-28T10:00:00Z"},
    ...           now=now).staff_id
    7
    >>> parse_fix("7", {"lon": -74.0, "lat": 40.7}, now=now,
    ...           extent=CityExtent(112.8, 28.0, 113.2, 28.4))
    Traceback (most recent call last):
    ...
    models.core.errors.ValidationError: staff 7: position (-74.0, 40.7) is outside the city
    """
    text = str(staff_id) if isinstance(staff_id, (int, str)) and not isinstance(
        staff_id, bool) else ""
    if not _STAFF_ID.fullmatch(text) or not 0 < int(text) <= MAX_ID:
        raise ValidationError(f"bad staff id {short(staff_id)} (a number from 1 to {MAX_ID})",
                              field="staff_id")
    sid = int(text)
    try:
        lon, lat = check_number(payload, "lon"), check_number(payload, "lat")
        at = check_time(payload["time"], "time", now) if payload.get("time") not in (
            None, "") else now
    except ValidationError as exc:
        raise ValidationError(f"staff {sid}: {exc.message}",
                              field=exc.details.get("field")) from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(f"staff {sid}: position ({lon}, {lat}) is not a valid "
                              "longitude/latitude", field="lon")
    if extent is not None and not extent.contains(lon, lat):
        raise ValidationError(f"staff {sid}: position ({lon}, {lat}) is outside the city",
                              field="lon")
    return PositionFix(sid, lon, lat, at)


@dataclass(frozen=True)
class StaffPositions:
    """Last known positions of active staff, as columns (for the map)."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    roles: tuple[str, ...]
    on_duty: np.ndarray
    duty: tuple[str, ...] = ()
    home_grid: tuple[int | None, ...] = ()
    unit: tuple[int | None, ...] = ()


class StaffService:
    """Staff as seen and changed by one acting user."""

    def __init__(self, db: Database, actor: Actor, *,
                 now: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.actor = db, actor
        self.now = now  # a stored fix later than now (beyond the skew) is not trusted

    def _record(self, st: Staff) -> StaffRecord:
        phone = st.phone if self.actor.can(Perm.CONTACT_READ) else mask_phone(st.phone)
        return StaffRecord(st.id, st.code, st.name, phone, st.role.value, st.unit_id,
                           st.home_grid_id, st.department_id, st.duty_status.value,
                           st.last_lon, st.last_lat, st.last_seen_at)

    def get(self, staff_id: int) -> StaffRecord:
        with audit.guarded(self.db, self.actor, Perm.STAFF_READ, "staff.read", "staff", staff_id):
            with self.db.read() as s:
                st = s.get(Staff, staff_id)
                if st is None:
                    raise NotFoundError(f"no staff member with id {staff_id}")
                return self._record(st)

    def list(self, *, roles: Sequence[str] | None = None, grid_id: int | None = None,
             unit_id: int | None = None) -> list[StaffRecord]:
        """Active staff, filtered by role, home grid or unit."""
        with audit.guarded(self.db, self.actor, Perm.STAFF_READ, "staff.list", "staff"):
            q = select(Staff).where(Staff.active.is_(True)).order_by(Staff.id)
            if roles:
                q = q.where(Staff.role.in_([StaffRole(r) for r in roles]))
            if grid_id is not None:
                q = q.where(Staff.home_grid_id == grid_id)
            if unit_id is not None:
                q = q.where(Staff.unit_id == unit_id)
            with self.db.read() as s:
                return [self._record(st) for st in s.scalars(q)]

    def positions(self) -> StaffPositions:
        """Every active staff member with a known position (one bulk read)."""
        with audit.guarded(self.db, self.actor, Perm.STAFF_READ, "staff.positions", "staff"):
            # the role and duty as the stored strings (their values): 10,000 enum
            # conversions cost as much as the read
            q = (select(Staff.id, Staff.last_lon, Staff.last_lat,
                        type_coerce(Staff.role, String), type_coerce(Staff.duty_status, String),
                        Staff.home_grid_id, Staff.unit_id)
                 .where(Staff.active.is_(True), Staff.last_lon.is_not(None))
                 .order_by(Staff.id))
            with self.db.read() as s:
                # Core rows: the ORM's row machinery costs more than the read of 10,000
                rows = s.connection().execute(q).all()
        on = {DutyStatus.ON_DUTY.value, DutyStatus.BUSY.value}
        ids, lon, lat, roles, duty, home, unit = zip(*rows, strict=True) if rows else \
            ((),) * 7
        return StaffPositions(
            ids=np.array(ids, dtype=np.int64), lon=np.array(lon, dtype=float),
            lat=np.array(lat, dtype=float), roles=tuple(roles),
            on_duty=np.array([d in on for d in duty], dtype=bool),
            duty=tuple(duty), home_grid=tuple(home), unit=tuple(unit))

    def count_on_duty(self) -> int:
        with audit.guarded(self.db, self.actor, Perm.STAFF_READ, "staff.count", "staff"):
            with self.db.read() as s:
                return s.scalar(select(func.count()).select_from(Staff).where(
                    Staff.duty_status.in_([DutyStatus.ON_DUTY, DutyStatus.BUSY]),
                    Staff.active.is_(True))) or 0

    def update_positions(self, fixes: Sequence[PositionFix]) -> StaffChanges:
        """Apply a batch of position fixes in one transaction (all or nothing).

        A fix older than the stored one is ignored (feeds may deliver out of order), unless
        the stored one lies in the future (beyond the clock skew): a wrong clock must not
        pin a person to one place. The track keeps a fix when the person moved
        :data:`TRACK_METRES` from the last KEPT fix, or :data:`TRACK_SECONDS` passed since it.
        """
        with audit.guarded(self.db, self.actor, Perm.STAFF_TRACK, "staff.position", "staff"):
            with self.db.write() as s:
                changed = self.apply_positions(s, fixes)
        return StaffChanges("position", tuple(changed), self.actor.name, ("lon", "lat"))

    def apply_positions(self, s: Session, fixes: Sequence[PositionFix]
                        ) -> builtins.list[int]:
        """:meth:`update_positions` inside the caller's transaction (the caller checked the
        permission); returns the ids of the staff whose position changed."""
        for f in fixes:
            if not (math.isfinite(f.lon) and math.isfinite(f.lat)
                    and -180 <= f.lon <= 180 and -90 <= f.lat <= 90):
                raise ValidationError(f"staff {f.staff_id}: position ({f.lon}, {f.lat}) "
                                      "is not a valid longitude/latitude")
            if f.at.tzinfo is None:
                raise ValidationError(f"staff {f.staff_id}: fix time has no time zone")
        # the newest fix of each person in the batch
        newest: dict[int, PositionFix] = {}
        for f in fixes:
            if f.staff_id not in newest or newest[f.staff_id].at < f.at:
                newest[f.staff_id] = f
        ids = sorted(newest)
        changed: list[int] = []
        trusted_until = self.now() + MAX_CLOCK_SKEW
        stored: dict[int, Sequence[Any]] = {}  # id -> (last_seen_at, tracked_at, lon, lat)
        kept: dict[int, tuple[float, float]] = {}
        for k in range(0, len(ids), 5000):
            chunk = ids[k:k + 5000]
            stored.update((r[0], r[1:]) for r in s.execute(
                select(Staff.id, Staff.last_seen_at, Staff.tracked_at, Staff.last_lon,
                       Staff.last_lat).where(Staff.id.in_(chunk))))
            # the last kept fix of each: the track row at tracked_at (the newest if two)
            kept.update((r[0], (r[1], r[2])) for r in s.execute(
                select(StaffTrack.staff_id, StaffTrack.lon, StaffTrack.lat)
                .join(Staff, and_(Staff.id == StaffTrack.staff_id,
                                  Staff.tracked_at == StaffTrack.at))
                .where(StaffTrack.staff_id.in_(chunk)).order_by(StaffTrack.id)))
        missing = [i for i in ids if i not in stored]
        if missing:
            raise NotFoundError(f"no staff member with id {missing[0]}"
                                + (f" (and {len(missing) - 1} more)"
                                   if len(missing) > 1 else ""))
        rows, track = [], []
        for i in ids:
            f, (seen, tracked, _lon, _lat) = newest[i], stored[i]
            if seen is not None and seen > f.at and seen <= trusted_until:
                continue  # an older fix than the stored one: feeds reorder
            if tracked is not None and tracked > trusted_until:
                tracked = None  # a kept fix from a wrong clock: start the track afresh
            base = kept.get(i) if tracked is not None else None
            moved = base is None or _metres(base[0], base[1], f.lon, f.lat) >= TRACK_METRES
            due = tracked is None or abs((f.at - tracked).total_seconds()) >= TRACK_SECONDS
            keep = moved or due
            rows.append({"b_id": i, "b_lon": f.lon, "b_lat": f.lat, "b_at": f.at,
                         "b_tracked": f.at if keep else tracked})
            if keep:
                track.append({"staff_id": i, "at": f.at, "lon": f.lon, "lat": f.lat})
            changed.append(i)
        if rows:
            t = cast(Table, Staff.__table__)  # a declarative class maps one Table
            s.execute(update(t).where(t.c.id == bindparam("b_id")).values(
                last_lon=bindparam("b_lon"), last_lat=bindparam("b_lat"),
                last_seen_at=bindparam("b_at"), tracked_at=bindparam("b_tracked")),
                rows)
        if track:
            s.execute(insert(StaffTrack), track)
        audit.record(s, self.actor, "staff.position", "staff", f"{len(changed)} fixes")
        return changed

    def set_duty(self, staff_id: int, status: str) -> StaffChanges:
        """Set one staff member's duty status."""
        with audit.guarded(self.db, self.actor, Perm.STAFF_TRACK, "staff.duty", "staff",
                           staff_id):
            try:
                duty = DutyStatus(status)
            except ValueError:
                raise ValidationError(f"unknown duty status {status!r}") from None
            with self.db.write() as s:
                st = s.get(Staff, staff_id)
                if st is None:
                    raise NotFoundError(f"no staff member with id {staff_id}")
                st.duty_status = duty
                audit.record(s, self.actor, "staff.duty", "staff", st.code, detail=duty.value)
        return StaffChanges("duty", (staff_id,), self.actor.name, ("duty_status",))


def last_fix_at(db: Database) -> dt.datetime | None:
    """When the newest stored position was taken (any staff member): a seat asks this every
    few seconds and reads the positions again only when it moved on. Names nobody, so
    it is not audited (the positions themselves are, :meth:`StaffService.positions`)."""
    with db.read() as s:
        return s.scalar(select(func.max(Staff.tracked_at)))
