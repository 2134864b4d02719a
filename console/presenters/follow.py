"""Following the city: the changes other writers commit (another seat, the city service, the
simulator, the feeds, the command line) reach this window through the change log
(:mod:`models.storage.changelog`), as change records of the cases they name.

The follower remembers the last sequence number it handed on; on PostgreSQL a listener
thread wakes it at each ``NOTIFY citygrid_changes``, and it asks every second anyway (on
SQLite that is the only way, and on PostgreSQL it covers a listener that lost its
connection). Each read runs on the task runner's worker. A snapshot taken at sequence ``s``
rewinds the follower to ``s``: what was committed while the snapshot was read is applied
again on top of it (applying a case's row twice shows the same thing).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from console.tasks import TaskRunner
from models.cases.queue import read_cases
from models.cases.table import CaseTable
from models.core.auth import Actor
from models.core.records import CaseChanges
from models.storage.changelog import CHANNEL, ChangeBatch, changes_since
from models.storage.db import Database

log = logging.getLogger(__name__)
KIND = "changes"
POLL_MS = 1000
GAP_TTL_S = 30.0  # a transaction still open after this long has lost its place


class ChangeFollower(QObject):
    """Hands on the changes committed after the sequence number it last saw."""

    sig_changes = Signal(object, object)
    """A :class:`models.core.records.CaseChanges` of the cases changed (action "log") and
    their rows as the queue reads them (:class:`models.cases.table.CaseTable`)."""

    sig_overflow = Signal()
    """More changed than is worth reading case by case: read the whole queue again."""

    _sig_notified = Signal()  # from the listener thread, queued to the GUI thread

    def __init__(self, db: Database, runner: TaskRunner, actor: Callable[[], Actor],
                 parent: QObject | None = None, *, poll_ms: int = POLL_MS,
                 listen: bool = True) -> None:
        super().__init__(parent)
        self.db, self.runner, self.actor = db, runner, actor
        self.seq: int | None = None  # None until the first snapshot says where to start
        self._gaps: dict[int, float] = {}  # numbers below seq not seen yet -> first missed
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.poll)
        self._sig_notified.connect(self.poll)
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        self._listen = listen and not db.is_sqlite

    def rewind(self, seq: int) -> None:
        """Follow from ``seq`` (the sequence a snapshot was read at); starts following."""
        self.seq = seq
        self._gaps = {g: t for g, t in self._gaps.items() if g <= seq}
        if not self._timer.isActive():
            self._timer.start()
            if self._listen and self._listener is None:
                self._listener = threading.Thread(target=self._listen_loop, daemon=True,
                                                  name="citygrid-listen")
                self._listener.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()

    @Slot()
    def poll(self) -> None:
        """Read what changed since the last sequence (on the worker, one read at a time)."""
        if self.seq is None:
            return
        seq, gaps = self.seq, tuple(self._gaps)
        self.runner.submit(KIND, lambda state: self._read(seq, gaps), coalesce=True,
                           on_done=self._on_read_done)

    def _read(self, seq: int, gaps: tuple[int, ...]) -> tuple[ChangeBatch, CaseTable | None]:
        """On the worker: the batch, and the queue's rows of its cases (the GUI thread only
        patches them in)."""
        batch = changes_since(self.db, seq, gaps=gaps)
        rows = read_cases(self.db, self.actor(), batch.case_ids) if batch.case_ids else None
        return batch, rows

    def _on_read_done(self, result: tuple[ChangeBatch, CaseTable | None]) -> None:
        if self.seq is None:
            return
        batch, rows = result
        if batch.seq < self.seq or (batch.seq == self.seq and not batch.case_ids
                                    and not batch.overflow):
            return  # nothing new, or a read from before a rewind
        self.seq = batch.seq
        # numbers taken by transactions that had not committed yet: asked for again until
        # they come or GAP_TTL_S passes (a rolled-back transaction's number never comes)
        now = time.monotonic()
        self._gaps = {g: self._gaps.get(g, now) for g in batch.gaps
                      if now - self._gaps.get(g, now) < GAP_TTL_S}
        if batch.overflow:
            self.sig_overflow.emit()
        elif batch.case_ids:
            self.sig_changes.emit(CaseChanges("log", batch.case_ids, ""), rows)

    def _listen_loop(self) -> None:
        """LISTEN on a connection of its own; each notification wakes the follower. A lost
        connection is opened again after a pause (the poll covers the gap)."""
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            try:
                                self._sig_notified.emit()
                            except RuntimeError:  # the window went: stop listening
                                self._stop.set()
            except psycopg.Error as exc:
                log.warning("change notifications lost (%s); asking every second",
                            type(exc).__name__)
                self._stop.wait(5.0)
