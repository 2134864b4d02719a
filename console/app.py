"""Start the console: open the database, build the demo city on first launch, show the window.

The controller here is the only place that talks to both services and widgets: it calls a
service (off the GUI thread where it may take long) and hands the records to the widgets.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Slot
from PySide6.QtWidgets import QApplication

from console.mainwindow import MainWindow
from console.tasks import TaskRunner, TaskState
from models.auth import Actor
from models.db import Database
from models.schema import StaffRole

log = logging.getLogger(__name__)


class ConsoleController(QObject):
    """Wires the services of one database to the main window."""

    def __init__(self, db: Database, actor: Actor, window: MainWindow, *,
                 build_demo: bool = True) -> None:
        super().__init__(window)
        self.db, self.actor, self.window = db, actor, window
        self.runner = TaskRunner(self)
        self.runner.sig_task_progress.connect(window.show_progress)
        self.runner.sig_task_finished.connect(self._on_runner_finished)
        self.runner.sig_task_failed.connect(self._on_runner_failed)
        window.sig_refresh_requested.connect(self.refresh)
        self.ready = False
        self._build_demo = build_demo

    def start(self) -> None:
        if self._build_demo and self.db.is_empty():
            self.runner.submit("demo", self._build_demo_task)
        else:
            self.refresh()

    def _build_demo_task(self, state: TaskState) -> object:
        from models.demo import build_demo_city

        return build_demo_city(self.db, progress=state.progress)

    @Slot(str, object)
    def _on_runner_finished(self, kind: str, _result: object) -> None:
        self.window.hide_progress()
        if kind == "demo":
            self.refresh()

    @Slot(str, object)
    def _on_runner_failed(self, kind: str, exc: object) -> None:
        self.window.hide_progress()
        self.window.statusBar().showMessage(self.tr("{0} failed: {1}").format(kind, exc))

    @Slot()
    def refresh(self) -> None:
        from models.cases import CaseService
        from models.staff import StaffService
        from models.units import district_summaries

        self.window.overview.set_summaries(district_summaries(self.db, self.actor))
        counts = CaseService(self.db, self.actor).count_by_status()
        closed = {"archived", "assessed", "rejected", "merged"}
        open_cases = sum(n for s, n in counts.items() if s not in closed)
        self.window.set_counts(open_cases, 0, StaffService(self.db, self.actor).count_on_duty())
        self.ready = True
        self.window.statusBar().showMessage(self.tr("Ready"), 3000)


def run_gui(args: argparse.Namespace) -> int:
    """Open the console window; with ``--screenshot`` save a PNG once ready and exit."""
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("CityGrid")
    app.setApplicationName("CityGrid Console")
    db = Database.open(args.db)
    window = MainWindow(db.url)
    settings = QSettings()
    window.restore_state(settings)
    actor = Actor(name=os.environ.get("USER", "dispatcher"), role=StaffRole.DISPATCHER)
    controller = ConsoleController(db, actor, window, build_demo=not args.no_demo)
    window.show()
    controller.start()
    if args.screenshot:
        out = Path(args.screenshot)

        def shoot() -> None:
            if not controller.ready:
                QTimer.singleShot(200, shoot)
                return
            window.grab().save(str(out))
            log.info("screenshot saved to %s", out)
            app.quit()

        QTimer.singleShot(200, shoot)
    code = app.exec()
    window.save_state(settings)
    controller.runner.shutdown()
    db.dispose()
    return code
