"""The IoT sensor registry: each sensor's position, grid and the subcategory its alerts raise.

An alert from an unregistered sensor is quarantined (:mod:`models.feeds`), so a sensor is
registered before it reports: from a JSON file (``main.py register-sensors FILE``) or by the
demo city build (a few hundred smoke, gas, water-level, manhole and noise sensors).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from models import audit
from models.auth import Actor, Perm
from models.catalogue import Catalogue, load_catalogue
from models.db import Database
from models.errors import ValidationError
from models.schema import Sensor as SensorRow

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

    def registry(self) -> dict[str, Sensor]:
        """Active sensors by id."""
        with audit.guarded(self.db, self.actor, Perm.GRID_READ, "sensor.list", "sensor"):
            with self.db.read() as s:
                rows = s.scalars(select(SensorRow).where(SensorRow.active.is_(True)))
                return {r.id: Sensor(r.id, r.lon, r.lat, r.subcategory, r.name, r.kind,
                                     r.grid_id) for r in rows}


__all__ = ["KINDS", "Sensor", "SensorService", "parse_sensors"]
