"""The long-lived indexes of one console: the point-to-grid index, the router (escalation
graph and policy) and the grid adjacency, each read from the database once.

Each is built on first use under its own lock, so two threads asking at once (the GUI and a
worker of the task runner) get one index, built once, never two half-built ones; the task
runner builds them ahead on its worker (:meth:`Indexes.build_ahead`) when the console starts,
so the GUI thread finds them ready. :meth:`reset` drops them after the world changed (a grid
import, new departments).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from models.core.auth import Actor
from models.storage.db import Database


class _Once:
    """A value computed once by ``build``, whatever thread asks first."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: Any = None

    def __call__(self) -> Any:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value

    def reset(self) -> None:
        with self._lock:
            self._value = None


class Indexes:
    """The indexes of ``db`` as ``actor`` reads them (see the module's docstring)."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db, self.actor = db, actor
        self.grid_index = _Once(self._grid_index)
        """models.world.gridindex.GridIndex: which grid a point lies in."""
        self.router = _Once(self._router)
        """routing.policy.Router over the escalation graph."""
        self.adjacency = _Once(self._adjacency)
        """The grid adjacency graph (networkx), for who should go."""

    def _grid_index(self):  # noqa: ANN202
        from models.world.gridindex import GridIndex

        return GridIndex.from_db(self.db, self.actor)

    def _router(self):  # noqa: ANN202
        from routing.graph import EscalationGraph
        from routing.policy import Router

        return Router(EscalationGraph.from_db(self.db, self.actor))

    def _adjacency(self):  # noqa: ANN202
        from routing.candidates import read_adjacency

        return read_adjacency(self.db, self.actor)

    def build_ahead(self, state: object = None) -> None:
        """Build the indexes the GUI thread uses first (the grid index and the router) now,
        on the task runner's worker at start; the adjacency waits for its first use."""
        self.grid_index()
        self.router()

    def reset(self) -> None:
        """Forget every index: the next use reads it again."""
        for index in (self.grid_index, self.router, self.adjacency):
            index.reset()
