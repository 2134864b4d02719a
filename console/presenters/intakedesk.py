"""Intake in a console window: the MQTT feeds, a watched snap-report folder, and the
quarantine dock (retry, reveal, discard).

Connecting to the broker, scanning the folder and reading the quarantine run on the task
runner (kinds ``feeds``, ``snaps``, ``quarantine``; one scan of a folder at a time). What
arrives shows within a second: the feeds' progress is polled every second and the window
refreshes when something was applied.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from console.tasks import TaskRunner
from models.core.auth import Actor, SystemRole
from models.core.errors import CityGridError
from models.core.records import CaseChanges
from models.storage.db import Database
from widgets.messages import error_text

if TYPE_CHECKING:
    from models.intake.mqtt import MqttFeeds, MqttPublisher
    from models.intake.service import IntakeService
    from models.intake.snaps import ScanResult, SnapFolder
    from models.world.gridindex import GridIndex

FEEDS, SNAPS, QUARANTINE = "feeds", "snaps", "quarantine"


class IntakePresenter(QObject):
    """The feeds, the snap folder and the quarantine of one window.

    Parameters
    ----------
    actor : callable
        The acting user now (the role can change).
    locate : callable
        ``() -> GridIndex`` (built once by the controller, shared).
    on_change : callable
        Called when intake made or changed cases, with the change record when the cases
        are known (the window redraws those), else None (the window refreshes).
    set_publisher : callable
        Hands the broker's publisher to the simulator (or None).
    """

    def __init__(self, db: Database, runner: TaskRunner, window, *,  # noqa: ANN001
                 actor: Callable[[], Actor], locate: Callable[[], GridIndex],
                 on_change: Callable[[CaseChanges | None], None],
                 set_publisher: Callable[[MqttPublisher | None], None]) -> None:
        super().__init__(window)
        self.db, self.runner, self.window = db, runner, window
        self.actor, self.locate = actor, locate
        self.on_change, self.set_publisher = on_change, set_publisher
        self.feeds: MqttFeeds | None = None  # when a broker is configured
        self.publisher: MqttPublisher | None = None
        self._seen = 0
        self._quarantined = 0  # items the feeds quarantined, as last shown
        self.feeds_timer = QTimer(self)
        self.feeds_timer.setInterval(1000)  # new feed items show within a second
        self.feeds_timer.timeout.connect(self._on_feeds_timer_timeout)
        self.snaps: SnapFolder | None = None  # when a folder is watched
        self.snap_timer: QTimer | None = None
        q = window.quarantine
        q.sig_retry_requested.connect(self._on_quarantine_retry_requested)
        q.sig_discard_requested.connect(self._on_quarantine_discard_requested)
        q.sig_reveal_requested.connect(self._on_quarantine_reveal_requested)

    # -- the MQTT feeds ----------------------------------------------------------------------
    def start_feeds(self, host: str, port: int, prefix: str = "citygrid") -> None:
        """Take sensor alerts and staff positions from the broker (connecting off the GUI
        thread); the simulator then publishes through the broker like real sources."""
        self.runner.submit(FEEDS, lambda state: self._connect(host, port, prefix),
                           on_done=self._on_feeds_connected)

    def _connect(self, host: str, port: int, prefix: str) -> tuple[MqttFeeds, MqttPublisher]:
        from models.intake.mqtt import MqttFeeds, MqttPublisher

        # a console's own session, ended at its disconnect (as before): the city service
        # keeps the durable one (models.intake.mqtt); a redelivery is no second case
        client_id = f"citygrid-console-{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        feeds = MqttFeeds(self.db, host=host, port=port, prefix=prefix,
                          locate=self.locate().locate, client_id=client_id, session_expiry=0)
        feeds.start()
        if not feeds.connected.wait(10):
            feeds.stop()
            raise ConnectionError(f"no answer from the MQTT broker at {host}:{port}")
        return feeds, MqttPublisher(host=host, port=port, prefix=prefix)

    def stop_feeds(self) -> None:
        self.feeds_timer.stop()
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None
            self.set_publisher(None)
        if self.feeds is not None:
            self.feeds.stop()
            self.feeds = None

    @Slot()
    def _on_feeds_timer_timeout(self) -> None:
        f = self.feeds
        if f is None:
            return
        self.window.set_feed_status(f.received, f.backlog, len(f.quarantined))
        if f.processed != self._seen:
            self._seen = f.processed
            self.on_change(None)  # positions; the cases follow through the change log
        if len(f.quarantined) != self._quarantined:
            self._quarantined = len(f.quarantined)
            self.refresh_quarantine()

    # -- the snap folder ---------------------------------------------------------------------
    def watch_snap_folder(self, folder: str | Path, interval_ms: int = 3000) -> None:
        """Take in the snap reports phones drop into ``folder`` (scanned off the GUI
        thread every few seconds; reports go to processed/ or rejected/ beside them)."""
        from models.intake.snaps import SnapFolder

        Path(folder).mkdir(parents=True, exist_ok=True)
        self.snaps = SnapFolder(self.db, Actor.system("snaps", SystemRole.FEED), folder,
                                locate=lambda lon, lat: self.locate().locate(lon, lat))
        self.snap_timer = QTimer(self)
        self.snap_timer.setInterval(interval_ms)
        self.snap_timer.timeout.connect(self._on_snap_timer_timeout)
        self.snap_timer.start()
        self._on_snap_timer_timeout()

    @Slot()
    def _on_snap_timer_timeout(self) -> None:
        # two scans of one folder at once would take the same report in twice
        self.runner.submit(SNAPS, lambda state: self._scan_snaps(), coalesce=True,
                           on_done=self._on_snaps_scanned)

    def _scan_snaps(self) -> ScanResult:
        assert self.snaps is not None  # the timer runs once a folder is watched
        return self.snaps.scan()

    # -- the quarantine ----------------------------------------------------------------------
    def _intake(self) -> IntakeService:
        from models.intake.service import IntakeService

        return IntakeService(self.db, self.actor(), locate=self.locate().locate)

    @Slot()
    def refresh_quarantine(self) -> None:
        self.runner.submit(QUARANTINE, lambda state: self._intake().quarantine(),
                           on_done=self._on_quarantine_read)

    @Slot(int, object)
    def _on_quarantine_retry_requested(self, item_id: int, payload: object) -> None:
        q = self.window.quarantine
        try:
            r = self._intake().retry(item_id, payload if isinstance(payload, dict) else None)
        except CityGridError as exc:
            q.show_result(error_text(exc))
            return
        if r.staff_id is not None:
            q.show_result(self.tr("Position of staff member {0} applied").format(r.staff_id))
            self.on_change(None)
        elif r.case_id is None:
            q.show_result(self.tr("Still not accepted: {0}").format(r.reason))
        else:
            from models.cases.service import CaseService

            number = CaseService(self.db, self.actor()).get(r.case_id).number
            q.show_result(self.tr("Case {0} registered").format(number))
            self.on_change(CaseChanges("report", (r.case_id,), "quarantine", created=True))
        self.refresh_quarantine()

    @Slot(int)
    def _on_quarantine_reveal_requested(self, item_id: int) -> None:
        """One quarantined item unmasked for a role with contact rights (audited)."""
        try:
            record = self._intake().reveal(item_id)
        except CityGridError as exc:
            self.window.quarantine.show_result(error_text(exc))
            return
        self.window.quarantine.show_revealed(record)

    @Slot(int, str)
    def _on_quarantine_discard_requested(self, item_id: int, reason: str) -> None:
        try:
            self._intake().discard(item_id, reason)
        except CityGridError as exc:
            self.window.quarantine.show_result(error_text(exc))
            return
        self.refresh_quarantine()

    # -- results -------------------------------------------------------------------------------
    def _on_feeds_connected(self, result: tuple[MqttFeeds, MqttPublisher]) -> None:
        self.feeds, self.publisher = result
        self.set_publisher(self.publisher)
        self.feeds_timer.start()
        self.window.statusBar().showMessage(self.tr("Live feeds connected"), 5000)

    def _on_snaps_scanned(self, scan: ScanResult) -> None:
        if scan.case_ids or scan.quarantine_ids:
            self.window.statusBar().showMessage(
                self.tr("Snap reports: {0} new case(s), {1} kept in the quarantine")
                .format(len(scan.case_ids), len(scan.quarantine_ids)), 5000)
            self.on_change(CaseChanges("report", tuple(scan.case_ids), "snaps",
                                       created=True))

    def _on_quarantine_read(self, items: list) -> None:
        self.window.quarantine.set_items(items)
        self.window.set_quarantine_count(len(items))
