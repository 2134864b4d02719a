"""The MQTT feeds against the real broker (127.0.0.1:1883)."""

from __future__ import annotations

import json
import uuid

import paho.mqtt.client as mqtt
import pytest

from models.core.auth import Actor
from models.intake.mqtt import MqttFeeds, Sensor
from models.storage.schema import StaffRole
from models.world.staff import StaffService
from tests.factories import wait_for

pytestmark = pytest.mark.mqtt


@pytest.fixture
def feeds(mqtt_server, tiny_city):
    host, port = mqtt_server
    prefix = f"citygrid-test-{uuid.uuid4().hex[:8]}"
    sensors = {"smoke-01": Sensor("smoke-01", 112.9821, 28.1879, "M01", "烟感 1 号")}
    f = MqttFeeds(tiny_city.db, host=host, port=port, prefix=prefix, sensors=sensors,
                  locate=lambda lon, lat: tiny_city.grids[0], batch_size=2,
                  client_id=f"test-{uuid.uuid4().hex[:12]}", session_expiry=0)
    f.start()
    assert f.connected.wait(10)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    pub.connect(host, port)
    pub.loop_start()
    yield f, pub, prefix
    pub.loop_stop()
    pub.disconnect()
    f.stop()


def send(pub, topic: str, payload) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    pub.publish(topic, data, qos=1).wait_for_publish(5)


def test_sensor_alert_becomes_a_case(feeds, tiny_city) -> None:
    f, pub, prefix = feeds
    send(pub, f"{prefix}/iot/smoke-01/alert",
         {"kind": "smoke", "value": 0.9, "time": "2026-11-28T09:00:00+08:00"})
    wait_for(lambda: f.cases_created)
    from models.cases.service import CaseService

    case = CaseService(tiny_city.db, Actor("d", StaffRole.DISPATCHER)).get(f.cases_created[0])
    assert (case.channel, case.subcategory, case.grid_id) == ("iot", "M01", tiny_city.grids[0])


def test_bad_messages_go_to_the_quarantine(feeds) -> None:
    f, pub, prefix = feeds
    send(pub, f"{prefix}/iot/unknown-99/alert", {"kind": "smoke"})
    send(pub, f"{prefix}/iot/smoke-01/alert", b"\xff\xfe not json")
    send(pub, f"{prefix}/staff/1/position", {"lon": "far", "lat": 28.1})
    wait_for(lambda: len(f.quarantined) == 3)
    reasons = [r.reason for r in f.intake.quarantine()]
    assert any("unregistered sensor 'unknown-99'" in r for r in reasons)
    assert any("unreadable payload" in r for r in reasons)
    assert any("lon must be a number" in r for r in reasons)
    assert f.cases_created == []


def test_staff_positions_move_staff_in_batches(feeds, tiny_city) -> None:
    _f, pub, prefix = feeds
    manager, supervisor = tiny_city.staff["manager"], tiny_city.staff["supervisor"]
    send(pub, f"{prefix}/staff/{manager}/position",
         {"lon": 112.9866, "lat": 28.1822, "time": "2026-11-28T10:00:00+00:00"})
    send(pub, f"{prefix}/staff/{supervisor}/position",
         {"lon": 112.9811, "lat": 28.1899, "time": "2026-11-28T10:00:00+00:00"})
    staff = StaffService(tiny_city.db, Actor("d", StaffRole.DISPATCHER))
    wait_for(lambda: staff.get(manager).lon == 112.9866)
    assert staff.get(supervisor).lat == 28.1899


def test_one_bad_fix_does_not_hold_back_the_others(feeds, tiny_city) -> None:
    f, pub, prefix = feeds
    manager = tiny_city.staff["manager"]
    send(pub, f"{prefix}/staff/999999/position",
         {"lon": 112.9866, "lat": 28.1822, "time": "2026-11-28T10:00:00+00:00"})
    send(pub, f"{prefix}/staff/{manager}/position",
         {"lon": 112.9877, "lat": 28.1822, "time": "2026-11-28T10:00:00+00:00"})
    staff = StaffService(tiny_city.db, Actor("d", StaffRole.DISPATCHER))
    wait_for(lambda: staff.get(manager).lon == 112.9877)
    wait_for(lambda: len(f.quarantined) == 1)
    (item,) = f.intake.quarantine()
    assert "no staff member with id 999999" in item.reason
    assert item.payload["topic"].endswith("/staff/999999/position")


def test_a_burst_of_alerts_is_one_transaction_and_the_backlog_drains(feeds, tiny_city) -> None:
    from sqlalchemy import select

    from models.storage.schema import AuditEntry

    f, pub, prefix = feeds
    for k in range(30):  # thirty alerts (thirty times: one time is one alert, its key)
        pub.publish(f"{prefix}/iot/smoke-01/alert", json.dumps(
            {"kind": "smoke", "value": k / 30, "time": f"2026-11-28T09:00:{k:02d}+08:00"}),
            qos=1)
    wait_for(lambda: f.received == 30)
    f.flush()
    assert f.backlog == 0 and len(f.cases_created) == 30
    with tiny_city.db.read() as s:
        rows = s.scalars(select(AuditEntry.object_id).where(
            AuditEntry.action == "case.report")).all()
    # a few transactions for the burst (as it arrived between flushes), not thirty
    assert sum(int(r.split()[0]) for r in rows) == 30 and len(rows) <= 3
