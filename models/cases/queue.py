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
from models.storage.changelog import changes_since, latest_seq
from models.storage.db import Database
from models.storage.schema import AdminUnit, Case, Grid

OPEN_STATUSES = in_order(OPEN)
GAP_TTL_S = 30.0  # a change-log number not seen for this long was a rolled-back write
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


def _table(rows: Sequence[Sequence[Any]], actor: Actor) -> CaseTable:
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
    """Reads the queue of one database again and again, following the change log between
    reads: a read asks the log which cases changed since the last one
    (:func:`models.storage.changelog.changes_since`) and re-reads only those rows, open or
    closed, so a refresh costs what changed, not the open work nor the history.

    A whole read (the first, after the window moved on by the hour, after a burst too big
    for the log, or every ``recount_s``) takes every open case afresh and, of the closed
    window, the ids and versions, re-reading the rows that are new or changed since. The
    closed cases before the window are counted once (on years of history that count takes
    a few hundred milliseconds); when the window moves on, the cases it left behind are
    added. Thread-safe: one read at a time.
    """

    def __init__(self, db: Database, *, closed_days: float = CLOSED_DAYS,
                 closed_limit: int = CLOSED_LIMIT, recount_s: float = 3600.0) -> None:
        # a weak reference: the database's shared reader (reader_for) must not keep it alive
        self._db = weakref.ref(db)
        self.closed_days, self.closed_limit = closed_days, closed_limit
        self.recount_s = recount_s
        self._lock = threading.Lock()
        self._closed: CaseTable | None = None   # the window as last read
        self._closed_at = np.zeros(0)            # its rows' closing times (POSIX s)
        self._versions: dict[int, int] = {}      # case id -> version of those rows
        self._open: CaseTable | None = None      # the open cases as last read
        self._last: CaseTable | None = None      # the queue as last returned
        self._masked = False                     # whether the cached titles are masked
        self._older: tuple[dt.datetime, int] | None = None  # window start, count before it
        self._full_at = -np.inf                  # monotonic time of the last whole read
        self._seq = 0                            # the change log followed up to here
        self._gaps: dict[int, float] = {}        # numbers below it not seen yet -> since
        self._max_id = 0                         # the newest case id at the whole read
        self.whole_reads = 0                     # how many reads were whole (for tests)

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
                self._closed, self._versions, self._older, self._open = None, {}, None, None
            if (self._open is not None and self._closed is not None
                    and self._older is not None and self._older[0] == since):
                followed = self._follow(actor, since)
                if followed is not None:
                    return followed
            return self._read_whole(actor, since, masked)

    def _follow(self, actor: Actor, since: dt.datetime) -> CaseTable | None:
        """The queue from the cached one and the cases the change log names since the last
        read; None when a whole read is needed (too many changes, the window's cap)."""
        assert self._open is not None and self._closed is not None and self._older
        batch = changes_since(self.db, self._seq, gaps=tuple(self._gaps))
        if batch.overflow:
            return None
        now_m = time.monotonic()
        self._gaps = {g: self._gaps.get(g, now_m) for g in batch.gaps
                      if now_m - self._gaps.get(g, now_m) < GAP_TTL_S}
        self._seq = batch.seq
        if not batch.case_ids and self._last is not None:
            return self._last  # nothing changed: the same table (a view may skip its redraw)
        changed = sorted(batch.case_ids)
        rows: list[tuple[Any, ...]] = []
        with self.db.read() as s:
            conn = s.connection()
            q = _queue_select().add_columns(Case.closed_at, Case.version)
            for lo in range(0, len(changed), 500):
                rows += map(tuple, conn.execute(q.where(Case.id.in_(changed[lo:lo + 500]))))
        opened = [r[:-2] for r in rows if r[5] in OPEN]
        closing = [r for r in rows if r[5] not in OPEN and r[-2] is not None
                   and r[-2] >= since]
        gone = np.asarray(changed, dtype=np.int64)
        old_open = self._open.take(np.flatnonzero(~np.isin(self._open.ids, gone)))
        keep = np.flatnonzero(~np.isin(self._closed.ids, gone))
        was_listed = set(self._open.ids.tolist()) | set(self._closed.ids.tolist())
        open_t = CaseTable.concat([old_open, _table(opened, actor)])
        open_t = open_t.take(np.argsort(-open_t.ids, kind="stable"))  # newest first
        closed_t = CaseTable.concat([self._closed.take(keep),
                                     _table([r[:-2] for r in closing], actor)])
        closed_at = np.concatenate([self._closed_at[keep], np.array(
            [r[-2].timestamp() for r in closing], dtype=np.float64)])
        if len(closed_t) >= self.closed_limit:
            return None  # the cap cuts the window: a whole read counts what it leaves out
        order = np.lexsort((-closed_t.ids, -closed_at))  # the latest closed first
        closed_t, closed_at = closed_t.take(order), closed_at[order]
        # the count before the window: a listed case that closed before it joins it, an old
        # closed case that came back (reopened, or closed again in the window) leaves it
        listed_now = set(open_t.ids.tolist()) | set(closed_t.ids.tolist())
        older = self._older[1]
        for r in rows:
            i = int(r[0])
            if i in was_listed and i not in listed_now:
                older += 1
            elif i not in was_listed and i in listed_now and i <= self._max_id:
                older -= 1
        self._older = (since, max(older, 0))
        for r in closing:
            self._versions[int(r[0])] = int(r[-1])
        self._open, self._closed, self._closed_at = open_t, closed_t, closed_at
        self._last = CaseTable.concat([open_t, closed_t], closed_beyond=self._older[1])
        return self._last

    def _read_whole(self, actor: Actor, since: dt.datetime, masked: bool) -> CaseTable:
        q = _queue_select()
        # first the change log's position: what commits after it is followed from there
        seq = latest_seq(self.db)
        with self.db.read() as s:
            conn = s.connection()  # Core rows: the ORM's row machinery costs a third
            open_rows = conn.execute(q.where(Case.status.in_(OPEN_STATUSES))
                                     .order_by(Case.id.desc())).all()
            # only a closed case has a closing time (a reopened one loses it): no status
            # test in SQL, which would lead the planner to the status index and through
            # every closed case of the history (an open case listed above is left out)
            listed = {r[0] for r in open_rows}
            keys = [(i, v, c) for i, v, c in conn.execute(
                select(Case.id, Case.version, Case.closed_at).where(Case.closed_at >= since)
                .order_by(Case.closed_at.desc(), Case.id.desc())
                .limit(self.closed_limit)).all() if i not in listed]
            in_window = len(keys)
            if in_window == self.closed_limit:  # the cap cut the window: count the rest
                in_window = s.execute(select(func.count()).select_from(Case).where(
                    Case.closed_at >= since)).scalar_one()
            wanted = [i for i, v, _ in keys if self._versions.get(i) != v]
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
            self._max_id = int(s.scalar(select(func.max(Case.id))) or 0)
        closed = self._merge(fresh, keys, actor)
        self._masked = masked
        self._open = _table(open_rows, actor)
        self._seq, self._gaps = seq, {}
        self.whole_reads += 1
        self._last = CaseTable.concat([self._open, closed],
                                      closed_beyond=self._older[1] + in_window - len(closed))
        if in_window != len(closed):
            self._open = None  # the cap cut the window: every read is whole until it no longer does
        return self._last

    def _merge(self, fresh: list[Row[Any]], keys: list, actor: Actor) -> CaseTable:
        """The window in the order of ``keys``: cached rows still current, ``fresh`` rows
        for the new and changed ones."""
        parts = [_table(fresh, actor)]
        if self._closed is not None and len(self._closed):
            parts.insert(0, self._closed)
        pool = CaseTable.concat(parts)
        # the last row of an id wins: a fresh row after the cached one it replaces
        where = {int(i): n for n, i in enumerate(pool.ids.tolist())}
        # (a case deleted between the two reads, on PostgreSQL's read committed, is skipped)
        keys = [k for k in keys if k[0] in where]
        closed = pool.take([where[k[0]] for k in keys])
        self._closed, self._versions = closed, {k[0]: k[1] for k in keys}
        self._closed_at = np.array([k[2].timestamp() for k in keys], dtype=np.float64)
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
