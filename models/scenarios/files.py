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
import math
import os
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from models.cases.table import STATUS_CODES
from models.core.catalogue import CATEGORY_CODES
from models.core.errors import ValidationError
from models.core.privacy import mask_personal_data

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


# texts of an event that people wrote (and may have put a phone or ID number in)
FREE_TEXT_KEYS = ("title", "description", "address", "note", "reason")


def write_scenario(path: Path, header: ScenarioHeader, events: Iterable[dict]) -> int:
    """Write atomically (a temporary file renamed into place): a crash never leaves half a
    scenario under the final name. Returns the number of events.

    A scenario file is handed to trainers and other sites: phone and ID numbers written in
    an event's texts (:data:`FREE_TEXT_KEYS`) are masked whoever records it."""
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
                for key in FREE_TEXT_KEYS:
                    if isinstance(ev.get(key), str):
                        ev = {**ev, key: mask_personal_data(ev[key])}
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


MAX_SCENARIO_BYTES = 256 * 1024 * 1024  # decompressed; a recorded month is tens of MB
MAX_LINE_BYTES = 64 * 1024  # one event (or the header) on one line
MAX_EVENTS = 1_000_000  # a recorded year of a district (about 771,000); held in memory
EARLIEST_T = 946_684_800.0  # 2000-01-01 UTC: before the city's grid existed
LATEST_T = 4_102_444_800.0  # 2100-01-01 UTC
# ``report``, ``position`` and ``action``, or a step of a case (a transition's name, as the
# loop and the simulator write it: lower-case words): ``case`` and ``s`` say which and where
EVENT_KINDS = frozenset({"report", "position", "action"})
_STEP_KIND = re.compile(r"^[a-z][a-z_]{1,39}$")
_HEADER_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "district": (str, type(None)), "seed": (int, type(None)),
    "policy": (str,), "catalogue": (str,), "source": (str,), "created": (str,)}


class _Bad(Exception):
    """One line of a scenario that is not what the format says (the message says why)."""


def _finite(value: object, what: str, low: float = -math.inf, high: float = math.inf
            ) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise _Bad(f"{what} must be a finite number, not {_short(value)}")
    if not low <= value <= high:
        raise _Bad(f"{what} {value!r} is out of range")
    return float(value)


def _short(value: object) -> str:
    text = mask_personal_data(repr(value))  # before the cut: a cut number is not found
    return text if len(text) <= 40 else text[:37] + "..."


def _header(head: object) -> ScenarioHeader:
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise _Bad("not a CityGrid scenario")
    version = head.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _Bad(f"version must be a whole number from 1, not {_short(version)}")
    if version > VERSION:
        raise _Bad(f"scenario format version {version}; this console reads up to {VERSION}")
    for key in ("start", "end"):
        if key not in head:
            raise _Bad(f"the header has no {key!r}")
        _finite(head[key], key, EARLIEST_T, LATEST_T)
    if head["end"] < head["start"]:
        raise _Bad("the header's end is before its start")
    for key, types in _HEADER_TYPES.items():
        if key in head and (not isinstance(head[key], types) or isinstance(head[key], bool)):
            raise _Bad(f"the header's {key!r} has the wrong type ({type(head[key]).__name__})")
    return ScenarioHeader(**{k: v for k, v in head.items()
                             if k in ScenarioHeader.__dataclass_fields__})


def _event(ev: object) -> dict:
    """Check one event for what the replay and the drills read from it."""
    if not isinstance(ev, dict):
        raise _Bad(f"an event is a JSON object, not {type(ev).__name__}")
    if "k" not in ev:
        raise _Bad("an event without k")
    kind = ev["k"]
    is_step = isinstance(kind, str) and kind not in EVENT_KINDS \
        and bool(_STEP_KIND.match(kind)) and "case" in ev and "s" in ev
    if not is_step and (not isinstance(kind, str) or kind not in EVENT_KINDS):
        raise _Bad(f"unknown event kind {_short(kind)}")
    _finite(ev.get("t"), "t", EARLIEST_T, LATEST_T)
    if kind == "report" or is_step:
        if isinstance(ev.get("case"), bool) or not isinstance(ev.get("case"), int):
            raise _Bad(f"a {kind} event needs a whole-number case")
        if not isinstance(ev.get("s"), str) or ev["s"] not in STATUS_CODES:
            raise _Bad(f"a {kind} event needs a known status s, not {_short(ev.get('s'))}")
    if kind in ("report", "position"):
        _finite(ev.get("lon"), "lon", -180, 180)
        _finite(ev.get("lat"), "lat", -90, 90)
    if kind == "report":
        if ev.get("cat") not in CATEGORY_CODES:
            raise _Bad(f"a report needs a known category cat, not {_short(ev.get('cat'))}")
        for key in ("sub", "cls"):
            if not isinstance(ev.get(key), str):
                raise _Bad(f"a report needs a text {key}")
        if ev.get("deadline") is not None:
            _finite(ev["deadline"], "deadline", EARLIEST_T, LATEST_T)
        for key in ("title", "grid", "number"):
            if ev.get(key) is not None and not isinstance(ev[key], str):
                raise _Bad(f"a report's {key} must be text")
    elif kind == "position" and (isinstance(ev.get("staff"), bool)
                                 or not isinstance(ev.get("staff"), int)):
        raise _Bad("a position event needs a whole-number staff id")
    if kind == "report" or is_step:
        for key in ("level", "unit"):
            if ev.get(key) is not None and not isinstance(ev[key], str):
                raise _Bad(f"a {kind} event's {key} must be text")
    for key in FREE_TEXT_KEYS:  # a file written elsewhere (or before masking) is masked too
        if isinstance(ev.get(key), str):
            ev[key] = mask_personal_data(ev[key])
    return ev


