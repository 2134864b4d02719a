"""The city service (``main.py serve``): heartbeats the seats read, one lease holder for the
timers and the simulator, the deadline watch, a clean stop (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from console.application.casedesk import CaseDesk
from console.application.cityservice import (
    CityService,
    ServiceConfig,
    ask_simulation,
    simulation_wanted,
)
from models.cases.service import CaseService, NewCase
from models.core.auth import Actor
from models.storage.schema import Case, ServiceHealth, StaffRole
from models.storage.services import (
    TIMERS,
    ServiceBeat,
    beat,
    lease_holder,
    service_status,
    take_lease,
)
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.factories import wait_for

ROOT = Path(__file__).parents[2]
FAST = {"beat_s": 0.2, "watch_s": 0.3, "tick_s": 0.3}


def test_a_lease_has_one_holder_until_it_lapses(db) -> None:
    now = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
    assert take_lease(db, TIMERS, "a", now=now, seconds=30)
    assert not take_lease(db, TIMERS, "b", now=now + dt.timedelta(seconds=10))
    assert take_lease(db, TIMERS, "a", now=now + dt.timedelta(seconds=20))  # renewed
    assert lease_holder(db, TIMERS, now=now + dt.timedelta(seconds=45)) == "a"
    # a renews no more (it died): after the lease lapses b takes it
    later = now + dt.timedelta(seconds=51)
    assert lease_holder(db, TIMERS, now=later) is None
    assert take_lease(db, TIMERS, "b", now=later)
    assert not take_lease(db, TIMERS, "a", now=later)


def test_a_seat_sees_a_service_alive_only_while_it_beats(db) -> None:
    now = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
    beat(db, ServiceBeat("svc-1", host="h", received=5, processed=4, backlog=1,
                         leader=True), now=now)
    status = service_status(db, now=now + dt.timedelta(seconds=3))
    assert status.alive and status.timers_alive
    (live,) = status.live
    assert (live.received, live.backlog, live.host) == (5, 1, "h")
    # silent for longer than ALIVE_S: gone, though its row is still there
    assert not service_status(db, now=now + dt.timedelta(seconds=30)).alive
    beat(db, ServiceBeat("svc-1", host="h", received=9), now=now + dt.timedelta(seconds=31))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ServiceHealth)) == 1  # one row


def test_two_services_one_runs_the_timers_and_the_other_takes_over(db) -> None:
    a = CityService(db, ServiceConfig(instance="a", **FAST))
    b = CityService(db, ServiceConfig(instance="b", **FAST))
    a.start()
    try:
        wait_for(lambda: a.leader)
        b.start()
        wait_for(lambda: service_status(db).live and len(service_status(db).live) == 2)
        assert not b.leader  # the lease is a's
        status = service_status(db)
        assert [s.instance for s in status.live if s.leader] == ["a"]
    finally:
        a.stop()
    try:
        # a stopped cleanly: it gave the lease up, so b takes it on its next beat
        wait_for(lambda: b.leader, timeout=5)
        status = service_status(db)
        assert [s.instance for s in status.live] == ["b"]
        assert next(s for s in status.services if s.instance == "a").stopped_at is not None
    finally:
        b.stop()
    assert not service_status(db).alive


def test_the_lease_holder_escalates_overdue_cases(tiny_city) -> None:
    from tests.citykit import add_second_street

    add_second_street(tiny_city)
    router = Router(EscalationGraph.from_db(tiny_city.db))
    dispatcher = Actor("调度", StaffRole.DISPATCHER, tiny_city.staff["dispatcher"])
    desk = CaseDesk(tiny_city.db, dispatcher, lambda: router)
    case_id = CaseService(tiny_city.db, dispatcher,
                          locate=lambda lon, lat: tiny_city.grids[1]).report(NewCase(
                              channel="patrol", subcategory="O04", lon=112.986, lat=28.189,
                              title="路面塌陷")).case_ids[0]
    desk.act("accept", case_id, desk.cases.get(case_id).version)
    desk.act("dispatch", case_id, desk.cases.get(case_id).version)
    level = desk.cases.get(case_id).level
    with tiny_city.db.write() as s:  # its step ran out an hour ago
        s.execute(update(Case).where(Case.id == case_id).values(
            step_deadline=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    service = CityService(tiny_city.db, ServiceConfig(instance="watch", **FAST))
    service.start()
    try:
        wait_for(lambda: desk.cases.get(case_id).level != level)
        assert service.escalated >= 1
    finally:
        service.stop()
    assert desk.cases.get(case_id).level == "street" and level == "community"


def test_the_simulator_runs_only_when_asked(tmp_path, demo_city_file) -> None:
    from tests.factories import copy_demo_city

    db = copy_demo_city(demo_city_file[0], tmp_path / "city.sqlite3")
    try:
        def cases() -> int:
            with db.read() as s:
                return int(s.scalar(select(func.count()).select_from(Case)) or 0)

        # simulated time from a weekday morning, a minute a second: the wall clock at
        # night (the demo city's quiet hours) may make no case within the wait
        t0, m0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), time.monotonic()

        def sim_clock() -> dt.datetime:
            return t0 + dt.timedelta(minutes=time.monotonic() - m0)

        service = CityService(db, ServiceConfig(instance="sim", sim_clock=sim_clock, **FAST))
        service.start()
        try:
            wait_for(lambda: service.leader)
            before = cases()
            time.sleep(1.0)  # several ticks: nobody asked for the simulator
            assert cases() == before and service.simulator is None
            assert simulation_wanted(db) is None
            ask_simulation(db, True)  # a seat's Simulator switch
            wait_for(lambda: cases() > before, timeout=60)
            wait_for(lambda: service_status(db).live[0].simulating)  # the next heartbeat
            ask_simulation(db, False)
            wait_for(lambda: service.simulator is None)
            assert simulation_wanted(db) == (False, False)
        finally:
            service.stop()
    finally:
        db.dispose()


def test_serve_stops_cleanly_on_sigterm(tmp_path, demo_city_file) -> None:
    from models.storage.db import Database
    from tests.factories import copy_demo_city

    copy_demo_city(demo_city_file[0], tmp_path / "city.sqlite3").dispose()
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve", "--db", url,
                             "--name", "sigterm-test"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    db = Database.open(url)
    try:
        wait_for(lambda: service_status(db).alive, timeout=60)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out[-2000:]
        assert "signal SIGTERM: stopping" in out and "sigterm-test stopped" in out
        (gone,) = service_status(db).services
        assert gone.instance == "sigterm-test" and gone.stopped_at is not None
        assert not service_status(db).alive
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        db.dispose()


@pytest.mark.parametrize("text, problem", [("host:port", "HOST[:PORT]"),
                                           ("host:70000", "HOST[:PORT]")])
def test_serve_refuses_a_bad_broker(text, problem, sqlite_url, capsys) -> None:
    from console.cli import main

    assert main(["serve", "--db", sqlite_url, "--mqtt", text]) == 2
    assert problem in capsys.readouterr().err


def test_a_single_seat_runs_its_service_as_a_child(tmp_path, demo_city_file) -> None:
    """A console on SQLite starts ``main.py serve`` as a child process (intake never in the
    GUI process) and stops it with SIGTERM when it closes; the child logs beside the file."""
    from console.application.servicechild import ServiceChild, serve_command
    from tests.factories import copy_demo_city

    db = copy_demo_city(demo_city_file[0], tmp_path / "city.sqlite3")
    try:
        url = db.engine.url.render_as_string(hide_password=False)
        child = ServiceChild(serve_command(url, simulate=True, name="seat-test"),
                             tmp_path / "service.log")
        child.start()
        try:
            wait_for(lambda: service_status(db).alive, timeout=60)
            (live,) = service_status(db).live
            assert live.instance == "seat-test" and live.leader
            wait_for(lambda: service_status(db).live[0].simulating, timeout=60)
        finally:
            code = child.stop()
        assert code == 0 and not child.running
        assert not service_status(db).alive
        assert "seat-test stopped" in (tmp_path / "service.log").read_text()
    finally:
        db.dispose()


def test_a_child_service_stops_when_its_console_is_gone(tmp_path, demo_city_file) -> None:
    """``--parent PID``: the console that started the service is not its parent any more
    (killed, crashed): the service stops cleanly on its own, never left running."""
    from tests.factories import copy_demo_city

    copy_demo_city(demo_city_file[0], tmp_path / "city.sqlite3").dispose()
    url = f"sqlite:///{tmp_path / 'city.sqlite3'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # a parent that is not this test process: as if the console had gone
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "serve", "--db", url,
                           "--name", "orphan", "--parent", "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "is gone: stopping" in proc.stderr and "orphan stopped" in proc.stderr


@pytest.mark.mqtt
def test_two_services_split_the_alerts_and_make_each_case_once(tiny_city, mqtt_server) -> None:
    """Two city services of one group on one database: every alert becomes exactly one
    case, their heartbeats count what they took in, and a stop loses nothing."""
    import json
    import uuid

    import paho.mqtt.client as mqtt

    from models.core.auth import SystemRole
    from models.world.sensors import Sensor, SensorService

    host, port = mqtt_server
    SensorService(tiny_city.db, Actor.system("admin", SystemRole.ADMIN)).register(
        [Sensor("smoke-7", 112.9821, 28.1879, "M01", "烟感 7 号", "smoke",
                tiny_city.grids[0])])
    tag = uuid.uuid4().hex[:8]
    prefix, group = f"citygrid-svc-{tag}", f"g{tag}"

    def service(name: str) -> CityService:
        return CityService(tiny_city.db, ServiceConfig(
            mqtt=(host, port), prefix=prefix, group=group, client_id=f"{name}-{tag}",
            instance=name, **FAST))

    a, b = service("hall-a"), service("hall-b")
    a.start()
    b.start()
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    pub.connect(host, port)
    pub.loop_start()
    try:
        assert a.feeds is not None and b.feeds is not None
        assert a.feeds.connected.wait(10) and b.feeds.connected.wait(10)
        for k in range(40):
            pub.publish(f"{prefix}/iot/smoke-7/alert", json.dumps(
                {"kind": "smoke", "value": 0.9,
                 "time": f"2026-12-04T09:00:{k:02d}+08:00"}), qos=1).wait_for_publish(5)
        wait_for(lambda: a.feeds.processed + b.feeds.processed == 40)
        wait_for(lambda: sum(s.received for s in service_status(tiny_city.db).live) == 40,
                 timeout=10)
        live = service_status(tiny_city.db).live
        assert all(s.mqtt_connected and s.last_message_at is not None for s in live)
    finally:
        pub.loop_stop()
        pub.disconnect()
        a.stop()
        b.stop()
    with tiny_city.db.read() as s:
        cases = s.scalar(select(func.count()).select_from(Case).where(
            Case.channel == "iot"))
    assert cases == 40
    assert a.feeds.redelivered + b.feeds.redelivered == 0


@pytest.mark.mqtt
def test_a_service_killed_mid_burst_loses_no_alert_and_doubles_none(tiny_city,
                                                                     mqtt_server) -> None:
    """``main.py serve`` killed with SIGKILL while a burst arrives, then started again with
    the same broker session: every alert becomes exactly one case (QoS 1, a persistent
    session, acknowledged after commit, the intake key)."""
    import json
    import uuid

    import paho.mqtt.client as mqtt

    from models.core.auth import SystemRole
    from models.world.sensors import Sensor, SensorService

    host, port = mqtt_server
    SensorService(tiny_city.db, Actor.system("admin", SystemRole.ADMIN)).register(
        [Sensor("smoke-9", 112.9821, 28.1879, "M01", "烟感 9 号", "smoke",
                tiny_city.grids[0])])
    tag = uuid.uuid4().hex[:8]
    url = tiny_city.db.engine.url.render_as_string(hide_password=False)
    cmd = [sys.executable, str(ROOT / "main.py"), "serve", "--db", url, "--mqtt",
           f"{host}:{port}", "--prefix", f"kill-{tag}", "--group", "",
           "--client-id", f"kill-{tag}", "--name", f"kill-{tag}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def cases() -> int:
        with tiny_city.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Case).where(
                Case.channel == "iot")) or 0)

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        wait_for(lambda: any(s.instance == f"kill-{tag}" and s.mqtt_connected
                             for s in service_status(tiny_city.db).live), timeout=60)
        return proc

    first = start()
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    pub.connect(host, port)
    pub.loop_start()
    # within Mosquitto's default queue of an offline session (max_queued_messages 1000: a
    # longer outage needs it raised, docs/DEPLOYMENT.md)
    n = 800

    def send(ks: range) -> list:
        return [pub.publish(f"kill-{tag}/iot/smoke-9/alert", json.dumps(
            {"kind": "smoke", "value": 0.9,
             "time": (dt.datetime(2026, 12, 4, 1, tzinfo=dt.UTC)
                      + dt.timedelta(seconds=k)).isoformat()}), qos=1) for k in ks]

    try:
        sent = send(range(n // 2))
        wait_for(lambda: cases() > 0, timeout=60)
        first.send_signal(signal.SIGKILL)  # mid-burst: no stop, no flush, no goodbye
        first.wait(30)
        sent += send(range(n // 2, n))  # the rest of the burst while it is down
        for message in sent:
            message.wait_for_publish(10)  # the broker keeps them for the session
        assert 0 < cases() < n
        second = start()
        try:
            wait_for(lambda: cases() == n, timeout=90)
            time.sleep(1.0)  # (a doubled case would come now: there is none)
            assert cases() == n
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(60) == 0
    finally:
        pub.loop_stop()
        pub.disconnect()
        if first.poll() is None:
            first.kill()
    with tiny_city.db.read() as s:
        keys = s.scalars(select(Case.intake_key).where(Case.channel == "iot")).all()
    assert len(set(keys)) == n


@pytest.mark.mqtt
def test_two_service_processes_and_two_seats_see_each_alert_once(tiny_city,
                                                                 mqtt_server) -> None:
    """Two ``main.py serve`` processes of one group and two seats following the change log
    on one database: N alerts published, exactly N cases, and each seat reads every one."""
    import json
    import uuid

    import paho.mqtt.client as mqtt

    from models.core.auth import SystemRole
    from models.storage.changelog import changes_since, latest_seq
    from models.world.sensors import Sensor, SensorService

    host, port = mqtt_server
    SensorService(tiny_city.db, Actor.system("admin", SystemRole.ADMIN)).register(
        [Sensor("smoke-5", 112.9821, 28.1879, "M01", "烟感 5 号", "smoke",
                tiny_city.grids[0])])
    tag = uuid.uuid4().hex[:8]
    url = tiny_city.db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    services = [subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "serve", "--db", url, "--mqtt",
         f"{host}:{port}", "--prefix", f"two-{tag}", "--group", f"g{tag}",
         "--client-id", f"two-{tag}-{k}", "--name", f"two-{tag}-{k}"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for k in range(2)]
    seen: list[set[int]] = [set(), set()]
    start = latest_seq(tiny_city.db)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    try:
        wait_for(lambda: sum(s.mqtt_connected for s in service_status(tiny_city.db).live
                             if s.instance.startswith(f"two-{tag}")) == 2, timeout=60)
        pub.connect(host, port)
        pub.loop_start()
        n = 200
        for k in range(n):
            pub.publish(f"two-{tag}/iot/smoke-5/alert", json.dumps(
                {"kind": "smoke", "value": 0.9,
                 "time": (dt.datetime(2026, 12, 4, 2, tzinfo=dt.UTC)
                          + dt.timedelta(seconds=k)).isoformat()}), qos=1).wait_for_publish(5)
        seqs = [start, start]

        def followed() -> bool:  # each seat reads the log from where it started
            for k in (0, 1):
                batch = changes_since(tiny_city.db, seqs[k])
                seqs[k] = batch.seq
                seen[k].update(batch.case_ids)
            return all(len(x) >= n for x in seen)

        wait_for(followed, timeout=90)
    finally:
        pub.loop_stop()
        pub.disconnect()
        for p in services:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(60) for p in services]
    with tiny_city.db.read() as s:
        made = set(s.scalars(select(Case.id).where(Case.channel == "iot")).all())
    assert len(made) == n and seen[0] == seen[1] == made
    assert codes == [0, 0]
    took = [s.received for s in service_status(tiny_city.db).services
            if s.instance.startswith(f"two-{tag}")]
    assert len(took) == 2 and sum(took) >= n  # the group split the alerts between them


def test_the_service_records_each_past_hour_as_a_scenario(tiny_city, tmp_path) -> None:
    """``serve --record DIR``: the hour that is over, as a scenario file a trainer can
    replay, once (the lease holder writes it)."""
    from models.scenarios.files import read_scenario

    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    CaseService(tiny_city.db, Actor("调度", StaffRole.DISPATCHER),
                locate=lambda lon, lat: tiny_city.grids[0]).report(NewCase(
                    channel="patrol", subcategory="C01", lon=112.981, lat=28.189,
                    title="占道", reported_at=hour - dt.timedelta(minutes=30)))
    folder = tmp_path / "scenarios"
    service = CityService(tiny_city.db, ServiceConfig(instance="rec", record_dir=folder,
                                                      **FAST))
    service.start()
    path = folder / f"citygrid-{hour - dt.timedelta(hours=1):%Y%m%d-%H}.cgs"
    try:
        wait_for(path.exists)
        time.sleep(0.5)  # more turns of the loop: written once
    finally:
        service.stop()
    assert [p.name for p in folder.iterdir()] == [path.name]
    scenario = read_scenario(path)
    assert scenario.header.name.endswith(":00 UTC")
    assert sum(1 for e in scenario.events if e.get("k") == "report") == 1
