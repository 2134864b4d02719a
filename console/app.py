"""Start the console: open the database, build the demo city on first launch, show the window.

:class:`ConsoleController` is the one place that talks to both services and widgets: it
calls services (off the GUI thread when the work is long), and hands frozen records to the
widgets, which never reach the database themselves.
"""

from __future__ import annotations

import functools
import gc
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from console.application.casedesk import BulkReassignment, CaseDesk
from console.application.indexes import Indexes
from console.application.snapshot import Snapshot, WorldCache, read_snapshot
from console.mainwindow import MainWindow, ask_dialog
from console.presenters.casework import ActionCancelled, CaseDetailPresenter  # noqa: F401 (re-export)
from console.presenters.drills import ConsoleFactory, DrillsPresenter
from console.presenters.follow import ChangeFollower
from console.presenters.hotline import HotlinePresenter
from console.presenters.intakedesk import IntakePresenter
from console.presenters.livemap import LiveMapSync
from console.presenters.mapinput import MapInputPresenter
from console.presenters.openwork import OpenWorkPresenter
from console.presenters.reconcile import ReconcilePresenter
from console.presenters.replaying import ReplayPresenter
from console.presenters.search import SearchPresenter
from console.presenters.service import ServicePresenter
from console.presenters.simulation import SimulatorPresenter
from console.presenters.spans import SpanPresenter
from console.tasks import TaskRunner, TaskState
from models.cases.queue import QueueReader, read_cases
from models.cases.service import CaseService
from models.cases.table import CaseTable
from models.core.auth import Actor, Perm
from models.core.errors import CityGridError
from models.core.records import CaseChanges, RoutingDecision
from models.storage.changelog import prune
from models.storage.db import Database
from models.storage.schema import StaffRole
from models.world.staff import StaffService
from models.world.units import UnitService
from widgets.citymap import CityMapWidget
from widgets.identity import IdentityLabel
from widgets.messages import error_text

log = logging.getLogger(__name__)


