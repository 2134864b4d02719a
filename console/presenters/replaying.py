"""Replaying a scenario in a console window: the timeline under the map drives what the
window shows (the queue, the map, the case detail, the dashboard follow the replay clock).

Reading the file and rebuilding the state at a moment run on the task runner (kinds
``scenario`` and ``replay-seek``; a newer seek cancels an older one); the controller shows
the rebuilt snapshot as it shows a live one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Slot

from console.application.snapshot import Snapshot
from console.tasks import TaskRunner
from models.world.staff import StaffPositions

OPEN, SEEK = "scenario", "replay-seek"


class ReplayPresenter(QObject):
    """The replay of one window (``replay`` is None while the window is live)."""

    def __init__(self, runner: TaskRunner, window, controller) -> None:  # noqa: ANN001
        super().__init__(window)
        self.runner, self.window, self.controller = runner, window, controller
        self.replay = None  # models.scenarios.replay.Replay while a scenario is replayed
        window.sig_scenario_requested.connect(self.open)
        window.sig_live_requested.connect(self.back_to_live)
        window.timeline.sig_time_changed.connect(self._on_timeline_time_changed)
        window.timeline.sig_step_requested.connect(self._on_timeline_step_requested)

    @Slot(str)
    def open(self, path: str) -> None:
        """Read a scenario file (off the GUI thread), then replay it in this window."""
        from models.scenarios.files import read_scenario
        from models.scenarios.replay import Replay

        self.runner.submit(OPEN, lambda state: Replay(read_scenario(Path(path))),
                           on_done=lambda replay: self._start(Path(path).name, replay))

    def _start(self, name: str, replay) -> None:  # noqa: ANN001
        self.replay = replay
        self.controller.clear_map()
        w = self.window
        w.timeline.set_range(replay.header.start_dt, dt.datetime.fromtimestamp(replay.end,
                                                                             dt.UTC))
        w.set_replay(True, replay.header.name or name)
        w.statusBar().showMessage(self.tr("Replaying {0}: {1} cases").format(
            name, f"{replay.n_cases:,}"), 8000)
        self.seek(replay.start)

    def seek(self, t: float) -> None:
        """Show the replay's state at ``t`` (rebuilt off the GUI thread)."""
        replay = self.replay
        if replay is None:
            return
        self.runner.submit(SEEK, lambda state: self.snapshot_at(replay, t),
                           on_done=self._on_seek_done)

    def snapshot_at(self, replay, t: float):  # noqa: ANN001, ANN201
        """What the window shows at ``t`` of ``replay``
        (a :class:`console.application.snapshot.Snapshot`)."""
        st = replay.state_at(t)
        n = len(st.staff_ids)
        positions = StaffPositions(st.staff_ids, st.staff_lon, st.staff_lat,
                                   ("manager",) * n, np.ones(n, dtype=bool), ("busy",) * n)
        live = self.controller.snapshot
        districts = live.districts if live is not None else []
        return Snapshot(districts, st.table, n, positions, None,
                        dt.datetime.fromtimestamp(t, dt.UTC), [], {}, [])

    def _on_seek_done(self, snap: Snapshot) -> None:
        if self.replay is not None:
            self.controller.show_snapshot(snap)

    @Slot(object)
    def _on_timeline_time_changed(self, when: object) -> None:
        if self.replay is not None and isinstance(when, dt.datetime):
            self.seek(when.timestamp())
            self.window.timeline.set_position(when, self.replay.events_until(when.timestamp()))

    @Slot()
    def _on_timeline_step_requested(self) -> None:
        replay = self.replay
        if replay is None:
            return
        nxt = replay.next_event_after(self.window.timeline.time().timestamp())
        if nxt is not None:
            when = dt.datetime.fromtimestamp(nxt, dt.UTC)
            self.window.timeline.set_position(when, replay.events_until(nxt))
            self.seek(nxt)

    @Slot()
    def back_to_live(self) -> None:
        if self.replay is None:
            return
        self.window.timeline.pause()
        self.replay = None
        self.controller.clear_map()
        self.window.set_replay(False)
        self.controller.refresh()
