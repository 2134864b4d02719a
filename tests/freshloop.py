"""A case loop for tests that are not about versions.

Every case action takes the version of the case the caller saw (``expected_version``, a
merge also ``original_version``). A test about something else wraps its
:class:`models.cases.loop.CaseLoop` in :class:`FreshLoop`, which reads the stored version just
before each action and passes it, like a caller acting on a fresh read. Tests about versions
(and every console test) call the loop, or the console, with the version they saw.
"""

from __future__ import annotations

from sqlalchemy import select

from models.cases.loop import CaseLoop
from models.storage.db import Database
from models.storage.schema import Case

ACTIONS = frozenset({
    "accept", "reject", "dispatch", "transfer", "start", "feedback", "verify", "assess",
    "reopen", "suspend", "resume", "extend", "request_escalation", "escalate", "deescalate",
    "merge", "split",
})


def stored_version(db: Database, case_id: int) -> int | None:
    """The case's version as stored now (None when there is no such case)."""
    with db.read() as s:
        return s.scalar(select(Case.version).where(Case.id == case_id))


class FreshLoop:
    """``loop`` with each action given the case's current version (read from ``db``, the
    loop's own database by default); everything else passes through."""

    def __init__(self, loop: CaseLoop, db: Database | None = None) -> None:
        self.loop = loop
        self.db = db if db is not None else loop.db

    def __getattr__(self, name: str) -> object:
        attr = getattr(self.loop, name)
        if name not in ACTIONS:
            return attr

        def fresh(case_id: int, *args: object, **kwargs: object) -> object:
            kwargs.setdefault("expected_version", stored_version(self.db, case_id))
            if name == "merge":
                original = args[0] if args else kwargs["original_id"]
                kwargs.setdefault("original_version", stored_version(self.db, original))
            return attr(case_id, *args, **kwargs)

        fresh.__name__ = name
        return fresh


def fresh(loop: CaseLoop) -> FreshLoop:
    """Shorthand: ``fresh(CaseLoop(db, actor)).accept(case_id)``."""
    return FreshLoop(loop)

