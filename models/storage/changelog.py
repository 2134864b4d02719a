"""The change log: what changed since a sequence number, for a seat that follows the city.

A trigger writes one ``change_log`` row for every inserted or updated case, in the writer's
transaction (:class:`models.storage.schema.ChangeLog`), so a reader that remembers the last
sequence number it applied and reads what came after misses nothing, whoever wrote, and
across a reconnect. On PostgreSQL the trigger also sends ``NOTIFY citygrid_changes`` (the
kind only) at commit: a seat listening wakes at once; a seat on SQLite asks every second.

>>> ChangeBatch(seq=7, case_ids=(3, 5)).empty
False
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select

from models.storage.db import Database
from models.storage.schema import ChangeLog

CHANNEL = "citygrid_changes"
BATCH_LIMIT = 20_000  # more changes than this since the last read: read the whole queue
MAX_GAPS = 1_000  # numbers a follower asks for again (a gap is a commit still to come)


@dataclass(frozen=True, slots=True)
class ChangeBatch:
    """The changes after a sequence number: the last sequence read and the cases changed
    (each once). ``overflow``: more than the limit changed (a bulk import); reading the
    whole queue again is cheaper than the cases one by one. ``gaps``: the numbers below
    ``seq`` not seen yet; on PostgreSQL a transaction that took a number may commit after
    one that took a later number, so a follower asks for these again next time (a number a
    rolled-back transaction took never comes: a follower forgets a gap after a while)."""

    seq: int
    case_ids: tuple[int, ...] = ()
    overflow: bool = False
    gaps: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.case_ids and not self.overflow


def latest_seq(db: Database) -> int:
    """The newest sequence number (0 when nothing changed yet)."""
    with db.read() as s:
        return int(s.scalar(select(func.max(ChangeLog.seq))) or 0)


def changes_since(db: Database, seq: int, *, limit: int = BATCH_LIMIT,
                  gaps: Collection[int] = ()) -> ChangeBatch:
    """What changed after ``seq``, and under the numbers of ``gaps`` (the gaps of an
    earlier batch), in one short read.

    >>> ChangeBatch(5).gaps
    frozenset()
    """
    wanted = sorted({int(g) for g in gaps if g <= seq})[:MAX_GAPS]
    where = ChangeLog.seq > seq
    if wanted:
        where = or_(where, ChangeLog.seq.in_(wanted))
    with db.read() as s:
        rows = s.execute(select(ChangeLog.seq, ChangeLog.kind, ChangeLog.object_id)
                         .where(where).order_by(ChangeLog.seq).limit(limit + 1)).all()
        if len(rows) > limit:
            newest = int(s.scalar(select(func.max(ChangeLog.seq))) or seq)
            return ChangeBatch(newest, overflow=True)
    seen = {int(r.seq) for r in rows}
    newest = max(seen | {seq})
    missing = (set(wanted) | set(range(seq + 1, newest))) - seen
    cases = dict.fromkeys(int(r.object_id) for r in rows if r.kind == "case")
    return ChangeBatch(newest, tuple(cases), gaps=frozenset(sorted(missing)[-MAX_GAPS:]))


def prune(db: Database, keep: int = 1_000_000) -> int:
    """Delete all but the newest ``keep`` rows (never the newest one, so the sequence never
    starts again); returns how many went. A seat further behind reads the whole queue."""
    keep = max(keep, 1)
    with db.write() as s:
        newest = s.scalar(select(func.max(ChangeLog.seq)))
        if newest is None:
            return 0
        done = cast("CursorResult[Any]",  # a DELETE's result is a cursor result
                    s.execute(delete(ChangeLog).where(ChangeLog.seq <= newest - keep)))
        return done.rowcount


__all__ = ["BATCH_LIMIT", "CHANNEL", "MAX_GAPS", "ChangeBatch", "changes_since", "latest_seq",
           "prune"]
