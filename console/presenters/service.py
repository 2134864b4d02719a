"""The city service as a seat sees it: alive or not, how far behind, and the database.

Every two seconds the seat reads the services' heartbeats
(:func:`models.storage.services.service_status`) on the task runner and shows:

- in the status bar, the live service and its intake (``Feeds: N received, M waiting``);
- a red banner when no city service is alive (intake, the deadline watch and the simulator
  are then not running for this control room), or when the database cannot be read (the
  window keeps its last state; the banner says since when), within a poll or two of it
  happening;
- an amber banner when the service lost its MQTT broker or its intake falls behind.

Whoever runs intake and the timers asks :attr:`ServicePresenter.alive` and
:attr:`ServicePresenter.timers_alive`; :attr:`sig_alive_changed` says when that changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel

from console.application.cityservice import simulation_wanted
from console.tasks import TaskRunner
from models.core.auth import Actor
from models.intake.service import IntakeService
from models.storage.db import Database
from models.storage.services import ServiceStatus, service_status
from models.world.staff import last_fix_at

log = logging.getLogger(__name__)

KIND = "service-status"
POLL_MS = 2000
STAFF_EVERY_S = 4.0  # the staff layer follows the service's position fixes at most this often
LAG_WARN_S = 30.0  # intake this far behind gets a banner

_RED = ("QLabel#service_banner { background: #b91c1c; color: white; font-weight: bold; "
        "padding: 2px 8px; }")
_AMBER = ("QLabel#service_banner { background: #b45309; color: white; font-weight: bold; "
          "padding: 2px 8px; }")


class ServicePresenter(QObject):
    """Follows the city service's health for one window."""

    sig_alive_changed = Signal(bool)
    """Whether a city service runs intake for this database now."""

    sig_quarantine_changed = Signal()
    sig_staff_moved = Signal()
    """Positions newer than the last read came in (the service's feeds, its simulator, a
    phone): the staff layer reads them again."""
    """The number of items waiting in the quarantine changed (intake kept some back)."""

    def __init__(self, db: Database, runner: TaskRunner, window, *,  # noqa: ANN001
                 actor: Callable[[], Actor], poll_ms: int = POLL_MS) -> None:
        super().__init__(window)
        self.db, self.runner, self.window = db, runner, window
        self.actor = actor
        self.quarantined: int | None = None  # items waiting, as last read
        self.status: ServiceStatus | None = None
        self.lost_since: dt.datetime | None = None  # the database could not be read since
        self.expect_service = not db.is_sqlite  # a seat on PostgreSQL needs one running
        self.banner = QLabel(window)
        self.banner.setObjectName("service_banner")
        self.banner.setWordWrap(False)
        self.banner.hide()
        window.statusBar().insertPermanentWidget(0, self.banner)
        self._fix_read = False
        self._fix_at: dt.datetime | None = None  # the newest position fix seen
        self._staff_at = -STAFF_EVERY_S  # (monotonic) when the staff layer was last asked for
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)

    @property
    def alive(self) -> bool:
        return self.status is not None and self.status.alive

    @property
    def timers_alive(self) -> bool:
        return self.status is not None and self.status.timers_alive

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()

    @Slot()
    def poll(self) -> None:
        actor = self.actor()
        self.runner.submit(KIND, lambda state: (
            service_status(self.db), simulation_wanted(self.db),
            IntakeService(self.db, actor).quarantine_count(), last_fix_at(self.db)),
            coalesce=True, on_done=self._on_read, on_failed=self._on_read_failed)

    def _on_read(self, read: tuple[ServiceStatus, tuple[bool, bool] | None, int,
                                   dt.datetime | None]) -> None:
        status, wanted, quarantined, fix_at = read
        self.show_status(status)
        now = time.monotonic()
        if not self._fix_read:  # the snapshot read the positions as they are now
            self._fix_read, self._fix_at = True, fix_at
        elif fix_at != self._fix_at and status.alive and now - self._staff_at >= STAFF_EVERY_S:
            # (with no service, the seat's own feeds or simulator redraw the staff)
            self._fix_at, self._staff_at = fix_at, now
            self.sig_staff_moved.emit()
        if quarantined != self.quarantined:
            # the service kept items back (or a seat retried some): the dock reads them
            first, self.quarantined = self.quarantined is None, quarantined
            if not first:
                self.sig_quarantine_changed.emit()
        if status.alive and wanted is not None:
            # the Simulator switch shows what the control room asked the service for
            action = self.window.simulator_action
            if action.isChecked() != wanted[0]:
                action.blockSignals(True)
                action.setChecked(wanted[0])
                action.blockSignals(False)

    def show_status(self, status: ServiceStatus) -> None:
        was = self.alive
        self.status, self.lost_since = status, None
        live = status.live
        if live:
            s = live[0]
            received = sum(x.received for x in live)
            backlog = sum(x.backlog for x in live)
            if any(x.mqtt for x in live):
                self.window.set_feed_status(received, backlog, 0)
            else:
                self.window.status_feeds.setText(self.tr("City service: running (no MQTT "
                                                         "broker)"))
                self.window.status_feeds.show()
            self.window.status_feeds.setToolTip(self._describe(status))
            if s.mqtt and not any(x.mqtt_connected for x in live):
                self._banner(self.tr("⚠ The city service has lost the MQTT broker {0}: "
                                     "sensor alerts and positions wait").format(s.mqtt),
                             _AMBER)
            elif max(x.lag_s for x in live) >= LAG_WARN_S:
                self._banner(self.tr("⚠ Intake is {0} s behind ({1} items waiting)").format(
                    int(max(x.lag_s for x in live)), backlog), _AMBER)
            elif not status.timers_alive:
                self._banner(self.tr("⚠ No city service runs the deadline watch"), _AMBER)
            else:
                self._hide()
        elif self.expect_service:
            self._banner(self.tr("⚠ No city service: intake and escalation stopped"), _RED,
                         self.tr("No city service is running for this database: sensor "
                                 "alerts, snap reports, deadline escalation and the "
                                 "simulator are stopped. Start one with: main.py serve "
                                 "--db URL (docs/DEPLOYMENT.md)"))
        else:
            self._hide()
        if self.alive != was:
            self.sig_alive_changed.emit(self.alive)

    def _describe(self, status: ServiceStatus) -> str:
        lines = []
        now = status.at or dt.datetime.now(dt.UTC)
        for s in status.live:
            last = (self.tr("last message {0} s ago").format(
                int((now - s.last_message_at).total_seconds()))
                if s.last_message_at is not None else self.tr("no message yet"))
            role = self.tr("runs the timers") if s.leader else self.tr("intake only")
            lines.append(self.tr("City service {0} on {1}: {2}, {3}").format(
                s.instance, s.host, role, last))
        return "\n".join(lines)

    def _on_read_failed(self, exc: BaseException) -> None:
        log.warning("the database cannot be read (%s)", type(exc).__name__)
        if self.lost_since is None:
            self.lost_since = dt.datetime.now().astimezone()
        since = self.lost_since.strftime("%H:%M:%S")
        self._banner(self.tr("⚠ The database cannot be reached since {0}").format(since), _RED,
                     self.tr("The database cannot be reached since {0}: the window shows its "
                             "last state; actions are refused until it is back, then the "
                             "window catches up").format(since))

    def _hide(self) -> None:
        self.banner.clear()
        self.banner.hide()

    def _banner(self, text: str, style: str, detail: str = "") -> None:
        self.banner.setText(text)
        self.banner.setToolTip(detail or text)
        self.banner.setStyleSheet(style)
        self.banner.show()
