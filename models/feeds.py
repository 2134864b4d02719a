"""Live feeds over MQTT: IoT sensor alerts become cases, staff positions move staff.

Topics (``PREFIX`` defaults to ``citygrid``; payloads are UTF-8 JSON):

* ``PREFIX/iot/<sensor id>/alert``: ``{"kind": "smoke", "value": 0.8, "time": ISO 8601}``;
  the sensor must be registered (position, grid and the subcategory its alerts raise);
* ``PREFIX/staff/<staff id>/position``: ``{"lon": 112.98, "lat": 28.19, "time": ISO 8601}``.

Anything that does not parse or validate goes to the intake quarantine with its reason;
alerts and positions are applied in batches (one transaction per batch, a few per second).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Mapping

import paho.mqtt.client as mqtt

from models.auth import Actor, SystemRole
from models.cases import NewCase
from models.db import Database
from models.errors import CityGridError, ValidationError
from models.intake import IntakeService, _num, _time
from models.sensors import Sensor, SensorService
from models.staff import PositionFix, StaffService

log = logging.getLogger(__name__)


def iot_adapter(registry: Mapping[str, Sensor] | Callable[[str], Sensor | None]):  # noqa: ANN201
    """The IoT channel's adapter: a registered sensor's alert becomes a case at its place.
    ``registry`` maps sensor ids to sensors (or is a lookup function)."""
    lookup = registry if callable(registry) else registry.get

    def adapt(p: Mapping) -> NewCase:
        sensor = lookup(str(p.get("sensor_id", "")))
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
    """Subscribes to the feeds on a broker and hands them to the services.

    The network thread only parses and queues; a worker thread applies what arrived every
    ``interval`` seconds (or as soon as ``batch_size`` items wait): the alerts of a burst in
    one intake transaction, the positions in one staff transaction. ``backlog`` is what was
    received and not yet applied.
    """

    def __init__(self, db: Database, *, host: str = "127.0.0.1", port: int = 1883,
                 prefix: str = "citygrid", sensors: Mapping[str, Sensor] | None = None,
                 locate=None, batch_size: int = 2000, interval: float = 0.25) -> None:  # noqa: ANN001
        self.prefix = prefix.rstrip("/")
        self.actor = Actor.system("mqtt", SystemRole.FEED)
        # the registry: given, or the database's (read again when an unknown id reports, at
        # most once a minute, so a newly registered sensor is picked up without a restart)
        self._sensors = dict(sensors) if sensors is not None else None
        self._sensors_read = 0.0
        self._db = db
        adapters = {"iot": iot_adapter(self._sensor)}
        self.intake = IntakeService(db, self.actor, locate=locate, adapters=adapters)
        self.staff = StaffService(db, self.actor)
        self.batch_size = batch_size
        self.interval = interval
        self._fixes: list[tuple[PositionFix, str]] = []
        self._alerts: list[tuple[dict, str]] = []
        self._bad: list[tuple[str, dict, str, str]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.received = 0
        self.processed = 0
        self.cases_created: list[int] = []
        self.quarantined: list[int] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"citygrid-{id(self):x}")
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self.host, self.port = host, port

    @property
    def backlog(self) -> int:
        """Items received and not yet applied."""
        return self.received - self.processed

    def _sensor(self, sensor_id: str) -> Sensor | None:
        import time

        if self._sensors is None or (sensor_id not in self._sensors and self._sensors_read
                                     and time.monotonic() - self._sensors_read > 60):
            self._sensors = SensorService(self._db, self.actor).registry()
            self._sensors_read = time.monotonic()
        return self._sensors.get(sensor_id)

    def start(self) -> None:
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="mqtt-feeds", daemon=True)
        self._worker.start()
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect, then apply what was received (nothing received is lost)."""
        self.client.loop_stop()
        self.client.disconnect()
        self._stopping.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(30)
        self.flush()

    def _work(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - the feed must survive; the log says why
                log.exception("applying the feeds failed; will retry")

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # noqa: ANN001
        client.subscribe([(f"{self.prefix}/iot/+/alert", 1),
                          (f"{self.prefix}/staff/+/position", 0)])
        self.connected.set()

    def _on_message(self, client, userdata, msg) -> None:  # noqa: ANN001
        parts = msg.topic.split("/")
        channel = "iot" if "/iot/" in msg.topic else "staff_position"
        item: tuple | None = None
        bad: tuple | None = None
        try:
            payload = json.loads(msg.payload.decode("utf-8"))
            if not isinstance(payload, dict):
                raise ValueError("the payload is not a JSON object")
        except (UnicodeDecodeError, ValueError) as exc:
            bad = (channel, {"topic": msg.topic,
                             "raw": msg.payload[:2000].decode("utf-8", "replace")},
                   f"unreadable payload: {exc}", msg.topic)
        else:
            try:
                if parts[-1] == "alert":
                    item = ("alert", ({**payload, "sensor_id": parts[-2]}, msg.topic))
                elif parts[-1] == "position":
                    item = ("fix", (PositionFix(
                        int(parts[-2]), _num(payload, "lon"), _num(payload, "lat"),
                        _time(payload, "time") or dt.datetime.now(dt.UTC)), msg.topic))
            except (CityGridError, ValueError) as exc:  # a bad position: keep it with why
                bad = (channel, {"topic": msg.topic, **payload}, str(exc), msg.topic)
        with self._lock:
            self.received += 1
            if bad is not None:
                self._bad.append(bad)
            elif item is not None and item[0] == "alert":
                self._alerts.append(item[1])
            elif item is not None:
                self._fixes.append(item[1])
            else:
                self.processed += 1  # a topic we do not handle
            full = len(self._alerts) + len(self._fixes) >= self.batch_size
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Apply everything queued now (alerts, positions, bad items); returns the count."""
        with self._flush_lock:
            with self._lock:
                alerts, self._alerts = self._alerts, []
                fixes, self._fixes = self._fixes, []
                bad, self._bad = self._bad, []
            done = 0
            for channel, payload, reason, topic in bad:
                self.quarantined.append(self.intake._quarantine(channel, payload, reason,
                                                                topic))
                done += 1
            if alerts:
                results = self.intake.submit_many("iot", [a for a, _ in alerts],
                                                  source=f"{self.prefix}/iot")
                for r in results:
                    if r.case_id is not None:
                        self.cases_created.append(r.case_id)
                    else:
                        self.quarantined.append(r.quarantine_id)
                done += len(alerts)
            if fixes:
                self._apply_fixes(fixes)
                done += len(fixes)
            with self._lock:
                self.processed += done
            return done

    flush_positions = flush

    def _apply_fixes(self, fixes: list[tuple[PositionFix, str]]) -> None:
        try:
            self.staff.update_positions([f for f, _ in fixes])
            return
        except CityGridError as exc:
            log.warning("position batch refused (%s); applying one by one", exc)
        for fix, topic in fixes:  # the slow path, only when a batch holds a bad fix
            try:
                self.staff.update_positions([fix])
            except CityGridError as exc:
                self.quarantined.append(self.intake._quarantine(
                    "staff_position", {"topic": topic, "lon": fix.lon, "lat": fix.lat,
                                       "time": fix.at.isoformat()}, str(exc), topic))


class MqttPublisher:
    """Publishes as the real sources do (the simulator's side of the feeds): sensor alerts
    and staff positions on the topics :class:`MqttFeeds` subscribes to."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 1883,
                 prefix: str = "citygrid") -> None:
        self.prefix = prefix.rstrip("/")
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=f"citygrid-sim-{id(self):x}")
        self.client.max_queued_messages_set(0)  # no limit: nothing is dropped
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        self.published = 0

    def alert(self, sensor_id: str, kind: str, value: float, at: dt.datetime) -> None:
        self.client.publish(f"{self.prefix}/iot/{sensor_id}/alert", json.dumps(
            {"kind": kind, "value": value, "time": at.isoformat()}), qos=1)
        self.published += 1

    def positions(self, fixes: list[PositionFix]) -> None:
        for f in fixes:
            self.client.publish(f"{self.prefix}/staff/{f.staff_id}/position", json.dumps(
                {"lon": round(f.lon, 7), "lat": round(f.lat, 7), "time": f.at.isoformat()}))
        self.published += len(fixes)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
