"""The live feeds under a surge, end to end through the real broker (issue 5).

* intake_events_per_s: events committed per second by the intake path (bursts of 500 snap
  reports through ``IntakeService.submit_many``: validation, grid lookup, duplicate check,
  case + report + history rows, audit); target 5,000 or more (issue 13).
* The surge: the city service (``main.py serve``, a process of its own, as in a control
  room, at the CPU priority a single seat's console gives its child, ``--nice 5``;
  ``--service-nice 0`` for the same priority as the window; ``--embedded``: the console's
  own feeds instead, in the GUI process) takes the feeds from Mosquitto and the console
  (main window, live map, controller) follows its cases through the change log, while a
  publisher (another process, as the sources are other machines) sends sensor alerts at
  ``--rate`` events a second (50) and the positions of ``--staff`` people (10,000) every
  10 s, for ``--seconds`` (60).
  surge_backlog_max: the most items received and not yet applied, sampled every 100 ms
  (bounded: it does not grow with time); gui_stall_max_ms: the longest delay of a 20 ms
  timer on the GUI thread beyond its interval (target 50 ms, with ``--hog``: a busy
  process on the other core).

Run: ``.venv/bin/python -m benchmarks.feeds [--seconds 60]`` (needs Mosquitto at
127.0.0.1:1883). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --no-sandbox")

import numpy as np

from benchmarks._machine import print_machine
from widgets.citymap import register_url_scheme

register_url_scheme()

import paho.mqtt.client as mqtt  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from console.composition import build_console  # noqa: E402
from models.core.auth import Actor, SystemRole  # noqa: E402
from models.intake.service import IntakeService  # noqa: E402
from models.scenarios.democity import build_demo_city, seed_demo_cases  # noqa: E402
from models.storage.db import Database  # noqa: E402
from models.storage.schema import Case, Sensor, Staff, StaffRole  # noqa: E402
from models.world.gridindex import GridIndex  # noqa: E402


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def intake_throughput(db: Database, n: int = 20_000, burst: int = 500) -> float:
    index = GridIndex.from_db(db)
    svc = IntakeService(db, Actor.system("bench-feed", SystemRole.FEED), locate=index.locate)
    rng = np.random.default_rng(1)
    lon = rng.uniform(112.90, 113.05, n)
    lat = rng.uniform(28.10, 28.25, n)
    subs = rng.choice(["C01", "C03", "C05", "S01", "E02", "O02"], n)
    t0 = dt.datetime(2026, 11, 28, 1, tzinfo=dt.UTC)
    payloads = [{"subcategory": str(subs[k]), "lon": float(lon[k]), "lat": float(lat[k]),
                 "title": "随手拍", "description": "benchmark", "name": "张三",
                 "phone": "13812345678",
                 "time": (t0 + dt.timedelta(seconds=k)).isoformat()} for k in range(n)]
    start = time.perf_counter()
    made = 0
    for k in range(0, n, burst):
        made += sum(r.case_id is not None for r in svc.submit_many("snap",
                                                                     payloads[k:k + burst]))
    took = time.perf_counter() - start
    assert made == n, (made, n)
    return n / took


def _intake_on(url: str) -> float:
    """The intake path on a new demo city at ``url`` (PostgreSQL: a scratch schema)."""
    schema = None
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        schema = f"citygrid_intake_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}?options=-csearch_path%3D{schema}"
    scratch = Database.open(url)
    try:
        build_demo_city(scratch)
        return intake_throughput(scratch)
    finally:
        scratch.dispose()
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def publish(host: str, port: int, prefix: str, sensors: list[str], staff: list[int],
            rate: float, seconds: float, counts) -> None:
    """The sources, in their own process (sensors and phones are other machines): alerts at
    ``rate`` a second, and every staff member's position every 10 s."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    rng = np.random.default_rng(2)
    start = time.monotonic()
    alerts = fixes = k = 0
    n_staff = len(staff)
    while (now := time.monotonic() - start) < seconds:
        at = dt.datetime.now(dt.UTC).isoformat()
        for _ in range(max(0, int(now * rate) - alerts)):
            sid = sensors[int(rng.integers(len(sensors)))]
            # each alert its own time: one sensor, kind and time is one alert (its key)
            client.publish(f"{prefix}/iot/{sid}/alert", json.dumps(
                {"kind": "alarm", "value": 0.9,
                 "time": dt.datetime.now(dt.UTC).isoformat()}), qos=1)
            alerts += 1
        for _ in range(max(0, int(now / 10.0 * n_staff) - fixes)):
            sid = staff[k % n_staff]
            k += 1
            client.publish(f"{prefix}/staff/{sid}/position", json.dumps(
                {"lon": 112.98 + rng.normal(0, 0.03), "lat": 28.19 + rng.normal(0, 0.03),
                 "time": at}))
            fixes += 1
        counts[0], counts[1] = alerts, fixes
        time.sleep(0.05)
    time.sleep(1.0)  # let the last messages leave
    client.loop_stop()
    client.disconnect()


