"""Start the console: open the database, build the demo city on first launch, show the window.

:class:`ConsoleController` is the one place that talks to both services and widgets: it
calls services (off the GUI thread when the work is long), and hands frozen records to the
widgets, which never reach the database themselves.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from console.i18n import install_translators
from console.mainwindow import MainWindow
from console.settings import load_settings, save_settings
from console.tasks import TaskRunner, TaskState
from console.theme import apply_theme
from models.auth import Actor
from models.cases import CaseService
from models.db import Database
from models.errors import CityGridError
from models.casetable import CaseTable
from models.queue import load_case_table
from models.records import DistrictSummary
from models.schema import StaffRole
from models.staff import StaffService
from models.units import UnitService, district_summaries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """Everything a refresh shows, read in one background task."""

    districts: list[DistrictSummary]
    table: CaseTable
    on_duty: int
    read_at: dt.datetime


def read_snapshot(db: Database, actor: Actor, state: TaskState | None = None) -> Snapshot:
    """Read what the window shows (runs on a worker thread)."""
    districts = district_summaries(db, actor)
    if state:
        state.progress("cases", 0.3)
    table = load_case_table(db, actor)
    if state:
        state.progress("staff", 0.9)
    on_duty = StaffService(db, actor).count_on_duty()
    return Snapshot(districts, table, on_duty, dt.datetime.now(dt.UTC))


class ConsoleController(QObject):
    """Wires the services of one database to the main window."""

    sig_ready = Signal()
    """The window shows the database's content for the first time."""

    def __init__(self, db: Database, actor: Actor, window: MainWindow, *,
                 build_demo: bool = True) -> None:
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
        window.alerts.sig_case_selected.connect(self._on_alerts_case_selected)
        self.ready = False
        self._build_demo = build_demo
        self.snapshot: Snapshot | None = None

    def start(self) -> None:
        if self._build_demo and self.db.is_empty():
            self.window.statusBar().showMessage(
                self.tr("First start: building the demo city of Changsha…"))
            self.runner.submit("demo", self._build_demo_task)
        else:
            self.refresh()

    def _build_demo_task(self, state: TaskState) -> object:
        from models.democity import build_demo_city

        return build_demo_city(self.db, progress=state.progress)

    @Slot()
    def refresh(self) -> None:
        """Reload everything the window shows, off the GUI thread."""
        self.runner.submit("snapshot", lambda state: read_snapshot(self.db, self.actor, state))

    @Slot(str, object)
    def _on_runner_finished(self, kind: str, result: object) -> None:
        self.window.hide_progress()
        if kind == "demo":
            self.refresh()
        elif kind == "snapshot" and isinstance(result, Snapshot):
            self._show_snapshot(result)

    @Slot(str, object)
    def _on_runner_failed(self, kind: str, exc: object) -> None:
        self.window.hide_progress()
        self.window.statusBar().showMessage(self.tr("{0} failed: {1}").format(kind, exc))

    def _show_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        w = self.window
        w.overview.set_summaries(snap.districts)
        w.queue.set_districts([(d.code, d.name) for d in snap.districts])
        w.queue.set_table(snap.table)
        now = dt.datetime.now(dt.UTC)
        open_mask = snap.table.open_mask()
        overdue_mask = snap.table.overdue_mask(now)
        w.set_counts(int(open_mask.sum()), int(overdue_mask.sum()), snap.on_duty)
        from models.catalogue import CATEGORY_CODES

        by_cat = {c: int((snap.table.category[open_mask] == i).sum())
                  for i, c in enumerate(CATEGORY_CODES)}
        w.stats.set_open_by_category(by_cat, int(overdue_mask.sum()))
        alerts = [(int(snap.table.ids[i]), f"{snap.table.numbers[i]} {snap.table.titles[i]}",
                   "overdue") for i in overdue_mask.nonzero()[0][:200]]
        w.alerts.set_alerts(alerts)
        if not self.ready:
            self.ready = True
            w.statusBar().showMessage(self.tr("Ready"), 3000)
            self.sig_ready.emit()

    # -- selection and search ------------------------------------------------------------
    @Slot(int)
    def _on_queue_case_selected(self, case_id: int) -> None:
        self.show_case(case_id)

    @Slot(int)
    def _on_alerts_case_selected(self, case_id: int) -> None:
        self.window.queue.select_case(case_id, emit=False)
        self.show_case(case_id)

    def show_case(self, case_id: int) -> None:
        try:
            case = self.cases.get(case_id)
            history = self.cases.history(case_id)
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        grid_code = ""
        if case.grid_id is not None and self.snapshot is not None:
            hits = (self.snapshot.table.ids == case.id).nonzero()[0]
            grid_code = str(self.snapshot.table.grid_code[hits[0]]) if len(hits) else ""
        self.window.detail.show_case(case, history, grid_code)
        self.window.docks["detail"].raise_()

    def show_grid(self, code: str) -> None:
        try:
            grid = self.units.grid_by_code(code)
        except CityGridError as exc:
            self.window.statusBar().showMessage(str(exc), 5000)
            return
        staff = self.staff.list(grid_id=grid.id)
        kind = self.tr("dedicated") if grid.kind == "dedicated" else self.tr("basic")
        self.window.staff.show_staff(
            self.tr("Grid {0} ({1}), community {2}").format(grid.code, kind,
                                                           grid.community_code), staff)
        self.window.docks["staff"].raise_()

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
        self.window.statusBar().showMessage(self.tr("Nothing found for “{0}”").format(text), 5000)


def run_gui(args: argparse.Namespace) -> int:
    """Open the console window; with ``--screenshot`` save a PNG once ready and exit."""
    if args.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
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
    window = MainWindow(db.url)
    window.dark_action.setChecked(settings.theme == "dark")
    qsettings = QSettings()
    window.restore_state(qsettings)
    actor = Actor(name=os.environ.get("USER", "dispatcher"), role=StaffRole.DISPATCHER)
    controller = ConsoleController(db, actor, window, build_demo=not args.no_demo)

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
    window.show()
    controller.start()
    if args.screenshot:
        out = Path(args.screenshot)

        def shoot() -> None:
            window.grab().save(str(out))
            log.info("screenshot saved to %s", out)
            app.quit()

        controller.sig_ready.connect(lambda: QTimer.singleShot(300, shoot))
    code = app.exec()
    if not args.screenshot:
        window.save_state(qsettings)
    controller.runner.shutdown()
    db.dispose()
    return code




__all__ = ["ConsoleController", "run_gui", "read_snapshot", "Snapshot"]
