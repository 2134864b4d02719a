"""Live feeds over MQTT: IoT sensor alerts become cases, staff positions move staff.

Topics (``PREFIX`` defaults to ``citygrid``; payloads are UTF-8 JSON):

* ``PREFIX/iot/<sensor id>/alert``: ``{"kind": "smoke", "value": 0.8, "time": ISO 8601}``;
  the sensor must be registered (position, grid and the subcategory its alerts raise);
* ``PREFIX/staff/<staff id>/position``: ``{"lon": 112.98, "lat": 28.19, "time": ISO 8601}``.

Anything that does not parse or validate goes to the intake quarantine with its reason;
positions are applied in batches (one transaction per batch).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from models.auth import Actor, SystemRole
from models.cases import NewCase
from models.db import Database
from models.errors import CityGridError, ValidationError
from models.intake import IntakeService, _num, _time
from models.staff import PositionFix, StaffService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sensor:
    sensor_id: str
    lon: float
    lat: float
    subcategory: str
    name: str = ""


def iot_adapter(registry: Mapping[str, Sensor]):  # noqa: ANN201
    """The IoT channel's adapter: a registered sensor's alert becomes a case at its place."""

    def adapt(p: Mapping) -> NewCase:
        sensor = registry.get(str(p.get("sensor_id", "")))
        if sensor is None:
            raise ValidationError(f"unregistered sensor {p.get('sensor_id')!r}")
        kind = str(p.get("kind", "alert"))
        return NewCase(channel="iot", subcategory=sensor.subcategory, lon=sensor.lon,
                       lat=sensor.lat, title=f"{sensor.name or sensor.sensor_id}: {kind}",
                       description=f"sensor {sensor.sensor_id} reports {kind} "
                                   f"(value {p.get('value')})",
                       reported_at=_time(p, "time"))
    return adapt


class MqttFeeds:
    """Subscribes to the feeds on a broker and hands them to the services."""

    def __init__(self, db: Database, *, host: str = "127.0.0.1", port: int = 1883,
                 prefix: str = "citygrid", sensors: Mapping[str, Sensor] | None = None,
                 locate=None, batch_size: int = 500) -> None:  # noqa: ANN001
        self.prefix = prefix.rstrip("/")
        self.actor = Actor.system("mqtt", SystemRole.FEED)
        adapters = {"iot": iot_adapter(sensors or {})}
        self.intake = IntakeService(db, self.actor, locate=locate, adapters=adapters)
        self.staff = StaffService(db, self.actor)
        self.batch_size = batch_size
        self._fixes: list[PositionFix] = []
        self._lock = threading.Lock()
        self.received = 0
        self.cases_created: list[int] = []
        self.quarantined: list[int] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"citygrid-{id(self):x}")
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self.host, self.port = host, port

    def start(self) -> None:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.flush_positions()
        self.client.loop_stop()
        self.client.disconnect()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # noqa: ANN001
        client.subscribe([(f"{self.prefix}/iot/+/alert", 1),
                          (f"{self.prefix}/staff/+/position", 0)])
        self.connected.set()

    def _on_message(self, client, userdata, msg) -> None:  # noqa: ANN001
        self.received += 1
        parts = msg.topic.split("/")
        try:
            payload = json.loads(msg.payload.decode("utf-8"))
            if not isinstance(payload, dict):
                raise ValueError("the payload is not a JSON object")
        except (UnicodeDecodeError, ValueError) as exc:
            channel = "iot" if "/iot/" in msg.topic else "staff_position"
            result = self.intake._quarantine(channel, {"topic": msg.topic,
                                                       "raw": msg.payload[:2000].decode(
                                                           "utf-8", "replace")},
                                             f"unreadable payload: {exc}", msg.topic)
            self.quarantined.append(result)
            return
        try:
            if parts[-1] == "alert":
                result = self.intake.submit("iot", {**payload, "sensor_id": parts[-2]},
                                            source=msg.topic)
                if result.case_id is not None:
                    self.cases_created.append(result.case_id)
                else:
                    self.quarantined.append(result.quarantine_id)
            elif parts[-1] == "position":
                fix = PositionFix(int(parts[-2]), _num(payload, "lon"), _num(payload, "lat"),
                                  _time(payload, "time") or dt.datetime.now(dt.UTC))
                with self._lock:
                    self._fixes.append(fix)
                    full = len(self._fixes) >= self.batch_size
                if full:
                    self.flush_positions()
        except (CityGridError, ValueError) as exc:  # a bad position: keep it with why
            self.quarantined.append(self.intake._quarantine(
                "staff_position", {"topic": msg.topic, **payload}, str(exc), msg.topic))

    def flush_positions(self) -> int:
        """Apply the buffered position fixes in one transaction."""
        with self._lock:
            fixes, self._fixes = self._fixes, []
        if not fixes:
            return 0
        try:
            return len(self.staff.update_positions(fixes).staff_ids)
        except CityGridError as exc:
            log.warning("position batch refused (%s); quarantined", exc)
            self.quarantined.append(self.intake._quarantine(
                "staff_position", {"fixes": [f.__dict__ for f in fixes]}, str(exc), "batch"))
            return 0
