"""The city service: intake, timers and the simulator for a whole control room, headless.

``python main.py serve --db URL [--mqtt HOST[:PORT]]`` runs one :class:`CityService`; the
consoles (seats) then run no intake and no timers of their own. It owns:

- **intake**: the MQTT feeds (:class:`models.intake.mqtt.MqttFeeds`: sensor alerts become
  cases, staff positions move staff) and the snap folder, on every instance (two instances
  split the broker's traffic through a shared subscription);
- **the timers**: the deadline watch and breach escalation once a minute, and the pruning of
  the change log, on the one instance holding the ``timers`` lease
  (:func:`models.storage.services.take_lease`; another instance takes over within
  :data:`~models.storage.services.LEASE_S` when it dies);
- **the simulator**, only when asked (``--simulate``, the demo city's first run, or a seat's
  Simulator switch, stored in the database), also on the lease holder only;
- **scenario recording** (``--record DIR``): each hour of the event log, once it is over,
  as a scenario file ``citygrid-YYYYMMDD-HH.cgs`` (UTC) a trainer can replay, on the lease
  holder;
- **its health**: a heartbeat every :data:`~models.storage.services.BEAT_S` with what intake
  received, applied and still holds, which the seats show.

Every job is a loop on a thread of its own, so a slow escalation never holds the heartbeat
back. :meth:`CityService.stop` stops the loops, then applies what the feeds received
(nothing received is lost), gives up the lease and marks the service stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.core.auth import Actor, SystemRole
from models.storage.changelog import prune
from models.storage.db import Database
from models.storage.schema import Setting, utcnow
from models.storage.services import (
    BEAT_S,
    TIMERS,
    ServiceBeat,
    beat,
    mark_stopped,
    release_lease,
    take_lease,
)

if TYPE_CHECKING:
    from models.intake.mqtt import MqttFeeds, MqttPublisher
    from models.intake.snaps import SnapFolder
    from models.scenarios.simulator import CitySimulator

log = logging.getLogger(__name__)

SIMULATE_KEY = "service.simulate"  # "on" / "off" / "surge": what the seats asked for
WATCH_S = 60.0   # the deadline watch runs once a minute
SNAPS_S = 3.0    # the snap folder is scanned every few seconds
TICK_S = 5.0     # one step of simulated time, following the wall clock


def default_instance() -> str:
    """A service's name: its host and process (a restart is a new instance)."""
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class ServiceConfig:
    """What one service runs (the ``serve`` command's options)."""

    mqtt: tuple[str, int] | None = None
    prefix: str = "citygrid"
    group: str | None = "citygrid"  # shared subscription group: instances split the alerts
    client_id: str | None = None    # stable across restarts: the broker keeps the session
    snap_folder: Path | None = None
    record_dir: Path | None = None  # each past hour of the event log as a scenario file
    simulate: bool = False
    surge: bool = False
    instance: str = field(default_factory=default_instance)
    beat_s: float = BEAT_S
    watch_s: float = WATCH_S
    snaps_s: float = SNAPS_S
    tick_s: float = TICK_S
    # the simulator's time (the wall clock; a test runs it fast from a busy hour)
    sim_clock: Callable[[], dt.datetime] = field(
        default=lambda: dt.datetime.now(dt.UTC), compare=False, repr=False)


def _broker(c: ServiceConfig) -> str:
    return f"{c.mqtt[0]}:{c.mqtt[1]}" if c.mqtt else ""


def simulation_wanted(db: Database) -> tuple[bool, bool] | None:
    """What a seat asked of the simulator: (running, surge), or None when nobody asked."""
    with db.read() as s:
        row = s.get(Setting, SIMULATE_KEY)
    if row is None:
        return None
    return row.value in ("on", "surge"), row.value == "surge"


def ask_simulation(db: Database, on: bool, *, surge: bool = False) -> None:
    """Ask the city service to run (or stop) the simulator: a seat's Simulator switch."""
    value = ("surge" if surge else "on") if on else "off"
    with db.write() as s:
        row = s.get(Setting, SIMULATE_KEY)
        if row is None:
            s.add(Setting(key=SIMULATE_KEY, value=value))
        else:
            row.value = value


