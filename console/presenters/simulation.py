"""The city simulator in a console window: it follows the wall clock in the background.

While a city service is alive (:mod:`console.presenters.service`) the service runs the
simulator for the whole control room: the Simulator switch then asks it to
(:func:`console.application.cityservice.ask_simulation`) and nothing runs in this window.

Each tick (every five seconds while it runs) is one task of kind ``simulate`` on the task
runner, coalesced: a tick still running when the timer fires again is left to finish (two
at once would report every planned event twice). The simulator is built on the first tick,
off the GUI thread, and dispatches through the router as the headless recorder does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Slot

from console.tasks import TaskRunner, TaskState
from models.storage.db import Database

if TYPE_CHECKING:
    from models.intake.mqtt import MqttPublisher
    from models.scenarios.simulator import CitySimulator

KIND = "simulate"
TICK_MS = 5000


class SimulatorPresenter(QObject):
    """Runs :class:`models.scenarios.simulator.CitySimulator` for one window.

    Parameters
    ----------
    on_change : callable
        Called after each tick (the window refreshes what it shows).
    """

    def __init__(self, db: Database, runner: TaskRunner, window, *,  # noqa: ANN001
                 on_change: Callable[[None], None]) -> None:
        super().__init__(window)
        self.db, self.runner, self.window = db, runner, window
        self.on_change = on_change
        self.simulator: CitySimulator | None = None  # made on the first tick
        self.publisher: MqttPublisher | None = None  # the MQTT side, when the feeds are connected
        self.surge = False
        # whether a city service runs the simulator instead of this window (set by the
        # controller once it follows the service's health)
        self.service_alive: Callable[[], bool] = lambda: False
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)  # simulated time follows the wall clock
        self.timer.timeout.connect(self._on_timer_timeout)
        window.sig_simulator_toggled.connect(self.set_running)
        window.sig_surge_toggled.connect(self._on_window_surge_toggled)

    @Slot(bool)
    def set_running(self, on: bool) -> None:
        """Run the simulator in the background, following the wall clock, or stop it (or
        ask the city service to, while one is alive)."""
        if self.service_alive():
            self.timer.stop()
            self.simulator = None
            self._ask_service(on)
        elif on:
            self.timer.start()
            self._on_timer_timeout()
        else:
            self.timer.stop()
        if self.window.simulator_action.isChecked() != on:
            self.window.simulator_action.setChecked(on)

    def set_publisher(self, publisher: MqttPublisher | None) -> None:
        """Publish sensor alerts and positions through the broker (the feeds connected)."""
        self.publisher = publisher
        if self.simulator is not None:
            self.simulator.publisher = publisher

    def _ask_service(self, on: bool) -> None:
        from console.application.cityservice import ask_simulation

        surge = self.surge
        self.runner.submit("simulate-ask", lambda state: ask_simulation(self.db, on,
                                                                        surge=surge))

    def hand_over(self) -> None:
        """A city service came up: a simulator running here goes on there instead."""
        if self.timer.isActive():
            self.timer.stop()
            self.simulator = None
            self._ask_service(True)

    @Slot(bool)
    def _on_window_surge_toggled(self, on: bool) -> None:
        self.surge = on
        if self.simulator is not None:
            self.simulator.surge = on
        if self.service_alive() and self.window.simulator_action.isChecked():
            self._ask_service(True)

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.runner.submit(KIND, self.tick, coalesce=True, on_done=self._on_tick_done)

    def tick(self, state: TaskState) -> dict:
        """One step of simulated time up to now (runs on the task runner)."""
        from models.scenarios.simulator import CitySimulator

        if self.simulator is None:
            from routing.graph import EscalationGraph
            from routing.policy import Router

            # the simulator's dispatchers send each case where the router does
            router = Router(EscalationGraph.from_db(self.db))
            self.simulator = CitySimulator(self.db, start=dt.datetime.now(dt.UTC),
                                           surge=self.surge, publisher=self.publisher,
                                           router=router)
        state.check()
        return self.simulator.run_until(dt.datetime.now(dt.UTC))

    def _on_tick_done(self, result: object) -> None:
        self.on_change(None)  # staff moved; the simulator's cases follow the change log
