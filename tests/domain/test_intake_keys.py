"""One alert delivered twice is one case: the intake key, its UNIQUE index, and the MQTT
session (stable client id, persistent session, shared subscriptions) against the real
broker (127.0.0.1:1883), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.core.intakekey import alert_key
from models.intake.mqtt import MqttFeeds, Sensor, default_client_id
from models.intake.service import IntakeService
from models.storage.schema import Case, QuarantineItem
from models.world.sensors import iot_adapter
from tests.factories import wait_for

SMOKE = Sensor("smoke-01", 112.9821, 28.1879, "M01", "烟感 1 号")
SENSORS = {SMOKE.sensor_id: SMOKE}
FEED = Actor.system("mqtt-test", SystemRole.FEED)


def counts(db) -> tuple[int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(QuarantineItem)))


def at(k: int) -> str:
    """The time of the k-th distinct alert of a test (one sensor, kind and time: one key)."""
    return (dt.datetime(2026, 11, 28, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=k)).isoformat()


def intake(city) -> IntakeService:
    return IntakeService(city.db, FEED, locate=lambda lon, lat: city.grids[0],
                         adapters={"iot": iot_adapter(SENSORS)})


def body(k: int, **extra) -> dict:
    return {"sensor_id": "smoke-01", "kind": "smoke", "value": 0.9, "time": at(k), **extra}


# -- the key ------------------------------------------------------------------------------
def test_the_key_is_sensor_kind_and_the_instant_in_utc() -> None:
    east = dt.datetime.fromisoformat("2026-11-28T09:00:00+08:00")
    utc = dt.datetime.fromisoformat("2026-11-28T01:00:00+00:00")
    assert alert_key("s1", "smoke", east, {"value": 1}) == alert_key("s1", "smoke", utc, {})
    assert alert_key("s1", "smoke", utc, {}) == "iot/s1/smoke/2026-11-28T01:00:00.000000Z"
    assert alert_key("s1", "gas", utc, {}) != alert_key("s1", "smoke", utc, {})
    assert alert_key("s2", "smoke", utc, {}) != alert_key("s1", "smoke", utc, {})
    with pytest.raises(ValueError, match="time zone"):
        alert_key("s1", "smoke", dt.datetime(2026, 11, 28), {})


def test_an_alert_without_a_time_is_keyed_by_its_payload() -> None:
    a = {"sensor_id": "s1", "kind": "smoke", "value": 0.5, "topic": "x/iot/s1/alert"}
    same = {"value": 0.5, "kind": "smoke", "sensor_id": "s1", "topic": "y/iot/s1/alert"}
    other = {**a, "value": 0.6}
    key = alert_key("s1", "smoke", None, a)
    assert key.startswith("iot/s1/smoke/sha256:") and len(key) == len("iot/s1/smoke/sha256:") + 64
    assert key == alert_key("s1", "smoke", None, same)  # key order and the topic do not count
    assert key != alert_key("s1", "smoke", None, other)
    # the adapter gives each alert its key, with or without a time
    adapt = iot_adapter(SENSORS)
    assert adapt(body(0)).intake_key == alert_key("smoke-01", "smoke",
                                                  dt.datetime.fromisoformat(at(0)), {})
    assert adapt({"sensor_id": "smoke-01", "value": 1}).intake_key.startswith(
        "iot/smoke-01/alert/sha256:")


# -- submit_many --------------------------------------------------------------------------
def test_submit_many_with_the_key_stored_makes_no_case_and_no_quarantine_entry(
        tiny_city) -> None:
    service = intake(tiny_city)
    (first,) = service.submit_many("iot", [body(0)])
    assert first.case_id is not None and counts(tiny_city.db) == (1, 0)
    # the same alert again (its time in another offset), a new one, and the new one again
    again = body(0, value=0.1, time="2026-11-28T09:00:00+08:00")
    results = service.submit_many("iot", [again, body(1), body(1)])
    assert counts(tiny_city.db) == (2, 0)
    assert (results[0].case_id, results[0].quarantine_id, results[0].duplicate_of) == (
        None, None, first.case_id)
    assert "redelivery of case" in results[0].reason
    assert results[1].case_id is not None and results[1].duplicate_of is None
    assert (results[2].case_id, results[2].duplicate_of) == (None, results[1].case_id)
    with tiny_city.db.read() as s:
        keys = s.scalars(select(Case.intake_key).order_by(Case.id)).all()
    assert keys == [alert_key("smoke-01", "smoke", dt.datetime.fromisoformat(at(k)), {})
                    for k in (0, 1)]
    # a time-less alert twice: one case too
    bare = {"sensor_id": "smoke-01", "kind": "smoke", "value": 0.7}
    r1, r2 = service.submit_many("iot", [bare, dict(bare)])
    assert r1.case_id is not None and r2.duplicate_of == r1.case_id
    assert counts(tiny_city.db) == (3, 0)


def test_a_key_stored_meanwhile_by_another_instance_takes_the_burst_again(tiny_city) -> None:
    """The race: another service stores the key after this one looked. The UNIQUE index
    refuses the insert; the burst is taken once more, and then it sees the key."""
    other, service = intake(tiny_city), intake(tiny_city)
    (theirs,) = other.submit_many("iot", [body(0)])
    looked = []
    real = service.cases.stored_keys

    def stale_then_real(keys):  # the first look happened before the other's commit
        looked.append(list(keys))
        return {} if len(looked) == 1 else real(keys)

    service.cases.stored_keys = stale_then_real
    results = service.submit_many("iot", [body(1), body(0)])
    assert len(looked) == 2  # the insert was refused once, the burst taken again
    assert results[0].case_id is not None
    assert (results[1].case_id, results[1].quarantine_id, results[1].duplicate_of) == (
        None, None, theirs.case_id)
    assert counts(tiny_city.db) == (2, 0)  # nothing lost, nothing twice, nothing quarantined


def test_a_quarantined_alert_that_is_a_case_already_is_not_retried_into_a_second(
        tiny_city) -> None:
    unknown = IntakeService(tiny_city.db, FEED, locate=lambda lon, lat: tiny_city.grids[0],
                            adapters={"iot": iot_adapter({})})
    (kept,) = unknown.submit_many("iot", [body(0)])  # a console that did not know the sensor
    (made,) = intake(tiny_city).submit_many("iot", [body(0)])  # a service that did
    assert kept.quarantine_id is not None and made.case_id is not None
    retried = intake(tiny_city).retry(kept.quarantine_id)
    assert retried.case_id is None and f"case {made.case_id} already" in retried.reason
    assert counts(tiny_city.db) == (1, 1)


# -- over the broker ----------------------------------------------------------------------
@pytest.fixture
def broker(mqtt_server):
    host, port = mqtt_server
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    pub.connect(host, port)
    pub.loop_start()
    started: list[MqttFeeds] = []

    def feeds(city, **kw) -> MqttFeeds:
        kw.setdefault("client_id", f"test-{uuid.uuid4().hex[:12]}")
        kw.setdefault("session_expiry", 0)
        f = MqttFeeds(city.db, host=host, port=port, prefix=prefix, sensors=SENSORS,
                      locate=lambda lon, lat: city.grids[0], **kw)
        started.append(f)
        return f

    def send(k: int, **extra) -> None:
        payload = {"kind": "smoke", "value": 0.9, "time": at(k), **extra}
        pub.publish(f"{prefix}/iot/smoke-01/alert", json.dumps(payload),
                    qos=1).wait_for_publish(5)

    prefix = f"citygrid-keys-{uuid.uuid4().hex[:8]}"
    yield feeds, send
    pub.loop_stop()
    pub.disconnect()
    for f in started:
        f.stop()


def running(f: MqttFeeds) -> MqttFeeds:
    f.start()
    assert f.connected.wait(10)
    return f


@pytest.mark.mqtt
def test_the_same_alert_published_twice_is_one_case(broker, tiny_city) -> None:
    feeds, send = broker
    f = running(feeds(tiny_city))
    send(0)
    send(0, value=0.95)  # the publisher's retry: the same sensor, kind and time
    wait_for(lambda: f.processed == 2)
    assert (len(f.cases_created), f.redelivered, f.quarantined) == (1, 1, [])
    assert counts(tiny_city.db) == (1, 0)


@pytest.mark.mqtt
def test_two_feeds_without_a_group_both_receive_everything_and_make_one_case_each(
        broker, tiny_city) -> None:
    """Two consoles or services subscribed alike: each gets every alert; the key (and on a
    race, the UNIQUE index) leaves one case per alert."""
    feeds, send = broker
    a, b = running(feeds(tiny_city)), running(feeds(tiny_city))
    n = 30
    for k in range(n):
        send(k)
    wait_for(lambda: a.processed == n and b.processed == n)
    assert counts(tiny_city.db) == (n, 0)
    assert len(a.cases_created) + len(b.cases_created) == n
    assert a.redelivered + b.redelivered == n
    assert not a.quarantined and not b.quarantined


@pytest.mark.mqtt
def test_two_feeds_in_one_group_share_the_alerts(broker, tiny_city) -> None:
    feeds, send = broker
    group = f"g{uuid.uuid4().hex[:8]}"
    a = running(feeds(tiny_city, group=group))
    b = running(feeds(tiny_city, group=group))
    assert a.alert_topic.startswith(f"$share/{group}/")
    n = 40
    for k in range(n):
        send(k)
    wait_for(lambda: a.processed + b.processed == n and counts(tiny_city.db)[0] == n)
    assert counts(tiny_city.db) == (n, 0)
    # each alert went to one of them: no redelivery, and both took a share
    assert len(a.cases_created) + len(b.cases_created) == n
    assert (a.redelivered, b.redelivered) == (0, 0)
    assert a.cases_created and b.cases_created


@pytest.mark.mqtt
def test_alerts_published_while_the_feed_is_down_arrive_when_it_starts_again(
        broker, tiny_city) -> None:
    feeds, send = broker
    client_id = f"test-persist-{uuid.uuid4().hex[:8]}"
    first = running(feeds(tiny_city, client_id=client_id, session_expiry=300))
    send(0)
    wait_for(lambda: len(first.cases_created) == 1)
    first.stop()  # a restart: disconnected, the broker keeps the session
    for k in range(1, 6):
        send(k)  # acknowledged by the broker, queued in the session
    assert counts(tiny_city.db) == (1, 0)
    # the same id again (its session ends at this disconnect: the test leaves none behind)
    again = running(feeds(tiny_city, client_id=client_id, session_expiry=0))
    wait_for(lambda: len(again.cases_created) == 5)
    assert counts(tiny_city.db) == (6, 0) and again.redelivered == 0


@pytest.mark.mqtt
def test_a_new_client_id_does_not_get_what_was_published_meanwhile(broker, tiny_city) -> None:
    """The contrast: what the persistent session buys (a clean session misses it)."""
    feeds, send = broker
    first = running(feeds(tiny_city, session_expiry=0))
    first.stop()
    send(0)
    other = running(feeds(tiny_city))
    send(1)
    wait_for(lambda: len(other.cases_created) == 1)
    with tiny_city.db.read() as s:
        (key,) = s.scalars(select(Case.intake_key)).all()
    assert key.endswith("01:00:01.000000Z")  # the second alert, not the first


def test_the_default_client_id_is_stable_across_restarts(tiny_city) -> None:
    a, b = MqttFeeds(tiny_city.db, sensors=SENSORS), MqttFeeds(tiny_city.db, sensors=SENSORS)
    assert a.client_id == b.client_id == default_client_id()
    assert default_client_id().startswith("citygrid-intake-")
    with pytest.raises(ValueError, match="group"):
        MqttFeeds(tiny_city.db, sensors=SENSORS, group="a/b")


@pytest.mark.mqtt
def test_what_a_crash_left_unapplied_is_delivered_again(broker, tiny_city) -> None:
    """A message is acknowledged only once its item is committed: a feed killed between
    receiving and applying loses nothing (the broker sends it again to the same id)."""
    feeds, send = broker
    client_id = f"test-crash-{uuid.uuid4().hex[:8]}"
    # a worker that would not apply for an hour: everything received stays unapplied
    crashed = running(feeds(tiny_city, client_id=client_id, session_expiry=300,
                            interval=3600, batch_size=10_000))
    n = 50  # more than a broker's default in-flight window (20): all arrive unacknowledged
    for k in range(n):
        send(k)
    wait_for(lambda: crashed.received == n)
    crashed.client.loop_stop()
    crashed.client.socket().close()  # killed: no DISCONNECT, nothing applied
    assert counts(tiny_city.db) == (0, 0)
    again = running(feeds(tiny_city, client_id=client_id, session_expiry=0))
    wait_for(lambda: len(again.cases_created) == n)
    assert counts(tiny_city.db) == (n, 0)
    crashed.stop()  # its queue, applied late: all redeliveries, no second case
    assert crashed.redelivered == n and counts(tiny_city.db) == (n, 0)


@pytest.mark.mqtt
def test_a_group_member_that_stops_gets_its_share_when_it_starts_again(broker,
                                                                       tiny_city) -> None:
    """Mosquitto deals a shared subscription's messages to the members in turn, a stopped
    member with a kept session too: its share waits in the session, none is lost."""
    feeds, send = broker
    group, client_id = f"g{uuid.uuid4().hex[:8]}", f"test-member-{uuid.uuid4().hex[:8]}"
    a = running(feeds(tiny_city, group=group))
    b = running(feeds(tiny_city, group=group, client_id=client_id, session_expiry=300))
    b.stop()
    n = 20
    for k in range(n):
        send(k)
    wait_for(lambda: a.processed > 0)
    b_again = running(feeds(tiny_city, group=group, client_id=client_id, session_expiry=0))
    wait_for(lambda: counts(tiny_city.db)[0] == n)
    assert len(a.cases_created) + len(b_again.cases_created) == n
    assert b_again.cases_created  # its share had waited for it (what the deployment notes say)
    assert counts(tiny_city.db) == (n, 0)
