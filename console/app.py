"""Start the console: open the database, build the demo city on first launch, show the window.

:class:`ConsoleController` is the one place that talks to both services and widgets: it
calls services (off the GUI thread when the work is long), and hands frozen records to the
widgets, which never reach the database themselves.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gc
import json
import datetime as dt
import logging
import os
import sys
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import shapely

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from console.i18n import install_translators
from console.mainwindow import MainWindow
from console.reconcile import ReconcilePresenter
from console.settings import load_settings, save_settings
from console.tasks import TaskRunner, TaskState
from console.theme import apply_theme
from widgets import labels
from widgets.citymap import BaseMap, CityMapWidget, register_url_scheme
from models.auth import Actor, Perm
from models.cases import CaseService
from models.db import Database
from models.errors import CityGridError, StaleVersionError
from models.loop import TRANSITIONS, allowed
from models.worktime import case_fallback_years, load_calendar
from models.casetable import LEVEL_CODES, PRIORITY_CODES, STATUS_CODES, CaseTable
from models.catalogue import CATEGORY_CODES
from models.queue import QueueReader, reader_for, search_cases
from models.records import DistrictSummary, RoutingDecision
from models.schema import StaffRole
from models.staff import StaffPositions, StaffService
from models.units import (
    UnitService,
    boundary_feature_collection,
    district_summaries,
    grid_feature_collection,
)

log = logging.getLogger(__name__)
GRID_WORKER_STEPS = ("start", "feedback", "verify_pass", "verify_fail")
HISTORY_PAGE = 500  # cases a search of the whole history lists


@dataclass(frozen=True)
class MapLayers:
    """The map's base layers as GeoJSON (read once; they change only with an import)."""

    grids: dict
    boundaries: dict[str, dict]


@dataclass(frozen=True)
class Snapshot:
    """Everything a refresh shows, read in one background task."""

    districts: list[DistrictSummary]
    table: CaseTable
    on_duty: int
    positions: StaffPositions
    layers: MapLayers | None
    read_at: dt.datetime
    unit_loads: list[tuple[str, int, int, float, str]] = dataclasses.field(default_factory=list)
    street_names: dict[str, str] = dataclasses.field(default_factory=dict)
    quarantine: list = dataclasses.field(default_factory=list)  # QuarantineRecord, pending


def read_snapshot(db: Database, actor: Actor, state: TaskState | None = None, *,
                  with_layers: bool = False, queue: QueueReader | None = None) -> Snapshot:
    """Read what the window shows (runs on a worker thread): every open case and a window
    of recently closed ones, through ``queue`` (by default the database's shared reader,
    which re-reads only the closed cases that changed)."""
    layers = None
    if with_layers:
        layers = MapLayers(grid_feature_collection(db, actor),
                           {level: boundary_feature_collection(db, actor, level)
                            for level in ("community", "street", "district")})
    if state:
        state.progress("districts", 0.3)
    districts = district_summaries(db, actor)
    if state:
        state.progress("cases", 0.5)
    table = (queue or reader_for(db)).read(actor)
    if state:
        state.progress("staff", 0.8)
    staff = StaffService(db, actor)
    positions = staff.positions()
    from routing.recommend import workload_by_unit

    units = UnitService(db, actor)
    codes = {u.id: u.code for u in units.units("community")}
    street_names = {u.code: u.name for u in units.units("street")}
    from models.intake import IntakeService

    quarantine = IntakeService(db, actor).quarantine()
    loads = workload_by_unit({int(i): u for i, u in zip(positions.ids, positions.unit,
                                                        strict=True) if u in codes},
                             CaseService(db, actor).workload_by_staff())
    # busiest first, then the idle ones a shift lead could draw on
    loads.sort(key=lambda u: (-u.per_staff, u.unit_id))
    unit_loads = [(codes[u.unit_id], u.staff, u.open_cases, u.per_staff, u.state)
                  for u in loads]
    return Snapshot(districts, table, staff.count_on_duty(), positions, layers,
                    dt.datetime.now(dt.UTC), unit_loads, street_names, quarantine)


@dataclass(frozen=True)
class BulkReassignment:
    """What a bulk reassignment did: the case numbers moved, and those left as they were
    because someone else changed them after they were listed."""

    moved: tuple[str, ...]
    stale: tuple[str, ...]


class ActionCancelled(Exception):
    """The user cancelled a dialog an action asked (not an error: nothing changed)."""


