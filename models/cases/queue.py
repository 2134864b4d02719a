"""Read the case queue into a :class:`models.cases.table.CaseTable` (one short read
transaction), and page older history on demand.

The queue's cost follows the open work, not the history: :func:`load_case_table` reads every
open case, however old, and a window of recently closed ones (closed in the last
``closed_days``, at most ``closed_limit`` of them, newest first); the closed cases beyond the
window are counted, not read (``CaseTable.closed_beyond``). :func:`search_cases` reads a page
of any cases, open or closed and however old, for the console's search.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import time
import weakref
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Row, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.cases.table import CaseTable
from models.core.auth import Actor, Perm
from models.core.enums import CLOSED, OPEN, CaseStatus, in_order
from models.core.privacy import mask_personal_data
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import AdminUnit, Case, Grid

OPEN_STATUSES = in_order(OPEN)
_CLOSED = in_order(CLOSED)
CLOSED_DAYS = 7.0      # the queue lists the cases closed in the last week ...
CLOSED_LIMIT = 50_000  # ... but never more than this many of them
SEARCH_LIMIT = 500
_PHONE_LIKE = re.compile(r"\d{7,}")


@functools.cache
def _queue_select() -> Select:
    """The queue's columns, with the district, street and grid code joined in (built once:
    building the joins costs more than reading a few rows; a Select is immutable, every
    ``.where`` makes a new one)."""
    comm, street, district, unit = (aliased(AdminUnit) for _ in range(4))
    return (select(Case.id, Case.number, Case.title, Case.category, Case.subcategory,
                   Case.status, Case.priority, unit.level, district.code, Grid.code,
                   Case.reported_at, Case.step_deadline, Case.lon, Case.lat,
                   Case.step_started_at, street.code,
                   # (appended: who holds the case, until when, whether its alarm was
                   # acknowledged; models.cases.claims)
                   Case.claimed_by, Case.claim_until, Case.acknowledged_by)
            .outerjoin(Grid, Grid.id == Case.grid_id)
            .outerjoin(comm, comm.id == Grid.community_id)
            .outerjoin(street, street.id == comm.parent_id)
            .outerjoin(district, district.id == street.parent_id)
            .outerjoin(unit, unit.id == Case.assigned_unit_id))


def _table(rows: Sequence[Row[Any]], actor: Actor) -> CaseTable:
    table = CaseTable.from_rows([tuple(r) for r in rows])
    if not actor.can(Perm.CONTACT_READ):  # a phone typed into a title stays private
        table.titles[:] = [mask_personal_data(t) for t in table.titles]
    return table


def window_start(now: dt.datetime, closed_days: float) -> dt.datetime:
    """The start of the window of closed cases: ``closed_days`` before ``now``, on the hour
    (so a :class:`QueueReader` reuses the count of the cases closed before it for an hour).

    >>> window_start(dt.datetime(2026, 12, 3, 7, 41, tzinfo=dt.UTC), 7).isoformat()
    '2026-11-26T07:00:00+00:00'
    """
    return (now - dt.timedelta(days=closed_days)).replace(minute=0, second=0, microsecond=0)


def load_case_table(db: Database, actor: Actor, *, closed_days: float = CLOSED_DAYS,
                    closed_limit: int = CLOSED_LIMIT, now: dt.datetime | None = None
                    ) -> CaseTable:
    """Read the queue once: every open case however old, newest first, then the cases
    closed since :func:`window_start` (at most ``closed_limit``, the latest closed first).

    ``closed_beyond`` of the table counts the closed cases left out (closed before the
    window, or past the cap). Open cases are found through ``ix_case__status_grid``, the
    window through ``ix_case__closed_at``: neither read grows with the history. A console
    that refreshes keeps a :class:`QueueReader` instead, which re-reads only what changed.
    """
    return QueueReader(db, closed_days=closed_days, closed_limit=closed_limit).read(
        actor, now=now)


class QueueReader:
    """Reads the queue of one database again and again, keeping the closed window between
    reads: each read takes every open case afresh, but of the closed window only the ids
    and versions, and re-reads the rows that are new or changed since the last read.

    The closed cases before the window are counted once (on a year of history that count
    takes a few hundred milliseconds); when the window moves on, the cases it left behind
    are added. Every ``recount_s`` the window is read whole and the count made afresh: a
    change that bypassed the version, or an old closed case reopened, shows within that
    time. Thread-safe: one read at a time.
    """

    def __init__(self, db: Database, *, closed_days: float = CLOSED_DAYS,
                 closed_limit: int = CLOSED_LIMIT, recount_s: float = 3600.0) -> None:
        # a weak reference: the database's shared reader (reader_for) must not keep it alive
        self._db = weakref.ref(db)
        self.closed_days, self.closed_limit = closed_days, closed_limit
        self.recount_s = recount_s
        self._lock = threading.Lock()
        self._closed: CaseTable | None = None   # the window as last read
        self._versions: dict[int, int] = {}      # case id -> version of those rows
        self._masked = False                     # whether the cached titles are masked
        self._older: tuple[dt.datetime, int] | None = None  # window start, count before it
        self._full_at = -np.inf                  # monotonic time of the last whole read

    @property
    def db(self) -> Database:
        db = self._db()
        if db is None:
            raise RuntimeError("the queue's database was closed and collected")
        return db

    def read(self, actor: Actor, *, now: dt.datetime | None = None) -> CaseTable:
        """The queue as :func:`load_case_table` describes it."""
        since = window_start(now or dt.datetime.now(dt.UTC), self.closed_days)
        masked = not actor.can(Perm.CONTACT_READ)
        with audit.guarded(self.db, actor, Perm.CASE_READ, "case.queue", "case"), self._lock:
            if masked != self._masked or time.monotonic() - self._full_at > self.recount_s:
                self._closed, self._versions, self._older = None, {}, None
            q = _queue_select()
            with self.db.read() as s:
                conn = s.connection()  # Core rows: the ORM's row machinery costs a third
                open_rows = conn.execute(q.where(Case.status.in_(OPEN_STATUSES))
                                         .order_by(Case.id.desc())).all()
                # only a closed case has a closing time (a reopened one loses it): no
                # status test in SQL, which would lead the planner to the status index and
                # through every closed case of the history (an open case listed above is
                # left out all the same)
                listed = {r[0] for r in open_rows}
                keys = [(i, v) for i, v in conn.execute(
                    select(Case.id, Case.version).where(Case.closed_at >= since)
                    .order_by(Case.closed_at.desc(), Case.id.desc())
                    .limit(self.closed_limit)) if i not in listed]
                in_window = len(keys)
                if in_window == self.closed_limit:  # the cap cut the window: count the rest
                    in_window = s.execute(select(func.count()).select_from(Case).where(
                        Case.closed_at >= since)).scalar_one()
                wanted = [i for i, v in keys if self._versions.get(i) != v]
                fresh: list[Row[Any]] = []
                for lo in range(0, len(wanted), 500):  # bounded IN lists (SQLite's limit)
                    fresh += conn.execute(q.where(Case.id.in_(wanted[lo:lo + 500]))).all()
                if self._older is not None and self._older[0] < since:
                    # the window moved on (by the hour): add the cases it left behind
                    self._older = (since, self._older[1] + s.execute(
                        select(func.count()).select_from(Case).where(
                            Case.closed_at >= self._older[0], Case.closed_at < since)
                    ).scalar_one())
                elif self._older is None or self._older[0] != since:
                    self._older = (since, _closed_before(s, since))
                    self._full_at = time.monotonic()
            closed = self._merge(fresh, keys, actor)
            self._masked = masked
            opened = _table(open_rows, actor)
            return CaseTable.concat([opened, closed],
                                    closed_beyond=self._older[1] + in_window - len(closed))

    def _merge(self, fresh: list[Row[Any]], keys: list, actor: Actor) -> CaseTable:
        """The window in the order of ``keys``: cached rows still current, ``fresh`` rows
        for the new and changed ones."""
        parts = [_table(fresh, actor)]
        if self._closed is not None and len(self._closed):
            parts.insert(0, self._closed)
        pool = CaseTable.concat(parts)
        # the last row of an id wins: a fresh row after the cached one it replaces
        where = {int(i): n for n, i in enumerate(pool.ids)}
        # (a case deleted between the two reads, on PostgreSQL's read committed, is skipped)
        keys = [(i, v) for i, v in keys if i in where]
        closed = pool.take([where[i] for i, _ in keys])
        self._closed, self._versions = closed, dict(keys)
        return closed


def _closed_before(s: Session, since: dt.datetime) -> int:
    """How many closed cases were closed before ``since`` (or carry no closing time)."""
    count = s.execute(select(func.count()).select_from(Case).where(
        Case.closed_at < since)).scalar_one()
    # a closed status with no closing time (none the loop writes) is outside the window too
    return count + s.execute(select(func.count()).select_from(Case).where(
        Case.closed_at.is_(None), Case.status.in_(_CLOSED))).scalar_one()


_readers: weakref.WeakKeyDictionary[Database, QueueReader] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def reader_for(db: Database) -> QueueReader:
    """The one :class:`QueueReader` of ``db`` with the default window (made on first use),
    for callers that hold no reader of their own."""
    with _readers_lock:
        reader = _readers.get(db)
        if reader is None:
            reader = _readers[db] = QueueReader(db)
        return reader


def read_cases(db: Database, actor: Actor, case_ids: Collection[int]) -> CaseTable:
    """The queue's rows of the given cases, open or closed, as they are now: what a console
    re-reads after a change record names them (bounded ``IN`` lists; titles masked for an
    actor who may not read contact data, as in the queue)."""
    wanted = sorted({int(i) for i in case_ids})
    rows: list = []
    with audit.guarded(db, actor, Perm.CASE_READ, "case.queue", "case"):
        with db.read() as s:
            conn = s.connection()
            for lo in range(0, len(wanted), 500):
                rows += conn.execute(_queue_select().where(
                    Case.id.in_(wanted[lo:lo + 500]))).all()
    return _table(rows, actor)


def search_cases(db: Database, actor: Actor, *, text: str = "", number: str | None = None,
                 grid_code: str | None = None, district: str | None = None,
                 statuses: Collection[str] = (), since: dt.datetime | None = None,
                 until: dt.datetime | None = None, limit: int = SEARCH_LIMIT) -> CaseTable:
    """A page of any cases in the database, open or closed and however old, newest first.

    Parameters
    ----------
    text
        Matched against the number, the title (a substring, any case) and the grid code.
    number, grid_code, district
        Exact case number, grid code, 6-digit district code.
    statuses
        Status values to keep (empty: all).
    since, until
        The report time range, ``since <= reported_at < until``.
    limit
        The most rows returned (a page).

    An actor who may not read contact data does not match ``text`` of seven digits or more
    against titles, which could hold a resident's phone number (the number and the grid
    code are still matched).
    """
    q = _queue_select()
    where: list[ColumnElement[bool]] = []
    if number:
        where.append(Case.number == number.strip().upper())
    if grid_code:
        where.append(Grid.code == grid_code.strip())
    if district:
        where.append(q.selected_columns[8] == district)  # the district unit's code
    if statuses:
        where.append(Case.status.in_([CaseStatus(s) for s in statuses]))
    if since is not None:
        where.append(Case.reported_at >= since)
    if until is not None:
        where.append(Case.reported_at < until)
    needle = text.strip()
    if needle:
        anyof: list[ColumnElement[bool]] = [Case.number == needle.upper(), Grid.code == needle]
        if actor.can(Perm.CONTACT_READ) or not _PHONE_LIKE.search(needle):
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            anyof.append(Case.title.ilike(f"%{escaped}%", escape="\\"))
        where.append(or_(*anyof))
    with audit.guarded(db, actor, Perm.CASE_READ, "case.search", "case"):
        with db.read() as s:
            rows = s.connection().execute(q.where(*where).order_by(Case.id.desc())
                                          .limit(limit)).all()
    return _table(rows, actor)


__all__ = ["CLOSED_DAYS", "CLOSED_LIMIT", "OPEN_STATUSES", "QueueReader", "load_case_table",
           "read_cases", "reader_for", "search_cases", "window_start"]
