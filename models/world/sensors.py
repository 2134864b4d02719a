"""The IoT sensor registry: each sensor's position, grid and the subcategory its alerts raise.

An alert from an unregistered sensor is quarantined (:mod:`models.intake.mqtt`), so a sensor is
registered before it reports: from a JSON file (``main.py register-sensors FILE``) or by the
demo city build (a few hundred smoke, gas, water-level, manhole and noise sensors).

A running feed reads the registry through :class:`SensorRegistry`, which reads it again
every :data:`REGISTRY_TTL_S` seconds (and sooner when an unknown id reports), so a moved,
new or deactivated sensor takes effect without a restart.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from models.core.auth import Actor, Perm
from models.core.catalogue import Catalogue, load_catalogue
from models.core.errors import ValidationError
from models.core.intakekey import alert_key
from models.core.limits import MAX_KIND_CHARS, check_number, check_time, short
from models.core.records import NewCase
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import Sensor as SensorRow
from models.storage.schema import utcnow

# how old the registry a feed holds may get before it is read again (seconds): a moved or
# deactivated sensor takes effect within this time
REGISTRY_TTL_S = 30.0
# an unknown id reads the registry again, but not more often than this (a flood of alerts
# from unregistered ids must not become a flood of reads)
REGISTRY_MIN_INTERVAL_S = 5.0

# what each kind of sensor raises (the catalogue's subcategory)
KINDS: dict[str, str] = {"smoke": "M01", "gas": "M02", "water_level": "M03",
                         "manhole": "C04", "noise": "E02"}


@dataclass(frozen=True, slots=True)
class Sensor:
    """A registered sensor."""

    sensor_id: str
    lon: float
    lat: float
    subcategory: str
    name: str = ""
    kind: str = ""
    grid_id: int | None = None


def parse_sensors(items: Iterable[Mapping], catalogue: Catalogue | None = None) -> list[Sensor]:
    """Validate sensor entries (``id``, ``kind``, ``lon``, ``lat``, optional ``subcategory``
    and ``name``); every problem is reported at once, naming the entry."""
    catalogue = catalogue or load_catalogue()
    out, problems, seen = [], [], set()
    for n, item in enumerate(items):
        try:
            if not isinstance(item, Mapping):
                raise ValidationError("not an object")
            sid = str(item.get("id", "")).strip()
            if not sid or len(sid) > 40 or "/" in sid or "+" in sid or "#" in sid:
                raise ValidationError(f"bad id {sid!r} (1-40 characters, no / + #)")
            if sid in seen:
                raise ValidationError(f"id {sid!r} appears twice")
            kind = str(item.get("kind", ""))
            sub = str(item.get("subcategory") or KINDS.get(kind, ""))
            if not sub:
                raise ValidationError(f"unknown kind {kind!r} and no subcategory; kinds: "
                                      + ", ".join(KINDS))
            catalogue.subcategory(sub)
            lon, lat = float(item.get("lon")), float(item.get("lat"))  # type: ignore[arg-type]
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
                    and -90 <= lat <= 90):
                raise ValidationError(f"position ({lon}, {lat}) is not a longitude/latitude")
            seen.add(sid)
            out.append(Sensor(sid, lon, lat, sub, str(item.get("name", ""))[:60], kind))
        except (TypeError, ValueError) as exc:
            problems.append((n, f"entry {n + 1}: lon and lat must be numbers ({exc})"))
        except ValidationError as exc:
            problems.append((n, f"entry {n + 1}: {exc.message}"))
    if problems:
        raise ValidationError(f"{len(problems)} of {n + 1} sensor entries are invalid; "
                              "nothing was registered: "
                              + "; ".join(p for _, p in problems[:10]), problems=problems)
    return out


class SensorService:
    """Registering and listing sensors, as one acting user."""

    def __init__(self, db: Database, actor: Actor, *, locate=None) -> None:  # noqa: ANN001
        self.db, self.actor, self.locate = db, actor, locate

    def register(self, sensors: list[Sensor]) -> int:
        """Register (or re-register: same id, new place) sensors, all or nothing."""
        with audit.guarded(self.db, self.actor, Perm.GRID_WRITE, "sensor.register", "sensor"):
            with self.db.write() as s:
                ids = [x.sensor_id for x in sensors]
                for k in range(0, len(ids), 500):
                    s.execute(delete(SensorRow).where(SensorRow.id.in_(ids[k:k + 500])))
                s.add_all(SensorRow(id=x.sensor_id, kind=x.kind or "other",
                                    subcategory=x.subcategory, name=x.name, lon=x.lon,
                                    lat=x.lat, active=True,
                                    grid_id=self.locate(x.lon, x.lat) if self.locate
                                    else x.grid_id) for x in sensors)
                audit.record(s, self.actor, "sensor.register", "sensor",
                             f"{len(sensors)} sensors")
        return len(sensors)

    def register_file(self, path: Path) -> int:
        try:
            items = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ValidationError(f"{path}: cannot read sensors ({exc})") from None
        if not isinstance(items, list):
            raise ValidationError(f"{path}: expected a JSON list of sensors")
        return self.register(parse_sensors(items))

    def deactivate(self, sensor_ids: Iterable[str]) -> int:
        """Take sensors out of service: their alerts are quarantined from now on (a running
        feed notices within :data:`REGISTRY_TTL_S`). Returns how many were active."""
        ids = sorted(set(sensor_ids))
        with audit.guarded(self.db, self.actor, Perm.GRID_WRITE, "sensor.deactivate",
                           "sensor"):
            with self.db.write() as s:
                n = 0
                for k in range(0, len(ids), 500):
                    done = cast("CursorResult[Any]", s.execute(  # an UPDATE's: a cursor result
                        update(SensorRow).where(SensorRow.id.in_(ids[k:k + 500]),
                                                SensorRow.active.is_(True))
                        .values(active=False)))
                    n += done.rowcount
                audit.record(s, self.actor, "sensor.deactivate", "sensor", f"{n} sensors")
        return n

    def registry(self) -> dict[str, Sensor]:
        """Active sensors by id."""
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "sensor.list", "sensor"):
            with self.db.read() as s:
                rows = s.scalars(select(SensorRow).where(SensorRow.active.is_(True)))
                return {r.id: Sensor(r.id, r.lon, r.lat, r.subcategory, r.name, r.kind,
                                     r.grid_id) for r in rows}


class SensorRegistry:
    """The active sensors as a running feed sees them: read from the database, and read
    again when older than ``ttl`` seconds, or when an unknown id reports and the last read
    is older than ``min_interval`` seconds.

    ``clock`` is a monotonic clock in seconds (injectable, so a test need not wait).
    """

    def __init__(self, db: Database, actor: Actor, *, ttl: float = REGISTRY_TTL_S,
                 min_interval: float = REGISTRY_MIN_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._service = SensorService(db, actor)
        self.ttl, self.min_interval, self._clock = ttl, min_interval, clock
        self._sensors: dict[str, Sensor] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()  # the feed's worker and a retry may ask at once

    def get(self, sensor_id: str) -> Sensor | None:
        """The active sensor with this id, or None."""
        with self._lock:
            age = self._clock() - self._read_at
            if (self._sensors is None or age >= self.ttl
                    or (sensor_id not in self._sensors and age >= self.min_interval)):
                self._sensors = self._service.registry()
                self._read_at = self._clock()
            return self._sensors.get(sensor_id)

    __call__ = get


def iot_adapter(registry: Mapping[str, Sensor] | Callable[[str], Sensor | None], *,
                now: Callable[[], dt.datetime] = utcnow) -> Callable[[Mapping], NewCase]:
    """The IoT channel's adapter: a registered sensor's alert becomes a case at its place.

    ``registry`` maps sensor ids to sensors (or is a lookup function such as a
    :class:`SensorRegistry`). The alert's ``kind`` is a short text (default ``alert``), its
    ``value`` a finite number if given, its ``time`` within the range
    :func:`models.core.limits.check_time` allows (``now`` when absent). The case carries
    the alert's idempotency key (:func:`models.core.intakekey.alert_key`: sensor, kind and
    time, or the payload's hash when it has no time), so a redelivery is no second case.
    """
    lookup = registry.get if isinstance(registry, Mapping) else registry

    def adapt(p: Mapping) -> NewCase:
        sid = p.get("sensor_id", "")
        if not isinstance(sid, str) or not 0 < len(sid) <= 40:
            raise ValidationError(f"bad sensor id {short(sid)} (1-40 characters)",
                                  field="sensor_id")
        sensor = lookup(sid)
        if sensor is None:
            raise ValidationError(f"unregistered sensor {short(sid)}", field="sensor_id")
        kind = p.get("kind", "alert")
        if (not isinstance(kind, str) or not 0 < len(kind) <= MAX_KIND_CHARS
                or any(unicodedata.category(c)[0] == "C" for c in kind)):
            raise ValidationError(f"kind must be a text of 1-{MAX_KIND_CHARS} printable "
                                  f"characters, got {short(kind)}", field="kind")
        value = None if p.get("value") is None else check_number(p, "value")
        when = check_time(p["time"], "time", now()) if p.get("time") not in (None, "") \
            else None
        return NewCase(channel="iot", subcategory=sensor.subcategory, lon=sensor.lon,
                       lat=sensor.lat, title=f"{sensor.name or sensor.sensor_id}: {kind}",
                       description=f"sensor {sensor.sensor_id} reports {kind} "
                                   f"(value {value})",
                       reported_at=when, intake_key=alert_key(sid, kind, when, p))
    return adapt


__all__ = ["KINDS", "REGISTRY_MIN_INTERVAL_S", "REGISTRY_TTL_S", "Sensor", "SensorRegistry",
           "SensorService", "iot_adapter", "parse_sensors"]
