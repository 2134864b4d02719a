"""The audit trail: one append-only row per action on cases, staff, residents' data and grids.

Rows of successful actions are written in the same transaction as the action, so an action
and its audit row land together or not at all. A denied attempt is recorded in a transaction
of its own (the attempt itself is what matters to an auditor).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.core.auth import Actor, Perm, require
from models.core.errors import PermissionDenied
from models.core.privacy import mask_personal_data
from models.core.records import AuditRecord
from models.storage.db import Database
from models.storage.schema import AuditEntry, AuditOutcome, utcnow

log = logging.getLogger(__name__)


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: object,
           outcome: AuditOutcome = AuditOutcome.OK, detail: str = "") -> None:
    """Append one audit row in ``session``'s transaction.

    The detail often repeats a reason or a note written by someone else (a quarantine
    reason, a discard reason): phone and ID numbers in it are masked before it is stored,
    since every auditor reads the trail and an audit row is never changed afterwards."""
    session.execute(insert(AuditEntry), [{
        "at": utcnow(), "actor_id": actor.staff_id, "actor_name": actor.name[:60],
        "actor_role": actor.role.value, "action": action, "object_type": object_type,
        # long ids (file paths) keep their end, which names the object
        "object_id": str(object_id)[-200:], "outcome": outcome,
        "detail": mask_personal_data(detail[:2000]),
    }])


@contextlib.contextmanager
def guarded(db: Database, actor: Actor, perm: Perm, action: str, object_type: str,
            object_id: object = "") -> Iterator[None]:
    """Check ``perm`` for ``actor``; on refusal write a ``denied`` audit row, then re-raise."""
    try:
        require(actor, perm)
    except PermissionDenied as exc:
        with db.write() as s:
            record(s, actor, action, object_type, object_id, AuditOutcome.DENIED, str(exc))
        log.warning("denied: %s (%s) %s %s", actor.name, actor.role.value, action, object_id)
        raise
    yield


class AuditService:
    """Read the audit trail (auditors only)."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db, self.actor = db, actor

    def recent(self, limit: int = 200, object_type: str | None = None) -> list[AuditRecord]:
        with guarded(self.db, self.actor, Perm.AUDIT_READ, "audit.read", "audit"):
            q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if object_type:
                q = q.where(AuditEntry.object_type == object_type)
            with self.db.read() as s:
                return [AuditRecord(a.at, a.actor_name, a.actor_role, a.action, a.object_type,
                                    a.object_id, a.outcome.value, a.detail)
                        for a in s.scalars(q)]
