"""Running a write transaction again when PostgreSQL aborted it for a conflict with another.

Two writers that lock rows in opposite orders deadlock; PostgreSQL breaks the deadlock by
aborting one of them (SQLSTATE ``40P01``), and a transaction at a stricter isolation level
can be aborted as a serialization failure (``40001``). Neither says the transaction was
wrong: run again, it succeeds. :func:`retry_conflicts` runs a whole transaction (a function
that opens, writes and commits it) again after a short pause, a few times, and raises the
last error when the conflict goes on. Only whole transactions are retried: the function
must read what it decides on inside its own transaction (the case loop reads the case and
checks its version there), so running it twice never applies a change twice.

>>> is_conflict(ValueError("no"))
False
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

CONFLICT_STATES = {"40001": "serialization failure", "40P01": "deadlock detected"}
DELAYS_S = (0.02, 0.05, 0.1, 0.2)  # before the 2nd, 3rd, 4th and 5th attempt (+ jitter)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error (psycopg's, wrapped by SQLAlchemy), if any."""
    inner = getattr(exc, "orig", None) or exc
    return getattr(inner, "sqlstate", None) or getattr(inner, "pgcode", None)


def is_conflict(exc: BaseException) -> bool:
    """Whether the database aborted the transaction for a conflict with another one."""
    return sqlstate(exc) in CONFLICT_STATES


def retry_conflicts(fn: Callable[[], T], *, delays: tuple[float, ...] = DELAYS_S,
                    sleep: Callable[[float], None] = time.sleep) -> T:
    """``fn()``, run again after each of ``delays`` while it fails with a conflict."""
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            return fn()
        except Exception as exc:
            if delay is None or not is_conflict(exc):
                raise
            log.info("transaction aborted (%s), attempt %d: again in %.0f ms",
                     CONFLICT_STATES[str(sqlstate(exc))], attempt, delay * 1000)
            sleep(delay * (1 + random.random()))  # jitter: the two writers part ways
    raise AssertionError("unreachable")


__all__ = ["CONFLICT_STATES", "is_conflict", "retry_conflicts", "sqlstate"]