class ConsoleController(QObject):
    """Wires the services of one database to the main window."""

    sig_ready = Signal()
    """The window shows the database's content for the first time."""

    def __init__(self, db: Database, actor: Actor, window: MainWindow, *,
                 build_demo: bool = True, map_widget: CityMapWidget | None = None) -> None:
        super().__init__(window)
        self.db, self.actor, self.window = db, actor, window
        self.cases = CaseService(db, actor)
        self.staff = StaffService(db, actor)
        self.units = UnitService(db, actor)
        self.runner = TaskRunner(self)
        self.runner.sig_task_progress.connect(window.show_progress)
        self.runner.sig_task_finished.connect(self._on_runner_finished)
        self.runner.sig_task_failed.connect(self._on_runner_failed)
        window.sig_refresh_requested.connect(self.refresh)
        window.sig_search_requested.connect(self._on_window_search_requested)
        window.queue.sig_case_selected.connect(self._on_queue_case_selected)
        window.alerts.sig_case_selected.connect(self._on_list_case_selected)
        window.staff.sig_case_selected.connect(self._on_list_case_selected)
        window.alerts.sig_emergencies_acknowledged.connect(self._on_alerts_acknowledged)
        self.acknowledged: set[int] = set()
        window.sig_fly_to_selected_requested.connect(self._on_window_fly_to_selected_requested)
        window.sig_role_requested.connect(self.set_role)
        window.sig_bulk_reassign_requested.connect(self._on_window_bulk_reassign_requested)
        window.sig_hotline_requested.connect(self.open_hotline_form)
        self.hotline = None  # the open hotline form, if any
        window.sig_simulator_toggled.connect(self.set_simulator_running)
        window.sig_surge_toggled.connect(self._on_window_surge_toggled)
        self.simulator = None  # models.simulator.CitySimulator, made on first use
        self.feeds = None  # models.feeds.MqttFeeds when a broker is configured
        self.publisher = None  # the simulator's MQTT side, with the feeds
        self._feeds_seen = 0
        self._feeds_timer = QTimer(self)
        self._feeds_timer.setInterval(1000)  # new feed items show within a second
        self._feeds_timer.timeout.connect(self._on_feeds_timer_timeout)
        self._watch_router = None
        self._surge = False
        self._sim_timer = QTimer(self)
        self._sim_timer.setInterval(5000)  # simulated time follows the wall clock
        self._sim_timer.timeout.connect(self._on_sim_timer_timeout)
        # the deadline-breach rule: overdue cases move one level up, checked every minute
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(60_000)
        self._watch_timer.timeout.connect(self._on_watch_timer_timeout)
        window.detail.sig_action_requested.connect(self._on_detail_action_requested)
        window.detail.sig_contact_reveal_requested.connect(
            self._on_detail_contact_reveal_requested)
        window.detail.set_contact_reveal_allowed(actor.can(Perm.CONTACT_READ))
        window.sig_scenario_requested.connect(self.open_scenario)
        window.sig_drill_requested.connect(self._on_window_drill_requested)
        self.drills: list = []  # console.drill.DrillRun, running
        self._drill_trainee = ""
        window.sig_live_requested.connect(self.back_to_live)
        window.timeline.sig_time_changed.connect(self._on_timeline_time_changed)
        window.timeline.sig_step_requested.connect(self._on_timeline_step_requested)
        self.replay = None  # models.replay.Replay while a scenario is replayed
        window.quarantine.sig_retry_requested.connect(self._on_quarantine_retry_requested)
        window.quarantine.sig_discard_requested.connect(self._on_quarantine_discard_requested)
        window.quarantine.sig_reveal_requested.connect(self._on_quarantine_reveal_requested)
        window.quarantine.reveal.setVisible(actor.can(Perm.CONTACT_READ))
        self.router = None  # routing.policy.Router, built on first use (off the hot path)
        self._points: dict[int, tuple[float, float]] | None = None
        self._districts: list | None = None  # (district id, boundary) for off-grid cases
        self._adjacency = None
        self._staff_departments: dict[int, int] | None = None
        self.span_picker = None  # widgets.spanpicker.SpanPicker while a span is marked
        # the departments' grid layers against the unified grid (Map → Reconcile …)
        self.reconcile = ReconcilePresenter(db, actor, window.reconcile, self.runner,
                                            map_widget=map_widget, parent=window,
                                            is_shown=window.reconcile.isVisible)
        # how the controller asks the user for a reason, a note or a score; tests replace it
        self.ask: Callable[[str, str, list[str] | None], str | None] = self._ask_dialog
        self.map = map_widget
        self._index = None  # the point-to-grid index, built on first use
        self.picked_location: tuple[float, float, str] | None = None
        self._layers_sent = False
        self._shown_keys = np.zeros(0, dtype=np.int64)  # the markers on the page (see map)
        self._heat_until = 0.0  # the newest report time in the page's heat layer
        if map_widget is not None:
            map_widget.sig_grid_clicked.connect(self._on_map_grid_clicked)
            map_widget.sig_event_clicked.connect(self._on_map_event_clicked)
            map_widget.sig_distance_measured.connect(self._on_map_distance_measured)
            window.sig_measure_requested.connect(map_widget.start_measure)
            window.sig_pick_location_requested.connect(self._on_window_pick_location_requested)
            map_widget.sig_location_picked.connect(self._on_map_location_picked)
        self.ready = False
        self._build_demo = build_demo
        self.snapshot: Snapshot | None = None

    @Slot()
    def _on_watch_timer_timeout(self) -> None:
        self.runner.submit("deadline-watch", self._deadline_watch_task, coalesce=True)

    def _deadline_watch_task(self, state: TaskState) -> list[int]:
        from routing.graph import EscalationGraph
        from routing.policy import Router, escalate_overdue

        if self._watch_router is None:
            self._watch_router = Router(EscalationGraph.from_db(self.db))
        state.check()
        return escalate_overdue(self.db, self._watch_router)

    def start(self) -> None:
        self._watch_timer.start()
        if self._build_demo and self.db.is_empty():
            self.window.statusBar().showMessage(
                self.tr("First start: building the demo city of Changsha…"))
            self.runner.submit("demo", self._build_demo_task)
        else:
            self.refresh()

    def _build_demo_task(self, state: TaskState) -> object:
        from models.democity import build_demo_city, seed_demo_cases

        summary = build_demo_city(self.db, progress=state.progress)
        state.progress("demo cases", 0.95)
        seed_demo_cases(self.db)
        return summary

    @Slot()
    def refresh(self) -> None:
        """Reload everything the window shows, off the GUI thread (not while a replay
        shows a scenario: the replay clock decides what the window shows then)."""
        if self.replay is not None:
            return
        with_layers = self.map is not None and not self._layers_sent
        self.runner.submit("snapshot", lambda state: read_snapshot(
            self.db, self.actor, state, with_layers=with_layers))

    # -- the city simulator --------------------------------------------------------------
    @Slot(bool)
    def set_simulator_running(self, on: bool) -> None:
        """Run the simulator in the background, following the wall clock."""
        if on:
            self._sim_timer.start()
            self._on_sim_timer_timeout()
        else:
            self._sim_timer.stop()
        if self.window.simulator_action.isChecked() != on:
            self.window.simulator_action.setChecked(on)

    @Slot(bool)
    def _on_window_surge_toggled(self, on: bool) -> None:
        self._surge = on
        if self.simulator is not None:
            self.simulator.surge = on

    @Slot()
    def _on_sim_timer_timeout(self) -> None:
        # one tick at a time: a tick still running when the timer fires again (building
        # the simulator on a large city takes longer than the interval) is left to finish;
        # two at once would report every planned event twice
        self.runner.submit("simulate", self._simulate, coalesce=True)

    def _simulate(self, state: TaskState) -> dict:
        from models.simulator import CitySimulator

        if self.simulator is None:
            from routing.graph import EscalationGraph
            from routing.policy import Router

            # the simulator's dispatchers send each case where the router does
            router = Router(EscalationGraph.from_db(self.db))
            self.simulator = CitySimulator(self.db, start=dt.datetime.now(dt.UTC),
                                           surge=self._surge, publisher=self.publisher,
                                           router=router)
        state.check()
        return self.simulator.run_until(dt.datetime.now(dt.UTC))

    # -- training drills ----------------------------------------------------------------
    @Slot()
    def _on_window_drill_requested(self) -> None:
        if not self.actor.can(Perm.DRILL_RUN):
            self.window.statusBar().showMessage(
                self.tr("Only a trainer starts drills: switch the role to Trainer"), 8000)
            return
        trainee = self.ask("text", self.tr("Trainee's name"), None)
        if not trainee:
            return
        injects = self.ask("file", self.tr("Injects: a JSON list or a recorded scenario "
                                           "(cancel for none)"), None)
        self.start_drill(trainee, injects or None)

    def start_drill(self, trainee: str, injects_file: str | None = None, *,
                    root: Path | None = None) -> None:
        """Copy the world into a drill database (off the GUI thread), then open the drill
        window. The live database is only read."""
        from console.drill import prepare_drill

        self._drill_trainee = trainee
        self.window.statusBar().showMessage(self.tr("Preparing the drill: copying the "
                                                    "world…"))
        self.runner.submit("drill", lambda state: prepare_drill(self.db, injects_file, root))

    def _open_drill(self, db, path, injects) -> None:  # noqa: ANN001
        from console.drill import DrillRun

        run = DrillRun(db, path, self._drill_trainee, injects, with_map=self.map is not None)
        # the drill window rings as loud as the live one (the user's setting)
        run.window.alerts.set_alarm_volume(self.window.alerts.alarm_volume)
        run.sig_ended.connect(self._on_drill_ended)
        self.drills.append(run)
        run.start()
        self.window.statusBar().showMessage(self.tr("Drill {0} started").format(run.name),
                                            5000)

    @Slot(str)
    def _on_drill_ended(self, report: str) -> None:
        self.drills = [d for d in self.drills if d.report_path is None]
        self.window.statusBar().showMessage(self.tr("Drill report: {0}").format(report), 15000)

    # -- replaying a scenario ------------------------------------------------------------
    @Slot(str)
    def open_scenario(self, path: str) -> None:
        """Read a scenario file (off the GUI thread), then replay it in this window."""
        from models.replay import Replay
        from models.scenario import read_scenario

        self.runner.submit("scenario", lambda state: (Path(path).name,
                                                      Replay(read_scenario(Path(path)))))

    def _start_replay(self, name: str, replay) -> None:  # noqa: ANN001
        self.replay = replay
        self._clear_map()
        w = self.window
        w.timeline.set_range(replay.header.start_dt, dt.datetime.fromtimestamp(replay.end,
                                                                             dt.UTC))
        w.set_replay(True, replay.header.name or name)
        w.statusBar().showMessage(self.tr("Replaying {0}: {1} cases").format(
            name, f"{replay.n_cases:,}"), 8000)
        self.seek(replay.start)

    def seek(self, t: float) -> None:
        """Show the replay's state at ``t`` (rebuilt off the GUI thread; a newer seek
        cancels an older one)."""
        replay = self.replay
        if replay is None:
            return
        self.runner.submit("replay-seek", lambda state: self._replay_snapshot(replay, t))

    def _replay_snapshot(self, replay, t: float) -> Snapshot:  # noqa: ANN001
        st = replay.state_at(t)
        n = len(st.staff_ids)
        positions = StaffPositions(st.staff_ids, st.staff_lon, st.staff_lat,
                                   ("manager",) * n, np.ones(n, dtype=bool), ("busy",) * n)
        districts = self.snapshot.districts if self.snapshot is not None else []
        return Snapshot(districts, st.table, n, positions, None,
                        dt.datetime.fromtimestamp(t, dt.UTC), [], {}, [])

    @Slot(object)
    def _on_timeline_time_changed(self, when: object) -> None:
        if self.replay is not None and isinstance(when, dt.datetime):
            self.seek(when.timestamp())
            self.window.timeline.set_position(when, self.replay.events_until(when.timestamp()))

    @Slot()
    def _on_timeline_step_requested(self) -> None:
        replay = self.replay
        if replay is None:
            return
        nxt = replay.next_event_after(self.window.timeline.time().timestamp())
        if nxt is not None:
            when = dt.datetime.fromtimestamp(nxt, dt.UTC)
            self.window.timeline.set_position(when, replay.events_until(nxt))
            self.seek(nxt)

    @Slot()
    def back_to_live(self) -> None:
        if self.replay is None:
            return
        self.window.timeline.pause()
        self.replay = None
        self._clear_map()
        self.window.set_replay(False)
        self.refresh()

    def _clear_map(self) -> None:
        """Markers of another world (live or a replay) leave the map."""
        if self.map is not None and len(self._shown_keys):
            self.map.remove_events((self._shown_keys // 1000).tolist())
        self._shown_keys = np.zeros(0, dtype=np.int64)
        self._heat_until = 0.0

    # -- live feeds over MQTT ---------------------------------------------------------------
    def start_feeds(self, host: str, port: int, prefix: str = "citygrid") -> None:
        """Take sensor alerts and staff positions from the broker (connecting off the GUI
        thread); the simulator then publishes through the broker like real sources."""
        self.runner.submit("feeds", lambda state: self._connect_feeds(host, port, prefix))

    def _connect_feeds(self, host: str, port: int, prefix: str) -> tuple:
        from models.feeds import MqttFeeds, MqttPublisher

        feeds = MqttFeeds(self.db, host=host, port=port, prefix=prefix,
                          locate=self._locator().locate)
        feeds.start()
        if not feeds.connected.wait(10):
            feeds.stop()
            raise ConnectionError(f"no answer from the MQTT broker at {host}:{port}")
        return feeds, MqttPublisher(host=host, port=port, prefix=prefix)

    def _locator(self):  # noqa: ANN202
        if self._index is None:
            from models.gridindex import GridIndex

            self._index = GridIndex.from_db(self.db)
        return self._index

    def stop_feeds(self) -> None:
        self._feeds_timer.stop()
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None
        if self.feeds is not None:
            self.feeds.stop()
            self.feeds = None

    def watch_snap_folder(self, folder: str | Path, interval_ms: int = 3000) -> None:
        """Take in the snap reports phones drop into ``folder`` (scanned off the GUI
        thread every few seconds; reports go to processed/ or rejected/ beside them)."""
        from models.auth import SystemRole
        from models.snaps import SnapFolder

        Path(folder).mkdir(parents=True, exist_ok=True)
        self._snaps = SnapFolder(self.db, Actor.system("snaps", SystemRole.FEED), folder,
                                 locate=lambda lon, lat: self._locator().locate(lon, lat))
        self._snap_timer = QTimer(self)
        self._snap_timer.setInterval(interval_ms)
        self._snap_timer.timeout.connect(self._on_snap_timer_timeout)
        self._snap_timer.start()
        self._on_snap_timer_timeout()

    @Slot()
    def _on_snap_timer_timeout(self) -> None:
        # two scans of one folder at once would take the same report in twice
        self.runner.submit("snaps", lambda state: self._snaps.scan(), coalesce=True)

    @Slot()
    def _on_feeds_timer_timeout(self) -> None:
        f = self.feeds
        if f is None:
            return
        self.window.set_feed_status(f.received, f.backlog, len(f.quarantined))
        if f.processed != self._feeds_seen:
            self._feeds_seen = f.processed
            self.refresh()

    # -- the quarantine ---------------------------------------------------------------------
    def _intake(self):  # noqa: ANN202
        from models.intake import IntakeService

        return IntakeService(self.db, self.actor, locate=self._locator().locate)

    @Slot()
    def refresh_quarantine(self) -> None:
        self.runner.submit("quarantine", lambda state: self._intake().quarantine())

    @Slot(int, object)
    def _on_quarantine_retry_requested(self, item_id: int, payload: object) -> None:
        q = self.window.quarantine
        try:
            r = self._intake().retry(item_id, payload if isinstance(payload, dict) else None)
        except CityGridError as exc:
            q.show_result(str(exc))
            return
        if r.staff_id is not None:
            q.show_result(self.tr("Position of staff member {0} applied").format(r.staff_id))
            self.refresh()
        elif r.case_id is None:
            q.show_result(self.tr("Still not accepted: {0}").format(r.reason))
        else:
            q.show_result(self.tr("Case {0} registered").format(r.case_id))
            self.refresh()
        self.refresh_quarantine()

    @Slot(int)
    def _on_quarantine_reveal_requested(self, item_id: int) -> None:
        """One quarantined item unmasked for a role with contact rights (audited)."""
        try:
            record = self._intake().reveal(item_id)
        except CityGridError as exc:
            self.window.quarantine.show_result(str(exc))
            return
        self.window.quarantine.show_revealed(record)

    @Slot(int)
    def _on_detail_contact_reveal_requested(self, case_id: int) -> None:
        """The reporter's phone of the shown case in full, to call back (one audited read)."""
        try:
            phone = self.cases.reveal_contact(case_id)
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        self.window.detail.show_revealed_contact(case_id, phone)

    @Slot(int, str)
    def _on_quarantine_discard_requested(self, item_id: int, reason: str) -> None:
        try:
            self._intake().discard(item_id, reason)
        except CityGridError as exc:
            self.window.quarantine.show_result(str(exc))
            return
        self.refresh_quarantine()

    @Slot(str, object)
    def _on_runner_finished(self, kind: str, result: object) -> None:
        self.window.hide_progress()
        if kind == "simulate" or (kind == "deadline-watch" and result):
            self.refresh()
        if kind == "demo":
            self.refresh()
        elif kind == "feeds" and isinstance(result, tuple):
            self.feeds, self.publisher = result
            if self.simulator is not None:
                self.simulator.publisher = self.publisher
            self._feeds_timer.start()
            self.window.statusBar().showMessage(self.tr("Live feeds connected"), 5000)
        elif kind == "snaps" and result is not None and (result.case_ids
                                                          or result.quarantine_ids):
            self.window.statusBar().showMessage(
                self.tr("Snap reports: {0} new case(s), {1} kept in the quarantine").format(
                    len(result.case_ids), len(result.quarantine_ids)), 5000)
            self.refresh()
        elif kind == "quarantine" and isinstance(result, list):
            self.window.quarantine.set_items(result)
            self.window.set_quarantine_count(len(result))
        elif kind == "history-search" and isinstance(result, tuple):
            self._show_history_page(*result)
        elif kind == "snapshot" and isinstance(result, Snapshot):
            if self.replay is None:
                self._show_snapshot(result)
        elif kind == "drill" and isinstance(result, tuple):
            self._open_drill(*result)
        elif kind == "scenario" and isinstance(result, tuple):
            self._start_replay(*result)
        elif kind == "replay-seek" and isinstance(result, Snapshot) and self.replay is not None:
            self._show_snapshot(result)

    @Slot(str, object)
    def _on_runner_failed(self, kind: str, exc: object) -> None:
        self.window.hide_progress()
        self.window.statusBar().showMessage(self.tr("{0} failed: {1}").format(kind, exc))

    def _show_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        w = self.window
        w.overview.set_summaries(snap.districts)
        w.quarantine.set_items(snap.quarantine)
        w.set_quarantine_count(len(snap.quarantine))
        w.queue.set_districts([(d.code, d.name) for d in snap.districts])
        # live: the time of the read; in a replay: the replay clock
        now = snap.read_at if self.replay is not None else dt.datetime.now(dt.UTC)
        w.queue.set_table(snap.table, snap.read_at if self.replay is not None else None)
        open_mask = snap.table.open_mask()
        overdue_mask = snap.table.overdue_mask(now)
        w.set_counts(int(open_mask.sum()), int(overdue_mask.sum()), snap.on_duty)
        by_cat = {c: int((snap.table.category[open_mask] == i).sum())
                  for i, c in enumerate(CATEGORY_CODES)}
        w.stats.set_open_by_category(by_cat, int(overdue_mask.sum()))
        states = snap.table.deadline_states(now)
        # deadlines counted across a year with no calendar: say so, never silently
        w.set_calendar_warning(load_calendar().missing_years)
        alerts = [(int(snap.table.ids[i]), f"{snap.table.numbers[i]} {snap.table.titles[i]}",
                   "overdue") for i in np.flatnonzero(states == 2)[:200]]
        alerts += [(int(snap.table.ids[i]), f"{snap.table.numbers[i]} {snap.table.titles[i]}",
                    "warning") for i in np.flatnonzero(states == 1)[:100]]
        w.alerts.set_alerts(alerts)
        emergency = np.flatnonzero((snap.table.category == CATEGORY_CODES.index("emergency"))
                                   & (snap.table.status == STATUS_CODES.index("reported")))
        if self.replay is None:  # a replayed emergency does not sound the alarm
            w.alerts.ring([(int(snap.table.ids[i]),
                            f"{snap.table.numbers[i]} {snap.table.titles[i]}")
                           for i in emergency if int(snap.table.ids[i]) not in self.acknowledged])
        w.staff.set_workload(snap.unit_loads)
        if not self.ready:
            self._show_rest(snap, open_mask, overdue_mask)
        else:
            # The queue, counts and alerts (what a dispatcher acts on) show now; the
            # dashboard and the map follow on the next turns of the event loop, so no
            # single turn holds the GUI thread for the whole refresh (under a surge the
            # worker threads take their share of the interpreter, and one long turn is a
            # visible stall). A newer snapshot supersedes the rest of an older one.
            # (the window as context: a window closed meanwhile cancels the call)
            QTimer.singleShot(0, self.window, lambda: self._show_rest(
                snap, open_mask, overdue_mask, map_later=True))
        if not self.ready:
            self.ready = True
            w.statusBar().showMessage(self.tr("Ready"), 3000)
            # The objects alive now (Qt wrappers, the catalogue, the map's layers, the
            # modules) live as long as the window: move them out of the cyclic collector's
            # reach, so a full collection later scans only what is new. A full collection
            # over all of them holds the GIL for 100-140 ms: a visible freeze of the GUI.
            gc.collect()
            gc.freeze()
            self.sig_ready.emit()

    def _show_rest(self, snap: Snapshot, open_mask, overdue_mask, *,  # noqa: ANN001
                   map_later: bool = False) -> None:
        if self.snapshot is not snap:
            return
        self._show_dashboard(snap, open_mask, overdue_mask)
        self.window.board.set_counts(
            {lv: int((snap.table.level[open_mask] == i).sum())
             for i, lv in enumerate(LEVEL_CODES)},
            {lv: int((snap.table.level[overdue_mask] == i).sum())
             for i, lv in enumerate(LEVEL_CODES)})
        if self.map is None:
            return
        if map_later:
            QTimer.singleShot(0, self.window, lambda: self.snapshot is snap and
                              self._show_on_map(snap, open_mask, overdue_mask))
        else:
            self._show_on_map(snap, open_mask, overdue_mask)

    def _show_dashboard(self, snap: Snapshot, open_mask, overdue_mask) -> None:  # noqa: ANN001
        t = snap.table
        now = snap.read_at.timestamp()
        age_h = np.floor((now - t.reported_at) / 3600).astype(int)
        recent = (age_h >= 0) & (age_h < 24)
        hourly = {c: np.bincount(23 - age_h[recent & (t.category == i)], minlength=24)
                  for i, c in enumerate(CATEGORY_CODES)}
        closed = np.isin(t.status, [STATUS_CODES.index(x) for x in ("archived", "assessed")])
        p = snap.positions
        busy = float(np.mean([d == "busy" for d, on in zip(p.duty, p.on_duty, strict=True)
                              if on])) if p.duty else 0.0
        d = self.window.dashboard
        d.set_hourly(hourly)
        d.set_rates(int(open_mask.sum()), int(overdue_mask.sum()), int((closed & recent).sum()),
                    busy)
        names = {x.code: x.name for x in snap.districts}
        rows = [(names.get(code, code), int((open_mask & (t.district == code)).sum()),
                 int((overdue_mask & (t.district == code)).sum())) for code in names]
        d.set_ranking(sorted(rows, key=lambda r: -r[1]))
        codes, n_open = np.unique(t.street[open_mask], return_counts=True)
        late = dict(zip(*np.unique(t.street[overdue_mask], return_counts=True), strict=True))
        d.set_street_ranking([(snap.street_names.get(c, c), int(n), int(late.get(c, 0)))
                              for c, n in zip(codes, n_open, strict=True) if c])
        states = collections.Counter(x for x, on in zip(p.duty, p.on_duty, strict=True) if on)
        d.set_staff_utilisation({"on_duty": states.get("on_duty", 0),
                                 "busy": states.get("busy", 0)} | dict(states))

    def _show_on_map(self, snap: Snapshot, open_mask, overdue_mask) -> None:  # noqa: ANN001
        m = self.map
        assert m is not None
        if snap.layers is not None:
            m.set_grids(snap.layers.grids)
            for level, fc in snap.layers.boundaries.items():
                m.set_boundaries(level, fc)
            self._layers_sent = True
        p = snap.positions
        m.update_staff(p.lon, p.lat, p.roles, p.on_duty)
        t = snap.table
        rows = np.flatnonzero(open_mask)
        # only what changed goes to the page: a key per shown marker (id, category,
        # priority, overdue); rows whose key the page does not hold yet are sent
        keys = (t.ids[rows].astype(np.int64) * 1000 + t.category[rows].astype(np.int64) * 100
                + t.priority[rows].astype(np.int64) * 10 + overdue_mask[rows].astype(np.int64))
        fresh = rows[~np.isin(keys, self._shown_keys)]
        gone = np.setdiff1d(self._shown_keys // 1000, t.ids[rows])
        if len(gone):
            m.remove_events(gone.tolist())
        if len(fresh):
            m.upsert_events([{"id": int(t.ids[i]), "lon": float(t.lon[i]),
                              "lat": float(t.lat[i]), "category": CATEGORY_CODES[t.category[i]],
                              "priority": PRIORITY_CODES[t.priority[i]],
                              "overdue": bool(overdue_mask[i])} for i in fresh])
        self._shown_keys = np.sort(keys)
        codes, counts = np.unique(t.grid_code[rows].astype(str), return_counts=True)
        m.set_open_counts({c: int(n) for c, n in zip(codes, counts, strict=True) if c})
        # heat of what was reported in the last 24 hours (open or not); the page keeps the
        # newest ``keep`` points, so only the points reported since the last refresh go
        recent = t.reported_at >= snap.read_at.timestamp() - 24 * 3600
        new = recent & (t.reported_at > self._heat_until)
        if new.any():
            m.add_heat_points(t.lon[new], t.lat[new], keep=int(recent.sum()) or 1)
            self._heat_until = float(t.reported_at[new].max())

    # -- selection and search ------------------------------------------------------------
    @Slot(list)
    def _on_alerts_acknowledged(self, case_ids: list) -> None:
        self.acknowledged.update(int(c) for c in case_ids)

    @Slot(int)
    def _on_queue_case_selected(self, case_id: int) -> None:
        self.show_case(case_id)
        self._fly_to_case(case_id)

    def _fly_to_case(self, case_id: int) -> None:
        if self.map is None or self.snapshot is None:
            return
        hits = np.flatnonzero(self.snapshot.table.ids == case_id)
        if len(hits):
            lon, lat = self.snapshot.table.lon[hits[0]], self.snapshot.table.lat[hits[0]]
            self.map.fly_to(float(lon), float(lat), 17)
            self.map.highlight_event(float(lon), float(lat))

    @Slot()
    def _on_window_fly_to_selected_requested(self) -> None:
        case_id = self.window.queue.selected_case_id()
        if case_id is not None:
            self._fly_to_case(case_id)

    @Slot(str)
    def _on_map_grid_clicked(self, code: str) -> None:
        if self.span_picker is not None and self.span_picker.isVisible():
            choice = self._grid_choice(code)
            if choice is not None:
                self.span_picker.toggle(choice)
            return
        if self.reconcile.show_grid(code):  # the reconciliation view is open: its crosswalk
            return
        self.show_grid(code)

    @Slot(int)
    def _on_map_event_clicked(self, case_id: int) -> None:
        self.window.queue.select_case(case_id, emit=False)
        self.show_case(case_id)
        if self.map is not None and self.snapshot is not None:
            hits = np.flatnonzero(self.snapshot.table.ids == case_id)
            if len(hits):
                self.map.highlight_event(float(self.snapshot.table.lon[hits[0]]),
                                         float(self.snapshot.table.lat[hits[0]]))

    @Slot()
    def _on_window_pick_location_requested(self) -> None:
        assert self.map is not None
        self.map.set_pick_mode(True)
        self.window.statusBar().showMessage(self.tr("Click the map to place the location"))

    @Slot()
    def open_hotline_form(self) -> None:
        """Take a 12345 call: the form, then the intake service."""
        from models.catalogue import load_catalogue
        from models.intake import suggest_subcategory
        from widgets.hotline import HotlineForm

        subs = [(x.code, x.name_zh) for x in load_catalogue().all_subcategories()]
        self.hotline = HotlineForm(subs, suggest_subcategory, self.window)
        self.hotline.sig_submitted.connect(self._on_hotline_submitted)
        if self.map is not None:
            self.hotline.sig_pick_requested.connect(self._on_window_pick_location_requested)
        self.hotline.show()

    @Slot(dict)
    def _on_hotline_submitted(self, payload: dict) -> None:
        from models.gridindex import GridIndex
        from models.intake import IntakeService

        if self._index is None:
            self._index = GridIndex.from_db(self.db, self.actor)
        intake = IntakeService(self.db, self.actor, locate=self._index.locate)
        result = intake.submit("hotline_12345", payload, source="hotline form")
        form = self.hotline
        if result.case_id is None:
            # kept in the quarantine; the form stays open so the dispatcher can fix it
            form.show_warning(self.tr("Not registered: {0}").format(result.reason))
            return
        self.last_hotline = result
        form.accept()
        self.hotline = None
        if result.duplicates:
            try:
                # the case the form just registered, at the version it was registered at
                self.offer_merge(result.case_id, result.duplicates,
                                 duplicate_version=self.cases.get(result.case_id).version)
            except StaleVersionError as exc:
                self._report_stale(exc)
                return
        self.refresh()

    def likely_duplicates(self, case) -> tuple[int, ...]:  # noqa: ANN001
        """Open cases the given case may repeat (same subcategory, near, recent)."""
        from models.cases import NewCase

        new = NewCase(channel=case.channel or "patrol", subcategory=case.subcategory,
                      lon=case.lon, lat=case.lat, title=case.title,
                      reported_at=case.reported_at)
        return tuple(d for d in self._intake().duplicates_of(new) if d != case.id)

    def offer_merge(self, case_id: int, originals: Sequence[int], *,
                    duplicate_version: int) -> int | None:
        """Offer to merge ``case_id`` (as the user saw it, at ``duplicate_version``) into one
        of the open cases it looks like, as the offer lists them; the merged case keeps
        every report and reporter. Returns the case merged into, if any. Either case changed
        by someone else meanwhile raises :class:`StaleVersionError` (nothing merged)."""
        from models.loop import CaseLoop

        offered = {c.number: c for c in (self.cases.get(d) for d in list(originals)[:5])}
        keep = self.tr("Keep it as a separate case")
        choice = self.ask(self.tr("Likely duplicate"), self.tr(
            "The new case looks like open case(s) nearby. Merge it into:"),
            [*offered, keep])
        if not choice or choice not in offered:
            return None
        original = offered[choice]
        try:
            CaseLoop(self.db, self.actor).merge(case_id, original.id,
                                                self.tr("merged as a duplicate"),
                                                expected_version=duplicate_version,
                                                original_version=original.version)
        except StaleVersionError:
            raise
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 8000)
            return None
        self.window.statusBar().showMessage(self.tr("Merged into {0}; its reports and "
                                                    "reporters are kept").format(choice), 8000)
        return original.id

    @Slot(float, float)
    def _on_map_location_picked(self, lon: float, lat: float) -> None:
        """Show where the dispatcher clicked: coordinates and the grid there."""
        from models.gridindex import GridIndex

        if self._index is None:
            self._index = GridIndex.from_db(self.db, self.actor)
        grid_id = self._index.locate(lon, lat)
        code = ""
        if grid_id is not None:
            code = next((g.code for g in self.units.grids() if g.id == grid_id), "")
        self.picked_location = (lon, lat, code)
        if self.hotline is not None:
            self.hotline.set_location(lon, lat)
        QApplication.clipboard().setText(f"{lon:.6f},{lat:.6f}")
        self.window.statusBar().showMessage(
            self.tr("Location {0:.6f}, {1:.6f} in grid {2} (copied)").format(
                lon, lat, code or self.tr("outside every grid")), 15000)

    @Slot(float)
    def _on_map_distance_measured(self, metres: float) -> None:
        self.window.statusBar().showMessage(
            self.tr("Distance: {0} m (double-click to finish)").format(f"{metres:,.0f}"))

    @Slot(int)
    def _on_list_case_selected(self, case_id: int) -> None:
        self.window.queue.select_case(case_id, emit=False)
        self.show_case(case_id)

    def show_case(self, case_id: int) -> None:
        if self.replay is not None:
            from models.replay import case_at

            case, history = case_at(self.replay, case_id,
                                    self.window.timeline.time().timestamp())
            if case is not None:
                self.window.detail.show_case(case, history, "", (), "", ())
                self.window.detail.set_actions({})  # a replay is watched, not worked
                self.window.docks["detail"].raise_()
            return
        try:
            case = self.cases.get(case_id)
            history = self.cases.history(case_id)
            trace = self.cases.routing_trace(case_id)
            photos = [(a.file_name, a.data) for a in self.cases.attachments(case_id)
                      if a.kind == "photo"]
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        grid_code = ""
        if case.grid_id is not None and self.snapshot is not None:
            hits = (self.snapshot.table.ids == case.id).nonzero()[0]
            grid_code = str(self.snapshot.table.grid_code[hits[0]]) if len(hits) else ""
        chain, path = self._chain(case)
        recommended = [f"{name} — {c.score:.2f}: {'; '.join(c.reasons)}"
                       for c, name in self.recommend(case)]
        self.window.detail.show_case(case, history, grid_code, trace, chain, recommended)
        self.window.detail.set_photos(photos)  # after show_case, which clears the strip
        self.window.detail.set_calendar_fallback(case_fallback_years(case))
        actions = self.available_actions(case.status)
        if "merge" in self._merge_roles() and case.status in ("reported", "accepted") and \
                self.likely_duplicates(case):
            actions["merge"] = True  # offered when a likely original is open
        self.window.detail.set_actions(actions)
        if self.map is not None and path is not None:
            self.map.show_path(*path)
        if self.map is not None:
            self._show_span_on_map(case.id)
        self.window.docks["detail"].raise_()

    def _show_span_on_map(self, case_id: int) -> None:
        from models.spans import case_grids

        grids = case_grids(self.db, case_id)
        codes = self._router().graph.grid_codes
        self.map.show_span([codes[g] for g in grids if g in codes] if len(grids) > 1 else [])

    def _unit_points(self) -> dict[int, tuple[float, float]]:
        """A representative point of every unit (for drawing a case's chain), cached."""
        if self._points is None:
            import shapely
            from sqlalchemy import select

            from models.schema import AdminUnit

            with self.db.read() as s:
                rows = s.execute(select(AdminUnit.id, AdminUnit.geometry)
                                 .where(AdminUnit.geometry.is_not(None))).all()
            pts = shapely.point_on_surface(shapely.from_wkb([r[1] for r in rows]))
            self._points = {r[0]: (p.x, p.y) for r, p in zip(rows, pts, strict=True)}
        return self._points

    def _chain(self, case):  # noqa: ANN001, ANN202
        """The case's escalation chain as text, and as points for the map."""
        if case.grid_id is None:
            return self.tr("outside every grid: the district containing it, else the city centre"), None
        router = self._router()
        try:
            chain = router.graph.chain(case.grid_id)
        except CityGridError:
            return "", None
        units = [router.graph.units[u] for u in chain]
        current = next((i for i, u in enumerate(units) if u.level == case.level), None)
        text = " → ".join((f"[{labels.level(u.level)} {u.code}]" if i == current else
                           f"{labels.level(u.level)} {u.code}") for i, u in enumerate(units))
        points = self._unit_points()
        path_points = [(case.lon, case.lat)] + [points.get(u.id, (case.lon, case.lat))
                                                for u in units]
        path_labels = [case.number] + [f"{labels.level(u.level)} {u.code}" for u in units]
        return text, (path_points, path_labels, 0 if current is None else current + 1)

    def recommend(self, case, decision: RoutingDecision | None = None) -> list:  # noqa: ANN001
        """Ranked staff for a case at the level and department it is routed to (or for
        ``decision``), with their names: the same ranking as the CLI and the benchmark
        (see routing.candidates)."""
        from routing.candidates import (
            StaffPool,
            read_adjacency,
            read_staff_departments,
            recommend_for_case,
        )

        if self.snapshot is None or case.status not in ("accepted", "dispatched",
                                                        "handling", "reported"):
            return []
        if self._adjacency is None:
            self._adjacency = read_adjacency(self.db, self.actor)
        if self._staff_departments is None:  # who belongs to which department: read once
            self._staff_departments = read_staff_departments(self.db, self.actor)
        # the positions the snapshot already holds, not a second read of every position
        pool = StaffPool.from_positions(self.snapshot.positions, self._staff_departments)
        if decision is None and case.assigned_unit_id is None:
            decision = self._route(case)
        found = recommend_for_case(self.db, self.actor, case, self._router(),
                                   decision=decision, pool=pool,
                                   adjacency=self._adjacency,
                                   workload=self.cases.workload_by_staff(), limit=5)
        return [(c, self.staff.get(c.staff_id).name) for c in found.candidates]

    # -- the loop from the console -------------------------------------------------------
    def available_actions(self, status: str) -> dict[str, bool]:
        """Which transition buttons to show and which are legal now. The grid worker's
        steps (start, feedback, verification) are entered from the console on the grid
        worker's behalf, as the demo allows."""
        out = {}
        for name in TRANSITIONS:
            if name in GRID_WORKER_STEPS:
                out[name] = allowed(name, status, StaffRole.MANAGER)
            elif self.actor.role in TRANSITIONS[name].roles:
                out[name] = allowed(name, status, self.actor.role)
        out.pop("merge", None)  # merging is offered by duplicate detection, split by routing
        out.pop("split", None)
        if self.actor.role is StaffRole.SHIFT_LEAD:  # override = a transfer the lead chooses
            out["override"] = allowed("transfer", status, self.actor.role)
        return out

    def bulk_candidates(self, from_code: str) -> list:
        """The dispatched or handling cases of one unit, as the shift lead is shown them
        before moving them in bulk (each record carries the version seen)."""
        if self.actor.role is not StaffRole.SHIFT_LEAD:
            raise CityGridError(self.tr("only a shift lead reassigns in bulk"))
        units = {u.code: u.id for u in self._router().graph.units.values()}
        if from_code not in units:
            raise CityGridError(self.tr("unknown unit code"))
        return [c for c in self.cases.list(statuses=("dispatched", "handling"))
                if c.assigned_unit_id == units[from_code]]

    def reassign_bulk(self, cases: Sequence, to_code: str, reason: str) -> BulkReassignment:
        """Move the cases the shift lead was shown (:meth:`bulk_candidates`) to another unit,
        each at the version it was shown at: one changed by someone else since is left as it
        is (and named), the others move."""
        from models.loop import CaseLoop

        if self.actor.role is not StaffRole.SHIFT_LEAD:
            raise CityGridError(self.tr("only a shift lead reassigns in bulk"))
        router = self._router()
        units = {u.code: u.id for u in router.graph.units.values()}
        if to_code not in units:
            raise CityGridError(self.tr("unknown unit code"))
        loop = CaseLoop(self.db, self.actor)
        moved, stale = [], []
        for case in cases:
            decision = router.override(units[to_code], case.category, self.actor.name, reason)
            try:
                loop.transfer(case.id, decision, reason, expected_version=case.version)
            except StaleVersionError:
                stale.append(case.number)
                continue
            moved.append(case.number)
        return BulkReassignment(tuple(moved), tuple(stale))

    @Slot()
    def _on_window_bulk_reassign_requested(self) -> None:
        try:
            from_code = self.ask(self.tr("Reassign in bulk"), self.tr("From unit code"), None)
            if not from_code:
                raise CityGridError(self.tr("cancelled"))
            cases = self.bulk_candidates(from_code.strip())
            if not cases:
                raise CityGridError(self.tr("unit {0} has no dispatched or handling case")
                                    .format(from_code.strip()))
            listed = ", ".join(c.number for c in cases[:10]) + (" …" if len(cases) > 10 else "")
            to_code = self.ask(self.tr("Reassign in bulk"), self.tr(
                "Move {0} case(s) ({1}) to unit code").format(len(cases), listed), None)
            reason = self.ask(self.tr("Reassign in bulk"), self.tr("Reason"), None)
            if not (to_code and reason):
                raise CityGridError(self.tr("cancelled"))
            done = self.reassign_bulk(cases, to_code.strip(), reason.strip())
        except CityGridError as exc:
            QMessageBox.warning(self.window, self.tr("Not done"), str(exc))
            return
        if done.stale:
            QMessageBox.warning(self.window, self.tr("Not all done"), self.tr(
                "{0} case(s) reassigned. {1} changed by someone else since they were listed "
                "and were left as they are: {2}").format(len(done.moved), len(done.stale),
                                                          ", ".join(done.stale)))
        self.window.statusBar().showMessage(
            self.tr("{0} case(s) reassigned").format(len(done.moved)), 8000)
        self.refresh()

    @Slot(str)
    def set_role(self, code: str) -> None:
        """Work the console as a dispatcher or a shift lead (the demo's centre staff)."""
        from sqlalchemy import select

        from models.schema import Staff

        role = StaffRole(code)
        with self.db.read() as s:
            row = s.execute(select(Staff.id, Staff.name).where(Staff.role == role)
                            .order_by(Staff.id).limit(1)).first()
        self.actor = Actor(row.name if row else self.actor.name, role,
                           row.id if row else None)
        self.cases = CaseService(self.db, self.actor)
        self.staff = StaffService(self.db, self.actor)
        self.units = UnitService(self.db, self.actor)
        self.window.quarantine.reveal.setVisible(self.actor.can(Perm.CONTACT_READ))
        self.window.detail.set_contact_reveal_allowed(self.actor.can(Perm.CONTACT_READ))
        self.window.statusBar().showMessage(self.tr("Working as {0} ({1})").format(
            self.actor.name, code), 5000)
        if self.window.detail.case_id is not None:
            self.show_case(self.window.detail.case_id)

    def _ask_dialog(self, kind: str, prompt: str, options: list[str] | None) -> str | None:
        from PySide6.QtWidgets import QFileDialog, QInputDialog

        if kind == "file":
            path, _ = QFileDialog.getOpenFileName(
                self.window, prompt, "",
                self.tr("Injects or scenarios (*.json *.cgs);;All files (*)"))
            return path or None
        if options:
            value, ok = QInputDialog.getItem(self.window, kind, prompt, options, 0, False)
        else:
            value, ok = QInputDialog.getText(self.window, kind, prompt)
        return value if ok else None

    def _grid_worker(self, case, prefer: tuple[str, ...]) -> Actor:  # noqa: ANN001
        staff = self.staff.list(grid_id=case.grid_id) if case.grid_id is not None else []
        for role in prefer:
            for st in staff:
                if st.role == role and st.duty_status in ("on_duty", "busy"):
                    return Actor(st.name, StaffRole(st.role), st.id)
        for role in prefer:
            for st in staff:
                if st.role == role:
                    return Actor(st.name, StaffRole(st.role), st.id)
        raise CityGridError(self.tr("grid {0} has no grid worker to act").format(case.grid_id))

    def _route(self, case) -> RoutingDecision:  # noqa: ANN001
        """The router's decision for ``case``: a case marked as spanning several grids goes
        to their lowest common unit; a case outside every grid goes to the district whose
        boundary contains it (else the city smart centre)."""
        from models.spans import case_grids

        grids = case_grids(self.db, case.id)
        district = None
        if not grids:
            district = self._district_at(case.lon, case.lat)
        return self._router().route(list(grids) or None, case.subcategory,
                                    district_id=district)

    # -- the grids a case spans ----------------------------------------------------------
    def _grid_choice(self, code: str):  # noqa: ANN202
        """A grid as the span picker lists it: code, name and community by name."""
        from widgets.spanpicker import GridChoice

        try:
            grid = self.units.grid_by_code(code)
        except CityGridError:
            return None
        community = self._router().graph.units.get(grid.community_id)
        name = grid.name or code[-3:]
        if community is None:
            return GridChoice(grid.id, code, self.tr("grid {0} ({1})").format(name, code))
        return GridChoice(grid.id, code, self.tr("grid {0} ({1}), {2}").format(
            name, code, community.name or community.code))

    def _describe_span(self, grid_ids: list[int], subcategory: str) -> str:
        """Where a case spanning ``grid_ids`` goes (the router's answer, in words)."""
        if not grid_ids:
            return self.tr("Tick at least one grid")
        decision = self._router().route(grid_ids, subcategory)
        return self.tr("{0} grid(s): the case goes to {1}").format(
            len(grid_ids), self._router().graph.describe(decision.unit_id))

    def open_span_picker(self, case_id: int) -> None:
        """Let the dispatcher tick the grids the case spans (beside the map, not modal); OK
        marks them through the loop with the version the dialog was opened on."""
        from models.spans import case_grids
        from widgets.spanpicker import SpanPicker

        case = self.cases.get(case_id)
        version = case.version
        graph = self._router().graph
        grids = case_grids(self.db, case_id)
        codes = graph.grid_codes
        own = self._grid_choice(codes[case.grid_id]) if case.grid_id in codes else None
        if self._adjacency is None:
            from routing.candidates import read_adjacency

            self._adjacency = read_adjacency(self.db, self.actor)
        near = set(self._adjacency[case.grid_id]) if case.grid_id in self._adjacency else set()
        listed = [c for g in sorted(near | set(grids))
                  if g in codes and (c := self._grid_choice(codes[g]))]
        if self.span_picker is not None:
            self.span_picker.close()
        picker = SpanPicker(case.number, own, listed, set(grids),
                            lambda ids: self._describe_span(ids, case.subcategory), self.window)
        if self.map is not None:
            picker.sig_selection_changed.connect(self.map.show_span)
            self.map.show_span([c.code for c in picker.selected()])

        def done(result: int) -> None:
            self.span_picker = None
            if result != picker.DialogCode.Accepted:
                self.window.statusBar().showMessage(self.tr("Cancelled: nothing changed"), 4000)
                self.show_case(case_id)
                return
            from models.loop import CaseLoop

            try:
                CaseLoop(self.db, self.actor).mark_span(
                    case_id, picker.selected_ids(), picker.note.text().strip(),
                    expected_version=version)
            except CityGridError as exc:
                QMessageBox.warning(self.window, self.tr("Not done"), str(exc))
                return
            after = self.cases.get(case_id)
            message = self.tr("Span of {0} marked").format(case.number)
            if after.assigned_unit_id is not None:
                routed = self._route(after)
                if routed.unit_id != after.assigned_unit_id:
                    message = self.tr("Span of {0} marked: it now belongs to {1}; transfer it "
                                      "to send it there").format(
                        case.number, graph.describe(routed.unit_id))
            self.window.statusBar().showMessage(message, 8000)
            self.show_case(case_id)
            self.refresh()
        picker.finished.connect(done)
        self.span_picker = picker
        picker.show()  # not open(): that makes it window-modal and the map unclickable

    def _district_at(self, lon: float, lat: float) -> int | None:
        from sqlalchemy import select

        from models.schema import AdminUnit, Level

        if self._districts is None:
            with self.db.read() as s:
                rows = s.execute(select(AdminUnit.id, AdminUnit.geometry).where(
                    AdminUnit.level == Level.DISTRICT, AdminUnit.geometry.is_not(None))).all()
            self._districts = [(r[0], shapely.from_wkb(r[1])) for r in rows]
        point = shapely.Point(lon, lat)
        return next((uid for uid, geom in self._districts if geom.covers(point)), None)

    def _router(self):  # noqa: ANN202
        if self.router is None:
            from routing.graph import EscalationGraph
            from routing.policy import Router

            self.router = Router(EscalationGraph.from_db(self.db, self.actor))
        return self.router

    @Slot(str)
    def _on_detail_action_requested(self, name: str) -> None:
        case_id = self.window.detail.case_id
        if case_id is None:
            return
        if name == "mark_span":  # beside the map, not a modal prompt
            self.open_span_picker(case_id)
            return
        try:
            self._run_action(name, case_id)
        except ActionCancelled:
            # the user closed the dialog: nothing to warn about, nothing changed
            self.window.statusBar().showMessage(self.tr("Cancelled: nothing changed"), 4000)
            return
        except StaleVersionError as exc:
            self._report_stale(exc)
            return
        except CityGridError as exc:
            QMessageBox.warning(self.window, self.tr("Not done"), str(exc))
            return
        self.show_case(case_id)
        self.refresh()

    def _merge_roles(self) -> tuple[str, ...]:
        return ("merge",) if self.actor.role in TRANSITIONS["merge"].roles else ()

    def _report_stale(self, exc: StaleVersionError) -> None:
        """Someone else changed the case since this screen showed it, so nothing was written:
        say so, and show the case as it is now."""
        QMessageBox.warning(self.window, self.tr("Not done"), self.tr(
            "Case {0} was changed by someone else since you opened it, so nothing was "
            "written. It has been reloaded: check it and try again.").format(exc.case))
        if self.window.detail.case_id is not None:
            self.show_case(self.window.detail.case_id)
        self.refresh()

    def _run_action(self, name: str, case_id: int) -> None:
        """Make transition ``name`` on the case as the detail shows it: its version is the
        one the detail was showing (changed since, the action is refused as stale and
        nothing is written), never one read at the click."""
        from models.loop import CaseLoop
        from models.records import RoutingDecision

        v = self.window.detail.shown_version
        assert v is not None  # show_case sets it with the case id
        case = self.cases.get(case_id)  # for the routing the dialogs propose
        if case.version != v:
            # changed since it was shown: refuse before asking for a reason for nothing
            raise StaleVersionError(case.number, v, case.version)
        loop = CaseLoop(self.db, self.actor)

        def need(kind: str, prompt: str, options: list[str] | None = None) -> str:
            value = self.ask(kind, prompt, options)
            if value is None or not str(value).strip():
                raise ActionCancelled(name)
            return str(value).strip()

        def current() -> RoutingDecision:
            # where the case is now: its unit, else where the router sends it
            router = self._router()
            unit = case.assigned_unit_id
            return RoutingDecision(unit, router.graph.units[unit].code,
                                   router.graph.units[unit].level, None, None,
                                   router.policy.name, ()) if unit else \
                self._route(case)

        if name == "merge":
            if self.offer_merge(case_id, self.likely_duplicates(case),
                                duplicate_version=v) is None:
                raise ActionCancelled(name)
            return
        if name == "accept":
            loop.accept(case_id, expected_version=v)
        elif name == "reject":
            loop.reject(case_id, need(self.tr("Reject"), self.tr("Reason"),
                                      ["invalid", "duplicate"]), expected_version=v)
        elif name == "dispatch":
            decision = self._route(case)
            ranked = self.recommend(case, decision)
            if ranked and decision.level == "community":
                # a community-level case goes to the best-placed grid worker
                best, who = ranked[0]
                decision = dataclasses.replace(decision, staff_id=best.staff_id, trace=(
                    *decision.trace, f"recommended {who}: {'; '.join(best.reasons)}"))
            loop.dispatch(case_id, decision, expected_version=v)
        elif name == "transfer":
            unit = self._route(case)
            loop.transfer(case_id, unit, need(self.tr("Transfer"), self.tr("Reason")),
                          expected_version=v)
        elif name == "override":
            code = need(self.tr("Override"), self.tr("Unit code"))
            router = self._router()
            unit = next((u.id for u in router.graph.units.values() if u.code == code), None)
            if unit is None:
                raise CityGridError(self.tr("unknown unit code"))
            reason = need(self.tr("Override"), self.tr("Reason"))
            loop.transfer(case_id, router.override(unit, case.category, self.actor, reason,
                                                   previous=current()),
                          reason, expected_version=v)
        elif name == "request_escalation":
            loop.request_escalation(case_id, need(self.tr("Request escalation"),
                                                  self.tr("Reason")), expected_version=v)
        elif name == "escalate":
            reason = need(self.tr("Escalate"), self.tr("Reason"))
            # the subcategory keeps its rule one level up (a fire lane stays with the fire
            # service); the trace names who escalated
            loop.escalate(case_id, self._router().escalate(
                current(), reason, case.category, who=self.actor,
                subcategory=case.subcategory), reason, expected_version=v)
        elif name == "deescalate":
            reason = need(self.tr("De-escalate"), self.tr("Reason"))
            # one level down from where the case is now, the router's own de-escalation
            decision = self._router().deescalate(current(), case.grid_id, case.category,
                                                 reason, who=self.actor,
                                                 subcategory=case.subcategory)
            loop.deescalate(case_id, decision, reason, expected_version=v)
        elif name == "suspend":
            loop.suspend(case_id, need(self.tr("Suspend"), self.tr("Reason")),
                         expected_version=v)
        elif name == "resume":
            loop.resume(case_id, expected_version=v)
        elif name == "extend":
            hours = need(self.tr("Extend"), self.tr("Hours"), ["1", "2", "4", "8", "24"])
            loop.extend(case_id, float(hours), need(self.tr("Extend"), self.tr("Reason")),
                        expected_version=v)
        elif name in ("start", "feedback"):
            worker = CaseLoop(self.db, self._grid_worker(case, ("manager", "assistant")))
            if name == "start":
                worker.start(case_id, expected_version=v)
            else:
                worker.feedback(case_id, need(self.tr("Feedback"), self.tr("What was done")),
                                expected_version=v)
        elif name in ("verify_pass", "verify_fail"):
            worker = CaseLoop(self.db, self._grid_worker(case, ("supervisor", "manager",
                                                                "assistant")))
            note = "" if name == "verify_pass" else need(self.tr("Verify"),
                                                         self.tr("What is still wrong"))
            worker.verify(case_id, name == "verify_pass", note, expected_version=v)
        elif name == "assess":
            score = need(self.tr("Assess"), self.tr("Resident satisfaction (1-5)"),
                         ["5", "4", "3", "2", "1"])
            loop.assess(case_id, effective=int(score) >= 3, satisfaction=int(score),
                        expected_version=v)
        elif name == "reopen":
            loop.reopen(case_id, need(self.tr("Reopen"), self.tr("Reason")), expected_version=v)

    def show_grid(self, code: str) -> None:
        try:
            grid = self.units.grid_by_code(code)
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        staff = self.staff.list(grid_id=grid.id)
        kind = self.tr("dedicated") if grid.kind == "dedicated" else self.tr("basic")
        open_cases: list[tuple[int, str]] = []
        if self.snapshot is not None:
            t = self.snapshot.table
            rows = np.flatnonzero((t.grid_code == grid.code) & t.open_mask())
            open_cases = [(int(t.ids[i]), f"{t.numbers[i]} {t.titles[i]}") for i in rows]
        self.window.staff.show_staff(
            self.tr("Grid {0} ({1}), community {2}").format(grid.code, kind,
                                                           grid.community_code), staff,
            open_cases)
        self.window.docks["staff"].raise_()
        if self.map is not None:
            self.map.highlight_grid(grid.code)

    @Slot(str)
    def _on_window_search_requested(self, text: str) -> None:
        """A grid code, a case number, a staff name or a community name or code."""
        text = text.strip()
        if text.isdigit() and len(text) == 15:
            self.show_grid(text)
            return
        if self.snapshot is not None and text.upper().startswith("C"):
            hits = (self.snapshot.table.numbers == text.upper()).nonzero()[0]
            if len(hits):
                case_id = int(self.snapshot.table.ids[hits[0]])
                self.window.queue.select_case(case_id, emit=False)
                self.show_case(case_id)
                return
            if self.replay is None:
                # a case closed before the queue's window: the number's index finds it
                older = search_cases(self.db, self.actor, number=text, limit=1)
                if len(older):
                    self.show_case(int(older.ids[0]))
                    self.window.statusBar().showMessage(
                        self.tr("{0} is an older closed case (not in the queue)").format(
                            older.numbers[0]), 8000)
                    return
        units = [u for u in self.units.units("community") if text in (u.code, u.name)]
        if units:
            grids = [g for g in self.units.grids() if g.community_id == units[0].id]
            if grids:
                self.show_grid(grids[0].code)
            return
        staff = [s for s in self.staff.list() if text == s.name or text == s.code]
        if staff:
            self.window.staff.show_staff(self.tr("Staff matching “{0}”").format(text), staff)
            self.window.docks["staff"].raise_()
            return
        snap = self.snapshot
        if self.replay is None and snap is not None and snap.table.closed_beyond:
            # older history on demand: titles and grids of every case, on a worker thread
            self.runner.submit("history-search", lambda state: (text, search_cases(
                self.db, self.actor, text=text, limit=HISTORY_PAGE)))
            return
        self.window.statusBar().showMessage(self.tr("Nothing found for “{0}”").format(text), 5000)

    def _show_history_page(self, text: str, page: CaseTable) -> None:
        """Cases of any age found by a search: listed in the queue with the open work (until
        the next refresh), the filter set to the search."""
        if not len(page) or self.snapshot is None:
            self.window.statusBar().showMessage(
                self.tr("Nothing found for “{0}”").format(text), 5000)
            return
        live = self.snapshot.table
        page = page.take(np.flatnonzero(~np.isin(page.ids, live.ids)))
        queue = self.window.queue
        queue.set_table(CaseTable.concat([live, page], closed_beyond=live.closed_beyond))
        queue.open_only.setChecked(False)
        queue.search.setText(text)
        self.window.statusBar().showMessage(
            self.tr("{0} case(s) of the whole history match “{1}”").format(len(page), text),
            8000)


def _mqtt_target(arg: str | None, settings) -> tuple[str, int, str] | None:  # noqa: ANN001
    """The broker to take the feeds from: ``--mqtt HOST[:PORT]`` ('off' for none), else the
    settings' (when switched on)."""
    f = settings.feeds
    if arg is not None:
        if arg.lower() in ("off", "none", ""):
            return None
        host, _, port = arg.partition(":")
        return host or f.host, int(port) if port else f.port, f.prefix
    return (f.host, f.port, f.prefix) if f.mqtt else None


SMOKE_TIMEOUT_MS = 180_000


def _once_map_painted(map_widget: CityMapWidget, controller: ConsoleController,
                      settle_ms: int, then: Callable[[], None]) -> None:
    """Call ``then`` once the map page and the window's data are ready, after
    ``settle_ms`` more for the layers to paint (a screenshot, the smoke test)."""
    if map_widget.ready and controller.ready:
        QTimer.singleShot(settle_ms, then)
    else:
        QTimer.singleShot(200, lambda: _once_map_painted(map_widget, controller, settle_ms,
                                                         then))


def _smoke_test(app: QApplication, window: MainWindow, map_widget: CityMapWidget,
                controller: ConsoleController, out: Path) -> dict:
    """``--smoke FILE``: once the window shows the demo city and the map has painted, take a
    screenshot from the display (not a widget grab: what is on the screen), save it and
    quit; the result (platform, map ready, cases shown) is printed as one JSON line."""
    result: dict = {"ok": False, "png": str(out)}

    def shoot() -> None:
        screen = window.screen()
        image = screen.grabWindow(0)  # the whole display, as a user would see it
        image.save(str(out))
        result.update(ok=bool(map_widget.ready and controller.ready and not image.isNull()),
                      platform=QApplication.platformName(), map_ready=map_widget.ready,
                      cases=int(controller.snapshot.table.ids.size)
                      if controller.snapshot is not None else 0,
                      size=[image.width(), image.height()])
        app.quit()

    def give_up() -> None:
        result.update(error="the map did not get ready in time",
                      platform=QApplication.platformName(), map_ready=map_widget.ready)
        app.quit()

    controller.sig_ready.connect(lambda: _once_map_painted(map_widget, controller, 3000, shoot))
    QTimer.singleShot(SMOKE_TIMEOUT_MS, give_up)
    return result


def run_gui(args: argparse.Namespace) -> int:
    """Open the console window; with ``--screenshot`` save a PNG once ready and exit."""
    from console.startup import platform_problem, prepare_web_engine

    if args.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    problem = platform_problem()
    if problem is not None:
        print(f"CityGrid Console cannot start: {problem}", file=sys.stderr)
        return 3
    sandbox_warning = prepare_web_engine()
    if sandbox_warning:
        print(f"WARNING: {sandbox_warning}", file=sys.stderr)
    register_url_scheme()  # before the QApplication exists
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("CityGrid")
    app.setApplicationName("CityGrid Console")
    settings = load_settings()
    apply_theme(app, settings.theme == "dark")
    install_translators(app, settings.language)
    try:
        db = Database.open(args.db)
    except CityGridError as exc:
        QMessageBox.critical(None, "CityGrid Console", str(exc))
        return 1
    bm = settings.base_map
    try:
        base_map = BaseMap(bm.kind, bm.url, bm.path, bm.datum, bm.attribution)
    except ValueError as exc:
        log.error("base map in the settings is unusable (%s); using none", exc)
        base_map = BaseMap()
    map_widget = CityMapWidget(base_map=base_map)
    window = MainWindow(db.url, central=map_widget)
    window.status_datum.setText(window.tr("Map datum: {0}").format(base_map.datum))
    window.dark_action.setChecked(settings.theme == "dark")
    qsettings = QSettings()
    window.restore_state(qsettings)
    actor = Actor(name=os.environ.get("USER", "dispatcher"), role=StaffRole.DISPATCHER)
    controller = ConsoleController(db, actor, window, build_demo=not args.no_demo,
                                   map_widget=map_widget)

    def on_simulator_toggled(on: bool) -> None:
        nonlocal settings
        if settings.simulator != on:
            settings = dataclasses.replace(settings, simulator=on)
            save_settings(settings)

    window.sig_simulator_toggled.connect(on_simulator_toggled)

    def on_theme_toggled(dark: bool) -> None:
        nonlocal settings
        apply_theme(app, dark)
        settings = dataclasses.replace(settings, theme="dark" if dark else "light")
        save_settings(settings)

    def on_language_requested(code: str) -> None:
        nonlocal settings
        settings = dataclasses.replace(settings, language=code)
        save_settings(settings)
        window.statusBar().showMessage(
            window.tr("The language changes at the next start of the console."), 8000)

    window.sig_theme_toggled.connect(on_theme_toggled)
    window.sig_language_requested.connect(on_language_requested)
    window.alerts.set_alarm_volume(settings.alarm.volume)

    def on_alarm_volume_changed(volume: int) -> None:
        nonlocal settings
        settings = dataclasses.replace(
            settings, alarm=dataclasses.replace(settings.alarm, volume=volume))
        save_settings(settings)

    window.sig_alarm_volume_changed.connect(on_alarm_volume_changed)
    if sandbox_warning:
        window.show_permanent_warning(window.tr("Root: map without sandbox"),
                                      window.tr(sandbox_warning))
    window.show()
    controller.start()
    mqtt = _mqtt_target(getattr(args, "mqtt", None), settings)
    if settings.feeds.snap_folder and not args.screenshot:
        controller.sig_ready.connect(
            lambda: controller.watch_snap_folder(settings.feeds.snap_folder))
    if mqtt is not None and not args.screenshot:
        # the feeds need the grids: connect once the window shows the database
        controller.sig_ready.connect(lambda: controller.start_feeds(*mqtt))
    if settings.simulator and not args.screenshot and not args.no_demo:
        # a living city: the simulator runs unless the user switched it off
        controller.sig_ready.connect(lambda: controller.set_simulator_running(True))
    if args.screenshot:
        out = Path(args.screenshot)

        def shoot() -> None:
            window.grab().save(str(out))
            log.info("screenshot saved to %s", out)
            app.quit()

        controller.sig_ready.connect(
            lambda: _once_map_painted(map_widget, controller, 1500, shoot))
    smoke: dict = {}
    if getattr(args, "smoke", None):
        smoke = _smoke_test(app, window, map_widget, controller, Path(args.smoke))
    code = app.exec()
    if smoke:
        code = 0 if smoke.get("ok") else 1
        print(json.dumps(smoke), flush=True)
    if not args.screenshot and not smoke:
        window.save_state(qsettings)
    map_widget.teardown()
    controller.stop_feeds()
    controller.runner.shutdown()
    for run in controller.drills:  # a drill window still open: its database closes too
        run.controller.runner.shutdown()
        run.db.dispose()
    db.dispose()
    return code




__all__ = ["ConsoleController", "run_gui", "read_snapshot", "Snapshot"]