class _Loop(threading.Thread):
    """Runs ``job`` every ``interval`` seconds until stopped (a failing run is logged and
    tried again next time: the service goes on)."""

    def __init__(self, name: str, interval: float, job: Callable[[], Any],
                 stopping: threading.Event) -> None:
        super().__init__(name=f"citygrid-{name}", daemon=True)
        self.job, self.interval, self.stopping = job, interval, stopping
        self.runs = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.job()
            except Exception as exc:  # the database went away, a bad file: next time
                log.warning("%s failed (%s: %s); again in %.0f s", self.name,
                            type(exc).__name__, str(exc)[:200], self.interval)
            self.runs += 1
            self.stopping.wait(max(0.0, self.interval - (time.monotonic() - started)))


class CityService:
    """One city service on ``db`` (see the module's docstring)."""

    def __init__(self, db: Database, config: ServiceConfig | None = None) -> None:
        self.db = db
        self.config = config or ServiceConfig()
        self.instance = self.config.instance
        self.started_at = utcnow()
        self.leader = False
        self.feeds: MqttFeeds | None = None
        self.publisher: MqttPublisher | None = None
        self.snaps: SnapFolder | None = None
        self.simulator: CitySimulator | None = None
        self.escalated = 0      # cases the deadline watch moved up
        self.last_error = ""
        self._stopping = threading.Event()
        self._loops: list[_Loop] = []
        self._index: Any = None  # the grid index, built once
        self._router: Any = None
        self._seen = (0, 0.0)    # (processed, monotonic time it last moved)
        # (received, wall time it last moved)
        self._last_received: tuple[int, dt.datetime | None] = (0, None)
        self._lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Connect intake and start the loops (returns at once)."""
        c = self.config
        if c.mqtt is not None:
            self._start_feeds(*c.mqtt)
        if c.snap_folder is not None:
            from models.intake.snaps import SnapFolder

            c.snap_folder.mkdir(parents=True, exist_ok=True)
            self.snaps = SnapFolder(self.db, Actor.system("snaps", SystemRole.FEED),
                                    c.snap_folder, locate=self._locate)
        if c.simulate:  # asked on the command line: the seats see it switched on
            ask_simulation(self.db, True, surge=c.surge)
        self._heartbeat()  # the seats know of the service before its first loop turns
        jobs: list[tuple[str, float, Callable[[], Any]]] = [
            ("heartbeat", c.beat_s, self._heartbeat), ("timers", c.watch_s, self._watch),
            ("simulate", c.tick_s, self._simulate)]
        if self.snaps is not None:
            jobs.append(("snaps", c.snaps_s, self._scan_snaps))
        if c.record_dir is not None:
            c.record_dir.mkdir(parents=True, exist_ok=True)
            jobs.append(("record", c.watch_s, self._record))
        self._loops = [_Loop(n, i, j, self._stopping) for n, i, j in jobs]
        for loop in self._loops:
            loop.start()
        log.info("city service %s started (mqtt %s, snaps %s)", self.instance,
                 _broker(c) or "off", c.snap_folder or "off")

    def stop(self) -> None:
        """Stop the loops, apply what was received, give the lease up, say so."""
        self._stopping.set()
        for loop in self._loops:
            loop.join(60)
        if self.publisher is not None:
            self.publisher.close()
        if self.feeds is not None:
            self.feeds.stop()  # disconnects, then applies everything received
        try:
            if self.leader:
                release_lease(self.db, TIMERS, self.instance)
            self._heartbeat(final=True)
            mark_stopped(self.db, self.instance)
        except Exception as exc:  # the database is gone: the seats see the beats stop
            log.warning("could not record the stop (%s)", type(exc).__name__)
        log.info("city service %s stopped", self.instance)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` is asked (True) or ``timeout`` passes."""
        return self._stopping.wait(timeout)

    # -- intake ------------------------------------------------------------------------------
    def _start_feeds(self, host: str, port: int) -> None:
        from models.intake.mqtt import MqttFeeds

        c = self.config
        kwargs: dict[str, Any] = {}
        if c.client_id is not None:
            kwargs["client_id"] = c.client_id
        if c.group is not None:
            kwargs["group"] = c.group
        self.feeds = MqttFeeds(self.db, host=host, port=port, prefix=c.prefix,
                               locate=self._locate, **kwargs)
        self.feeds.start()
        if not self.feeds.connected.wait(10):
            # paho goes on trying in the background; the heartbeat says it is not connected
            log.warning("no answer from the MQTT broker at %s:%d yet", host, port)

    def _grid_index(self) -> Any:
        with self._lock:
            if self._index is None:
                from models.world.gridindex import GridIndex

                self._index = GridIndex.from_db(self.db, Actor.system("service",
                                                                      SystemRole.FEED))
            return self._index

    def _locate(self, lon: float, lat: float) -> int | None:
        return self._grid_index().locate(lon, lat)

    def _scan_snaps(self) -> None:
        assert self.snaps is not None
        scan = self.snaps.scan()
        if scan.case_ids or scan.quarantine_ids:
            log.info("snap reports: %d new case(s), %d kept in the quarantine",
                     len(scan.case_ids), len(scan.quarantine_ids))

    # -- the heartbeat and the lease ------------------------------------------------------------
    def _heartbeat(self, *, final: bool = False) -> None:
        c, f = self.config, self.feeds
        if not final and not self._stopping.is_set():
            self.leader = take_lease(self.db, TIMERS, self.instance)
        received = f.received if f is not None else 0
        processed = f.processed if f is not None else 0
        backlog = f.backlog if f is not None else 0
        now_m, now = time.monotonic(), utcnow()
        if processed != self._seen[0] or not backlog:
            self._seen = (processed, now_m)
        if received != self._last_received[0]:
            self._last_received = (received, now)
        # behind: how long items have waited with nothing applied (0 while intake keeps up)
        lag = now_m - self._seen[1] if backlog else 0.0
        beat(self.db, ServiceBeat(
            self.instance, host=socket.gethostname(), pid=os.getpid(),
            started_at=self.started_at, mqtt=_broker(c),
            mqtt_connected=bool(f is not None and f.connected.is_set()),
            leader=self.leader and not final, simulating=self.simulator is not None
            and not final, received=received, processed=processed, backlog=backlog,
            last_message_at=self._last_received[1], lag_s=round(lag, 1),
            last_error=self.last_error[:300]), now=now)

    # -- the timers (on the lease holder) ---------------------------------------------------
    def _router_once(self) -> Any:
        with self._lock:
            if self._router is None:
                from routing.graph import EscalationGraph
                from routing.policy import Router

                self._router = Router(EscalationGraph.from_db(self.db))
            return self._router

    def _watch(self) -> None:
        """The deadline-breach rule: overdue cases move one level up (once a minute)."""
        if not self.leader:
            return
        from routing.overdue import escalate_overdue

        escalated = escalate_overdue(self.db, self._router_once())
        self.escalated += len(escalated)
        if escalated:
            log.info("deadline watch: %d overdue case(s) escalated", len(escalated))
        prune(self.db)  # the change log keeps its newest million rows

    def _record(self) -> Path | None:
        """The last hour that is over, as a scenario file (once; on the lease holder)."""
        if not self.leader or self.config.record_dir is None:
            return None
        from models.scenarios.files import export_scenario

        end = utcnow().replace(minute=0, second=0, microsecond=0)
        start = end - dt.timedelta(hours=1)
        path = self.config.record_dir / f"citygrid-{start:%Y%m%d-%H}.cgs"
        if path.exists():
            return None
        # (written to a temporary file, then renamed: never half a file under its name)
        export_scenario(self.db, Actor.system("service"), path, start, end,
                        name=f"{start:%Y-%m-%d %H}:00 UTC")
        log.info("recorded %s", path.name)
        return path

    def _simulate(self) -> None:
        """One step of simulated time, when the simulator is wanted and this is the
        lease holder."""
        wanted = simulation_wanted(self.db)
        on, surge = wanted if wanted is not None else (False, False)
        if not (on and self.leader):
            if self.simulator is not None:
                log.info("simulator stopped")
            self.simulator = None
            return
        if self.simulator is None:
            from models.scenarios.simulator import CitySimulator

            if self.config.mqtt is not None and self.publisher is None:
                from models.intake.mqtt import MqttPublisher

                host, port = self.config.mqtt
                self.publisher = MqttPublisher(host=host, port=port,
                                               prefix=self.config.prefix)
            self.simulator = CitySimulator(self.db, start=self.config.sim_clock(),
                                           surge=surge, publisher=self.publisher,
                                           router=self._router_once())
            log.info("simulator started%s", " (surge)" if surge else "")
        self.simulator.surge = surge
        self.simulator.run_until(self.config.sim_clock())


__all__ = ["SIMULATE_KEY", "CityService", "ServiceConfig", "ask_simulation",
           "default_instance", "simulation_wanted"]
