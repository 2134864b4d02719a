"""A training drill in its own window, on its own database: a copy of the world.

The trainer starts a drill from the live console (Training > Start a drill…): the world
(units, grids, staff, sensors) is copied into a new SQLite file under the data directory's
``drills/`` folder, and a second main window opens on that copy with a TRAINING banner and
an orange frame (on every dialog it opens, too). The trainee works it as a dispatcher. The
scripted injects arrive at their scenario times; the trainer adds more with a click on the
map (Training > Inject at a location…). Ending the drill scores it on the city's own
indicators and writes the after-action report (PDF) beside the drill database. Nothing the
drill window does can reach the live database: its controller and services hold only the
drill database.

:class:`DrillsPresenter` takes the trainer's request in a live window, copies the world off
the GUI thread and opens the :class:`DrillRun` windows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence

from console.tasks import TaskRunner
from models.core.auth import Actor, Perm
from models.core.errors import CityGridError
from models.core.records import CaseChanges
from models.drills.injects import DrillInject
from models.drills.scoring import score_drill
from models.drills.session import DrillSession
from models.storage.db import Database, data_dir
from models.storage.schema import StaffRole
from widgets.messages import error_text
from widgets.training import TrainingFrame

log = logging.getLogger(__name__)
ConsoleFactory = Callable[..., Any]  # console.composition.build_console


def drill_path(root: Path | None = None, now: dt.datetime | None = None) -> Path:
    """Where a new drill's database goes: ``<data dir>/drills/drill-<time>.sqlite3``."""
    now = now or dt.datetime.now()
    folder = (root or data_dir()) / "drills"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"drill-{now:%Y%m%d-%H%M%S}.sqlite3"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"drill-{now:%Y%m%d-%H%M%S}-{n}.sqlite3"
    return path


class DrillRun(QObject):
    """One running drill: its database, window, controller and injects.

    Parameters
    ----------
    db : Database
        The drill's own database (made by :func:`models.drills.world.create_drill_db`).
    path : Path
        Its file; the after-action report goes beside it.
    trainee : str
        The trainee's name (the drill's acting dispatcher and the report's subject).
    injects : list of DrillInject
        Scripted events, released at ``start + at_offset_s``.
    build : callable
        The composition root's ``build_console`` (the drill window is a console on the
        drill database; the presenter does not import the root that builds it).
    with_map : bool
        Give the drill window the live map (tests run without it).
    """

    sig_ended = Signal(str)
    """The drill ended; the after-action report is at this path."""

    def __init__(self, db: Database, path: Path, trainee: str, injects: list[DrillInject],
                 *, build: ConsoleFactory, name: str = "", with_map: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.name = name or self.path.stem
        self.trainee = trainee or "trainee"
        self.db = db
        self.started = dt.datetime.now(dt.UTC)
        self.session = DrillSession(self.db, injects, self.started)
        console = build(self.db, Actor(self.trainee, StaffRole.DISPATCHER),
                                with_map=with_map, title=f"{self.path} (drill)")
        self.window, self.controller, map_widget = (console.window, console.controller,
                                                    console.map)
        self.window.setWindowTitle(self.tr("CityGrid Console — training drill {0}")
                                   .format(self.name))
        self.frame = TrainingFrame(self)
        self._add_actions()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._pending_inject: tuple[str, str] | None = None
        if map_widget is not None:
            map_widget.sig_location_picked.connect(self._on_map_location_picked)
        self.report_path: Path | None = None
        self._ending = False
        self.window.close_guard = self._on_window_close_requested

    def _add_actions(self) -> None:
        w = self.window
        menu = w.menuBar().addMenu(self.tr("&Drill"))
        self.inject_action = QAction(self.tr("&Inject at a location…"), w)
        self.inject_action.setShortcut(QKeySequence("Ctrl+I"))
        self.inject_action.triggered.connect(self.ask_inject_at_location)
        self.end_action = QAction(self.tr("&End the drill and score it…"), w)
        self.end_action.triggered.connect(self.end)
        menu.addAction(self.inject_action)
        menu.addAction(self.end_action)
        w.addAction(self.inject_action)

    def start(self) -> None:
        self.window.show()
        self.frame.set_training(self.window, True, self.name)
        self.controller.start()
        self._timer.start()
        self._on_timer_timeout()

    # -- injects ------------------------------------------------------------------------
    @Slot()
    def _on_timer_timeout(self) -> None:
        """Release the injects whose time has come."""
        now = dt.datetime.now(dt.UTC)
        released = 0
        for item in self.session.due(now):
            try:
                self.session.inject(item, now)
                released += 1
            except CityGridError as exc:
                log.warning("inject %s refused: %s", item.title, exc)
        if released:
            self.controller.refresh()

    @Slot()
    def ask_inject_at_location(self) -> None:
        """The trainer's own event: a subcategory and a title, then a click on the map."""
        heading = self.tr("Inject an event")
        sub = self.controller.ask(heading, self.tr("Subcategory code of the event (e.g. "
                                                   "C04, M01)"), None)
        if not sub:
            return
        title = self.controller.ask(heading, self.tr("Title of the event"), None) or sub
        self._pending_inject = (sub.strip().upper(), title)
        if self.controller.map is not None:
            self.controller.map.set_pick_mode(True)
            self.window.statusBar().showMessage(self.tr("Click the map where it happens"))

    @Slot(float, float)
    def _on_map_location_picked(self, lon: float, lat: float) -> None:
        if self._pending_inject is not None:
            sub, title = self._pending_inject
            self._pending_inject = None
            self.inject_at(lon, lat, sub, title)

    def inject_at(self, lon: float, lat: float, subcategory: str, title: str) -> int | None:
        try:
            result = self.session.inject_at(lon, lat, subcategory, title)
        except CityGridError as exc:
            self.window.statusBar().showMessage(error_text(exc), 8000)
            return None
        self.controller.apply_changes(
            CaseChanges("report", (result.case_id,), "drill", created=True)
            if result.case_id is not None else None)
        return result.case_id

    # -- the end ------------------------------------------------------------------------
    @Slot()
    def end(self) -> Path | None:
        """Score the drill, write the after-action report beside the drill database, show
        it, and close the drill window."""
        from console.report import write_after_action_report
        from routing.graph import EscalationGraph
        from routing.policy import Router

        if self.report_path is not None or self._ending:
            return self.report_path
        self._ending = True
        self._timer.stop()
        try:
            recorded = {e.result.case_id: (e.item.recorded_unit, e.item.recorded_level)
                        for e in self.session.injected
                        if e.result.case_id is not None and e.item.recorded_unit}
            score = score_drill(self.db, router=Router(EscalationGraph.from_db(self.db)),
                                since=self.started, recorded=recorded)
            self.report_path = write_after_action_report(
                score, self.path.with_suffix(".pdf"), trainee=self.trainee,
                scenario=self.name)
        except (CityGridError, OSError) as exc:
            # the drill goes on: injects keep coming, and End (or X) can be tried again
            self._ending = False
            self._timer.start()
            self.window.statusBar().showMessage(
                self.tr("The drill could not be scored and goes on: {0}").format(exc), 15000)
            return None
        self.frame.set_training(self.window, False)
        self.controller.stop_feeds()
        self.controller.runner.shutdown()
        if self.controller.map is not None:
            self.controller.map.teardown()
        self.window.close()
        self.db.dispose()
        self.sig_ended.emit(str(self.report_path))
        return self.report_path

    def _on_window_close_requested(self) -> bool:
        """Closing the drill window (X) ends and scores the drill like End; the window
        stays open when it cannot be scored."""
        if self.report_path is not None or self._ending:
            return True
        return self.end() is not None

    def open_report(self) -> None:
        if self.report_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report_path)))


