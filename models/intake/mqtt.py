"""Live feeds over MQTT: IoT sensor alerts become cases, staff positions move staff.

Topics (``PREFIX`` defaults to ``citygrid``; payloads are UTF-8 JSON):

* ``PREFIX/iot/<sensor id>/alert``: ``{"kind": "smoke", "value": 0.8, "time": ISO 8601}``;
  the sensor must be registered (position, grid and the subcategory its alerts raise);
* ``PREFIX/staff/<staff id>/position``: ``{"lon": 112.98, "lat": 28.19, "time": ISO 8601}``.

Anything that does not parse or validate goes to the intake quarantine with its reason
(the limits are in :mod:`models.core.limits`); alerts and positions are applied in batches
(one transaction per batch, a few per second).

Nothing received is lost: an item leaves the queue only once the transaction that made it a
case, a position or a quarantine entry has committed, and only then is a QoS 1 message
acknowledged to the broker (manual PUBACK): what a crash or a kill leaves unapplied is
delivered again when the feed reconnects with its session. A batch the database refuses is
applied item by item, and the item it refuses goes to the quarantine with the reason; while
the database itself fails (locked, unreachable) the items are tried again with a bounded
backoff, then left queued for the next flush.

Nothing is taken in twice: an alert carries an idempotency key (:mod:`models.core.intakekey`)
and a redelivered one (after a reconnect, or also received by another console or service)
is counted in ``redelivered``, not made a second case.

The session is MQTT 5 with a stable client id (``citygrid-intake-<hostname>`` unless
given), ``clean_start=False`` and a session expiry (:data:`SESSION_EXPIRY_S`): the broker
keeps the subscriptions and queues the QoS 1 alerts published while the service restarts,
and delivers them when it reconnects with the same id. Two instances given one ``group``
share the alerts (an MQTT 5 shared subscription ``$share/<group>/PREFIX/iot/+/alert``):
each alert goes to one of them (Mosquitto deals them in turn, to a stopped member with a
kept session too: its share waits for it). Positions (QoS 0, the newest fix wins) go to
every instance.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.exc import SQLAlchemyError

from models.core.auth import Actor, SystemRole
from models.core.errors import CityGridError, ValidationError
from models.core.limits import (
    MAX_JSON_DEPTH,
    MAX_PAYLOAD_BYTES,
    CityExtent,
    excerpt,
    is_transient,
    json_depth,
    storage_reason,
)
from models.intake.service import IntakeService, payload_text
from models.storage.db import Database
from models.storage.schema import utcnow
from models.world.extent import city_extent
from models.world.sensors import Sensor, SensorRegistry, iot_adapter
from models.world.staff import PositionFix, StaffService, parse_fix

log = logging.getLogger(__name__)

# waits between attempts while the database fails (locked, unreachable), in seconds
RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
# one flush retries for at most this long (seconds), then leaves what is left queued
RETRY_BUDGET_S = 10.0
# how often the city's extent (for refusing positions outside it) is read again (seconds)
EXTENT_TTL_S = 300.0
# how long the broker keeps a stopped feed's session (its subscriptions and the QoS 1
# alerts published meanwhile), in seconds
SESSION_EXPIRY_S = 86_400

__all__ = ["EXTENT_TTL_S", "RETRY_BUDGET_S", "RETRY_DELAYS_S", "SESSION_EXPIRY_S", "MqttFeeds",
           "MqttPublisher", "Sensor", "default_client_id", "iot_adapter"]

T = TypeVar("T")


def default_client_id() -> str:
    """The feeds' client id when none is given: stable across restarts of this host's
    service, so the broker resumes its session (``citygrid-intake-<hostname>``)."""
    return f"citygrid-intake-{socket.gethostname()}"


class _GaveUp(Exception):
    """The database kept failing for the whole retry budget; the items stay queued."""


class MqttFeeds:
    """Subscribes to the feeds on a broker and hands them to the services.

    The network thread only parses and queues; a worker thread applies what arrived every
    ``interval`` seconds (or as soon as ``batch_size`` items wait): the alerts of a burst in
    one intake transaction, the positions in one staff transaction. ``backlog`` is what was
    received and not yet applied.

    ``now`` (wall clock, for range checks), ``clock`` (monotonic seconds, for the registry's
    age and the retry budget) and ``sleep`` (the backoff) are injectable for tests.
    ``extent`` is the city's extent for refusing positions outside it; by default it is
    read from the stored districts and grids (and again every :data:`EXTENT_TTL_S`).

    ``client_id`` names the broker session (default :func:`default_client_id`): one id per
    running instance (two clients with one id push each other off the broker), the same
    id after a restart. ``session_expiry`` is how long the broker keeps the session while
    the feed is stopped (seconds; 0: it ends at the disconnect). ``group``: the instances
    given one group share the alerts (MQTT 5 shared subscription).
    """

    def __init__(self, db: Database, *, host: str = "127.0.0.1", port: int = 1883,
                 prefix: str = "citygrid", sensors: Mapping[str, Sensor] | None = None,
                 locate=None, batch_size: int = 2000, interval: float = 0.25,  # noqa: ANN001
                 now: Callable[[], dt.datetime] = utcnow,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 extent: CityExtent | None = None, client_id: str | None = None,
                 group: str | None = None,
                 session_expiry: int = SESSION_EXPIRY_S) -> None:
        if group is not None and (not group or any(c in group for c in "/+#")):
            raise ValueError(f"a shared subscription's group is a name without / + #, "
                             f"got {group!r}")
        self.prefix = prefix.rstrip("/")
        self.group = group
        self.client_id = client_id or default_client_id()
        self.session_expiry = session_expiry
        self.actor = Actor.system("mqtt", SystemRole.FEED)
        self._db = db
        self._now, self._clock, self._sleep = now, clock, sleep
        # the registry: given (fixed), or the database's, read again when it may have
        # changed (a moved, new or deactivated sensor takes effect without a restart)
        self.registry = dict(sensors) if sensors is not None else SensorRegistry(
            db, self.actor, clock=clock)
        self._extent_given = extent
        self._extent: CityExtent | None = extent
        self._extent_read: float | None = None
        adapters = {"iot": iot_adapter(self.registry, now=now)}
        self.intake = IntakeService(db, self.actor, locate=locate, adapters=adapters, now=now)
        self.staff = StaffService(db, self.actor, now=now)
        self.batch_size = batch_size
        self.interval = interval
        # the queues: (payload, topic) / (fix, payload, topic) / (channel, payload, reason,
        # topic); only flush() takes from their heads, and only after a commit
        self._alerts: deque[tuple[dict, str]] = deque()
        self._fixes: deque[tuple[PositionFix, dict, str]] = deque()
        self._bad: deque[tuple[str, dict, str, str]] = deque()
        # beside each queue: each item's (mid, qos) to acknowledge once it is committed
        self._acks: dict[int, deque[tuple[int, int] | None]] = {
            id(q): deque() for q in (self._alerts, self._fixes, self._bad)}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._deadline = 0.0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.received = 0
        self.processed = 0
        self.redelivered = 0  # alerts whose key was stored: taken, no second case
        self.cases_created: list[int] = []
        self.quarantined: list[int] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=self.client_id, protocol=mqtt.MQTTv5,
                                  manual_ack=True)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_disconnect = self._on_disconnect
        # set once the broker has acknowledged the subscriptions (SUBACK): from then on
        # nothing published on the feeds' topics passes this client by
        self.connected = threading.Event()
        self.host, self.port = host, port

    @property
    def backlog(self) -> int:
        """Items received and not yet applied."""
        return self.received - self.processed

    def start(self) -> None:
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="mqtt-feeds", daemon=True)
        self._worker.start()
        connect = Properties(PacketTypes.CONNECT)
        connect.SessionExpiryInterval = self.session_expiry
        # unacknowledged messages the broker may send at once (they wait for a commit)
        connect.ReceiveMaximum = 65_535
        # clean_start=False on every (re)connect: the broker resumes the session it kept
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False,
                            properties=connect)
        self.client.loop_start()

    def stop(self) -> None:
        """Apply and acknowledge what was received, disconnect, then apply what arrived
        meanwhile (nothing received is lost; that last part is unacknowledged, so the
        broker sends it again: its key makes it no second case). The broker keeps the
        session for ``session_expiry`` seconds: alerts published meanwhile are delivered
        when a feed with this client id starts again."""
        self._stopping.set()
        self._wake.set()
        if self._worker is not None:
            self._worker.join(30)
        self.flush()
        self.client.loop_stop()
        self.client.disconnect()  # writes the acknowledgements still queued, then goes
        self.flush()

    def _work(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                log.exception("applying the feeds failed; will retry")

    @property
    def alert_topic(self) -> str:
        """The alerts' subscription: shared by the group's instances when there is one."""
        topic = f"{self.prefix}/iot/+/alert"
        return f"$share/{self.group}/{topic}" if self.group else topic

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # noqa: ANN001
        if reason_code.is_failure:
            log.warning("the broker refused the feeds' connection (%s)", reason_code)
            return
        if self.group and flags.session_present:
            # a session kept from a run without the group would deliver each alert twice
            client.unsubscribe(f"{self.prefix}/iot/+/alert")
        client.subscribe([(self.alert_topic, 1), (f"{self.prefix}/staff/+/position", 0)])

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:  # noqa: ANN001
        if all(not rc.is_failure for rc in reason_codes):
            self.connected.set()
        else:
            log.warning("the broker refused the feeds' subscriptions (%s)",
                        ", ".join(str(rc) for rc in reason_codes))

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # noqa: ANN001
        self.connected.clear()

    def _on_message(self, client, userdata, msg) -> None:  # noqa: ANN001
        self.receive(msg.topic, bytes(msg.payload), (msg.mid, msg.qos) if msg.qos else None)

    # -- parsing (the network thread) -----------------------------------------------------
    def receive(self, topic: str, data: bytes, ack: tuple[int, int] | None = None) -> None:
        """Parse one message and queue it: an alert, a position fix, or a bad item with its
        reason (never raises: the network thread must go on). ``ack``: the message's
        (mid, qos), acknowledged to the broker once the item is committed."""
        try:
            kind, item = self._parse(topic, data)
        except Exception as exc:
            log.warning("a message on %s could not be parsed (%s)", topic[:200],
                        type(exc).__name__)
            kind, item = "bad", (self._channel(topic) or "iot", {
                "topic": topic[:300], **excerpt(data)},
                f"cannot be parsed ({type(exc).__name__})", topic)
        queues: dict[str, deque[Any]] = {"bad": self._bad, "alert": self._alerts,
                                         "fix": self._fixes}
        queue = queues.get(kind)
        with self._lock:
            self.received += 1
            if queue is not None:
                queue.append(item)
                self._acks[id(queue)].append(ack)
            else:
                self.processed += 1  # a topic we do not handle
            full = len(self._alerts) + len(self._fixes) >= self.batch_size
        if queue is None:
            self._acknowledge([ack])
        if full:
            self._wake.set()

    def _acknowledge(self, acks: list[tuple[int, int] | None]) -> None:
        """Tell the broker these messages are taken (committed): it will not send them
        again. Unsent (disconnected), the broker sends them again; their keys tell."""
        for ack in acks:
            if ack is not None:
                self.client.ack(*ack)

    @staticmethod
    def _channel(topic: str) -> str | None:
        parts = topic.split("/")
        if len(parts) >= 3 and parts[-3] == "iot" and parts[-1] == "alert":
            return "iot"
        if len(parts) >= 3 and parts[-3] == "staff" and parts[-1] == "position":
            return "staff_position"
        return None

    def _parse(self, topic: str, data: bytes) -> tuple[str, tuple | None]:
        channel = self._channel(topic)
        if channel is None:
            return "ignored", None
        ident = topic.split("/")[-2]
        key = "sensor_id" if channel == "iot" else "staff_id"
        where = {"topic": topic[:300], key: ident[:60]}

        def bad(payload: dict, reason: str) -> tuple[str, tuple]:
            return "bad", (channel, payload, reason, topic)

        if len(data) > MAX_PAYLOAD_BYTES:
            return bad({**where, **excerpt(data)},
                       f"payload of {len(data)} bytes is over the {MAX_PAYLOAD_BYTES}-byte "
                       "limit (an excerpt is kept)")
        try:
            payload = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            return bad({**where, **excerpt(data)},
                       f"unreadable payload: {str(exc).splitlines()[0][:200]}")
        if not isinstance(payload, dict):
            return bad({**where, **excerpt(data)}, "unreadable payload: the payload is not a "
                       "JSON object")
        if json_depth(payload) > MAX_JSON_DEPTH:
            return bad({**where, **excerpt(data)},
                       f"payload nested deeper than {MAX_JSON_DEPTH} levels")
        payload = {**payload, **where}  # the topic's id wins over one in the payload
        if channel == "iot":
            return "alert", (payload, topic)
        try:
            fix = parse_fix(ident, payload, now=self._now(), extent=self.extent())
        except ValidationError as exc:  # a bad position: keep it with why
            return bad(payload, exc.message)
        return "fix", (fix, payload, topic)

    def extent(self) -> CityExtent | None:
        """The city's extent positions are checked against (None: nothing stored yet)."""
        if self._extent_given is not None:
            return self._extent_given
        if self._extent_read is None or self._clock() - self._extent_read >= EXTENT_TTL_S:
            try:
                self._extent = city_extent(self._db)
                self._extent_read = self._clock()
            except SQLAlchemyError as exc:  # keep the last one; the database will be back
                log.warning("the city's extent cannot be read (%s)", type(exc).__name__)
        return self._extent

    # -- applying (the worker thread) -----------------------------------------------------
    def flush(self) -> int:
        """Apply everything queued now (bad items, alerts, positions); returns how many
        items were applied. What the database could not take stays queued."""
        with self._flush_lock:
            self._deadline = self._clock() + RETRY_BUDGET_S
            done = 0
            for queue, apply, refuse in (
                    (self._bad, self._apply_bad, self._refuse_bad),
                    (self._alerts, self._apply_alerts, self._refuse_alert),
                    (self._fixes, self._apply_fixes, self._refuse_fix)):
                n, complete = self._drain(queue, apply, refuse)
                done += n
                if not complete:
                    break  # the database is failing: the rest waits for the next flush
            return done

    flush_positions = flush

    def _drain(self, queue: deque[Any], apply: Callable[[list[Any]], None],
               refuse: Callable[[Any, str], None]) -> tuple[int, bool]:
        """Apply the items queued now as one batch, or item by item when the batch is
        refused; returns (items applied, whether all of them were)."""
        with self._lock:
            items = list(queue)
        if not items:
            return 0, True
        try:
            self._attempt(lambda: apply(items))
        except _GaveUp:
            return 0, False
        except Exception as exc:
            log.warning("a batch of %d feed items was refused (%s); applying them one by "
                        "one", len(items), type(exc).__name__)
        else:
            self._taken(queue, len(items))
            return len(items), True
        done = 0
        for item in items:
            try:
                self._attempt(functools.partial(apply, [item]))
            except _GaveUp:
                return done, False
            except Exception as exc:
                reason = self._reason(exc)
                try:
                    self._attempt(functools.partial(refuse, item, reason))
                except _GaveUp:
                    return done, False
            self._taken(queue, 1)
            done += 1
        return done, True

    def _attempt(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; while the database itself fails, again after each of
        :data:`RETRY_DELAYS_S` within the flush's budget, then give up (raise _GaveUp)."""
        for delay in (*RETRY_DELAYS_S, None):
            try:
                return fn()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if delay is None or self._clock() + delay > self._deadline:
                    log.warning("the database keeps failing (%s); the feed items wait for "
                                "the next flush", storage_reason(exc))
                    raise _GaveUp from None
                log.info("the database failed (%s); again in %.2f s",
                         type(exc).__name__, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    @staticmethod
    def _reason(exc: Exception) -> str:
        if isinstance(exc, CityGridError):
            return exc.message
        if isinstance(exc, SQLAlchemyError):
            return storage_reason(exc)
        log.warning("a feed item could not be applied (%s)", type(exc).__name__)
        return f"cannot be taken in ({type(exc).__name__})"

    def _taken(self, queue: deque, n: int) -> None:
        """Committed: the first ``n`` items leave the queue and are acknowledged."""
        acks = self._acks[id(queue)]
        with self._lock:
            for _ in range(n):
                queue.popleft()
            done = [acks.popleft() for _ in range(n)]
            self.processed += n
        self._acknowledge(done)

    def _apply_bad(self, items: list[tuple[str, dict, str, str]]) -> None:
        self.quarantined.extend(self.intake.quarantine_many(list(items)))

    def _refuse_bad(self, item: tuple[str, dict, str, str], reason: str) -> None:
        channel, payload, first, topic = item
        self._keep(channel, payload, first, topic)

    def _apply_alerts(self, items: list[tuple[dict, str]]) -> None:
        results = self.intake.submit_many("iot", [a for a, _ in items],
                                          source=f"{self.prefix}/iot")
        for r in results:
            if r.case_id is not None:
                self.cases_created.append(r.case_id)
            elif r.duplicate_of is not None:
                self.redelivered += 1
            else:
                self.quarantined.append(r.quarantine_id)  # type: ignore[arg-type]

    def _refuse_alert(self, item: tuple[dict, str], reason: str) -> None:
        payload, topic = item
        self._keep("iot", payload, reason, topic)

    def _apply_fixes(self, items: list[tuple[PositionFix, dict, str]]) -> None:
        self.staff.update_positions([f for f, _, _ in items])

    def _refuse_fix(self, item: tuple[PositionFix, dict, str], reason: str) -> None:
        _, payload, topic = item
        self._keep("staff_position", payload, reason, topic)

    def _keep(self, channel: str, payload: dict, reason: str, topic: str) -> None:
        """Quarantine one item; a payload the database will not store is kept as an
        excerpt of its text with its size and hash."""
        try:
            (qid,) = self.intake.quarantine_many([(channel, payload, reason, topic)])
        except SQLAlchemyError as exc:
            if is_transient(exc):
                raise
            log.warning("a %s payload cannot be stored (%s); keeping an excerpt", channel,
                        type(exc).__name__)
            (qid,) = self.intake.quarantine_many([(channel, {
                "topic": topic[:300], **excerpt(payload_text(payload).encode())},
                f"{reason} (kept as an excerpt)", topic)])
        self.quarantined.append(qid)


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
