"""Start the console: open the database, build the demo city on first launch, show the window.

:class:`ConsoleController` is the one place that talks to both services and widgets: it
calls services (off the GUI thread when the work is long), and hands frozen records to the
widgets, which never reach the database themselves.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from console.application.casedesk import BulkReassignment, CaseDesk
from console.application.snapshot import Snapshot, read_snapshot
from console.casework import ActionCancelled, CaseDetailPresenter  # noqa: F401 (re-export)
from console.drills import DrillsPresenter
from console.hotline import HotlinePresenter
from console.intakedesk import IntakePresenter
from console.livemap import LiveMapSync
from console.mainwindow import MainWindow
from console.reconcile import ReconcilePresenter
from console.replaying import ReplayPresenter
from console.simulation import SimulatorPresenter
from console.spans import SpanPresenter
from console.tasks import TaskRunner, TaskState
from models.core.auth import Actor, Perm
from models.cases.service import CaseService
from models.cases.table import LEVEL_CODES, STATUS_CODES, CaseTable
from models.core.catalogue import CATEGORY_CODES
from models.storage.db import Database
from models.core.errors import CityGridError, StaleVersionError
from models.cases.queue import QueueReader, search_cases
from models.core.records import RoutingDecision
from models.storage.schema import StaffRole
from models.world.staff import StaffService
from models.core.workcalendar import load_calendar
from widgets.citymap import CityMapWidget
from models.world.units import UnitService

log = logging.getLogger(__name__)
HISTORY_PAGE = 500  # cases a search of the whole history lists


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
        window.sig_hotline_requested.connect(self.open_hotline_form)
        # training drills on copies of the world (console.drills); the controller asks
        self.drill_runs = DrillsPresenter(db, self.runner, window, self)
        # the city simulator, following the wall clock (console.simulation)
        self.sim = SimulatorPresenter(db, self.runner, window, on_change=self.refresh)
        # the MQTT feeds, the snap folder and the quarantine (console.intakedesk)
        self.intake = IntakePresenter(db, self.runner, window, actor=lambda: self.actor,
                                      locate=self._locator, on_change=self.refresh,
                                      set_publisher=self.sim.set_publisher)
        self._watch_router = None
        # the deadline-breach rule: overdue cases move one level up, checked every minute
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(60_000)
        self._watch_timer.timeout.connect(self._on_watch_timer_timeout)
        window.detail.sig_contact_reveal_requested.connect(
            self._on_detail_contact_reveal_requested)
        window.detail.set_contact_reveal_allowed(actor.can(Perm.CONTACT_READ))
        # replaying a scenario on the timeline (console.replaying)
        self.replaying = ReplayPresenter(self.runner, window, self)
        window.quarantine.reveal.setVisible(actor.can(Perm.CONTACT_READ))
        self.router = None  # routing.policy.Router, built on first use (off the hot path)
        self._districts: list | None = None  # (district id, boundary) for off-grid cases
        self._adjacency = None
        # 12345 calls and the merge offer (console.hotline)
        self.calls = HotlinePresenter(self)
        # the case detail: showing and working a case (console.casework)
        self.casework = CaseDetailPresenter(self)
        # the grids a case spans: the picker beside the map (console.spans)
        self.spans = SpanPresenter(self)
        # the case actions of the acting user, without Qt (console.application.casedesk)
        self.desk = CaseDesk(db, actor, self._router)
        # the departments' grid layers against the unified grid (Map → Reconcile …)
        self.reconcile = ReconcilePresenter(db, actor, window.reconcile, self.runner,
                                            map_widget=map_widget, parent=window,
                                            is_shown=window.reconcile.isVisible)
        # how the controller asks the user for a reason, a note or a score; tests replace it
        self.ask: Callable[[str, str, list[str] | None], str | None] = self._ask_dialog
        self.map = map_widget
        self._index = None  # the point-to-grid index, built on first use
        self.picked_location: tuple[float, float, str] | None = None
        # the page is built once; each refresh sends what changed (console.livemap)
        self.live_map = LiveMapSync(map_widget) if map_widget is not None else None
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
        # the queue re-reads only what changed since the last refresh (models.cases.queue)
        self.queue_reader = QueueReader(db)

    @Slot()
    def _on_watch_timer_timeout(self) -> None:
        self.runner.submit("deadline-watch", self._deadline_watch_task, coalesce=True)

    def _deadline_watch_task(self, state: TaskState) -> list[int]:
        from routing.graph import EscalationGraph
        from routing.policy import Router
        from routing.overdue import escalate_overdue

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
        from models.scenarios.democity import build_demo_city, seed_demo_cases

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
        with_layers = self.live_map is not None and not self.live_map.layers_sent
        self.runner.submit("snapshot", lambda state: read_snapshot(
            self.db, self.actor, state, with_layers=with_layers, queue=self.queue_reader))

    # -- the city simulator (console.simulation) ------------------------------------------
    @property
    def simulator(self):  # noqa: ANN201
        return self.sim.simulator

    @property
    def publisher(self):  # noqa: ANN201
        return self.sim.publisher

    def set_simulator_running(self, on: bool) -> None:
        self.sim.set_running(on)

    # -- training drills (console.drills) ------------------------------------------------
    @property
    def drills(self) -> list:
        return self.drill_runs.drills

    def start_drill(self, trainee: str, injects_file: str | None = None, *,
                    root: Path | None = None) -> None:
        """Copy the world into a drill database, then open the drill window."""
        self.drill_runs.start(trainee, injects_file, root=root)

    # -- replaying a scenario (console.replaying) ----------------------------------------
    @property
    def replay(self):  # noqa: ANN201
        """The scenario replayed in this window, or None while it is live."""
        return self.replaying.replay

    def open_scenario(self, path: str) -> None:
        self.replaying.open(path)

    def back_to_live(self) -> None:
        self.replaying.back_to_live()

    def show_snapshot(self, snap: Snapshot) -> None:
        """Show a snapshot (live, or a replay's moment)."""
        self._show_snapshot(snap)

    def clear_map(self) -> None:
        self._clear_map()

    def _clear_map(self) -> None:
        """Markers of another world (live or a replay) leave the map."""
        if self.live_map is not None:
            self.live_map.clear()

    # -- intake (console.intakedesk) --------------------------------------------------------
    @property
    def feeds(self):  # noqa: ANN201
        return self.intake.feeds

    def start_feeds(self, host: str, port: int, prefix: str = "citygrid") -> None:
        self.intake.start_feeds(host, port, prefix)

    def stop_feeds(self) -> None:
        self.intake.stop_feeds()

    def watch_snap_folder(self, folder: str | Path, interval_ms: int = 3000) -> None:
        self.intake.watch_snap_folder(folder, interval_ms)

    def refresh_quarantine(self) -> None:
        self.intake.refresh_quarantine()

    def _intake(self):  # noqa: ANN202
        return self.intake._intake()

    def _locator(self):  # noqa: ANN202
        if self._index is None:
            from models.world.gridindex import GridIndex

            self._index = GridIndex.from_db(self.db)
        return self._index

    @Slot(int)
    def _on_detail_contact_reveal_requested(self, case_id: int) -> None:
        """The reporter's phone of the shown case in full, to call back (one audited read)."""
        try:
            phone = self.cases.reveal_contact(case_id)
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        self.window.detail.show_revealed_contact(case_id, phone)

    @Slot(str, object)
    def _on_runner_finished(self, kind: str, result: object) -> None:
        self.window.hide_progress()
        if kind == "deadline-watch" and result:
            self.refresh()
        if kind == "demo":
            self.refresh()
        elif kind == "history-search" and isinstance(result, tuple):
            self._show_history_page(*result)
        elif kind == "snapshot" and isinstance(result, Snapshot):
            if self.replay is None:
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
        if self.live_map is None:
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
        self.live_map.show(snap, open_mask, overdue_mask)

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
        if self.spans.take_grid_click(code):  # the span picker is open: it ticks the grid
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

    # -- 12345 calls (console.hotline) -------------------------------------------------------
    @property
    def hotline(self):  # noqa: ANN201
        """The open hotline form, if any."""
        return self.calls.form

    @property
    def last_hotline(self):  # noqa: ANN201
        return self.calls.last

    def open_hotline_form(self) -> None:
        self.calls.open()

    def likely_duplicates(self, case) -> tuple[int, ...]:  # noqa: ANN001
        return self.calls.likely_duplicates(case)

    def offer_merge(self, case_id: int, originals: Sequence[int], *,
                    duplicate_version: int) -> int | None:
        return self.calls.offer_merge(case_id, originals, duplicate_version=duplicate_version)

    @Slot(float, float)
    def _on_map_location_picked(self, lon: float, lat: float) -> None:
        """Show where the dispatcher clicked: coordinates and the grid there."""
        from models.world.gridindex import GridIndex

        if self._index is None:
            self._index = GridIndex.from_db(self.db, self.actor)
        grid_id = self._index.locate(lon, lat)
        code = ""
        if grid_id is not None:
            code = next((g.code for g in self.units.grids() if g.id == grid_id), "")
        self.picked_location = (lon, lat, code)
        self.calls.set_location(lon, lat)
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

    # -- the case detail (console.casework) --------------------------------------------
    def show_case(self, case_id: int) -> None:
        self.casework.show_case(case_id)

    def recommend(self, case, decision: RoutingDecision | None = None) -> list:  # noqa: ANN001
        return self.casework.recommend(case, decision)

    def _report_stale(self, exc: StaleVersionError) -> None:
        self.casework._report_stale(exc)

    def _on_window_bulk_reassign_requested(self) -> None:
        self.casework._on_window_bulk_reassign_requested()

    # -- the loop from the console -------------------------------------------------------
    def available_actions(self, status: str) -> dict[str, bool]:
        """Which transition buttons to show and which are legal now (the desk's rule)."""
        return self.desk.available_actions(status)

    def bulk_candidates(self, from_code: str) -> list:
        """The dispatched or handling cases of one unit, with the versions shown."""
        return self.desk.bulk_candidates(from_code)

    def reassign_bulk(self, cases: Sequence, to_code: str, reason: str) -> BulkReassignment:
        """Move the cases the shift lead was shown, each at the version shown."""
        return self.desk.reassign_bulk(cases, to_code, reason)

    @Slot(str)
    def set_role(self, code: str) -> None:
        """Work the console as a dispatcher or a shift lead (the demo's centre staff)."""
        from sqlalchemy import select

        from models.storage.schema import Staff

        role = StaffRole(code)
        with self.db.read() as s:
            row = s.execute(select(Staff.id, Staff.name).where(Staff.role == role)
                            .order_by(Staff.id).limit(1)).first()
        self.actor = Actor(row.name if row else self.actor.name, role,
                           row.id if row else None)
        self.cases = CaseService(self.db, self.actor)
        self.staff = StaffService(self.db, self.actor)
        self.units = UnitService(self.db, self.actor)
        self.desk = CaseDesk(self.db, self.actor, self._router)
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

    def _route(self, case) -> RoutingDecision:  # noqa: ANN001
        """The router's decision for ``case`` (the desk's: spans, off-grid districts)."""
        return self.desk.route(case)

    # -- the grids a case spans (console.spans) ------------------------------------------
    @property
    def span_picker(self):  # noqa: ANN201
        return self.spans.picker

    def open_span_picker(self, case_id: int) -> None:
        self.spans.open(case_id)

    def adjacency(self):  # noqa: ANN201
        """The grid adjacency graph (read once)."""
        if self._adjacency is None:
            from routing.candidates import read_adjacency

            self._adjacency = read_adjacency(self.db, self.actor)
        return self._adjacency

    def _router(self):  # noqa: ANN202
        if self.router is None:
            from routing.graph import EscalationGraph
            from routing.policy import Router

            self.router = Router(EscalationGraph.from_db(self.db, self.actor))
        return self.router

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


__all__ = ["ConsoleController", "read_snapshot", "Snapshot"]
