"""The city services in the database: their heartbeats and the leases of once-per-city jobs.

A city service (``main.py serve``) writes a :class:`~models.storage.schema.ServiceHealth`
row every few seconds (:func:`beat`); a seat reads :func:`service_status` to know whether
intake and the timers are alive (a heartbeat younger than :data:`ALIVE_S`) and shows how
far behind they are. Jobs that must run once for the whole city however many services run
(the deadline watch and breach escalation, the simulator) run on the service that holds
their lease (:func:`take_lease`): one conditional write, renewed well before it lapses, so a
second service takes over within :data:`LEASE_S` when the first one dies.

>>> ServiceStatus(()).alive
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from models.storage.db import Database
from models.storage.schema import ServiceHealth, ServiceLease, utcnow

ALIVE_S = 10.0   # a service whose last heartbeat is older than this is taken for gone
BEAT_S = 2.0     # how often a service beats
LEASE_S = 30.0   # a lease not renewed for this long may be taken over
TIMERS = "timers"  # the lease of the deadline watch and the simulator


@dataclass(frozen=True, slots=True)
class ServiceBeat:
    """What one service reports about itself."""

    instance: str
    host: str = ""
    pid: int = 0
    started_at: dt.datetime | None = None
    mqtt: str = ""
    mqtt_connected: bool = False
    leader: bool = False
    simulating: bool = False
    received: int = 0
    processed: int = 0
    backlog: int = 0
    last_message_at: dt.datetime | None = None
    lag_s: float = 0.0
    last_error: str = ""
    beat_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """The services a seat knows of, as of ``at``: the live ones first."""

    services: tuple[ServiceBeat, ...]
    at: dt.datetime | None = None

    @property
    def live(self) -> tuple[ServiceBeat, ...]:
        return tuple(s for s in self.services if _alive(s, self.at))

    @property
    def alive(self) -> bool:
        """Whether some service runs intake for the city now."""
        return bool(self.live)

    @property
    def timers_alive(self) -> bool:
        """Whether a live service runs the deadline watch (holds the timers' lease)."""
        return any(s.leader for s in self.live)


def _alive(s: ServiceBeat, at: dt.datetime | None) -> bool:
    return (s.stopped_at is None and s.beat_at is not None and at is not None
            and (at - s.beat_at).total_seconds() <= ALIVE_S)


_FIELDS = tuple(f for f in ServiceBeat.__dataclass_fields__ if f != "instance")


def beat(db: Database, b: ServiceBeat, *, now: dt.datetime | None = None) -> None:
    """Write the heartbeat of service ``b.instance`` (the row is made on the first beat)."""
    now = now or utcnow()
    values: dict[str, Any] = {f: getattr(b, f) for f in _FIELDS}
    values["beat_at"] = now
    values["started_at"] = b.started_at or now
    with db.write() as s:
        done = cast(CursorResult[Any], s.execute(
            update(ServiceHealth).where(ServiceHealth.instance == b.instance).values(values)))
        if done.rowcount == 0:
            s.execute(insert(ServiceHealth).values(instance=b.instance, **values))


def service_status(db: Database, *, now: dt.datetime | None = None,
                   keep_stopped_s: float = 3600.0) -> ServiceStatus:
    """The services that beat recently (and those stopped within ``keep_stopped_s``)."""
    now = now or utcnow()
    since = now - dt.timedelta(seconds=keep_stopped_s)
    with db.read() as s:
        rows = s.scalars(select(ServiceHealth).where(ServiceHealth.beat_at >= since)
                         .order_by(ServiceHealth.beat_at.desc())).all()
        beats = tuple(ServiceBeat(r.instance, **{f: getattr(r, f) for f in _FIELDS})
                      for r in rows)
    live = [b for b in beats if _alive(b, now)]
    return ServiceStatus((*live, *(b for b in beats if b not in live)), now)


def take_lease(db: Database, name: str, holder: str, *, seconds: float = LEASE_S,
               now: dt.datetime | None = None) -> bool:
    """Take or renew lease ``name`` for ``holder`` until ``now + seconds``; False when
    another holder's lease has not lapsed. One conditional write: of two services asking
    at once exactly one gets it."""
    now = now or utcnow()
    until = now + dt.timedelta(seconds=seconds)
    try:
        with db.write() as s:
            done = cast(CursorResult[Any], s.execute(
                update(ServiceLease).where(
                    ServiceLease.name == name,
                    or_(ServiceLease.holder == holder, ServiceLease.until < now))
                .values(holder=holder, until=until)))
            if done.rowcount:
                return True
            if s.get(ServiceLease, name) is not None:
                return False
            s.execute(insert(ServiceLease).values(name=name, holder=holder, until=until))
            return True
    except IntegrityError:  # another service made the row first: it holds the lease
        return False


def release_lease(db: Database, name: str, holder: str) -> None:
    """Give lease ``name`` up at once (a clean stop: another service takes over now)."""
    with db.write() as s:
        s.execute(update(ServiceLease).where(ServiceLease.name == name,
                                             ServiceLease.holder == holder)
                  .values(until=utcnow() - dt.timedelta(seconds=1)))


def lease_holder(db: Database, name: str, *, now: dt.datetime | None = None) -> str | None:
    """Who holds lease ``name`` now (None: nobody, or it lapsed)."""
    now = now or utcnow()
    with db.read() as s:
        lease = s.get(ServiceLease, name)
        return lease.holder if lease is not None and lease.until >= now else None


def mark_stopped(db: Database, instance: str, *, now: dt.datetime | None = None) -> None:
    """A clean stop: the seats see at once that the service is gone."""
    with db.write() as s:
        s.execute(update(ServiceHealth).where(ServiceHealth.instance == instance)
                  .values(stopped_at=now or utcnow(), leader=False, mqtt_connected=False))


__all__: Sequence[str] = [
    "ALIVE_S", "BEAT_S", "LEASE_S", "TIMERS", "ServiceBeat", "ServiceStatus", "beat",
    "lease_holder", "mark_stopped", "release_lease", "service_status", "take_lease"]
