"""Training drills started from a live window: the trainer's request, the copy of the world
(made off the GUI thread), and the drill windows that run (:class:`console.drill.DrillRun`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Slot

from console.tasks import TaskRunner
from models.core.auth import Perm
from models.storage.db import Database

KIND = "drill"


class DrillsPresenter(QObject):
    """The drills of one live window."""

    def __init__(self, db: Database, runner: TaskRunner, window, controller) -> None:  # noqa: ANN001
        super().__init__(window)
        self.db, self.runner, self.window, self.controller = db, runner, window, controller
        self.drills: list = []  # console.drill.DrillRun, running
        self.trainee = ""
        window.sig_drill_requested.connect(self._on_window_drill_requested)
        runner.sig_task_finished.connect(self._on_runner_task_finished)

    @Slot()
    def _on_window_drill_requested(self) -> None:
        c = self.controller
        if not c.actor.can(Perm.DRILL_RUN):
            self.window.statusBar().showMessage(
                self.tr("Only a trainer starts drills: switch the role to Trainer"), 8000)
            return
        trainee = c.ask("text", self.tr("Trainee's name"), None)
        if not trainee:
            return
        injects = c.ask("file", self.tr("Injects: a JSON list or a recorded scenario "
                                        "(cancel for none)"), None)
        self.start(trainee, injects or None)

    def start(self, trainee: str, injects_file: str | None = None, *,
              root: Path | None = None) -> None:
        """Copy the world into a drill database (off the GUI thread), then open the drill
        window. The live database is only read."""
        from console.drill import prepare_drill

        self.trainee = trainee
        self.window.statusBar().showMessage(self.tr("Preparing the drill: copying the "
                                                    "world…"))
        self.runner.submit(KIND, lambda state: prepare_drill(self.db, injects_file, root))

    @Slot(str, object)
    def _on_runner_task_finished(self, kind: str, result: object) -> None:
        if kind == KIND and isinstance(result, tuple):
            self._open(*result)

    def _open(self, db, path, injects) -> None:  # noqa: ANN001
        from console.drill import DrillRun

        run = DrillRun(db, path, self.trainee, injects,
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
