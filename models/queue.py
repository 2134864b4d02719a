"""Read the case queue into a :class:`models.casetable.CaseTable` (one short read
transaction), and page older history on demand.

The queue's cost follows the open work, not the history: :func:`load_case_table` reads every
open case, however old, and a window of recently closed ones (closed in the last
``closed_days``, at most ``closed_limit`` of them, newest first); the closed cases beyond the
window are counted, not read (``CaseTable.closed_beyond``). :func:`search_cases` reads a page
of any cases, open or closed and however old, for the console's search.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
import weakref
from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import aliased

from models import audit
from models.auth import Actor, Perm
from models.casetable import CLOSED_STATUSES, CaseTable
from models.db import Database
from models.enums import CaseStatus
from models.privacy import mask_personal_data
from models.schema import AdminUnit, Case, Grid

OPEN_STATUSES = tuple(s for s in CaseStatus if s.value not in CLOSED_STATUSES)
_CLOSED = tuple(s for s in CaseStatus if s.value in CLOSED_STATUSES)
CLOSED_DAYS = 7.0      # the queue lists the cases closed in the last week ...
CLOSED_LIMIT = 50_000  # ... but never more than this many of them
SEARCH_LIMIT = 500
# how long the count of closed cases older than the window's start is reused: the start
# moves by the hour, and only a reopened case (a dissatisfied assessment) lowers the count
_OLD_COUNT_TTL_S = 600.0
_old_counts: "weakref.WeakKeyDictionary[Database, tuple[dt.datetime, int, float]]" = (
    weakref.WeakKeyDictionary())
_PHONE_LIKE = re.compile(r"\d{7,}")


def _queue_select() -> Select:
    """The queue's columns, with the district, street and grid code joined in."""
    comm, street, district, unit = (aliased(AdminUnit) for _ in range(4))
    return (select(Case.id, Case.number, Case.title, Case.category, Case.subcategory,
                   Case.status, Case.priority, unit.level, district.code, Grid.code,
                   Case.reported_at, Case.step_deadline, Case.lon, Case.lat,
                   Case.step_started_at, street.code)
            .outerjoin(Grid, Grid.id == Case.grid_id)
            .outerjoin(comm, comm.id == Grid.community_id)
            .outerjoin(street, street.id == comm.parent_id)
            .outerjoin(district, district.id == street.parent_id)
            .outerjoin(unit, unit.id == Case.assigned_unit_id))


def _table(rows: list, actor: Actor, closed_beyond: int = 0) -> CaseTable:
    table = CaseTable.from_rows([tuple(r) for r in rows])
    if closed_beyond:
        table = dataclasses.replace(table, closed_beyond=closed_beyond)
    if not actor.can(Perm.CONTACT_READ):  # a phone typed into a title stays private
        table.titles[:] = [mask_personal_data(t) for t in table.titles]
    return table


def window_start(now: dt.datetime, closed_days: float) -> dt.datetime:
    """The start of the window of closed cases: ``closed_days`` before ``now``, on the hour
    (so the count of the cases closed before it can be reused for an hour's refreshes).

    >>> window_start(dt.datetime(2026, 12, 3, 7, 41, tzinfo=dt.UTC), 7).isoformat()
    '2026-11-26T07:00:00+00:00'
    """
    return (now - dt.timedelta(days=closed_days)).replace(minute=0, second=0, microsecond=0)


def load_case_table(db: Database, actor: Actor, *, closed_days: float = CLOSED_DAYS,
                    closed_limit: int = CLOSED_LIMIT, now: dt.datetime | None = None
                    ) -> CaseTable:
    """Read the queue: every open case however old, newest first, then the cases closed
    since :func:`window_start` (at most ``closed_limit``, the latest closed first).

    ``closed_beyond`` of the table counts the closed cases left out (closed before the
    window, or past the cap). Open cases are found through ``ix_case__status_grid``, the
    window through ``ix_case__closed_at``: neither read grows with the history.
    """
    since = window_start(now or dt.datetime.now(dt.UTC), closed_days)
    with audit.guarded(db, actor, Perm.CASE_READ, "case.queue", "case"):
        q = _queue_select()
        open_q = q.where(Case.status.in_(OPEN_STATUSES)).order_by(Case.id.desc())
        closed_q = (q.where(Case.closed_at >= since, Case.status.in_(_CLOSED))
                    .order_by(Case.closed_at.desc(), Case.id.desc()).limit(closed_limit))
        with db.read() as s:
            rows = s.execute(open_q).all()
            closed = s.execute(closed_q).all()
            in_window = len(closed)
            if in_window == closed_limit:  # the cap cut the window: count what it left out
                in_window = s.execute(select(func.count()).select_from(Case).where(
                    Case.closed_at >= since, Case.status.in_(_CLOSED))).scalar_one()
            older = _closed_before(db, s, since)
    return _table(rows + closed, actor, closed_beyond=older + in_window - len(closed))


def _closed_before(db: Database, s, since: dt.datetime) -> int:  # noqa: ANN001
    """How many closed cases were closed before ``since`` (or carry no closing time),
    reused for :data:`_OLD_COUNT_TTL_S` while the window starts at the same hour."""
    hit = _old_counts.get(db)
    if hit is not None and hit[0] == since and time.monotonic() - hit[2] < _OLD_COUNT_TTL_S:
        return hit[1]
    count = s.execute(select(func.count()).select_from(Case).where(
        Case.closed_at < since)).scalar_one()
    # a closed status with no closing time (none the loop writes) is outside the window too
    count += s.execute(select(func.count()).select_from(Case).where(
        Case.closed_at.is_(None), Case.status.in_(_CLOSED))).scalar_one()
    _old_counts[db] = (since, count, time.monotonic())
    return count


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
            rows = s.execute(q.where(*where).order_by(Case.id.desc()).limit(limit)).all()
    return _table(rows, actor)


__all__ = ["CLOSED_DAYS", "CLOSED_LIMIT", "OPEN_STATUSES", "load_case_table", "search_cases",
           "window_start"]
