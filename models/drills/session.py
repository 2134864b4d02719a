"""A drill running: :class:`DrillSession` releases the scenario's scripted events
(:class:`models.drills.injects.DrillInject`) as their time comes, and the trainer can add one
with a click on the map (:meth:`DrillSession.inject_at`). Both are reported as incoming
events by the system actor ``trainer`` (:attr:`models.core.auth.SystemRole.TRAINER`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from models.cases.service import GridLocator
from models.core.auth import Actor, SystemRole
from models.core.catalogue import Catalogue, load_catalogue
from models.core.enums import Channel
from models.core.errors import ValidationError
from models.drills.injects import DrillInject
from models.drills.world import is_drill_db
from models.intake.service import IntakeResult, IntakeService
from models.storage.db import Database
from models.storage.schema import utcnow


@dataclass(frozen=True, slots=True)
class InjectedEvent:
    """An inject that was reported into the drill, and what became of it."""

    item: DrillInject
    at: dt.datetime
    result: IntakeResult


class DrillSession:
    """Runs a scenario on a drill database: releases injects as their time comes, and
    reports them (and the trainer's own) as incoming events.

    Parameters
    ----------
    drill_db : Database
        A drill database (:func:`models.drills.world.create_drill_db`); any other database
        is refused, so a wiring mistake cannot report made-up events into the live city.
    injects : sequence of DrillInject
        The scenario; released in order of ``at_offset_s`` (file order among equals).
    start : datetime
        When the drill started (aware).
    locate : callable, optional
        ``(lon, lat) -> grid id``; by default an index of the drill's grids, built on the
        first report.
    catalogue : Catalogue, optional

    Raises
    ------
    ValidationError
        ``drill_db`` is not a drill database, or ``start`` is naive.
    """

    def __init__(self, drill_db: Database, injects: Sequence[DrillInject], start: dt.datetime,
                 *, locate: GridLocator | None = None,
                 catalogue: Catalogue | None = None) -> None:
        if start.tzinfo is None:
            raise ValidationError("a drill's start must carry a time zone")
        if not is_drill_db(drill_db):
            raise ValidationError(f"{drill_db.url} is not a drill database: drills run on a "
                                  "copy of the world (create_drill_db), never on the live one")
        self.db = drill_db
        self.start = start
        self.injects: tuple[DrillInject, ...] = tuple(
            sorted(injects, key=lambda i: i.at_offset_s))
        self.actor = Actor.system("trainer", SystemRole.TRAINER)
        self.catalogue = catalogue or load_catalogue()
        self._locate = locate
        self._intake: IntakeService | None = None
        self._released = 0  # injects are sorted: the first ``_released`` have been handed out
        self._log: list[InjectedEvent] = []

    @property
    def ends_at(self) -> dt.datetime:
        """When the last scripted inject is due (the start for an empty scenario)."""
        last = self.injects[-1].at_offset_s if self.injects else 0.0
        return self.start + dt.timedelta(seconds=last)

    @property
    def remaining(self) -> int:
        """Scripted injects not yet released by :meth:`due`."""
        return len(self.injects) - self._released

    @property
    def injected(self) -> tuple[InjectedEvent, ...]:
        """Everything reported into the drill so far, scripted or clicked, in order."""
        return tuple(self._log)

    def due(self, now: dt.datetime) -> list[DrillInject]:
        """The injects whose time has come by ``now`` and were not released before (each is
        released once), in order.

        Raises
        ------
        ValidationError
            ``now`` is naive.
        """
        if now.tzinfo is None:
            raise ValidationError("now must carry a time zone")
        elapsed = (now - self.start).total_seconds()
        first = self._released
        while self._released < len(self.injects) and \
                self.injects[self._released].at_offset_s <= elapsed:
            self._released += 1
        return list(self.injects[first:self._released])

    def inject(self, item: DrillInject, at: dt.datetime) -> IntakeResult:
        """Report ``item`` into the drill database as reported at ``at``, as the trainer.

        Returns the new case and the open cases it may duplicate (as the intake flags them
        for a live event).

        Raises
        ------
        ValidationError
            The event is invalid (nothing is written).
        """
        new = item.new_case(at)
        intake = self._intake_service()
        duplicates = intake.duplicates_of(new)
        case_id = intake.cases.report(new).case_ids[0]
        result = IntakeResult(case_id, None, duplicates=duplicates)
        self._log.append(InjectedEvent(item, at, result))
        return result

    def inject_at(self, lon: float, lat: float, subcategory: str, title: str, *,
                  at: dt.datetime | None = None, description: str = "",
                  channel: str = Channel.HOTLINE_12345.value) -> IntakeResult:
        """The trainer's own event, placed with a click on the map, reported at ``at``
        (now by default).

        Raises
        ------
        ValidationError
            The event is invalid (unknown subcategory, no title ...); nothing is written.
        """
        at = at or utcnow()
        item = DrillInject(max(0.0, (at - self.start).total_seconds()), subcategory,
                           float(lon), float(lat), title, description, channel)
        return self.inject(item, at)

    def _intake_service(self) -> IntakeService:
        if self._intake is None:
            if self._locate is None:
                from models.world.gridindex import GridIndex

                self._locate = GridIndex.from_db(self.db, self.actor).locate
            self._intake = IntakeService(self.db, self.actor, locate=self._locate,
                                         catalogue=self.catalogue)
        return self._intake


__all__ = ["DrillSession", "InjectedEvent"]