def prepare_drill(live: Database, injects_file: str | None = None,
                  root: Path | None = None) -> tuple[Database, Path, list[DrillInject]]:
    """The long part of starting a drill (runs off the GUI thread): read the injects, copy
    the world into a new drill database."""
    from models.drills.injects import load_injects
    from models.drills.world import create_drill_db

    injects = load_injects(Path(injects_file)) if injects_file else []
    path = drill_path(root)
    return create_drill_db(live, path), path, injects



KIND = "drill"


class DrillsPresenter(QObject):
    """The drills of one live window."""

    def __init__(self, db: Database, runner: TaskRunner, window, controller,  # noqa: ANN001
                 build: ConsoleFactory) -> None:
        super().__init__(window)
        self.db, self.runner, self.window, self.controller = db, runner, window, controller
        self.build = build  # the composition root's build_console, for the drill window
        self.drills: list[DrillRun] = []  # running
        self.trainee = ""
        window.sig_drill_requested.connect(self._on_window_drill_requested)

    @Slot()
    def _on_window_drill_requested(self) -> None:
        c = self.controller
        if not c.actor.can(Perm.DRILL_RUN):
            self.window.statusBar().showMessage(
                self.tr("Only a trainer starts drills: switch the role to Trainer"), 8000)
            return
        trainee = c.ask(self.tr("Start a drill"), self.tr("Trainee's name"), None)
        if not trainee:
            return
        injects = c.ask("file", self.tr("Injects: a JSON list or a recorded scenario "
                                        "(cancel for none)"), None)
        self.start(trainee, injects or None)

    def start(self, trainee: str, injects_file: str | None = None, *,
              root: Path | None = None) -> None:
        """Copy the world into a drill database (off the GUI thread), then open the drill
        window. The live database is only read."""
        self.trainee = trainee
        self.window.statusBar().showMessage(self.tr("Preparing the drill: copying the "
                                                    "world…"))
        self.runner.submit(KIND, lambda state: prepare_drill(self.db, injects_file, root),
                           on_done=lambda result: self._open(*result))

    def _open(self, db, path, injects) -> None:  # noqa: ANN001
        run = DrillRun(db, path, self.trainee, injects, build=self.build,
                       with_map=self.controller.map is not None)
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


__all__ = ["DrillRun", "DrillsPresenter", "drill_path", "prepare_drill"]