class ConsoleController(QObject):
    """Wires the services of one database to the main window."""

    sig_ready = Signal()
    """The window shows the database's content for the first time."""

    def __init__(self, db: Database, actor: Actor, window: MainWindow, *,
                 build_demo: bool = True, map_widget: CityMapWidget | None = None,
                 build_console: ConsoleFactory) -> None:
        super().__init__(window)
        self.db, self.actor, self.window = db, actor, window
        self.cases = CaseService(db, actor)
        self.staff = StaffService(db, actor)
        self.units = UnitService(db, actor)
        self.runner = TaskRunner(self)
        self.runner.sig_task_progress.connect(window.show_progress)
        self.runner.sig_task_finished.connect(self._on_runner_finished)
        self.runner.sig_task_failed.connect(self._on_runner_failed)
        window.sig_refresh_requested.connect(self.reload)
        window.queue.sig_case_selected.connect(self._on_queue_case_selected)
        window.alerts.sig_case_selected.connect(self._on_list_case_selected)
        window.staff.sig_case_selected.connect(self._on_list_case_selected)
        window.alerts.sig_emergencies_acknowledged.connect(self._on_alerts_acknowledged)
        self.acknowledged: set[int] = set()
        window.sig_role_requested.connect(self.set_role)
        window.sig_hotline_requested.connect(self.open_hotline_form)
        # training drills on copies of the world (console.presenters.drills); the controller asks
        self.drill_runs = DrillsPresenter(db, self.runner, window, self, build_console)
        # the city simulator, following the wall clock (console.presenters.simulation)
        self.sim = SimulatorPresenter(db, self.runner, window, on_change=self.apply_changes)
        # the MQTT feeds, the snap folder and the quarantine (console.presenters.intakedesk)
        self.intake = IntakePresenter(db, self.runner, window, actor=lambda: self.actor,
                                      locate=self._locator, on_change=self.apply_changes,
                                      set_publisher=self.sim.set_publisher)
        # the deadline-breach rule: overdue cases move one level up, checked every minute
        self._watch_timer = QTimer(self)
        self._watch_timer.setInterval(60_000)
        self._watch_timer.timeout.connect(self._on_watch_timer_timeout)
        # what only time changes (a step going overdue, a deadline warning): shown again
        # each minute without a read, the whole window read every ten (views.tick)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(60_000)
        window.detail.sig_contact_reveal_requested.connect(
            self._on_detail_contact_reveal_requested)
        window.detail.set_contact_reveal_allowed(actor.can(Perm.CONTACT_READ))
        # replaying a scenario on the timeline (console.presenters.replaying)
        self.replaying = ReplayPresenter(self.runner, window, self)
        window.quarantine.reveal.setVisible(actor.can(Perm.CONTACT_READ))
        self.identity = IdentityLabel.attach(window, actor.name, actor.role.value)
        # the grid index, the router and the adjacency: each read once, on one thread
        self.indexes = Indexes(db, actor)
        # 12345 calls and the merge offer (console.presenters.hotline)
        self.calls = HotlinePresenter(self)
        # the case detail: showing and working a case (console.presenters.casework)
        self.casework = CaseDetailPresenter(self)
        # the grids a case spans: the picker beside the map (console.presenters.spans)
        self.spans = SpanPresenter(self)
        # the case actions of the acting user, without Qt (console.application.casedesk)
        self.desk = CaseDesk(db, actor, self._router)
        # the departments' grid layers against the unified grid (Map → Reconcile …)
        self.reconcile = ReconcilePresenter(db, actor, window.reconcile, self.runner,
                                            map_widget=map_widget, parent=window,
                                            is_shown=window.reconcile.isVisible)
        # how the controller asks the user for a reason, a note or a score; tests replace it
        self.ask: Callable[[str, str, list[str] | None], str | None] = functools.partial(
            ask_dialog, window)
        self.map = map_widget
        # the page is built once; each refresh sends what changed (console.presenters.livemap)
        self.live_map = LiveMapSync(map_widget) if map_widget is not None else None
        # the open work on the window, from snapshots and change records
        self.views = OpenWorkPresenter(window, self.live_map,
                                       is_replay=lambda: self.replay is not None,
                                       acknowledged=self.acknowledged)
        self._clock_timer.timeout.connect(lambda: self.views.tick(self.refresh))
        # the search box, a grid's staff, older history on demand
        self.search = SearchPresenter(self)
        # the city service's health; while one is alive it runs intake, timers, simulator
        self.service = ServicePresenter(db, self.runner, window, actor=lambda: self.actor)
        self.service.sig_alive_changed.connect(self._on_service_alive_changed)
        self.service.sig_quarantine_changed.connect(self.intake.refresh_quarantine)
        # the service's position fixes: the staff layer and the count on duty follow
        self.service.sig_staff_moved.connect(lambda: self.apply_changes(None))
        self.sim.service_alive = lambda: self.service.alive
        # what other writers commit reaches the window as change records (the change log)
        self.follower = ChangeFollower(db, self.runner, lambda: self.actor, self)
        self.follower.sig_changes.connect(self.apply_changes)
        self.follower.sig_overflow.connect(self.refresh)
        window.destroyed.connect(self.follower.stop)
        # clicks on the map, picked locations, distances (console.presenters.mapinput)
        self.map_input = MapInputPresenter(self, map_widget)
        self.ready = False
        self._build_demo = build_demo
        # the queue re-reads only what changed since the last refresh (models.cases.queue)
        self.queue_reader = QueueReader(db)
        self.world = WorldCache()  # districts, community codes, street names

    @Slot()
    def _on_watch_timer_timeout(self) -> None:
        if not self.service.timers_alive:  # else the city service's lease holder watches
            self.runner.submit("deadline-watch", self._deadline_watch_task, coalesce=True)

    @Slot(bool)
    def _on_service_alive_changed(self, alive: bool) -> None:
        if alive:  # a city service came up: it takes intake and the simulator over
            self.sim.hand_over()
            self.intake.stop_feeds()

    def _deadline_watch_task(self, state: TaskState) -> list[int]:
        from routing.overdue import escalate_overdue

        router = self.indexes.router()
        state.check()
        escalated = escalate_overdue(self.db, router)
        prune(self.db)  # the change log keeps its newest million rows
        return escalated

    def start(self) -> None:
        self.service.start()
        self._watch_timer.start()
        self._clock_timer.start()
        if self._build_demo and self.db.is_empty():
            self.window.statusBar().showMessage(
                self.tr("First start: building the demo city of Changsha…"))
            self.runner.submit("demo", self._build_demo_task, on_done=lambda _: self.reload())
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
            self.db, self.actor, state, with_layers=with_layers, queue=self.queue_reader,
            world=self.world), on_done=self._on_snapshot_read)

    @Slot()
    def reload(self) -> None:
        """F5: everything read again, the world around the cases too."""
        self.world.reset()
        self.refresh()

    # -- the city simulator (console.presenters.simulation) ---------------------------------------
    @property
    def simulator(self):  # noqa: ANN201
        return self.sim.simulator

    @property
    def publisher(self):  # noqa: ANN201
        return self.sim.publisher

    def set_simulator_running(self, on: bool) -> None:
        self.sim.set_running(on)

    # -- training drills (console.presenters.drills) ----------------------------------------------
    @property
    def drills(self) -> list:
        return self.drill_runs.drills

    def start_drill(self, trainee: str, injects_file: str | None = None, *,
                    root: Path | None = None) -> None:
        """Copy the world into a drill database, then open the drill window."""
        self.drill_runs.start(trainee, injects_file, root=root)

    # -- replaying a scenario (console.presenters.replaying) --------------------------------------
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
        """Markers of another world (live or a replay) leave the map."""
        if self.live_map is not None:
            self.live_map.clear()

    # -- intake (console.presenters.intakedesk) ---------------------------------------------------
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

    def _locator(self):  # noqa: ANN202
        return self.indexes.grid_index()

    @Slot(int)
    def _on_detail_contact_reveal_requested(self, case_id: int) -> None:
        """The reporter's phone of the shown case in full, to call back (one audited read)."""
        try:
            phone = self.cases.reveal_contact(case_id)
        except CityGridError as exc:
            self.window.statusBar().showMessage(error_text(exc), 5000)
            return
        self.window.detail.show_revealed_contact(case_id, phone)

    def _read_positions(self, state: TaskState) -> tuple:
        return self.staff.positions(), self.staff.count_on_duty()

    @Slot(str, object)
    def _on_runner_finished(self, kind: str, result: object) -> None:
        self.window.hide_progress()

    def _on_snapshot_read(self, snap: Snapshot) -> None:
        if self.replay is None:
            self._show_snapshot(snap)

    @Slot(str, object)
    def _on_runner_failed(self, kind: str, exc: object) -> None:
        self.window.hide_progress()
        self.window.statusBar().showMessage(self.tr("{0} failed: {1}").format(kind, exc))

    def _show_snapshot(self, snap: Snapshot) -> None:
        first = not self.ready
        self.views.show(snap, first=first)
        if self.replay is None:
            self.follower.rewind(snap.seq)  # follow the change log from the read on
        if first:
            self.ready = True
            self.window.statusBar().showMessage(self.tr("Ready"), 3000)
            # The objects alive now (Qt wrappers, the catalogue, the map's layers, the
            # modules) live as long as the window: move them out of the cyclic collector's
            # reach, so a full collection later scans only what is new. A full collection
            # over all of them holds the GIL for 100-140 ms: a visible freeze of the GUI.
            gc.collect()
            gc.freeze()
            self.sig_ready.emit()
            # the indexes the GUI thread uses first, built on the worker once the window
            # shows the city (not beside the first read, which the user waits for)
            self.runner.submit("indexes", self.indexes.build_ahead)

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot the window shows (patched by the change records since)."""
        return self.views.snapshot

    def apply_changes(self, changes: CaseChanges | None, rows: CaseTable | None = None
                      ) -> None:
        """After a change record: only the cases it names are re-read and redrawn (a whole
        snapshot when there is none to patch yet; nothing while a replay shows). None: staff
        moved (the feeds, the simulator): their positions are read again; the cases those
        writers made or changed arrive through the change log (console.presenters.follow)."""
        if self.replay is not None:
            return
        if self.views.snapshot is None:
            self.refresh()
            return
        if changes is None:  # staff moved (feeds, simulator): their cases follow the log
            self.runner.submit("positions", self._read_positions, coalesce=True,
                               on_done=lambda got: self.views.show_positions(*got))
            return
        if changes.case_ids:  # (rows read on the worker come with the change log's batch)
            self.views.apply(rows if rows is not None else
                             read_cases(self.db, self.actor, changes.case_ids))
        shown = self.window.detail.case_id
        if changes.action == "log" and shown in changes.case_ids:
            self.show_case(shown)  # the case on screen changed elsewhere: shown as it is

    # -- selection and search ------------------------------------------------------------
    @Slot(list)
    def _on_alerts_acknowledged(self, case_ids: list) -> None:
        # silent here at once; written to the cases on the runner, so every seat's alarm
        # stops (the alert list reads the cases' acknowledgement; console.presenters.casework)
        self.acknowledged.update(int(c) for c in case_ids)
        self.casework.acknowledge(case_ids)

    @Slot(int)
    def _on_queue_case_selected(self, case_id: int) -> None:
        self.show_case(case_id)
        self.map_input.fly_to_case(case_id)

    # -- 12345 calls (console.presenters.hotline) -------------------------------------------------
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

    @Slot(int)
    def _on_list_case_selected(self, case_id: int) -> None:
        self.window.queue.select_case(case_id, emit=False)
        self.show_case(case_id)

    # -- the case detail (console.presenters.casework) --------------------------------------------
    def show_case(self, case_id: int) -> None:
        self.casework.show_case(case_id)

    def recommend(self, case, decision: RoutingDecision | None = None) -> list:  # noqa: ANN001
        return self.casework.recommend(case, decision)

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
        self.casework.release_claims()  # the user before logs out: their claims go
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
        self.identity.show_actor(self.actor.name, code)
        if self.window.detail.case_id is not None:
            self.show_case(self.window.detail.case_id)

    def _route(self, case) -> RoutingDecision:  # noqa: ANN001
        """The router's decision for ``case`` (the desk's: spans, off-grid districts)."""
        return self.desk.route(case)

    # -- the grids a case spans (console.presenters.spans) ----------------------------------------
    @property
    def span_picker(self):  # noqa: ANN201
        return self.spans.picker

    def open_span_picker(self, case_id: int) -> None:
        self.spans.open(case_id)

    def adjacency(self):  # noqa: ANN201
        """The grid adjacency graph (read once)."""
        return self.indexes.adjacency()

    def _router(self):  # noqa: ANN202
        return self.indexes.router()

    @property
    def picked_location(self) -> tuple[float, float, str] | None:
        return self.map_input.picked_location

    def _on_map_grid_clicked(self, code: str) -> None:
        self.map_input._on_map_grid_clicked(code)

    def show_grid(self, code: str) -> None:
        self.search.show_grid(code)


__all__ = ["ConsoleController", "Snapshot", "read_snapshot"]