class _Capped:
    """A binary stream that refuses to give more than ``limit`` bytes in all."""

    def __init__(self, raw, limit: int) -> None:  # noqa: ANN001
        self.raw, self.left = raw, limit

    def readline(self) -> bytes:
        line = self.raw.readline(min(MAX_LINE_BYTES, self.left) + 1)
        self.left -= len(line)
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            raise _Bad(f"a line is longer than {MAX_LINE_BYTES // 1024} KiB")
        if self.left < 0:
            raise _Bad(f"over {MAX_SCENARIO_BYTES // 2**20} MiB uncompressed")
        return line


def _json(line: bytes) -> object:
    try:
        return json.loads(line.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # JSON, UTF-8 and over-long integers alike
        raise _Bad("damaged (not a line of JSON)") from None


def _refuse_constant(name: str) -> float:
    raise ValueError(name)


def read_scenario(path: Path) -> Scenario:
    """Read a scenario file, streaming it with caps: at most :data:`MAX_SCENARIO_BYTES`
    decompressed (a gzip bomb is refused, not expanded), :data:`MAX_LINE_BYTES` a line and
    :data:`MAX_EVENTS` events; the header and every event are checked.

    Raises
    ------
    ValidationError
        Not a scenario, a newer format version, a damaged or truncated file, a header or an
        event that is not what the format says (the message names the line), too large.
    """
    path = Path(path)
    n = 1
    try:
        with gzip.open(path, "rb") as gz:
            f = _Capped(gz, MAX_SCENARIO_BYTES)
            try:
                header = _header(_json(f.readline()))
            except _Bad as exc:
                msg = str(exc)
                raise ValidationError(f"{path.name}: {msg}" if msg.startswith("scenario")
                                      or msg.startswith("not a") else
                                      f"{path.name}: the header (line 1): {msg}") from None
            events = []
            while True:
                n += 1
                line = f.readline()
                if not line:
                    break
                if n > MAX_EVENTS + 1:  # blank lines count: a bomb of newlines stops too
                    raise _Bad(f"more than {MAX_EVENTS:,} lines")
                if not line.strip():
                    continue
                events.append(_event(_json(line)))
    except _Bad as exc:
        raise ValidationError(f"{path.name}: line {n}: {exc}") from None
    except FileNotFoundError:
        raise ValidationError(f"no scenario file {path}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise ValidationError(f"{path.name} cannot be read (damaged or cut short: {exc})"
                              ) from None
    return Scenario(header, events)


# -- cutting a slice of a database's log --------------------------------------------------
def export_scenario(db, actor, path: Path, start: dt.datetime, end: dt.datetime, *,  # noqa: ANN001
                    district: str | None = None, name: str = "") -> ScenarioHeader:
    """Cut the event log between ``start`` and ``end`` (one district, or all) into a file:
    the cases reported in the range with every transition, staff moves, users' actions."""
    from sqlalchemy import select

    from models.core.auth import Perm
    from models.storage import audit
    from models.storage.schema import (
        AdminUnit,
        AuditEntry,
        Case,
        CaseHistory,
        Grid,
        Staff,
        StaffTrack,
    )

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
    from models.core.catalogue import load_catalogue

    header = ScenarioHeader(name=name or f"log {start:%Y-%m-%d %H:%M}",
                            start=start.timestamp(), end=end.timestamp(), district=district,
                            catalogue=load_catalogue().version, source="database")
    write_scenario(path, header, (e[2] for e in events))
    return header


def iter_events(scenario: Scenario, kinds: set[str] | None = None) -> Iterator[dict]:
    for ev in scenario.events:
        if kinds is None or ev["k"] in kinds:
            yield ev


__all__ = [
    "SUFFIX",
    "Scenario",
    "ScenarioHeader",
    "export_scenario",
    "read_scenario",
    "write_scenario",
]