def _spin() -> None:
    """A CPU hog: another busy process on the machine (a report run, a backup)."""
    while True:
        pass


class _ServiceFeeds:
    """The city service's intake as its heartbeat reports it (the figures a seat shows)."""

    def __init__(self, db: Database, instance: str) -> None:
        self.db, self.instance = db, instance
        self.quarantined: list = []
        self.redelivered = 0

    def _beat(self):
        from models.storage.services import service_status

        return next((s for s in service_status(self.db).live if s.instance == self.instance),
                    None)

    def connected(self) -> bool:
        beat = self._beat()
        return beat is not None and beat.mqtt_connected

    @property
    def received(self) -> int:
        beat = self._beat()
        return beat.received if beat is not None else 0

    @property
    def backlog(self) -> int:
        beat = self._beat()
        return beat.backlog if beat is not None else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=50.0, help="alerts per second")
    ap.add_argument("--staff", type=int, default=10_000)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=1883)
    ap.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    ap.add_argument("--hog", action="store_true",
                    help="a busy process spinning on one core for the whole surge")
    ap.add_argument("--intake-db", default=None, metavar="URL",
                    help="measure the intake path on this database (PostgreSQL: in a scratch "
                         "schema, dropped after) instead of a new SQLite file")
    ap.add_argument("--service-nice", type=int, default=None, metavar="N",
                    help="the service's CPU priority (default: a single seat's child's, "
                         "console.application.servicechild.CHILD_NICE)")
    ap.add_argument("--embedded", action="store_true",
                    help="the console takes the feeds itself (no city service)")
    args = ap.parse_args()
    print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="citygrid-feeds-"))
    db = Database.open(args.db or f"sqlite:///{tmp / 'feeds.sqlite3'}")
    if db.is_empty():
        build_demo_city(db)
        seed_demo_cases(db)
    # 1. the intake path, on its own database so the surge starts from a normal day
    rate = _intake_on(args.intake_db or f"sqlite:///{tmp / 'intake.sqlite3'}")
    print(f"intake: {rate:,.0f} events/s committed (bursts of 500)")

    # 2. the surge, through the console
    _app = QApplication.instance() or QApplication([])  # kept: the console needs it alive
    with db.read() as s:
        sensors = list(s.scalars(select(Sensor.id)))
        # every staff member carries the app (grid workers, handlers, centre staff)
        staff = list(s.scalars(select(Staff.id).order_by(Staff.id).limit(args.staff)))
        cases_before = s.scalar(select(func.count()).select_from(Case))
    console = build_console(db, Actor("bench", StaffRole.DISPATCHER))
    window, controller, map_widget = console.window, console.controller, console.map
    window.resize(1600, 1000)
    applied: list[float] = []
    show = controller._show_snapshot

    def timed_show(snap) -> None:
        t = time.perf_counter()
        show(snap)
        applied.append((time.perf_counter() - t) * 1000)

    controller._show_snapshot = timed_show
    # the feeds' cases reach the window as change records, their positions on their own
    patched: list[float] = []
    views = controller.views
    def timing(f):
        def timed(*args) -> None:
            t = time.perf_counter()
            f(*args)
            patched.append((time.perf_counter() - t) * 1000)
        return timed

    for name in ("apply", "show_positions"):
        setattr(views, name, timing(getattr(views, name)))
    window.show()
    ready = QEventLoop()
    controller.sig_ready.connect(ready.quit)
    controller.start()
    ready.exec()
    prefix = f"citygrid-bench-{uuid.uuid4().hex[:6]}"
    service = None
    from console.application.servicechild import CHILD_NICE

    nice = CHILD_NICE if args.service_nice is None else args.service_nice
    if args.embedded:
        controller.start_feeds(args.host, args.port, prefix)
        while controller.feeds is None:
            wait(50)
        feeds = controller.feeds
    else:
        url = db.engine.url.render_as_string(hide_password=False)
        service = subprocess.Popen(
            [sys.executable, "main.py", "serve", "--db", url, "--mqtt",
             f"{args.host}:{args.port}", "--prefix", prefix, "--group", "",
             "--client-id", f"bench-{prefix}", "--name", f"bench-{prefix}",
             "--nice", str(nice)],
            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL,
            stderr=open(tmp / "service.log", "wb"))  # noqa: SIM115
        feeds = _ServiceFeeds(db, f"bench-{prefix}")
        while not feeds.connected():
            wait(100)
    ctx = multiprocessing.get_context("spawn")  # not fork: this process runs Qt threads
    counts = ctx.Array("l", 2)
    pub = ctx.Process(
        target=publish, args=(args.host, args.port, prefix, sensors, staff, args.rate,
                              args.seconds, counts), daemon=True)
    stalls: list[float] = []
    backlog: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    stall_at: list[tuple[float, float]] = []

    def on_tick() -> None:
        now = clock.elapsed()
        stalls.append(max(0.0, now - last[0] - 20))
        if stalls[-1] > 50:
            stall_at.append((round(now / 1000, 2), stalls[-1]))
        last[0] = now

    ticker = QTimer()
    ticker.setInterval(20)
    ticker.timeout.connect(on_tick)
    sampler = QTimer()
    sampler.setInterval(100)
    sampler.timeout.connect(lambda: backlog.append(feeds.backlog))
    if service is not None:
        sampler.setInterval(500)  # the service's heartbeat is every 2 s
    ticker.start()
    sampler.start()
    hog = ctx.Process(target=_spin, daemon=True) if args.hog else None
    if hog is not None:
        hog.start()
    pub.start()
    t0 = time.perf_counter()
    while pub.is_alive():
        wait(100)
    sent = time.perf_counter() - t0
    # drain: everything received is applied
    deadline = time.monotonic() + 60
    alerts, fixes = counts[0], counts[1]
    while (feeds.received < alerts + fixes or feeds.backlog) and \
            time.monotonic() < deadline:
        wait(100)
    drain_s = time.perf_counter() - t0 - sent
    ticker.stop()
    sampler.stop()
    if hog is not None:
        hog.terminate()
    with db.read() as s:
        cases_after = s.scalar(select(func.count()).select_from(Case))
    received = feeds.received  # (the service's last heartbeat, before it stops)
    controller.stop_feeds()
    if service is not None:
        service.terminate()  # SIGTERM: it applies what it received and stops
        service.wait(60)
    map_widget.teardown()
    controller.runner.shutdown()
    db.dispose()
    result = {
        "intake_events_per_s": round(rate),
        "intake_db": "postgresql" if (args.intake_db or "").startswith("postgresql")
        else "sqlite",
        "intake": "embedded" if args.embedded else "city service", "cpu_hog": args.hog,
        "service_nice": None if args.embedded else nice,
        "surge_seconds": round(sent, 1),
        "alerts_published": alerts,
        "positions_published": fixes,
        "staff_reporting": len(staff),
        "received": received,
        "cases_created": cases_after - cases_before,
        "quarantined": len(feeds.quarantined),
        "redelivered": feeds.redelivered,
        "surge_backlog_max": max(backlog) if backlog else 0,
        "surge_backlog_p99": int(np.percentile(backlog, 99)) if backlog else 0,
        "drain_s": round(drain_s, 2),
        "gui_stall_max_ms": round(max(stalls), 1) if stalls else 0.0,
        "gui_stalls_over_50ms": stall_at,
        "refreshes": len(applied),
        "changes_applied": len(patched),
        "change_apply_max_ms": round(max(patched), 1) if patched else 0.0,
        "refresh_apply_max_ms": round(max(applied[1:]), 1) if len(applied) > 1 else 0.0,
        "gui_stall_p99_ms": round(float(np.percentile(stalls, 99)), 1) if stalls else 0.0,
        "gui_stall_median_ms": round(statistics.median(stalls), 1) if stalls else 0.0,
    }
    print(f"surge: {alerts} alerts and {fixes} positions in {sent:.0f} s; "
          f"{result['cases_created']} cases; backlog max {result['surge_backlog_max']}; "
          f"GUI stall max {result['gui_stall_max_ms']} ms (p99 {result['gui_stall_p99_ms']})")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
