"""The feeds never drop an item: what arrives becomes a case, a position or a quarantine
entry, and leaves the queue only once that is committed (no broker needed: messages are
handed to ``MqttFeeds.receive`` as the network thread would)."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import sqlite3

import pytest
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.core.limits import EXCERPT_CHARS, MAX_PAYLOAD_BYTES
from models.intake.mqtt import RETRY_DELAYS_S, MqttFeeds
from models.intake.service import IntakeService
from models.storage.db import Database
from models.storage.schema import Case, QuarantineItem, Staff, StaffTrack
from models.world.sensors import Sensor, SensorRegistry, SensorService
from models.world.staff import PositionFix, StaffService
from tests.citykit import make_tiny_city
from tests.factories import DISPATCHER

NOW = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
SMOKE = Sensor("smoke-01", 112.9821, 28.1879, "M01", "烟感 1 号")
ADMIN = Actor.system("test-admin")


class FakeTime:
    """A monotonic clock and a sleep that advances it (and can act on a call)."""

    def __init__(self) -> None:
        self.t, self.slept = 0.0, []
        self.on_sleep = lambda n: None

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds
        self.on_sleep(len(self.slept))


def make_feeds(city, fake: FakeTime | None = None, **kw) -> MqttFeeds:
    fake = fake or FakeTime()
    kw.setdefault("sensors", {SMOKE.sensor_id: SMOKE})
    kw.setdefault("locate", lambda lon, lat: city.grids[0])
    return MqttFeeds(city.db, prefix="t", now=lambda: NOW, clock=fake.clock,
                     sleep=fake.sleep, **kw)


_SECONDS = itertools.count()


def alert(feeds: MqttFeeds, sensor: str = "smoke-01", **payload) -> None:
    # each call a new alert: its own time (one sensor, kind and time is one alert, its key)
    when = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC) + dt.timedelta(seconds=next(_SECONDS))
    body = {"kind": "smoke", "value": 0.9, "time": when.isoformat(), **payload}
    feeds.receive(f"t/iot/{sensor}/alert", json.dumps(body).encode())


def counts(db) -> tuple[int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Case)),
                s.scalar(select(func.count()).select_from(QuarantineItem)))


def test_an_alert_dated_9999_is_quarantined_and_the_valid_ones_become_cases(tiny_city) -> None:
    feeds = make_feeds(tiny_city)
    alert(feeds)
    alert(feeds, time="9999-12-31T23:59:59+00:00")
    alert(feeds, value=0.5)
    assert feeds.flush() == 3
    assert feeds.backlog == 0 and counts(tiny_city.db) == (2, 1)
    (item,) = IntakeService(tiny_city.db, DISPATCHER).quarantine()
    assert "in the future" in item.reason and item.payload["sensor_id"] == "smoke-01"


@pytest.mark.parametrize("when, reason", [
    ("2026-11-28T10:06:00+00:00", "in the future"),   # beyond the 5 minutes of skew
    ("1999-12-31T23:59:59+00:00", "before 2000-01-01"),
    ("0001-01-01T00:00:00+08:00", "out of range"),
])
def test_alert_times_are_range_checked(tiny_city, when, reason) -> None:
    feeds = make_feeds(tiny_city)
    alert(feeds, time=when)
    alert(feeds, time="2026-11-28T10:04:00+00:00")  # within the skew: taken
    feeds.flush()
    assert counts(tiny_city.db) == (1, 1) and feeds.backlog == 0
    (item,) = IntakeService(tiny_city.db, DISPATCHER).quarantine()
    assert reason in item.reason


def test_an_alert_holding_a_nul_is_quarantined_whole_and_the_others_kept(tiny_city) -> None:
    feeds = make_feeds(tiny_city)
    alert(feeds)
    alert(feeds, kind="smo\x00ke", note="a\x00b")
    alert(feeds, value=0.4)
    feeds.flush()
    assert counts(tiny_city.db) == (2, 1) and feeds.backlog == 0
    (item,) = IntakeService(tiny_city.db, DISPATCHER).quarantine()
    assert "printable" in item.reason
    assert (item.payload["kind"], item.payload["note"]) == ("smo\x00ke", "a\x00b")  # as sent


def test_an_item_the_database_refuses_is_quarantined_and_the_batch_kept(tiny_city) -> None:
    # a stale grid index: one sensor's place maps to a grid that no longer exists, so the
    # database refuses that case (a foreign key), not the validation
    stale = Sensor("smoke-02", 112.9900, 28.1800, "M01")
    feeds = make_feeds(tiny_city, sensors={"smoke-01": SMOKE, "smoke-02": stale},
                       locate=lambda lon, lat: 999_999 if lon > 112.989 else tiny_city.grids[0])
    alert(feeds)
    alert(feeds, sensor="smoke-02")
    alert(feeds, value=0.3)
    assert feeds.flush() == 3
    assert counts(tiny_city.db) == (2, 1) and feeds.backlog == 0
    (item,) = IntakeService(tiny_city.db, DISPATCHER).quarantine()
    assert "database refused it" in item.reason and item.payload["sensor_id"] == "smoke-02"
    assert "13" not in item.reason and "INSERT" not in item.reason  # no statement, no data


@pytest.fixture
def locked_city(tmp_path, monkeypatch):
    """A tiny city on SQLite with a short busy timeout, and a second connection to lock it."""
    monkeypatch.setattr("models.storage.db.BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "locked.sqlite3"
    db = Database.open(f"sqlite:///{path}")
    city = make_tiny_city(db)
    locker = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    yield city, locker
    locker.close()
    db.dispose()


def test_a_locked_database_during_a_flush_loses_nothing(locked_city) -> None:
    city, locker = locked_city
    fake = FakeTime()
    feeds = make_feeds(city, fake)
    for k in range(3):
        alert(feeds, value=k / 3)
    locker.execute("BEGIN EXCLUSIVE")  # a long import holds the write lock
    fake.on_sleep = lambda n: locker.execute("ROLLBACK") if n == 2 else None
    assert feeds.flush() == 3
    assert fake.slept == list(RETRY_DELAYS_S[:2])  # backed off twice, then it went through
    assert feeds.backlog == 0 and counts(city.db) == (3, 0)


def test_a_database_locked_for_long_keeps_the_items_queued(locked_city) -> None:
    city, locker = locked_city
    fake = FakeTime()
    feeds = make_feeds(city, fake)
    for k in range(3):
        alert(feeds, value=k / 3)
    feeds.receive("t/staff/1/position", b'{"lon": "far", "lat": 28.18}')
    locker.execute("BEGIN EXCLUSIVE")
    assert feeds.flush() == 0
    assert fake.slept == list(RETRY_DELAYS_S)  # bounded: every delay once, then it gave up
    assert feeds.backlog == 4 and counts(city.db) == (0, 0)
    locker.execute("ROLLBACK")
    assert feeds.flush() == 4
    assert feeds.backlog == 0 and counts(city.db) == (3, 1)


def fix(feeds: MqttFeeds, staff_id: object, **payload) -> None:
    feeds.receive(f"t/staff/{staff_id}/position", json.dumps(payload).encode())


def test_future_and_foreign_positions_are_refused_and_do_not_freeze_anyone(tiny_city) -> None:
    feeds = make_feeds(tiny_city)
    sid = tiny_city.staff["manager"]
    fix(feeds, sid, lon=112.9866, lat=28.1822, time="9999-01-01T00:00:00Z")
    fix(feeds, sid, lon=112.9866, lat=28.1822, time="2026-11-28T11:00:00Z")  # an hour ahead
    fix(feeds, sid, lon=-74.0060, lat=40.7128, time="2026-11-28T09:59:00Z")  # New York
    fix(feeds, 99_999_999_999, lon=112.9866, lat=28.1822)
    feeds.flush()
    fix(feeds, sid, lon=112.9877, lat=28.1833, time="2026-11-28T09:59:30Z")
    feeds.flush()
    assert feeds.backlog == 0
    staff = StaffService(tiny_city.db, DISPATCHER)
    moved = staff.get(sid)
    assert (moved.lon, moved.lat) == (112.9877, 28.1833)
    reasons = sorted(r.reason for r in IntakeService(tiny_city.db, DISPATCHER).quarantine())
    assert len(reasons) == 4
    assert sum("in the future" in r for r in reasons) == 2
    assert any("outside the city" in r for r in reasons)
    assert any("bad staff id" in r for r in reasons)


def test_a_stored_fix_from_a_wrong_clock_does_not_pin_a_person(tiny_city) -> None:
    sid = tiny_city.staff["manager"]
    with tiny_city.db.write() as s:  # stored before the feed checked times
        st = s.get(Staff, sid)
        st.last_seen_at = st.tracked_at = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
    svc = StaffService(tiny_city.db, Actor.system("feed", SystemRole.FEED), now=lambda: NOW)
    svc.update_positions([PositionFix(sid, 112.9855, 28.1844, NOW)])
    with tiny_city.db.read() as s:
        st = s.get(Staff, sid)
        assert (st.last_lon, st.last_seen_at, st.tracked_at) == (112.9855, NOW, NOW)


def test_the_track_compares_with_the_last_kept_fix(tiny_city) -> None:
    svc = StaffService(tiny_city.db, Actor.system("feed", SystemRole.FEED), now=lambda: NOW)
    sid = tiny_city.staff["assistant"]
    t0 = NOW - dt.timedelta(minutes=5)
    step = 10 / 111_320 / 0.8815  # about 10 m of longitude at 28.18°
    for k in range(4):  # walking 10 m every 10 s: each fix is 10 m from the one before
        svc.update_positions([PositionFix(sid, 112.982 + k * step, 28.182,
                                          t0 + dt.timedelta(seconds=10 * k))])
    with tiny_city.db.read() as s:
        kept = s.scalars(select(StaffTrack.at).where(StaffTrack.staff_id == sid)
                         .order_by(StaffTrack.at)).all()
    # 30 m from the first kept fix after three steps: kept (each step alone is only 10 m)
    assert [k - t0 for k in kept] == [dt.timedelta(0), dt.timedelta(seconds=30)]


def test_a_huge_payload_is_kept_as_an_excerpt_with_its_size_and_hash(tiny_city) -> None:
    feeds = make_feeds(tiny_city)
    data = json.dumps({"kind": "smoke", "pad": "x" * 20_000_000}).encode()
    feeds.receive("t/iot/smoke-01/alert", data)
    feeds.flush()
    assert feeds.backlog == 0 and counts(tiny_city.db) == (0, 1)
    (item,) = IntakeService(tiny_city.db, DISPATCHER).quarantine()
    assert f"over the {MAX_PAYLOAD_BYTES}-byte limit" in item.reason
    assert item.payload["size"] == len(data)
    assert item.payload["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(item.payload["excerpt"]) == EXCERPT_CHARS
    with tiny_city.db.read() as s:
        assert len(s.scalar(select(QuarantineItem.payload))) < 3 * EXCERPT_CHARS


def test_a_moved_or_deactivated_sensor_takes_effect_without_a_restart(tiny_city) -> None:
    fake = FakeTime()
    admin = SensorService(tiny_city.db, ADMIN)
    admin.register([Sensor("gas-1", 112.9821, 28.1879, "M02", kind="gas")])
    registry = SensorRegistry(tiny_city.db, Actor.system("feed", SystemRole.FEED),
                              ttl=30, clock=fake.clock)
    assert registry.get("gas-1").lon == 112.9821
    admin.register([Sensor("gas-1", 112.9833, 28.1866, "M02", kind="gas")])  # moved
    fake.t = 29.0
    assert registry.get("gas-1").lon == 112.9821  # within the TTL: the registry as read
    fake.t = 30.0
    assert registry.get("gas-1").lon == 112.9833
    assert admin.deactivate(["gas-1"]) == 1
    fake.t = 60.0
    assert registry.get("gas-1") is None
    # through the feed: an alert of the deactivated sensor waits in the quarantine
    feeds = make_feeds(tiny_city, fake, sensors=None)
    alert(feeds, sensor="gas-1")
    feeds.flush()
    assert counts(tiny_city.db) == (0, 1)
    assert "unregistered sensor 'gas-1'" in IntakeService(
        tiny_city.db, DISPATCHER).quarantine()[0].reason
