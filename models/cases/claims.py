"""Claims: which dispatcher works a case now, so two seats never work one case at once; and
the emergency alarm, acknowledged once for every seat.

A claim lives on the case row (``claimed_by``, ``claimed_at``, ``claim_until``), so the
change log's trigger carries it to every seat like any change of the case; but it is no
change of the case itself: it is written with a Core ``UPDATE`` that leaves ``version``
alone (the ORM moves the version only when it flushes a loaded ``Case``; a flush of a case
loaded before a claim sets only the columns it changed), so the claimer's own screen never
goes stale by claiming.

The rules:

- a claim is taken in ONE conditional ``UPDATE`` (the case is free, or already the actor's,
  or its claim ran out): of two seats claiming at once exactly one wins, on SQLite (writes
  are serialised) and on PostgreSQL (the second ``UPDATE`` waits for the first's row lock,
  then sees its claim); the loser gets :class:`~models.core.errors.ClaimedError` naming
  the holder and until when, and nothing is written;
- a claim runs out after the room's timeout (:data:`DEFAULT_TIMEOUT_MINUTES` unless a shift
  lead set another, :meth:`ClaimService.set_claim_timeout`, kept in ``meta``); claiming a
  case one holds already renews it (from now, keeping when it was first claimed);
- only the holder releases a claim, or a shift lead (anyone may clear a claim that ran
  out); logging out (switching role) releases all of the actor's claims;
- a new claim, a release and an acknowledgement each leave an audit row; a renewal does not.

Times are the seat's clock (``now``): seats of one room are expected to keep their clocks
in step (NTP), a claim's end being minutes away.

>>> DEFAULT_TIMEOUT_MINUTES
15
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import Row, Table, and_, case, delete, insert, literal, or_, select, update

from models.core.auth import Actor, Perm
from models.core.errors import ClaimedError, NotFoundError, ValidationError
from models.core.records import CaseChanges, ClaimRecord
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import Case, Setting, UTCDateTime, utcnow

TIMEOUT_KEY = "claim_timeout_minutes"  # the room's claim timeout, a row of ``meta``
DEFAULT_TIMEOUT_MINUTES = 15
MIN_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES = 1, 60
EMERGENCY = "emergency"  # the category whose reported cases sound the alarm (CATEGORY_CODES)
_CASES = cast(Table, Case.__table__)  # Core: an UPDATE here never moves the version
_C = _CASES.c
_CLAIM_TRIES = 3  # a claim refused by a claim released before it could be read: try again


class ClaimService:
    """The claims of one acting user.

    Parameters
    ----------
    db, actor
        ``actor.name`` is what a claim records (and what other seats are shown).
    now : callable, optional
        The clock (tests pass their own).
    """

    def __init__(self, db: Database, actor: Actor, *,
                 now: Callable[[], dt.datetime] = utcnow) -> None:
        self.db, self.actor, self.now = db, actor, now

    @property
    def me(self) -> str:
        return self.actor.name[:60]

    @property
    def overrides(self) -> bool:
        """Whether the actor may release (and act through) another's claim: a shift lead."""
        return self.actor.can(Perm.CASE_OVERRIDE)

    # -- the room's timeout ------------------------------------------------------------------
    def timeout_minutes(self) -> int:
        """The room's claim timeout in minutes (the default until a shift lead sets one)."""
        with self.db.read() as s:
            value = s.scalar(select(Setting.value).where(Setting.key == TIMEOUT_KEY))
        try:
            return int(value) if value is not None else DEFAULT_TIMEOUT_MINUTES
        except ValueError:  # a hand-edited row: the default, not a broken console
            return DEFAULT_TIMEOUT_MINUTES

    def set_claim_timeout(self, minutes: int) -> int:
        """Set the room's claim timeout (shift leads only; claims taken from now on run out
        after it, those held keep their end). Returns the minutes set.

        Raises
        ------
        PermissionDenied
            The actor is no shift lead (a ``denied`` audit row is written).
        ValidationError
            ``minutes`` is not a whole number from :data:`MIN_TIMEOUT_MINUTES` to
            :data:`MAX_TIMEOUT_MINUTES`.
        """
        with audit.guarded(self.db, self.actor, Perm.ROOM_SETTINGS, "room.claim_timeout",
                           "setting", TIMEOUT_KEY):
            if isinstance(minutes, bool) or not isinstance(minutes, int) \
                    or not MIN_TIMEOUT_MINUTES <= minutes <= MAX_TIMEOUT_MINUTES:
                raise ValidationError(f"a claim timeout is {MIN_TIMEOUT_MINUTES} to "
                                      f"{MAX_TIMEOUT_MINUTES} whole minutes, not {minutes!r}",
                                      field="minutes")
            before = self.timeout_minutes()
            with self.db.write() as s:
                s.execute(delete(Setting).where(Setting.key == TIMEOUT_KEY))
                s.execute(insert(Setting), [{"key": TIMEOUT_KEY, "value": str(minutes)}])
                audit.record(s, self.actor, "room.claim_timeout", "setting", TIMEOUT_KEY,
                             detail=f"{before} -> {minutes} minutes")
        return minutes

    # -- claims ------------------------------------------------------------------------------
    def claim(self, case_id: int, *, minutes: int | None = None) -> ClaimRecord:
        """Claim the case for the actor (or renew the actor's claim) for ``minutes`` (the
        room's timeout when None; never longer than it).

        Raises
        ------
        ClaimedError
            Someone else holds the case and their claim has not run out; nothing written.
        NotFoundError
            There is no such case.
        PermissionDenied
            The actor may not dispatch (claims are the control room's).
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_DISPATCH, "case.claim", "case",
                           case_id):
            room = self.timeout_minutes()
            if minutes is not None and (isinstance(minutes, bool)
                                        or not isinstance(minutes, int) or minutes < 1):
                raise ValidationError(f"a claim lasts whole minutes, not {minutes!r}",
                                      field="minutes")
            length = dt.timedelta(minutes=min(minutes or room, room))
            for _ in range(_CLAIM_TRIES):
                now = self.now()
                with self.db.write() as s:
                    mine = and_(_C.claimed_by == self.me, _C.claim_until >= now)
                    row = s.execute(
                        update(_CASES)
                        .where(_C.id == case_id, or_(_C.claimed_by.is_(None),
                                                     _C.claimed_by == self.me,
                                                     _C.claim_until < now))
                        # a renewal keeps when the case was first claimed
                        .values(claimed_by=self.me, claim_until=now + length,
                                claimed_at=case((mine, _C.claimed_at),
                                                else_=literal(now, UTCDateTime())))
                        .returning(_C.number, _C.claimed_at, _C.claim_until)).first()
                    if row is not None:
                        record = ClaimRecord(case_id, row.number, self.me, row.claimed_at,
                                             row.claim_until)
                        if record.claimed_at == now:  # new (a renewal kept its start)
                            audit.record(s, self.actor, "case.claim", "case", row.number,
                                         detail=f"until {record.claim_until:%H:%M} UTC")
                        return record
                    held = s.execute(select(_C.number, _C.claimed_by, _C.claim_until)
                                     .where(_C.id == case_id)).first()
                if held is None:
                    raise NotFoundError(f"no case with id {case_id}")
                if held.claimed_by is not None and held.claimed_by != self.me \
                        and not (held.claim_until is not None and held.claim_until < now):
                    raise ClaimedError(held.number, held.claimed_by, held.claim_until)
                # released (or run out) between the UPDATE and the read: try again
            raise ClaimedError(str(case_id), "another seat", None)

    def release(self, case_id: int) -> ClaimRecord | None:
        """Release the claim on the case: the holder's own, any claim for a shift lead, or
        one that ran out. Returns the claim released, None when nobody held the case.

        Raises
        ------
        ClaimedError
            Someone else holds the case and the actor is no shift lead; nothing written.
        NotFoundError
            There is no such case.
        """
        with audit.guarded(self.db, self.actor, Perm.CASE_DISPATCH, "case.release", "case",
                           case_id):
            now = self.now()
            with self.db.write() as s:
                row = s.execute(select(_C.number, _C.claimed_by, _C.claimed_at,
                                       _C.claim_until)
                                .where(_C.id == case_id).with_for_update()).first()
                if row is None:
                    raise NotFoundError(f"no case with id {case_id}")
                if row.claimed_by is None:
                    return None
                ran_out = row.claim_until is not None and row.claim_until < now
                if row.claimed_by != self.me and not ran_out and not self.overrides:
                    raise ClaimedError(row.number, row.claimed_by, row.claim_until)
                s.execute(update(_CASES).where(_C.id == case_id)
                          .values(claimed_by=None, claimed_at=None, claim_until=None))
                whose = "" if row.claimed_by == self.me else f"claim of {row.claimed_by}"
                audit.record(s, self.actor, "case.release", "case", row.number,
                             detail=whose + (" (ran out)" if ran_out and whose else ""))
            return ClaimRecord(case_id, row.number, row.claimed_by, row.claimed_at,
                               row.claim_until)

    def release_all(self) -> CaseChanges:
        """Release every claim the actor holds (logging out, switching role): the cases
        released (none is an empty record)."""
        with self.db.write() as s:
            rows = s.execute(update(_CASES).where(_C.claimed_by == self.me)
                             .values(claimed_by=None, claimed_at=None, claim_until=None)
                             .returning(_C.id, _C.number)).all()
            for r in rows:
                audit.record(s, self.actor, "case.release", "case", r.number,
                             detail="all claims released")
        return CaseChanges("release", tuple(sorted(r.id for r in rows)), self.actor.name,
                           fields=("claimed_by", "claimed_at", "claim_until"))

    def held_by(self, case_id: int) -> ClaimRecord | None:
        """Who holds the case now (None: nobody, or the claim ran out)."""
        with audit.guarded(self.db, self.actor, Perm.CASE_READ, "case.read", "case", case_id):
            with self.db.read() as s:
                row = s.execute(select(_C.number, _C.claimed_by, _C.claimed_at,
                                       _C.claim_until).where(_C.id == case_id)).first()
        if row is None:
            raise NotFoundError(f"no case with id {case_id}")
        if row.claimed_by is None or (row.claim_until is not None
                                      and row.claim_until < self.now()):
            return None
        return ClaimRecord(case_id, row.number, row.claimed_by, row.claimed_at,
                           row.claim_until)

    # -- the emergency alarm -----------------------------------------------------------------
    def acknowledge(self, case_ids: Iterable[int]) -> CaseChanges:
        """Acknowledge the alarm of these emergency cases for every seat: the first
        acknowledgement of each is kept (who, when) and audited; a case acknowledged already,
        or not an emergency, is left as it is. Returns the cases acknowledged now.

        Raises
        ------
        PermissionDenied
            The actor may not dispatch (a ``denied`` audit row is written).
        """
        wanted = sorted({int(i) for i in case_ids})
        with audit.guarded(self.db, self.actor, Perm.CASE_DISPATCH, "case.acknowledge",
                           "case", ",".join(map(str, wanted[:20]))):
            now = self.now()
            done: list[Row[Any]] = []
            with self.db.write() as s:
                for lo in range(0, len(wanted), 500):  # bounded IN lists (SQLite's limit)
                    done += s.execute(
                        update(_CASES)
                        .where(_C.id.in_(wanted[lo:lo + 500]),
                               _C.category == EMERGENCY,
                               _C.acknowledged_by.is_(None))
                        .values(acknowledged_by=self.me, acknowledged_at=now)
                        .returning(_C.id, _C.number)).all()
                for r in done:
                    audit.record(s, self.actor, "case.acknowledge", "case", r.number,
                                 detail="emergency alarm acknowledged")
        return CaseChanges("acknowledge", tuple(sorted(r.id for r in done)), self.actor.name,
                           fields=("acknowledged_by", "acknowledged_at"))


__all__ = ["DEFAULT_TIMEOUT_MINUTES", "MAX_TIMEOUT_MINUTES", "MIN_TIMEOUT_MINUTES",
           "TIMEOUT_KEY", "ClaimService"]
