"""The main window of the console (until the map console lands: the city overview)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QWidget

from widgets.overview import OverviewWidget


class MainWindow(QMainWindow):
    """Shell of the console: menus, the status bar and the central view."""

    sig_refresh_requested = Signal()
    """The user asked to reload what the window shows (F5)."""

    def __init__(self, db_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("CityGrid Console — Changsha demo city"))
        self.setObjectName("MainWindow")
        self.overview = OverviewWidget(self)
        self.setCentralWidget(self.overview)
        self._build_menus()
        self._build_status_bar(db_label)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start()
        self._on_clock_timeout()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        refresh = QAction(self.tr("&Refresh"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.sig_refresh_requested)
        file_menu.addAction(refresh)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About"), self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)

    def _build_status_bar(self, db_label: str) -> None:
        bar = self.statusBar()
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(240)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status_cases = QLabel(self)
        self.status_staff = QLabel(self)
        self.status_db = QLabel(db_label, self)
        self.status_db.setToolTip(self.tr("Database in use"))
        self.status_clock = QLabel(self)
        for w in (self.progress, self.status_cases, self.status_staff, self.status_db,
                  self.status_clock):
            bar.addPermanentWidget(w)

    @Slot()
    def _on_clock_timeout(self) -> None:
        now = dt.datetime.now().astimezone()
        self.status_clock.setText(now.strftime("%Y-%m-%d %H:%M:%S"))

    @Slot()
    def _on_about_triggered(self) -> None:
        QMessageBox.about(self, self.tr("About CityGrid Console"), self.tr(
            "CityGrid Console: grid-governance command and dispatch.\n"
            "District boundaries are real; street, community and grid boundaries of the demo "
            "city are generated."))

    def set_counts(self, open_cases: int, overdue: int, on_duty: int) -> None:
        self.status_cases.setText(self.tr("Open cases: {0} (overdue {1})")
                                  .format(open_cases, overdue))
        self.status_staff.setText(self.tr("Staff on duty: {0}").format(f"{on_duty:,}"))

    @Slot(str, str, float)
    def show_progress(self, _kind: str, step: str, fraction: float) -> None:
        self.progress.show()
        self.progress.setValue(int(fraction * 100))
        self.progress.setFormat(f"{step} %p%")

    def hide_progress(self) -> None:
        self.progress.hide()

    # -- window state --------------------------------------------------------------------
    def restore_state(self, settings: QSettings) -> None:
        geometry = settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            screen = self.screen().availableGeometry() if self.screen() else None
            # a monitor that is gone: bring the window back onto a screen that exists
            if screen is not None and not screen.intersects(self.frameGeometry()):
                self.move(screen.topLeft())
        else:
            self.resize(1280, 800)
        state = settings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._clock.stop()
        super().closeEvent(event)


__all__ = ["MainWindow", "Qt"]
