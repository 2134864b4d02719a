"""Duplicate candidates for the intake path: the open cases near a new one, kept between bursts.

A surge (sensor alerts, a flood of photo reports) arrives in bursts of hundreds. Each new
case is offered the open cases of its subcategory within the subcategory's distance and time
window (``DUPLICATE_WINDOWS``) as possible duplicates, and the burst's earlier items too.
Reading every open case of the window for every burst cost more than writing the burst, so
:class:`OpenCases` keeps them in memory, in cells of the subcategory's distance, and reads
only what is new since the last burst (cases with a higher id). What may have changed in the
database meanwhile is checked where it matters: the candidates a burst is offered are read
again (status, subcategory, place, time) before they are named, so a case closed or
reclassified since is not offered. A case another writer inserted with a lower id than one
already seen (two services on PostgreSQL, transactions committing out of order) is seen at
the next full read, at most ``RELOAD_S`` later: these are suggestions for the dispatcher, not
the intake key, which is enforced by the database.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from models.core.enums import OPEN as OPEN_STATUSES
from models.core.enums import in_order
from models.storage.db import Database
from models.storage.schema import Case, utcnow

OPEN = list(in_order(OPEN_STATUSES))  # a duplicate is looked for among these
DUPLICATE_DEFAULT = (200.0, 24.0)  # metres, hours
DUPLICATE_WINDOWS: dict[str, tuple[float, float]] = {
    # a fire or a gas leak: many calls about one incident, close in time and space
    "M01": (500.0, 6.0), "M02": (300.0, 6.0), "M03": (800.0, 12.0),
    # a street light or a manhole: the same object, reported for days
    "C04": (50.0, 72.0), "C08": (50.0, 72.0),
}
LONGEST_H = max(h for _, h in [DUPLICATE_DEFAULT, *DUPLICATE_WINDOWS.values()])
RELOAD_S = 30.0  # a full read of the window at least this often
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0  # at the equator; times cos(latitude)


def window(subcategory: str) -> tuple[float, float]:
    """The distance (metres) and time (hours) within which a case may repeat another."""
    return DUPLICATE_WINDOWS.get(subcategory, DUPLICATE_DEFAULT)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int  # a case id, or ``-1 - k`` for the burst's item k
    subcategory: str
    lon: float
    lat: float
    at: float  # POSIX time of the report


class _Cells:
    """Candidates by subcategory, in square cells a little larger than the subcategory's
    distance: the cases within that distance of a point lie in its cell or the 8 around."""

    def __init__(self, cos_lat: float) -> None:
        self.cos_lat = cos_lat
        self.cells: dict[tuple[str, int, int], list[Candidate]] = defaultdict(list)

    def _cell(self, sub: str, lon: float, lat: float) -> tuple[int, int]:
        size = window(sub)[0] * 1.1  # 10% spare: the cells use one latitude for the city
        return (math.floor(lon * M_PER_DEG_LON * self.cos_lat / size),
                math.floor(lat * M_PER_DEG_LAT / size))

    def add(self, c: Candidate) -> None:
        cx, cy = self._cell(c.subcategory, c.lon, c.lat)
        self.cells[c.subcategory, cx, cy].append(c)

    def near(self, sub: str, lon: float, lat: float, at: float
             ) -> list[tuple[float, Candidate]]:
        metres, hours = window(sub)
        cx, cy = self._cell(sub, lon, lat)
        kx = M_PER_DEG_LON * math.cos(math.radians(lat))
        out = []
        for x in (cx - 1, cx, cx + 1):
            for y in (cy - 1, cy, cy + 1):
                for c in self.cells.get((sub, x, y), ()):
                    if abs(c.at - at) > hours * 3600:
                        continue
                    # a local flat approximation: off by centimetres within a few hundred
                    # metres, and no geodesic call per pair
                    d = math.hypot((c.lon - lon) * kx, (c.lat - lat) * M_PER_DEG_LAT)
                    if d <= metres:
                        out.append((d, c))
        return out


class OpenCases:
    """The open cases of the recent window, kept between bursts (see the module's text)."""

    def __init__(self, db: Database, *, clock=time.monotonic) -> None:  # noqa: ANN001
        self.db, self.clock = db, clock
        self._cells: _Cells | None = None
        self._by_id: dict[int, Candidate] = {}
        self._lo: float = math.inf  # reports from this POSIX time on are held
        self._max_id = 0
        self._read_at = -math.inf

    def duplicates(self, news: Sequence[tuple[str, float, float, dt.datetime | None]]
                   ) -> list[list[int]]:
        """For each new item (subcategory, lon, lat, reported at): the open cases it may
        repeat (case ids) and the earlier items of the burst (``-1 - index``), nearest
        first."""
        if not news:
            return []
        whens = [(w or utcnow()).timestamp() for _, _, _, w in news]
        self._follow(min(whens) - LONGEST_H * 3600, news[0][2])
        cells = self._cells
        assert cells is not None
        burst = _Cells(cells.cos_lat)
        found: list[list[tuple[float, Candidate]]] = []
        for k, ((sub, lon, lat, _), at) in enumerate(zip(news, whens, strict=True)):
            found.append(cells.near(sub, lon, lat, at) + burst.near(sub, lon, lat, at))
            burst.add(Candidate(-1 - k, sub, lon, lat, at))
        gone = self._changed({c.id for f in found for _, c in f if c.id >= 0})
        # nearest first; at one distance the stored case before the burst's item
        return [[c.id for _, c in sorted(f, key=lambda p: (p[0], p[1].id < 0, abs(p[1].id)))
                 if c.id not in gone] for f in found]

    def _follow(self, lo: float, lat: float) -> None:
        """Hold every open case reported from ``lo`` on: what is new since the last read, or
        all of it when the window moved back or ``RELOAD_S`` passed."""
        now = self.clock()
        full = self._cells is None or lo < self._lo or now - self._read_at > RELOAD_S
        if full or self._cells is None:
            self._cells = _Cells(math.cos(math.radians(lat)))
            self._by_id, self._max_id, self._read_at = {}, 0, now
            self._lo = lo
        cells = self._cells
        with self.db.read() as s:
            # Core rows: the ORM's row machinery doubled the cost of a burst in a surge
            rows = s.connection().execute(select(
                Case.id, Case.subcategory, Case.lon, Case.lat, Case.reported_at
            ).where(Case.status.in_(OPEN), Case.id > self._max_id,
                    Case.reported_at >= dt.datetime.fromtimestamp(self._lo, dt.UTC))).all()
        # the burst's own cases come in with the next read (ids above every id seen)
        for r in rows:
            c = Candidate(r[0], r[1], r[2], r[3], r[4].timestamp())
            self._by_id[c.id] = c
            cells.add(c)
            self._max_id = max(self._max_id, c.id)
        # what is no longer open is found when offered (_changed); the window's old end is
        # dropped at the next full read

    def _changed(self, ids: set[int]) -> set[int]:
        """Of these held cases, those closed, merged, moved or reclassified since read (no
        longer candidates; dropped from the cells at the next full read)."""
        if not ids:
            return set()
        fresh: dict[int, Candidate] = {}
        wanted = sorted(ids)
        with self.db.read() as s:
            for k in range(0, len(wanted), 500):
                for r in s.connection().execute(select(
                        Case.id, Case.subcategory, Case.lon, Case.lat, Case.reported_at).where(
                        Case.id.in_(wanted[k:k + 500]), Case.status.in_(OPEN))):
                    fresh[r[0]] = Candidate(r[0], r[1], r[2], r[3], r[4].timestamp())
        gone = {i for i in ids if fresh.get(i) != self._by_id.get(i)}
        if gone:
            self._read_at = -math.inf  # read afresh next time: the cells are out of date
        return gone
