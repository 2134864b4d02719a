"""The sensor registry, the staff position track, and the simulator's staff and MQTT side."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.core.errors import ValidationError
from models.intake.mqtt import MqttFeeds, MqttPublisher
from models.scenarios.simulator import CitySimulator
from models.storage.schema import Case, Staff, StaffTrack
from models.world.sensors import Sensor, SensorService, parse_sensors
from models.world.staff import PositionFix, StaffService

ADMIN = Actor.system("test-admin")
FEED = Actor.system("feed", SystemRole.FEED)
T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def test_sensor_entries_are_validated_all_at_once() -> None:
    good = parse_sensors([{"id": "smoke-1", "kind": "smoke", "lon": 112.98, "lat": 28.19},
                          {"id": "x-2", "kind": "other", "subcategory": "C05",
                           "lon": "112.99", "lat": 28.18, "name": "路面传感器"}])
    assert [(x.sensor_id, x.subcategory, x.name) for x in good] == [
        ("smoke-1", "M01", ""), ("x-2", "C05", "路面传感器")]
    with pytest.raises(ValidationError) as err:
        parse_sensors([{"id": "a/b", "kind": "smoke", "lon": 1, "lat": 2},
                       {"id": "ok", "kind": "radar", "lon": 1, "lat": 2},
                       {"id": "ok2", "kind": "gas", "lon": "east", "lat": 2},
                       {"id": "ok3", "kind": "gas", "lon": 200, "lat": 2},
                       {"id": "ok4", "kind": "gas", "subcategory": "Z99", "lon": 1, "lat": 2}])
    message = err.value.message
    assert "5 of 5" in message and "entry 1: bad id 'a/b'" in message
    assert "unknown kind 'radar'" in message and "entry 3: lon and lat must be numbers" in message
    assert "not a longitude/latitude" in message and "Z99" in message


def test_registered_sensors_get_their_grid_and_can_move(tiny_city, tmp_path) -> None:
    svc = SensorService(tiny_city.db, ADMIN, locate=lambda lon, lat: tiny_city.grids[1])
    f = tmp_path / "sensors.json"
    f.write_text(json.dumps([{"id": "smoke-1", "kind": "smoke", "lon": 112.986,
                              "lat": 28.188}]), encoding="utf-8")
    assert svc.register_file(f) == 1
    assert svc.registry()["smoke-1"].grid_id == tiny_city.grids[1]
    svc.register([Sensor("smoke-1", 112.981, 28.189, "M01", kind="smoke")])  # moved
    (only,) = svc.registry().values()
    assert (only.lon, only.lat) == (112.981, 28.189)
    f.write_text("[{", encoding="utf-8")
    with pytest.raises(ValidationError, match="cannot read sensors"):
        svc.register_file(f)
    with pytest.raises(Exception, match="may not"):
        SensorService(tiny_city.db, Actor.system("feed", SystemRole.FEED)).register([])


def test_the_track_keeps_moves_not_every_fix(tiny_city) -> None:
    svc = StaffService(tiny_city.db, FEED)
    sid = tiny_city.staff["manager"]
    lon, lat = 112.981, 28.189
    fixes = [PositionFix(sid, lon, lat, T),                                    # first: kept
             ]
    svc.update_positions(fixes)
    svc.update_positions([PositionFix(sid, lon + 0.00005, lat, T + dt.timedelta(seconds=10))])
    svc.update_positions([PositionFix(sid, lon + 0.0005, lat, T + dt.timedelta(seconds=20))])
    svc.update_positions([PositionFix(sid, lon + 0.0005, lat, T + dt.timedelta(seconds=90))])
    # an older fix arriving late changes nothing
    svc.update_positions([PositionFix(sid, 112.0, 28.0, T + dt.timedelta(seconds=30))])
    with tiny_city.db.read() as s:
        track = s.execute(select(StaffTrack.at, StaffTrack.lon).where(
            StaffTrack.staff_id == sid).order_by(StaffTrack.at)).all()
        st = s.get(Staff, sid)
        assert (st.last_lon, st.last_seen_at) == (lon + 0.0005, T + dt.timedelta(seconds=90))
    # 5 m: not kept; 50 m: kept; still 70 s later: kept (a minute passed)
    assert [t.at - T for t in track] == [dt.timedelta(0), dt.timedelta(seconds=20),
                                         dt.timedelta(seconds=90)]
    # a batch naming an unknown person is refused whole
    with pytest.raises(Exception, match="no staff member with id 999999"):
        svc.update_positions([PositionFix(sid, lon, lat, T + dt.timedelta(hours=1)),
                              PositionFix(999999, lon, lat, T + dt.timedelta(hours=1))])
    with tiny_city.db.read() as s:
        assert s.get(Staff, sid).last_seen_at == T + dt.timedelta(seconds=90)


def test_simulated_workers_patrol_their_grid_and_ride_to_cases(tiny_city) -> None:
    sim = CitySimulator(tiny_city.db, seed=5, start=T, surge=True)
    assert len(sim.staff_ids) == 3
    home = shapely.from_wkb(tiny_city.cells[tiny_city.grid_codes[0]].wkb)
    before = np.c_[sim.staff_lon, sim.staff_lat].copy()
    sim.run_until(T + dt.timedelta(minutes=1))
    moved = np.hypot(*(np.c_[sim.staff_lon, sim.staff_lat] - before).T) * 111_000
    assert (moved > 0).any() and (moved < 100).all()   # a minute on foot
    assert shapely.contains_xy(home, sim.staff_lon, sim.staff_lat).all()
    # a case in the home grid: the nearest free worker is sent and rides there
    where = (112.9845, 28.1865)
    sim._send_worker(4242, tiny_city.grids[0], where)
    (i,) = np.flatnonzero(sim.staff_case == 4242)
    with tiny_city.db.read() as s:
        assert s.get(Staff, int(sim.staff_ids[i])).duty_status.value == "busy"
    sim._move_staff(sim.now + dt.timedelta(minutes=10))
    assert (sim.staff_lon[i], sim.staff_lat[i]) == pytest.approx(where)
    sim._release_worker(4242)
    with tiny_city.db.read() as s:
        assert s.get(Staff, int(sim.staff_ids[i])).duty_status.value == "on_duty"
        # positions went through the staff service: the stored ones are the simulator's
        stored = s.execute(select(Staff.last_lon).where(Staff.id.in_(
            [int(x) for x in sim.staff_ids])).order_by(Staff.id)).scalars().all()
    assert stored == pytest.approx(list(sim.staff_lon))


@pytest.mark.mqtt
def test_with_a_broker_the_simulator_publishes_like_real_sources(tiny_city,
                                                                 mqtt_server) -> None:
    host, port = mqtt_server
    prefix = f"citygrid-sim-{uuid.uuid4().hex[:8]}"
    SensorService(tiny_city.db, ADMIN).register([
        Sensor(f"smoke-{k}", 112.9825, 28.1875, "M01", kind="smoke", grid_id=g)
        for k, g in enumerate(tiny_city.grids)])
    feeds = MqttFeeds(tiny_city.db, host=host, port=port, prefix=prefix,
                      locate=lambda lon, lat: tiny_city.grids[0], batch_size=3,
                      client_id=f"test-{uuid.uuid4().hex[:12]}", session_expiry=0)
    feeds.start()
    assert feeds.connected.wait(10)
    pub = MqttPublisher(host=host, port=port, prefix=prefix)
    try:
        sim = CitySimulator(tiny_city.db, seed=11, start=T, surge=True, publisher=pub)
        stats = sim.run_until(T + dt.timedelta(days=4))
        assert stats["alerts_published"] > 0 and stats["position_fixes"] == 3
        end = time.monotonic() + 10
        while time.monotonic() < end and (len(feeds.cases_created) < stats["alerts_published"]
                                          or feeds.received < stats["alerts_published"] + 3):
            time.sleep(0.05)
        feeds.flush_positions()
    finally:
        pub.close()
        feeds.stop()
    # every published alert became an IoT case at its sensor, via the feeds
    assert len(feeds.cases_created) == stats["alerts_published"]
    assert not feeds.quarantined
    with tiny_city.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.channel == "iot")) == stats["alerts_published"]
        stored = s.execute(select(Staff.last_lon).where(Staff.id.in_(
            [int(x) for x in sim.staff_ids])).order_by(Staff.id)).scalars().all()
    assert stored == pytest.approx(list(sim.staff_lon))
    # the feed's cases join the simulated loop on the next tick
    sim.run_until(T + dt.timedelta(days=5))
    with tiny_city.db.read() as s:
        waiting = s.scalar(select(func.count()).select_from(Case).where(
            Case.channel == "iot", Case.status == "reported"))
    assert waiting == 0
