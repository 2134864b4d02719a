"""The case queue as columns (no database imports: widgets filter and sort these).

The queue holds up to a few hundred thousand rows; filtering and sorting them row by row in
Python would stall the GUI, so the queue is read once into numpy columns and views filter
with vectorised masks. Codes (category, status, level) are small integer codes with their
label tables; district and street are their unit codes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.core.enums import (
    ACTIVE,
    CATEGORY_CODES,
    CLOSED,
    PRIORITY_CODES,
    STATUS_CODES,
    Level,
)

LEVEL_CODES: tuple[str, ...] = ("", *(lv.value for lv in Level))  # "" = not assigned yet
_CLOSED_CODES = np.array(sorted(STATUS_CODES.index(s) for s in CLOSED), dtype=np.int8)
_ACTIVE_CODES = np.array(sorted(STATUS_CODES.index(s) for s in ACTIVE), dtype=np.int8)


@dataclass(frozen=True)
class CaseTable:
    """Every listed case as parallel columns (row i of each array is one case)."""

    ids: NDArray[np.int64]
    numbers: NDArray[np.object_]
    titles: NDArray[np.object_]
    category: NDArray[np.int8]       # index into CATEGORY_CODES
    subcategory: NDArray[np.object_]
    status: NDArray[np.int8]         # index into STATUS_CODES
    priority: NDArray[np.int8]       # index into PRIORITY_CODES
    level: NDArray[np.int8]          # index into LEVEL_CODES
    district: NDArray[np.object_]    # 6-digit code or ""
    street: NDArray[np.object_]      # 9-digit code or ""
    grid_code: NDArray[np.object_]
    reported_at: NDArray[np.float64]  # POSIX seconds
    deadline: NDArray[np.float64]     # POSIX seconds, NaN when none
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    started: NDArray[np.float64] | None = None  # when the current step started (POSIX s)
    # who holds each case ("" nobody) and until when (POSIX s, NaN), and whether an
    # emergency's alarm was acknowledged (models.cases.claims); None: not read (a replay)
    claimed_by: NDArray[np.object_] | None = None
    claim_until: NDArray[np.float64] | None = None
    acknowledged: NDArray[np.bool_] | None = None
    # closed cases in the database that are not in this table (older than the queue's
    # window of closed cases, or past its cap): the UI offers a search for them
    closed_beyond: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(cls, rows: list[tuple]) -> CaseTable:
        """Build from tuples (id, number, title, category, subcategory, status, priority,
        level, district, grid_code, reported_at, deadline, lon, lat[, step_started_at
        [, street[, claimed_by, claim_until, acknowledged_by]]]); without the street column
        every row's street is "", without the claim columns nobody holds a case."""
        cat_ix = {c: i for i, c in enumerate(CATEGORY_CODES)}
        st_ix = {s: i for i, s in enumerate(STATUS_CODES)}
        pr_ix = {p: i for i, p in enumerate(PRIORITY_CODES)}
        lv_ix = {lv: i for i, lv in enumerate(LEVEL_CODES)}
        n = len(rows)
        cols = list(zip(*rows, strict=True)) if rows else [()] * 14

        def obj(values: Iterable[object]) -> NDArray[np.object_]:
            out = np.empty(n, dtype=object)
            out[:] = list(values)
            return out

        def secs(values: Iterable[dt.datetime | None]) -> NDArray[np.float64]:
            return np.array([v.timestamp() if v is not None else np.nan for v in values],
                            dtype=np.float64)

        started = secs(cols[14]) if len(cols) > 14 else None
        streets = cols[15] if len(cols) > 15 else [""] * n
        claims = len(cols) > 18

        return cls(
            ids=np.array(cols[0], dtype=np.int64), numbers=obj(cols[1]), titles=obj(cols[2]),
            category=np.array([cat_ix[c] for c in cols[3]], dtype=np.int8),
            subcategory=obj(cols[4]),
            # (the ORM's StrEnum members hash and compare as their values)
            status=np.array([st_ix[s] for s in cols[5]], dtype=np.int8),
            priority=np.array([pr_ix[p] for p in cols[6]], dtype=np.int8),
            level=np.array([lv_ix[lv or ""] for lv in cols[7]], dtype=np.int8),
            district=obj(v or "" for v in cols[8]), street=obj(v or "" for v in streets),
            grid_code=obj(v or "" for v in cols[9]),
            reported_at=secs(cols[10]), deadline=secs(cols[11]),
            lon=np.array(cols[12], dtype=np.float64), lat=np.array(cols[13], dtype=np.float64),
            started=started,
            claimed_by=obj(v or "" for v in cols[16]) if claims else _blank("claimed_by", n),
            claim_until=secs(cols[17]) if claims else _blank("claim_until", n),
            acknowledged=(np.array([v is not None for v in cols[18]], dtype=bool) if claims
                          else _blank("acknowledged", n)))

    def take(self, rows: NDArray[np.intp] | list[int]) -> CaseTable:
        """The given rows, in the given order (``closed_beyond`` kept)."""
        rows = np.asarray(rows, dtype=np.intp)
        return dataclasses.replace(self, **{
            f.name: getattr(self, f.name)[rows] for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)})

    @classmethod
    def concat(cls, tables: list[CaseTable], closed_beyond: int = 0) -> CaseTable:
        """The rows of ``tables`` one after the other."""
        def column(name: str) -> NDArray | None:
            parts = [getattr(t, name) for t in tables]
            if name == "started" and any(p is None for p in parts):
                parts = [t.reported_at if t.started is None else t.started for t in tables]
            if name in _BLANKS:
                if all(p is None for p in parts):
                    return None
                parts = [_blank(name, len(t)) if p is None else p
                         for t, p in zip(tables, parts, strict=True)]
            return np.concatenate(parts)

        columns: dict[str, Any] = {f.name: column(f.name) for f in dataclasses.fields(cls)
                                   if f.name != "closed_beyond"}
        return cls(**columns, closed_beyond=closed_beyond)

    def patch(self, rows: CaseTable) -> tuple[CaseTable, NDArray[np.intp]]:
        """This table with ``rows`` (re-read cases) in place of the rows of the same ids,
        and the ids not listed yet added at the end; with the indices of the patched and
        added rows in the new table. The table itself is not changed (a snapshot shown
        elsewhere keeps what it showed).

        >>> t = CaseTable.from_rows([(1, "C1", "a", "city", "C03", "reported", "normal", None,
        ...     "", "", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None, 113.0, 28.0)])
        >>> r = CaseTable.from_rows([(1, "C1", "a", "city", "C03", "accepted", "normal",
        ...     None, "", "", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None, 113.0, 28.0)])
        >>> new, where = t.patch(r)
        >>> STATUS_CODES[new.status[0]], STATUS_CODES[t.status[0]], where.tolist()
        ('accepted', 'reported', [0])
        """
        if not len(rows):
            return self, np.zeros(0, dtype=np.intp)
        order = np.argsort(self.ids, kind="stable")
        pos = np.searchsorted(self.ids[order], rows.ids)
        pos = np.minimum(pos, max(len(self) - 1, 0))
        known = (self.ids[order][pos] == rows.ids) if len(self) else np.zeros(len(rows), bool)
        where = order[pos[known]] if len(self) else np.zeros(0, dtype=np.intp)
        columns: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            old, new = getattr(self, f.name), getattr(rows, f.name)
            if f.name in _BLANKS:  # a table without claims gains them from re-read rows
                if old is None and new is None:
                    continue
                old = _blank(f.name, len(self)) if old is None else old
                new = _blank(f.name, len(rows)) if new is None else new
            if not isinstance(old, np.ndarray):
                continue
            if new is None:  # a re-read always has the step start; an old table may not
                new = rows.reported_at
            col = old.copy()
            col[where] = new[known]
            columns[f.name] = np.concatenate([col, new[~known]])
        if self.started is None:
            columns.pop("started", None)
        patched = dataclasses.replace(self, **columns)
        added = np.arange(len(self), len(self) + int((~known).sum()), dtype=np.intp)
        return patched, np.concatenate([where.astype(np.intp), added])

    def holders(self, now: dt.datetime) -> NDArray[np.object_]:
        """Who holds each case at ``now`` ("" nobody: never claimed, released, or the claim
        ran out): the queue's "held by" marker.

        >>> t = CaseTable.from_rows([(1, "C1", "a", "city", "C03", "reported", "normal", None,
        ...     "", "", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None, 113.0, 28.0, None, "",
        ...     "张三", dt.datetime(2026, 1, 1, 8, 15, tzinfo=dt.UTC), None)])
        >>> t.holders(dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)).tolist()
        ['张三']
        >>> t.holders(dt.datetime(2026, 1, 1, 8, 16, tzinfo=dt.UTC)).tolist()
        ['']
        """
        if self.claimed_by is None or self.claim_until is None:
            return _blank("claimed_by", len(self))
        with np.errstate(invalid="ignore"):
            ran_out = self.claim_until < now.timestamp()  # NaN (no end) never runs out
        out = self.claimed_by.copy()
        out[ran_out] = ""
        return out

    def open_mask(self) -> NDArray[np.bool_]:
        return ~np.isin(self.status, _CLOSED_CODES)

    def deadline_states(self, now: dt.datetime, warn_fraction: float = 0.8
                        ) -> NDArray[np.int8]:
        """0 on time, 1 warning, 2 overdue for every row (closed and suspended rows are 0).

        The warning counts what is left of the step's limit in the subcategory's basis
        (working hours on the working calendar, or calendar hours), so nights, weekends and
        pauses do not bring it forward or push it back.
        """
        from models.core.worktime import scan_deadlines, step_limits

        started = self.started if self.started is not None else self.reported_at
        limit, working = step_limits(self.subcategory, np.asarray(STATUS_CODES)[self.status])
        states = scan_deadlines(started, self.deadline, now.timestamp(), warn_fraction,
                                limit=np.where(np.isnan(limit), self.deadline - started, limit),
                                working=working)
        states[~self._clock_running()] = 0
        return states

    def overdue_mask(self, now: dt.datetime) -> NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            return self._clock_running() & (self.deadline < now.timestamp())

    def _clock_running(self) -> NDArray[np.bool_]:
        # a suspended case's clock stands still: its deadline moves on when it resumes
        return np.isin(self.status, _ACTIVE_CODES)



# the claim columns' values for rows that carry none: nobody holds them, none acknowledged
_BLANKS: dict[str, Any] = {"claimed_by": "", "claim_until": np.nan, "acknowledged": False}


def _blank(name: str, n: int) -> NDArray[Any]:
    value = _BLANKS[name]
    out = np.empty(n, dtype=object) if isinstance(value, str) else \
        np.full(n, value, dtype=np.float64 if isinstance(value, float) else bool)
    if isinstance(value, str):
        out[:] = value
    return out
