"""Training drills: a copy of the world, scripted events, and a score on the city's own
indicators.

A drill never touches the live database. :func:`create_drill_db` makes a new SQLite file
holding a copy of the live world (layers, units, grids, departments, staff, sensors and the
database's settings: every table that is not per-event), read from the live database in one
read-only transaction, whatever its backend. The trainee then works the drill database with
the ordinary services (:class:`models.cases.loop.CaseLoop` and friends): same rules, same
deadlines, same routing, none of it on the live city.

A :class:`DrillSession` releases the scenario's scripted events (:class:`DrillInject`, read
by :func:`load_injects`) as their time comes, and the trainer can add one with a click on
the map (:meth:`DrillSession.inject_at`). Both are reported as incoming events by the
system actor ``trainer`` (:attr:`models.core.auth.SystemRole.TRAINER`).

:func:`score_drill` scores what happened from the drill database's case history: time to
accept, time to dispatch, routing right or wrong under the policy, deadlines met, rework.

Typical use::

    drill = create_drill_db(live, data_dir() / "drills" / "2026-03-09-night.sqlite3")
    session = DrillSession(drill, load_injects(path), start=utcnow())
    for item in session.due(utcnow()):      # on a timer
        session.inject(item, utcnow())
    ...                                     # the trainee accepts and dispatches
    score = score_drill(drill, router=Router(EscalationGraph.from_db(drill)))
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from models.core.auth import Actor, SystemRole, mask_phone
from models.cases.service import GridLocator, NewCase
from models.core.catalogue import Catalogue, TimeLimits, limits_for, load_catalogue
from models.storage.db import Database
from models.core.enums import Channel
from models.core.errors import CityGridError, ConflictError, ValidationError
from models.intake.service import IntakeResult, IntakeService
from models.core.privacy import mask_personal_data
from models.core.records import RoutingDecision
from models.storage.schema import AdminUnit, Base, Case, CaseHistory, CaseStatus, Setting, utcnow
from models.core.worktime import STEP_OF, WorkingCalendar, elapsed_hours, load_calendar, step_deadline

# Every table of the schema is either part of the world (copied into a drill) or per-event
# (never copied: the drill makes its own). tests/domain/test_drill.py fails when a new table is in
# neither, so nobody adds a table that drills silently leave behind.
WORLD_TABLES: tuple[str, ...] = ("layer", "admin_unit", "grid", "department", "staff",
                                 "sensor", "meta")
# a drill copy is handed to trainers and trainees: staff phones are kept masked, the file is
# its owner's alone
PHONE_COLUMNS = frozenset({"phone", "reporter_phone"})
DRILL_FILE_MODE = 0o600
EVENT_TABLES: tuple[str, ...] = ("case_", "case_history", "case_report", "case_attachment",
                                 "case_grid", "staff_track", "quarantine", "audit")
# settings a drill database carries about itself (never copied from the source)
DRILL_SOURCE_KEY, DRILL_CREATED_KEY = "drill_source", "drill_created_at"
_COPY_BATCH = 2000

INJECT_KEYS = ("at_offset_s", "subcategory", "lon", "lat", "title", "description", "channel")
_REQUIRED_KEYS = ("at_offset_s", "subcategory", "lon", "lat", "title")

# the total score's weights (points out of 100 when every indicator can be judged)
WEIGHTS: tuple[tuple[str, float], ...] = (("routing", 40.0), ("deadlines", 30.0),
                                          ("speed", 20.0), ("rework", 10.0))
_OPEN = frozenset({CaseStatus.REPORTED, CaseStatus.ACCEPTED, CaseStatus.DISPATCHED,
                   CaseStatus.HANDLING, CaseStatus.VERIFYING})
# transitions that restart the handle step at another unit: the step they end was not
# completed (judged only when it was already overdue)
_RESTARTS = frozenset({"transfer", "escalate", "deescalate"})


# -- the copy of the world -----------------------------------------------------------------
def create_drill_db(live: Database, path: Path) -> Database:
    """Create a drill database at ``path``: a new SQLite file with the live world copied in.

    The world tables (:data:`WORLD_TABLES`) are copied in foreign-key order, rows keeping
    their primary keys, in one write transaction on the drill side and one read-only
    transaction (a consistent snapshot) on the live side; nothing is written to ``live``.
    The drill's settings also record where it came from (``drill_source``) and when
    (``drill_created_at``), which is how :func:`is_drill_db` knows it. The file is created
    0600 (its owner's alone) before anything is written to it, and the staff's phones are
    copied masked (:data:`PHONE_COLUMNS`): a drill needs no one's real number.

    Parameters
    ----------
    live : Database
        The live database, SQLite or PostgreSQL, at the newest schema.
    path : Path
        Where the drill database goes; must not exist.

    Returns
    -------
    Database
        The drill database, migrated and filled (the caller disposes of it).

    Raises
    ------
    ConflictError
        ``path`` exists already.
    ValidationError
        The live database is not at the newest schema, or holds no city to copy.
    """
    path = Path(path)
    if path.exists():
        raise ConflictError(f"{path} exists already: a drill starts from a new file",
                            path=str(path))
    if not live.schema_is_current():
        raise ValidationError("the live database is not at the newest schema: open it in the "
                              "console (which migrates it) before starting a drill")
    if live.is_empty():
        raise ValidationError("the live database holds no city to copy: build the demo city "
                              "or import the grids first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(path)
        drill = Database.open(f"sqlite:///{path}")
    except FileExistsError:
        raise ConflictError(f"{path} exists already: a drill starts from a new file",
                            path=str(path)) from None
    except BaseException:
        _remove_sqlite(path)
        raise
    try:
        with live.read() as src, drill.write() as dst:
            _snapshot(src, live)
            # admin units refer to their parent unit in the same table: check every foreign
            # key at commit, when all rows are in, instead of row by row
            dst.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in Base.metadata.sorted_tables:
                if table.name not in WORLD_TABLES:
                    continue
                query = select(table).order_by(*table.primary_key.columns)
                if table.name == Setting.__tablename__:
                    query = query.where(Setting.key.not_in([DRILL_SOURCE_KEY,
                                                            DRILL_CREATED_KEY]))
                result = src.execute(query.execution_options(yield_per=_COPY_BATCH))
                phones = [c.name for c in table.columns if c.name in PHONE_COLUMNS]
                for rows in result.partitions():
                    dst.execute(insert(table), [_masked_row(r._mapping, phones)
                                                for r in rows])
            dst.execute(insert(Setting), [
                {"key": DRILL_SOURCE_KEY, "value": live.url},
                {"key": DRILL_CREATED_KEY, "value": utcnow().isoformat()}])
    except BaseException:
        drill.dispose()
        _remove_sqlite(path)
        raise
    return drill


def _create_private(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (0600), before a byte
    of the world is written to it; SQLite gives its WAL and shared-memory files the mode of
    the database file. Raises FileExistsError when ``path`` exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DRILL_FILE_MODE)
    try:
        os.fchmod(fd, DRILL_FILE_MODE)  # the umask may only take bits away: say it exactly
    finally:
        os.close(fd)


def _masked_row(row: Mapping, phones: Sequence[str]) -> dict:
    """A world row as a drill keeps it: its phone columns masked."""
    out = dict(row)
    for name in phones:
        if out.get(name):
            out[name] = mask_phone(out[name])
    return out


def _remove_sqlite(path: Path) -> None:
    """Remove a half-made SQLite database with its WAL files (a retry starts clean)."""
    for leftover in (path, path.with_name(path.name + "-wal"),
                     path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _snapshot(session: Session, db: Database) -> None:
    """Make ``session``'s reads one consistent, read-only snapshot of ``db``.

    SQLite in WAL mode gives a read transaction its snapshot at the first read; PostgreSQL
    at READ COMMITTED would give each statement its own, so a grid could arrive without the
    community it belongs to if the live city changes meanwhile."""
    if not db.is_sqlite:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                               "postgresql_readonly": True})


def is_drill_db(db: Database) -> bool:
    """Whether ``db`` is a drill database made by :func:`create_drill_db`."""
    with db.read() as s:
        return s.scalar(select(Setting.value).where(Setting.key == DRILL_SOURCE_KEY)) \
            is not None


# -- the scenario --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DrillInject:
    """One scripted event of a scenario: reported ``at_offset_s`` seconds after the start."""

    at_offset_s: float
    subcategory: str
    lon: float
    lat: float
    title: str
    description: str = ""
    channel: str = Channel.HOTLINE_12345.value
    # from a recorded scenario: where the case really went (the unit's code and level)
    recorded_unit: str = ""
    recorded_level: str = ""

    def new_case(self, at: dt.datetime) -> NewCase:
        """The event as a new case reported at ``at``."""
        # a drill database holds no resident's number, not even one written in a script
        return NewCase(channel=self.channel, subcategory=self.subcategory, lon=self.lon,
                       lat=self.lat, title=mask_personal_data(self.title),
                       description=mask_personal_data(self.description), reported_at=at)


def _inject_number(raw: object, key: str, low: float, high: float) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"{key} must be a number, got {raw!r}")
    if not math.isfinite(raw) or not low <= raw <= high:
        limits = f"{low:g} or more" if high == math.inf else f"between {low:g} and {high:g}"
        raise ValueError(f"{key} must be {limits}, got {raw!r}")
    return float(raw)


def _parse_inject(raw: object, catalogue: Catalogue) -> DrillInject:
    """One inject from its JSON object; ValueError says what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError(f"an inject is a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(INJECT_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; an inject has "
                         f"{', '.join(INJECT_KEYS)}")
    missing = [k for k in _REQUIRED_KEYS if k not in raw]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    offset = _inject_number(raw["at_offset_s"], "at_offset_s", 0, math.inf)
    lon = _inject_number(raw["lon"], "lon", -180, 180)
    lat = _inject_number(raw["lat"], "lat", -90, 90)
    strings = {}
    for key in ("subcategory", "title", "description", "channel"):
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string, got {value!r}")
        strings[key] = value.strip()
    try:
        catalogue.subcategory(strings["subcategory"])
    except ValidationError as exc:
        raise ValueError(exc.message) from None
    if not strings["title"]:
        raise ValueError("title is empty")
    if len(strings["title"]) > 200:
        raise ValueError("title is longer than 200 characters")
    channel = strings["channel"] or Channel.HOTLINE_12345.value
    if channel not in {c.value for c in Channel}:
        raise ValueError(f"unknown channel {channel!r}; one of "
                         f"{', '.join(c.value for c in Channel)}")
    return DrillInject(offset, strings["subcategory"], lon, lat, strings["title"],
                       strings["description"], channel)


def load_injects(path: Path, *, catalogue: Catalogue | None = None) -> list[DrillInject]:
    """Read a scenario's injects: a JSON list of objects, each an inject.

    Keys of an inject: ``at_offset_s`` (seconds after the drill's start, >= 0),
    ``subcategory`` (a code of the catalogue), ``lon``, ``lat`` (WGS-84), ``title``, and
    optionally ``description`` and ``channel`` (default ``hotline_12345``). Injects are
    returned in file order.

    Raises
    ------
    ValidationError
        The file cannot be read or is not such a list; or some items are bad: the message
        names every bad item (1-based, with its title when it has one) and what is wrong,
        and ``problems`` holds (item number, message) pairs.
    """
    path = Path(path)
    if path.suffix == ".cgs":
        return injects_from_scenario(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"cannot read the inject file {path}: {exc.strerror or exc}",
                              path=str(path)) from None
    except UnicodeDecodeError:
        raise ValidationError(f"the inject file {path} is not UTF-8 text",
                              path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the inject file {path} is not valid JSON: {exc.msg} at line "
                              f"{exc.lineno}, column {exc.colno}", path=str(path)) from None
    if not isinstance(doc, list):
        raise ValidationError(f"the inject file {path} must hold a JSON list of injects, "
                              f"not a {type(doc).__name__}", path=str(path))
    catalogue = catalogue or load_catalogue()
    injects, problems = [], []
    for n, raw in enumerate(doc, start=1):
        try:
            injects.append(_parse_inject(raw, catalogue))
        except ValueError as exc:
            title = raw.get("title") if isinstance(raw, dict) else None
            named = f"inject {n}" + (f" ({title.strip()!r})"
                                     if isinstance(title, str) and title.strip() else "")
            problems.append((n, f"{named}: {exc}"))
    if problems:
        raise ValidationError(f"{len(problems)} of {len(doc)} inject(s) in {path} are bad: "
                              + "; ".join(m for _, m in problems), path=str(path),
                              problems=problems)
    return injects


SCENARIO_TIME_SCALE = 60.0  # a recorded hour plays in a drill minute
SCENARIO_MAX_INJECTS = 60


def injects_from_scenario(path: Path, *, time_scale: float = SCENARIO_TIME_SCALE,
                          limit: int = SCENARIO_MAX_INJECTS) -> list[DrillInject]:
    """Injects from a recorded scenario (``.cgs``): its first ``limit`` reports, each at its
    recorded time from the scenario's first report, ``time_scale`` times faster, carrying
    the unit the case was really dispatched to, so the report can set the trainee's
    decision beside the recorded one.

    Raises
    ------
    ValidationError
        Not a scenario, or one without reports.
    """
    from models.scenarios.files import read_scenario

    scenario = read_scenario(Path(path))
    reports = [e for e in scenario.events if e["k"] == "report"][:limit]
    if not reports:
        raise ValidationError(f"the scenario {Path(path).name} has no reported case to inject",
                              path=str(path))
    dispatched: dict[object, tuple[str, str]] = {}
    wanted = {e["case"] for e in reports}
    for e in scenario.events:
        if e["k"] == "dispatch" and e.get("case") in wanted and e["case"] not in dispatched:
            dispatched[e["case"]] = (str(e.get("unit") or ""), str(e.get("level") or ""))
    t0 = reports[0]["t"]
    return [DrillInject((e["t"] - t0) / time_scale, e["sub"], float(e["lon"]), float(e["lat"]),
                        str(e.get("title") or e["sub"]),
                        channel=str(e.get("ch") or Channel.HOTLINE_12345.value),
                        recorded_unit=dispatched.get(e["case"], ("", ""))[0],
                        recorded_level=dispatched.get(e["case"], ("", ""))[1])
            for e in reports]


@dataclass(frozen=True, slots=True)
class InjectedEvent:
    """An inject that was reported into the drill, and what became of it."""

    item: DrillInject
    at: dt.datetime
    result: IntakeResult


class DrillSession:
    """Runs a scenario on a drill database: releases injects as their time comes, and
    reports them (and the trainer's own) as incoming events.

    Parameters
    ----------
    drill_db : Database
        A drill database (:func:`create_drill_db`); any other database is refused, so a
        wiring mistake cannot report made-up events into the live city.
    injects : sequence of DrillInject
        The scenario; released in order of ``at_offset_s`` (file order among equals).
    start : datetime
        When the drill started (aware).
    locate : callable, optional
        ``(lon, lat) -> grid id``; by default an index of the drill's grids, built on the
        first report.
    catalogue : Catalogue, optional

    Raises
    ------
    ValidationError
        ``drill_db`` is not a drill database, or ``start`` is naive.
    """

    def __init__(self, drill_db: Database, injects: Sequence[DrillInject], start: dt.datetime,
                 *, locate: GridLocator | None = None,
                 catalogue: Catalogue | None = None) -> None:
        if start.tzinfo is None:
            raise ValidationError("a drill's start must carry a time zone")
        if not is_drill_db(drill_db):
            raise ValidationError(f"{drill_db.url} is not a drill database: drills run on a "
                                  "copy of the world (create_drill_db), never on the live one")
        self.db = drill_db
        self.start = start
        self.injects: tuple[DrillInject, ...] = tuple(
            sorted(injects, key=lambda i: i.at_offset_s))
        self.actor = Actor.system("trainer", SystemRole.TRAINER)
        self.catalogue = catalogue or load_catalogue()
        self._locate = locate
        self._intake: IntakeService | None = None
        self._released = 0  # injects are sorted: the first ``_released`` have been handed out
        self._log: list[InjectedEvent] = []

    @property
    def ends_at(self) -> dt.datetime:
        """When the last scripted inject is due (the start for an empty scenario)."""
        last = self.injects[-1].at_offset_s if self.injects else 0.0
        return self.start + dt.timedelta(seconds=last)

    @property
    def remaining(self) -> int:
        """Scripted injects not yet released by :meth:`due`."""
        return len(self.injects) - self._released

    @property
    def injected(self) -> tuple[InjectedEvent, ...]:
        """Everything reported into the drill so far, scripted or clicked, in order."""
        return tuple(self._log)

    def due(self, now: dt.datetime) -> list[DrillInject]:
        """The injects whose time has come by ``now`` and were not released before (each is
        released once), in order.

        Raises
        ------
        ValidationError
            ``now`` is naive.
        """
        if now.tzinfo is None:
            raise ValidationError("now must carry a time zone")
        elapsed = (now - self.start).total_seconds()
        first = self._released
        while self._released < len(self.injects) and \
                self.injects[self._released].at_offset_s <= elapsed:
            self._released += 1
        return list(self.injects[first:self._released])

    def inject(self, item: DrillInject, at: dt.datetime) -> IntakeResult:
        """Report ``item`` into the drill database as reported at ``at``, as the trainer.

        Returns the new case and the open cases it may duplicate (as the intake flags them
        for a live event).

        Raises
        ------
        ValidationError
            The event is invalid (nothing is written).
        """
        new = item.new_case(at)
        intake = self._intake_service()
        duplicates = intake.duplicates_of(new)
        case_id = intake.cases.report(new).case_ids[0]
        result = IntakeResult(case_id, None, duplicates=duplicates)
        self._log.append(InjectedEvent(item, at, result))
        return result

    def inject_at(self, lon: float, lat: float, subcategory: str, title: str, *,
                  at: dt.datetime | None = None, description: str = "",
                  channel: str = Channel.HOTLINE_12345.value) -> IntakeResult:
        """The trainer's own event, placed with a click on the map, reported at ``at``
        (now by default).

        Raises
        ------
        ValidationError
            The event is invalid (unknown subcategory, no title ...); nothing is written.
        """
        at = at or utcnow()
        item = DrillInject(max(0.0, (at - self.start).total_seconds()), subcategory,
                           float(lon), float(lat), title, description, channel)
        return self.inject(item, at)

    def _intake_service(self) -> IntakeService:
        if self._intake is None:
            if self._locate is None:
                from models.world.gridindex import GridIndex

                self._locate = GridIndex.from_db(self.db, self.actor).locate
            self._intake = IntakeService(self.db, self.actor, locate=self._locate,
                                         catalogue=self.catalogue)
        return self._intake


# -- the score -----------------------------------------------------------------------------
class CaseRouter(Protocol):
    """What scoring needs of a router: :class:`routing.policy.Router` is one."""

    def route(self, grid_ids: int | None, subcategory: str) -> RoutingDecision: ...


@dataclass(frozen=True, slots=True)
class StepScore:
    """One step of a case against its deadline.

    ``completed_at`` is None for a step still open (or ended by a transfer or escalation)
    that is judged only because its deadline had passed: it is then missed.
    """

    step: str  # accept | dispatch | handle | verify
    started_at: dt.datetime
    deadline: dt.datetime
    completed_at: dt.datetime | None
    met: bool
    limit_hours: float  # the catalogue's limit, in the case's basis
    used_hours: float | None  # of the limit, until completion (None when not completed)


@dataclass(frozen=True, slots=True)
class CaseScore:
    """One case of the drill: the trainee's decision beside the policy's, and the times."""

    case_id: int
    number: str
    subcategory: str
    title: str
    status: str
    grid_id: int | None
    reported_at: dt.datetime
    accepted_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    time_to_accept_s: float | None  # report -> accept
    time_to_dispatch_s: float | None  # accept -> dispatch
    trainee_unit: str | None  # unit code(s) of the first dispatch (a split: comma-separated)
    trainee_level: str | None
    expected_unit: str | None  # what the policy decides for the case's grid and subcategory
    expected_level: str | None
    right: bool  # dispatched to the policy's unit
    rework: int
    steps: tuple[StepScore, ...]

    @property
    def judged(self) -> bool:
        """Whether the routing could be judged: dispatched, and the policy's unit known."""
        return self.trainee_unit is not None and self.expected_unit is not None

    @property
    def wrong(self) -> bool:
        """Dispatched, but not where the policy sends it."""
        return self.judged and not self.right

    @property
    def deadlines_met(self) -> int:
        return sum(1 for s in self.steps if s.met)

    @property
    def deadlines_missed(self) -> int:
        return sum(1 for s in self.steps if not s.met)


@dataclass(frozen=True, slots=True)
class ScorePart:
    """One indicator's share of the total score."""

    indicator: str  # routing | deadlines | speed | rework
    weight: float  # nominal points out of 100 (:data:`WEIGHTS`)
    value: float | None  # 0..1; None when nothing in the drill could be judged on it
    max_points: float  # its weight, scaled up when other indicators were not judged
    points: float


@dataclass(frozen=True, slots=True)
class DrillScore:
    """The score of a drill: indicators overall, the total, and one row per case."""

    scored_at: dt.datetime
    since: dt.datetime | None
    policy: str | None  # the routing policy judged against (None: routing not judged)
    cases: int
    accepted: int
    dispatched: int
    mean_time_to_accept_s: float | None
    mean_time_to_dispatch_s: float | None
    routing_right: int
    routing_wrong: int
    deadlines_met: int
    deadlines_missed: int
    rework: int  # verification failures and reopenings, over all cases
    reworked_cases: int
    verified_cases: int  # cases that reached a verification decision
    parts: tuple[ScorePart, ...]
    total: float  # 0..100
    rows: tuple[CaseScore, ...]

    @property
    def routing_accuracy(self) -> float | None:
        judged = self.routing_right + self.routing_wrong
        return self.routing_right / judged if judged else None

    @property
    def deadline_rate(self) -> float | None:
        judged = self.deadlines_met + self.deadlines_missed
        return self.deadlines_met / judged if judged else None


@dataclass
class _Walk:
    """What a case's history says, walked in order."""

    reported_at: dt.datetime
    accepted_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    first_dispatch: dict | None = None
    split: bool = False
    verified: bool = False


def _walk_history(rows: Sequence[CaseHistory], reported_at: dt.datetime, limits: TimeLimits,
                  calendar: WorkingCalendar, now: dt.datetime
                  ) -> tuple[_Walk, list[StepScore]]:
    """Replay a case's history: each step's start, deadline and end, as the loop set them
    (the deadline from the catalogue's limit in the case's basis when the step started,
    moved on by extensions and by the time a suspension credited)."""
    basis = limits.basis
    walk = _Walk(reported_at)
    steps: list[StepScore] = []
    step: str | None = None
    start = deadline = paused_at = None

    def begin(name: str | None, at: dt.datetime) -> None:
        nonlocal step, start, deadline
        step, start = name, at
        deadline = step_deadline(at, limits.hours(name), basis, calendar) if name else None

    def end(at: dt.datetime, completed: bool) -> None:
        if step is None or deadline is None:
            return
        if completed:
            used = elapsed_hours(start, at, basis, calendar)
            steps.append(StepScore(step, start, deadline, at, at <= deadline,
                                   limits.hours(step), used))
        elif at > deadline:  # not completed, but overdue by then: missed
            steps.append(StepScore(step, start, deadline, None, False, limits.hours(step),
                                   None))

    for h in rows:
        action, data = h.action, h.data or {}
        if action == "report":
            walk.reported_at = h.at
            begin(STEP_OF[CaseStatus.REPORTED.value], h.at)
            continue
        if action == "extend":
            if deadline is not None:
                deadline = step_deadline(deadline, float(data.get("hours", 0.0)), basis,
                                         calendar)
            continue
        if action == "suspend":
            paused_at = h.at
            continue
        if action == "resume":
            credit = float(data.get("credited_hours", 0.0))
            if deadline is not None and credit > 0:
                deadline = step_deadline(deadline, credit, basis, calendar)
            paused_at = None
            continue
        if action == "accept" and walk.accepted_at is None:
            walk.accepted_at = h.at
        if action in ("dispatch", "split") and walk.dispatched_at is None:
            walk.dispatched_at = h.at
            walk.first_dispatch = data
            walk.split = action == "split"
        if action in ("verify_pass", "verify_fail"):
            walk.verified = True
        restart = action in _RESTARTS
        if not restart and (action == "start" or h.from_status == h.to_status):
            continue  # the step goes on (starting work, a request, a duplicate merged in)
        end(h.at, completed=not restart)
        to = CaseStatus(h.to_status)
        if action == "split":
            begin(None, h.at)  # the parent waits for its child tasks, without a clock
        elif to in _OPEN:
            begin(STEP_OF[to.value], h.at)
        else:
            begin(None, h.at)
    if paused_at is None:
        end(now, completed=False)  # an open step counts once its deadline has passed
    return walk, steps


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def score_drill(drill_db: Database, *, router: CaseRouter | None = None,
                since: dt.datetime | None = None, now: dt.datetime | None = None,
                recorded: Mapping[int, tuple[str, str]] | None = None,
                catalogue: Catalogue | None = None,
                calendar: WorkingCalendar | None = None) -> DrillScore:
    """Score a drill from its database's case history, on the city's own indicators.

    Each case reported into the drill (child tasks of a split count with their parent) is
    scored on:

    * **time to accept** (report -> accept) and **time to dispatch** (accept -> dispatch),
      from the history's timestamps;
    * **routing**: the unit of the first dispatch (or the units of a split) against the
      unit ``router.route(grid, subcategory)`` decides under its policy; right when they
      are the same unit (which fixes the level too);
    * **deadlines**: every step (accept, dispatch, handle, verify) completed by its
      deadline is met, one completed later is missed; a step still open (or ended by a
      transfer or escalation) counts as missed once its deadline has passed by ``now``,
      and is not judged before. Deadlines are recomputed from the history as the loop sets
      them: the catalogue's limit from the step's start, in the case's basis (working or
      calendar hours), moved on by extensions and by suspensions;
    * **rework**: verification failures and reopenings (``rework_count``).

    The total (0-100) weighs four indicators, each a value from 0 to 1:

    ========= ====== =======================================================================
    indicator weight value
    ========= ====== =======================================================================
    routing   40     share of judged dispatches that went to the policy's unit
    deadlines 30     share of judged steps that met their deadline
    speed     20     mean over completed accept and dispatch steps of the share of the
                     step's limit left at completion (1 - used / limit, at least 0)
    rework    10     share of cases that reached a verification decision without rework
    ========= ====== =======================================================================

    An indicator with nothing to judge (no router, nothing dispatched, nothing verified
    yet ...) is left out and the others' weights are scaled up to 100; with nothing to
    judge at all the total is 0.

    Parameters
    ----------
    drill_db : Database
    router : CaseRouter, optional
        Usually ``Router(EscalationGraph.from_db(drill_db))``; without one routing is not
        judged (``expected_unit`` is None for every case).
    since : datetime, optional
        Only cases reported at or after this time (the drill's start).
    now : datetime, optional
        When the drill is scored (for steps still open); the current time by default.
    recorded : mapping, optional
        case id -> (unit code, level) the case was really dispatched to (injects from a
        recorded scenario); for those cases the trainee is judged against the recorded
        decision rather than the policy's.
    catalogue, calendar : optional
        The shipped ones by default.

    Raises
    ------
    ValidationError
        ``now`` or ``since`` is naive.
    """
    now = now or utcnow()
    if now.tzinfo is None or (since is not None and since.tzinfo is None):
        raise ValidationError("now and since must carry a time zone")
    catalogue = catalogue or load_catalogue()
    calendar = calendar or load_calendar()
    with drill_db.read() as s:
        cases = s.scalars(select(Case).where(Case.parent_case_id.is_(None))
                          .order_by(Case.id)).all()
        history: dict[int, list[CaseHistory]] = {}
        for h in s.scalars(select(CaseHistory).where(CaseHistory.case_id.in_(
                select(Case.id).where(Case.parent_case_id.is_(None))))
                .order_by(CaseHistory.case_id, CaseHistory.id)):  # in the order written
            history.setdefault(h.case_id, []).append(h)
        children: dict[int, list[tuple[str, str]]] = {}
        for parent, code, level in s.execute(
                select(Case.parent_case_id, AdminUnit.code, AdminUnit.level)
                .join(AdminUnit, AdminUnit.id == Case.assigned_unit_id)
                .where(Case.parent_case_id.is_not(None)).order_by(Case.id)):
            children.setdefault(parent, []).append((code, level.value))
    rows: list[CaseScore] = []
    verified = reworked = 0
    policy: str | None = None
    for case in cases:
        limits = limits_for(case.catalogue_version, case.subcategory, catalogue)
        walk, steps = _walk_history(history.get(case.id, []), case.reported_at, limits,
                                    calendar, now)
        if since is not None and walk.reported_at < since:
            continue
        trainee_units: list[tuple[str, str]] = []
        if walk.split:
            trainee_units = children.get(case.id, [])
        elif walk.first_dispatch is not None and walk.first_dispatch.get("unit"):
            trainee_units = [(str(walk.first_dispatch["unit"]),
                              str(walk.first_dispatch.get("level") or ""))]
        expected: RoutingDecision | None = None
        if router is not None:
            try:
                expected = router.route(case.grid_id, case.subcategory)
            except CityGridError:
                expected = None  # an unknown grid or an older catalogue's item: not judged
        if expected is not None:
            policy = expected.policy
        if recorded and recorded.get(case.id, ("", ""))[0]:
            # an inject from a recorded scenario: the real dispatcher's decision
            unit, level = recorded[case.id]
            expected = RoutingDecision(0, unit, level, None, None, "recorded",
                                       ("the decision recorded in the scenario",))
        codes = [code for code, _ in trainee_units]
        rows.append(CaseScore(
            case.id, case.number, case.subcategory, case.title, case.status.value,
            case.grid_id, walk.reported_at, walk.accepted_at, walk.dispatched_at,
            (walk.accepted_at - walk.reported_at).total_seconds()
            if walk.accepted_at else None,
            (walk.dispatched_at - walk.accepted_at).total_seconds()
            if walk.dispatched_at and walk.accepted_at else None,
            ", ".join(codes) or None,
            ", ".join(dict.fromkeys(lv for _, lv in trainee_units)) or None,
            expected.unit_code if expected else None, expected.level if expected else None,
            bool(expected and expected.unit_code in codes), case.rework_count, tuple(steps)))
        verified += walk.verified
        reworked += walk.verified and case.rework_count > 0
    rows.sort(key=lambda r: (r.reported_at, r.case_id))
    return _total(rows, now, since, policy, verified, reworked)


def _total(rows: list[CaseScore], now: dt.datetime, since: dt.datetime | None,
           policy: str | None, verified: int, reworked: int) -> DrillScore:
    right = sum(r.right for r in rows if r.judged)
    wrong = sum(r.wrong for r in rows)
    met = sum(r.deadlines_met for r in rows)
    missed = sum(r.deadlines_missed for r in rows)
    speeds = [max(0.0, 1.0 - s.used_hours / s.limit_hours) for r in rows for s in r.steps
              if s.step in ("accept", "dispatch") and s.used_hours is not None
              and s.limit_hours > 0]
    values = {
        "routing": right / (right + wrong) if right + wrong else None,
        "deadlines": met / (met + missed) if met + missed else None,
        "speed": _mean(speeds),
        "rework": (verified - reworked) / verified if verified else None,
    }
    judged_weight = sum(w for name, w in WEIGHTS if values[name] is not None)
    parts = []
    for name, weight in WEIGHTS:
        value = values[name]
        share = 100.0 * weight / judged_weight if value is not None else 0.0
        parts.append(ScorePart(name, weight, value, share, share * (value or 0.0)))
    return DrillScore(
        scored_at=now, since=since, policy=policy, cases=len(rows),
        accepted=sum(r.accepted_at is not None for r in rows),
        dispatched=sum(r.dispatched_at is not None for r in rows),
        mean_time_to_accept_s=_mean(r.time_to_accept_s for r in rows),
        mean_time_to_dispatch_s=_mean(r.time_to_dispatch_s for r in rows),
        routing_right=right, routing_wrong=wrong, deadlines_met=met, deadlines_missed=missed,
        rework=sum(r.rework for r in rows), reworked_cases=reworked, verified_cases=verified,
        parts=tuple(parts), total=round(sum(p.points for p in parts), 1), rows=tuple(rows))


__all__ = ["CaseRouter", "CaseScore", "DrillInject", "DrillScore", "DrillSession",
           "EVENT_TABLES", "InjectedEvent", "ScorePart", "StepScore", "WEIGHTS",
           "WORLD_TABLES", "create_drill_db", "is_drill_db", "load_injects",
           "score_drill"]
