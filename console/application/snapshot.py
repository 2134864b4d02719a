"""What a console window shows, read in one go off the GUI thread (no Qt).

:func:`read_snapshot` reads the districts, the queue (every open case and a window of the
recently closed ones, through a :class:`models.cases.queue.QueueReader` that re-reads only what
changed), the staff positions, the workload per community and the quarantine; the
presenters show the :class:`Snapshot`. A replay builds its own snapshots of a moment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from models.cases.queue import QueueReader, reader_for
from models.cases.service import CaseService
from models.cases.table import CaseTable
from models.core.auth import Actor
from models.core.records import DistrictSummary
from models.intake.service import IntakeService
from models.storage.changelog import latest_seq
from models.storage.db import Database
from models.world.staff import StaffPositions, StaffService
from models.world.units import (
    UnitService,
    boundary_feature_collection,
    district_summaries,
    grid_feature_collection,
)
from routing.recommend import workload_by_unit


class Progress(Protocol):
    """What a long read reports to (the task runner's state, or nothing)."""

    def progress(self, step: str, fraction: float) -> None: ...


@dataclass(frozen=True)
class MapLayers:
    """The map's base layers as GeoJSON (read once; they change only with an import)."""

    grids: dict
    boundaries: dict[str, dict]


@dataclass(frozen=True)
class Snapshot:
    """Everything a refresh shows, read in one background task."""

    districts: list[DistrictSummary]
    table: CaseTable
    on_duty: int
    positions: StaffPositions
    layers: MapLayers | None
    read_at: dt.datetime
    unit_loads: list[tuple[str, int, int, float, str]] = dataclasses.field(default_factory=list)
    street_names: dict[str, str] = dataclasses.field(default_factory=dict)
    quarantine: list = dataclasses.field(default_factory=list)  # QuarantineRecord, pending
    seq: int = 0  # the change log's sequence when the read began (follow from there)


class WorldCache:
    """The world a snapshot shows around the cases (the district overview, the community
    codes, the street names): it changes with a grid import or new staff, not with the
    cases, so it is read once and again after ``max_age_s`` or :meth:`reset` (F5)."""

    def __init__(self, max_age_s: float = 600.0) -> None:
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._value: tuple[list[DistrictSummary], dict[int, str], dict[str, str]] | None = None
        self._read_at = -math.inf

    def reset(self) -> None:
        with self._lock:
            self._value = None

    def get(self, db: Database, actor: Actor
            ) -> tuple[list[DistrictSummary], dict[int, str], dict[str, str]]:
        """The districts, community id -> code and street code -> name."""
        with self._lock:
            if self._value is None or time.monotonic() - self._read_at > self.max_age_s:
                units = UnitService(db, actor)
                self._value = (district_summaries(db, actor),
                               {u.id: u.code for u in units.units("community")},
                               {u.code: u.name for u in units.units("street")})
                self._read_at = time.monotonic()
            return self._value


def read_snapshot(db: Database, actor: Actor, state: Progress | None = None, *,
                  with_layers: bool = False, queue: QueueReader | None = None,
                  world: WorldCache | None = None) -> Snapshot:
    """Read what the window shows (runs on a worker thread): every open case and a window
    of recently closed ones, through ``queue`` (by default the database's shared reader,
    which re-reads only the closed cases that changed)."""
    # first the change log's position: what is committed after it is followed from there,
    # even if the reads below already see some of it
    seq = latest_seq(db)
    layers = None
    if with_layers:
        layers = MapLayers(grid_feature_collection(db, actor),
                           {level: boundary_feature_collection(db, actor, level)
                            for level in ("community", "street", "district")})
    if state:
        state.progress("districts", 0.3)
    districts, codes, street_names = (world or WorldCache()).get(db, actor)
    if state:
        state.progress("cases", 0.5)
    table = (queue or reader_for(db)).read(actor)
    if state:
        state.progress("staff", 0.8)
    staff = StaffService(db, actor)
    positions = staff.positions()
    quarantine = IntakeService(db, actor).quarantine()
    loads = workload_by_unit({int(i): u for i, u in zip(positions.ids, positions.unit,
                                                        strict=True) if u in codes},
                             CaseService(db, actor).workload_by_staff())
    # busiest first, then the idle ones a shift lead could draw on
    loads.sort(key=lambda u: (-u.per_staff, u.unit_id))
    unit_loads = [(codes[u.unit_id], u.staff, u.open_cases, u.per_staff, u.state)
                  for u in loads]
    return Snapshot(districts, table, staff.count_on_duty(), positions, layers,
                    dt.datetime.now(dt.UTC), unit_loads, street_names, quarantine, seq)
