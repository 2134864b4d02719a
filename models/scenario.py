"""Scenarios: slices of the event log saved as files another workstation can open.

The event log is append-only and timestamped. In the database it is three tables written
by the services in the same transactions as the changes they record: ``case_history`` (a
case reported and every transition, with the acting user and the state it left the case
in), ``staff_track`` (staff moves) and ``audit`` (each user's actions). A scenario is a
slice of it (a time range, optionally one district) in one file:

* gzip-compressed JSON lines (``.cgs``): line 1 is the header (format, version, name,
  district, start, end, seed, policy, catalogue version, where it came from); every further
  line is one event, in time order, with ``t`` (seconds since the epoch, UTC) and ``k``
  (the kind): ``report`` (the case's static fields), a transition (``accept``,
  ``dispatch``, ... with ``s``, the status after it, and ``level``/``unit`` when it moved
  the case), ``position`` (a staff move) or ``action`` (a user's action from the audit).

:func:`export_scenario` cuts a slice from a database;
:func:`routing.scenarios.record_simulation` records a simulated period headless (it routes
with a policy, so it lives with the routing).
:func:`read_scenario` reads a file back (and refuses, with a clear reason, one that is not
a scenario, is of a newer version, or is cut short).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from models.errors import ValidationError

FORMAT = "citygrid-scenario"
VERSION = 1
SUFFIX = ".cgs"


@dataclass(frozen=True)
class ScenarioHeader:
    name: str
    start: float  # epoch seconds, UTC
    end: float
    district: str | None = None
    seed: int | None = None
    policy: str = ""
    catalogue: str = ""
    source: str = ""  # "simulation" | "database"
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    format: str = FORMAT
    version: int = VERSION

    @property
    def start_dt(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.start, dt.UTC)

    @property
    def end_dt(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.end, dt.UTC)


@dataclass
class Scenario:
    header: ScenarioHeader
    events: list[dict]


def write_scenario(path: Path, header: ScenarioHeader, events: Iterable[dict]) -> int:
    """Write atomically (a temporary file renamed into place): a crash never leaves half a
    scenario under the final name. Returns the number of events."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".scenario-", suffix=".part")
    n = 0
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb",
                                                       compresslevel=5, mtime=0) as gz:
            gz.write((json.dumps(asdict(header), ensure_ascii=False) + "\n").encode())
            lines = []
            for ev in events:
                lines.append(json.dumps(ev, ensure_ascii=False, separators=(",", ":")))
                n += 1
                if len(lines) >= 10_000:
                    gz.write(("\n".join(lines) + "\n").encode())
                    lines = []
            if lines:
                gz.write(("\n".join(lines) + "\n").encode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def read_scenario(path: Path) -> Scenario:
    """Read a scenario file.

    Raises
    ------
    ValidationError
        Not a scenario, a newer format version, a damaged or truncated file.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            first = f.readline()
            try:
                head = json.loads(first)
            except ValueError:
                raise ValidationError(f"{path.name} is not a CityGrid scenario") from None
            if not isinstance(head, dict) or head.get("format") != FORMAT:
                raise ValidationError(f"{path.name} is not a CityGrid scenario")
            if int(head.get("version", 0)) > VERSION:
                raise ValidationError(f"{path.name} is scenario format version "
                                      f"{head['version']}; this console reads up to {VERSION}")
            header = ScenarioHeader(**{k: v for k, v in head.items()
                                       if k in ScenarioHeader.__dataclass_fields__})
            events = []
            for n, line in enumerate(f, start=2):
                if line.strip():
                    try:
                        events.append(json.loads(line))
                    except ValueError:
                        raise ValidationError(f"{path.name}: line {n} is damaged") from None
    except FileNotFoundError:
        raise ValidationError(f"no scenario file {path}") from None
    except (OSError, EOFError) as exc:
        raise ValidationError(f"{path.name} cannot be read (damaged or cut short: {exc})"
                              ) from None
    return Scenario(header, events)


# -- cutting a slice of a database's log --------------------------------------------------
def export_scenario(db, actor, path: Path, start: dt.datetime, end: dt.datetime, *,  # noqa: ANN001
                    district: str | None = None, name: str = "") -> ScenarioHeader:
    """Cut the event log between ``start`` and ``end`` (one district, or all) into a file:
    the cases reported in the range with every transition, staff moves, users' actions."""
    from sqlalchemy import select

    from models import audit
    from models.auth import Perm
    from models.schema import AdminUnit, AuditEntry, Case, CaseHistory, Grid, Staff, StaffTrack

    events: list[tuple[float, int, dict]] = []
    with audit.guarded(db, actor, Perm.CASE_READ, "scenario.export", "scenario", str(path)):
        with db.read() as s:
            units = dict(s.execute(select(AdminUnit.id, AdminUnit.code)).all())
            levels = dict(s.execute(select(AdminUnit.id, AdminUnit.level)).all())
            grids = dict(s.execute(select(Grid.id, Grid.code)).all())
            q = select(Case).where(Case.reported_at >= start, Case.reported_at < end)
            cases = [c for c in s.scalars(q.order_by(Case.id))
                     if district is None or grids.get(c.grid_id, "").startswith(district)]
            ids = [c.id for c in cases]
            order = 0
            for c in cases:
                t = c.reported_at.timestamp()
                events.append((t, order, {
                    "t": round(t, 3), "k": "report", "case": c.id, "sub": c.subcategory,
                    "title": c.title,
                    "cat": c.category, "cls": c.event_class, "ch": c.channel.value,
                    "grid": grids.get(c.grid_id, ""), "lon": c.lon, "lat": c.lat,
                    "deadline": round(c.case_deadline.timestamp(), 3)
                    if c.case_deadline else None, "s": "reported", "number": c.number}))
                order += 1
            for k in range(0, len(ids), 500):
                for h in s.scalars(select(CaseHistory).where(
                        CaseHistory.case_id.in_(ids[k:k + 500]),
                        CaseHistory.action != "report").order_by(CaseHistory.id)):
                    t = h.at.timestamp()
                    ev = {"t": round(t, 3), "k": h.action, "case": h.case_id,
                          "s": h.to_status, "by": h.actor_role}
                    unit = (h.data or {}).get("set", {}).get("assigned_unit_id") \
                        or (h.data or {}).get("unit_id")
                    if unit:
                        ev["unit"] = units.get(int(unit), "")
                        lv = levels.get(int(unit))
                        ev["level"] = getattr(lv, "value", lv)
                    events.append((t, order, ev))
                    order += 1
            staff_q = select(StaffTrack.at, StaffTrack.staff_id, StaffTrack.lon,
                             StaffTrack.lat).where(StaffTrack.at >= start, StaffTrack.at < end)
            if district:
                staff_in = {i for i, g in s.execute(select(Staff.id, Staff.home_grid_id))
                            if grids.get(g, "").startswith(district)}
            for at, sid, lon, lat in s.execute(staff_q.order_by(StaffTrack.id)):
                if district and sid not in staff_in:
                    continue
                events.append((at.timestamp(), order, {"t": round(at.timestamp(), 3),
                                                       "k": "position", "staff": sid,
                                                       "lon": lon, "lat": lat}))
                order += 1
            for a in s.scalars(select(AuditEntry).where(
                    AuditEntry.at >= start, AuditEntry.at < end,
                    AuditEntry.actor_role.in_(["dispatcher", "shift_lead"]))
                    .order_by(AuditEntry.id)):
                events.append((a.at.timestamp(), order, {
                    "t": round(a.at.timestamp(), 3), "k": "action", "by": a.actor_role,
                    "who": a.actor_name, "what": a.action, "object": a.object_id,
                    "outcome": a.outcome.value}))
                order += 1
    events.sort(key=lambda e: (e[0], e[1]))
    from models.catalogue import load_catalogue

    header = ScenarioHeader(name=name or f"log {start:%Y-%m-%d %H:%M}",
                            start=start.timestamp(), end=end.timestamp(), district=district,
                            catalogue=load_catalogue().version, source="database")
    write_scenario(path, header, (e[2] for e in events))
    return header


def iter_events(scenario: Scenario, kinds: set[str] | None = None) -> Iterator[dict]:
    for ev in scenario.events:
        if kinds is None or ev["k"] in kinds:
            yield ev


__all__ = ["Scenario", "ScenarioHeader", "export_scenario", "read_scenario",
           "write_scenario", "SUFFIX"]
