"""The open work on the window: the queue, the counts, the alerts, the escalation board, the
dashboard and the map's case markers, from a snapshot or from a change record.

:meth:`OpenWorkPresenter.show` shows a whole :class:`console.application.snapshot.Snapshot`
(a refresh, a replay's moment). :meth:`OpenWorkPresenter.apply` takes the rows of the cases
a change record names, re-read on their own, patches them into the snapshot shown and
redraws what they touch: the queue's changed rows, the counts and alerts (vectorised over the
open rows), the board and the markers of those cases. The dashboard's charts follow within a
second, once for a burst of changes. Staff positions come on their own
(:meth:`show_positions`); workload and the quarantine with the next snapshot.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer

from console.application.snapshot import Snapshot
from models.cases.table import LEVEL_CODES, STATUS_CODES, CaseTable
from models.core.catalogue import CATEGORY_CODES
from models.core.enums import DONE
from models.core.workcalendar import load_calendar

ALERTS_OVERDUE, ALERTS_WARNING = 200, 100  # the most of each the alert list shows
# What a change record redraws besides the queue and the counts, spread over the second
# that the change log is followed in (console.presenters.follow polls each second on
# SQLite): the map's markers a moment later, the dashboard's charts a second and a half
# later (at most every 1.5-2 s, half-way between two polls). Drawn back to back, the three
# held the GUI thread 50-60 ms in a surge; apart, the longest is the longest of them
# (benchmarks/feeds.py).
MARKERS_MS = 250
DASHBOARD_MS = 1500
READ_EVERY_TICKS = 10  # of the minute's ticks, every tenth reads the whole window again


class OpenWorkPresenter(QObject):
    """Shows snapshots and change records on one window."""

    def __init__(self, window, live_map, *,  # noqa: ANN001 (MainWindow, LiveMapSync | None)
                 is_replay: Callable[[], bool], acknowledged: set[int]) -> None:
        super().__init__(window)
        self.window, self.live_map = window, live_map
        self.is_replay = is_replay
        # emergencies silenced on this seat, until the cases say so for every seat
        self.acknowledged = acknowledged
        self.snapshot: Snapshot | None = None
        self._dashboard_due = False
        self._markers_due: set[int] | None = None  # rows whose markers wait for the next turn
        self._overdue = np.zeros(0, dtype=bool)  # each row overdue, as last shown
        self._counts = (0, 0)  # open and overdue cases, as last counted
        self._ticks = 0

    # -- a whole snapshot ------------------------------------------------------------------
    def show(self, snap: Snapshot, *, first: bool) -> None:
        """Show ``snap``. The first time everything now; afterwards the queue, counts and
        alerts (what a dispatcher acts on) now, the dashboard and the map on the next turns
        of the event loop, so no single turn holds the GUI thread for the whole refresh (a
        newer snapshot supersedes the rest of an older one)."""
        self.snapshot = snap
        if self._markers_due is not None:  # rows of the table before: this one shows all
            self._markers_due = set()
        w = self.window
        w.overview.set_summaries(snap.districts)
        w.quarantine.set_items(snap.quarantine)
        w.set_quarantine_count(len(snap.quarantine))
        w.queue.set_districts([(d.code, d.name) for d in snap.districts])
        # live: the time of the read; in a replay: the replay clock
        w.queue.set_table(snap.table, snap.read_at if self.is_replay() else None)
        open_mask, overdue_mask = self._show_counts(snap)
        self._overdue = overdue_mask
        # deadlines counted across a year with no calendar: say so, never silently
        w.set_calendar_warning(load_calendar().missing_years)
        w.staff.set_workload(snap.unit_loads)
        if first:
            self._show_rest(snap, open_mask, overdue_mask)
        else:
            # (the window as context: a window closed meanwhile cancels the call)
            QTimer.singleShot(0, self.window, lambda: self._show_rest(
                snap, open_mask, overdue_mask, map_later=True))

    def _now(self, snap: Snapshot) -> dt.datetime:
        return snap.read_at if self.is_replay() else dt.datetime.now(dt.UTC)

    def _show_counts(self, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        """The status bar's counts, the open cases by category, the alerts and the alarm:
        computed over the open rows only (the closed window can be far larger)."""
        w, t = self.window, snap.table
        now = self._now(snap)
        open_mask = t.open_mask()
        overdue_mask = t.overdue_mask(now)
        n_overdue = int(overdue_mask.sum())
        self._counts = (int(open_mask.sum()), n_overdue)
        w.set_counts(*self._counts, snap.on_duty)
        open_rows = np.flatnonzero(open_mask)
        by_cat = np.bincount(t.category[open_rows], minlength=len(CATEGORY_CODES))
        w.stats.set_open_by_category({c: int(by_cat[i]) for i, c in enumerate(CATEGORY_CODES)},
                                     n_overdue)
        states = t.take(open_rows).deadline_states(now)
        rows = [open_rows[np.flatnonzero(states == 2)[:ALERTS_OVERDUE]],
                open_rows[np.flatnonzero(states == 1)[:ALERTS_WARNING]]]
        alerts = [(int(t.ids[i]), f"{t.numbers[i]} {t.titles[i]}", kind)
                  for kind, part in zip(("overdue", "warning"), rows, strict=True) for i in part]
        w.alerts.set_alerts(alerts)
        if not self.is_replay():  # a replayed emergency does not sound the alarm
            emergency = open_rows[(t.category[open_rows] == CATEGORY_CODES.index("emergency"))
                                  & (t.status[open_rows] == STATUS_CODES.index("reported"))]
            # acknowledged on any seat (the case row says so), or here and on its way
            seen = t.acknowledged if t.acknowledged is not None else np.zeros(len(t), bool)
            w.alerts.ring([(int(t.ids[i]), f"{t.numbers[i]} {t.titles[i]}")
                           for i in emergency
                           if not seen[i] and int(t.ids[i]) not in self.acknowledged])
        return open_mask, overdue_mask

    def _show_rest(self, snap: Snapshot, open_mask: np.ndarray, overdue_mask: np.ndarray, *,
                   map_later: bool = False) -> None:
        if self.snapshot is not snap:
            return
        self._show_dashboard(snap, open_mask, overdue_mask)
        self._show_board(snap.table, open_mask, overdue_mask)
        if self.live_map is None:
            return
        if map_later:
            QTimer.singleShot(0, self.window, lambda: self.snapshot is snap and
                              self.live_map.show(snap, open_mask, overdue_mask))
        else:
            self.live_map.show(snap, open_mask, overdue_mask)

    def _show_board(self, t: CaseTable, open_mask: np.ndarray, overdue_mask: np.ndarray
                    ) -> None:
        opened = np.bincount(t.level[open_mask], minlength=len(LEVEL_CODES))
        late = np.bincount(t.level[overdue_mask], minlength=len(LEVEL_CODES))
        self.window.board.set_counts({lv: int(opened[i]) for i, lv in enumerate(LEVEL_CODES)},
                                     {lv: int(late[i]) for i, lv in enumerate(LEVEL_CODES)})

    def _show_dashboard(self, snap: Snapshot, open_mask: np.ndarray, overdue_mask: np.ndarray
                        ) -> None:
        """The dashboard, from the open rows and the rows of the last 24 hours only (the
        closed window can be a hundred times larger and does not change the charts)."""
        t = snap.table
        now = snap.read_at.timestamp()
        recent_rows = np.flatnonzero((t.reported_at > now - 24 * 3600)
                                     & (t.reported_at <= now))
        age_h = np.floor((now - t.reported_at[recent_rows]) / 3600).astype(int)
        age_h = np.clip(age_h, 0, 23)
        cats = t.category[recent_rows]
        hourly = {c: np.bincount(23 - age_h[cats == i], minlength=24)
                  for i, c in enumerate(CATEGORY_CODES)}
        done = np.isin(t.status[recent_rows], [STATUS_CODES.index(x) for x in DONE])
        p = snap.positions
        busy = float(np.mean([d == "busy" for d, on in zip(p.duty, p.on_duty, strict=True)
                              if on])) if p.duty else 0.0
        d = self.window.dashboard
        d.set_hourly(hourly)
        d.set_rates(int(open_mask.sum()), int(overdue_mask.sum()), int(done.sum()), busy)
        open_rows = np.flatnonzero(open_mask)
        late_rows = np.flatnonzero(overdue_mask)
        by_district = collections.Counter(t.district[open_rows].tolist())
        late_district = collections.Counter(t.district[late_rows].tolist())
        names = {x.code: x.name for x in snap.districts}
        rows = [(names.get(code, code), by_district.get(code, 0), late_district.get(code, 0))
                for code in names]
        d.set_ranking(sorted(rows, key=lambda r: -r[1]))
        by_street = collections.Counter(t.street[open_rows].tolist())
        late_street = collections.Counter(t.street[late_rows].tolist())
        d.set_street_ranking([(snap.street_names.get(c, c), n, late_street.get(c, 0))
                              for c, n in sorted(by_street.items()) if c])
        states = collections.Counter(x for x, on in zip(p.duty, p.on_duty, strict=True) if on)
        d.set_staff_utilisation({"on_duty": states.get("on_duty", 0),
                                 "busy": states.get("busy", 0)} | dict(states))

    # -- a change record -------------------------------------------------------------------
    def apply(self, rows: CaseTable) -> None:
        """Patch the re-read ``rows`` into the snapshot shown and redraw what they touch."""
        snap = self.snapshot
        if snap is None or self.is_replay():
            return
        table, changed = snap.table.patch(rows)
        snap = self.snapshot = dataclasses.replace(snap, table=table)
        self.window.queue.update_rows(table, changed)
        self._overdue = self._show_counts(snap)[1]
        # the board and the map's markers a moment later, once for the changes applied until
        # then (the rows keep their places in a patched table)
        if self._markers_due is None:
            self._markers_due = set()
            QTimer.singleShot(MARKERS_MS, self.window, self._show_markers_due)
        self._markers_due.update(changed.tolist())
        if not self._dashboard_due:  # the charts follow every second or two, not each change
            self._dashboard_due = True
            QTimer.singleShot(DASHBOARD_MS, self.window, self._show_dashboard_due)

    # -- what only time changes ----------------------------------------------------------
    def tick(self, read: Callable[[], None]) -> None:
        """The minute's clock: what only time changes, shown without a read (the change log
        keeps the cases current); every :data:`READ_EVERY_TICKS` th time ``read`` (a whole
        snapshot, the safety net)."""
        self._ticks += 1
        if self._ticks % READ_EVERY_TICKS == 0:
            read()
        else:
            self.retick()

    def retick(self) -> None:
        """A step going overdue, a deadline warning: the counts, alerts and alarm again, and
        the queue's colours, the board and the markers of the rows whose overdue state
        changed since they were shown (no read, no whole redraw)."""
        snap = self.snapshot
        if snap is None or self.is_replay():
            return
        t = snap.table
        open_mask, overdue_mask = self._show_counts(snap)
        was = self._overdue if len(self._overdue) == len(t) else np.zeros(len(t), bool)
        changed = np.flatnonzero(overdue_mask != was)
        self._overdue = overdue_mask
        if not len(changed):
            return
        self.window.queue.set_table(t)  # overdue rows coloured (and filtered) afresh
        self._show_board(t, open_mask, overdue_mask)
        if self.live_map is not None:
            self.live_map.show_cases(t, changed, open_mask, overdue_mask,
                                     dt.datetime.now(dt.UTC).timestamp())

    def show_positions(self, positions, on_duty: int) -> None:  # noqa: ANN001 (StaffPositions)
        """New staff positions (the feeds, the simulator): the map's staff layer and the
        status bar; the cases stay as they are."""
        snap = self.snapshot
        if snap is None or self.is_replay():
            return
        self.snapshot = dataclasses.replace(snap, positions=positions, on_duty=on_duty)
        # the staff on duty only: the cases did not move (their counts, alerts and alarm
        # stay as the last change record left them)
        self.window.set_counts(*self._counts, on_duty)
        if self.live_map is not None:
            self.live_map.show_staff(positions)

    def _show_markers_due(self) -> None:
        changed, self._markers_due = self._markers_due or set(), None
        snap = self.snapshot
        if snap is None or self.is_replay():
            return
        t = snap.table
        changed = {i for i in changed if i < len(t)}
        open_mask, overdue_mask = t.open_mask(), t.overdue_mask(self._now(snap))
        self._show_board(t, open_mask, overdue_mask)
        if self.live_map is not None:
            self.live_map.show_cases(t, np.fromiter(changed, dtype=np.intp), open_mask,
                                     overdue_mask, snap.read_at.timestamp())

    def _show_dashboard_due(self) -> None:
        self._dashboard_due = False
        snap = self.snapshot
        if snap is not None and not self.is_replay():
            t = snap.table
            self._show_dashboard(snap, t.open_mask(), t.overdue_mask(self._now(snap)))
