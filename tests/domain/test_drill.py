"""Training drills: the copy of the world, injects, scoring, and a live database left alone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import MetaData, select, text, update

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.core.auth import Actor, SystemRole, mask_phone
from models.core.errors import ConflictError, ValidationError
from models.drills.injects import DrillInject, load_injects
from models.drills.scoring import WEIGHTS, score_drill
from models.drills.session import DrillSession
from models.drills.world import (
    DRILL_CREATED_KEY,
    DRILL_SOURCE_KEY,
    EVENT_TABLES,
    WORLD_TABLES,
    create_drill_db,
    is_drill_db,
)
from models.storage.db import Database
from models.storage.schema import Base, Case, CaseHistory, Setting, StaffRole
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.citykit import make_tiny_city
from tests.freshloop import FreshLoop

T0 = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Changsha
MIN = dt.timedelta(minutes=1)
# points inside the tiny city's grids 1, 2 and 3 (see tests/citykit.py)
IN_GRID = [(112.9825, 28.1875), (112.9875, 28.1875), (112.9825, 28.1825)]


def dump(db: Database) -> dict[str, list[tuple]]:
    """Every table's rows (reflected, so nothing the ORM knows is left out), ordered by
    primary key; on PostgreSQL also every sequence's position (a rolled-back insert still
    moves one)."""
    meta = MetaData()
    meta.reflect(bind=db.engine)
    out: dict[str, list[tuple]] = {}
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        if not db.is_sqlite:
            out["<sequences>"] = [tuple(r) for r in conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() ORDER BY sequencename"))]
    return out


def world_rows(db: Database) -> dict[str, list[tuple]]:
    """The world tables' rows through the ORM's tables (the same types on both backends)."""
    out = {}
    with db.read() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in WORLD_TABLES:
                q = select(table).order_by(*table.primary_key.columns)
                if table.name == "meta":
                    q = q.where(Setting.key.not_in([DRILL_SOURCE_KEY, DRILL_CREATED_KEY]))
                out[table.name] = [tuple(r) for r in s.execute(q)]
    return out


@pytest.fixture
def drill(tiny_city, tmp_path) -> Database:
    """A drill made from the tiny city, live on each backend."""
    database = create_drill_db(tiny_city.db, tmp_path / "drill" / "drill.sqlite3")
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def sqlite_drill(sqlite_url, tmp_path):
    """A drill of the tiny city, live on SQLite only (for tests the backend cannot change)."""
    live = Database.open(sqlite_url)
    city = make_tiny_city(live)
    database = create_drill_db(live, tmp_path / "drill.sqlite3")
    try:
        yield database, city
    finally:
        database.dispose()
        live.dispose()


def dispatcher(city) -> Actor:
    return Actor("调度员", StaffRole.DISPATCHER, staff_id=city.staff["dispatcher"])


def manager(city) -> Actor:
    return Actor("网格长", StaffRole.MANAGER, staff_id=city.staff["manager"])


# -- the copy of the world ---------------------------------------------------------------
def test_every_table_is_world_or_event() -> None:
    """A new table must be classified, or drills would silently leave it behind."""
    assert not set(WORLD_TABLES) & set(EVENT_TABLES)
    assert set(Base.metadata.tables) == set(WORLD_TABLES) | set(EVENT_TABLES)


def test_drill_copies_the_world(tiny_city, tmp_path) -> None:
    live = tiny_city.db
    with live.write() as s:  # a setting and a case in the live city: only the first is world
        s.add(Setting(key="dataset", value="tiny"))
    CaseService(live, Actor.system("feed", SystemRole.FEED)).report(NewCase(
        "hotline_12345", "C03", *IN_GRID[0], "垃圾"))
    drill = create_drill_db(live, tmp_path / "drills" / "copy.sqlite3")
    try:
        expected = world_rows(live)
        phone = [c.name for c in Base.metadata.tables["staff"].columns].index("phone")
        expected["staff"] = [(*r[:phone], mask_phone(r[phone]), *r[phone + 1:])
                             for r in expected["staff"]]  # a drill keeps staff phones masked
        assert world_rows(drill) == expected
        assert expected["admin_unit"] and expected["grid"] and expected["staff"]
        assert ("dataset", "tiny") in expected["meta"]
        copied = dump(drill)
        for name in EVENT_TABLES:
            assert copied.get(name, []) == [], name
        assert is_drill_db(drill) and not is_drill_db(live)
        with drill.read() as s:
            source = s.scalar(select(Setting.value).where(Setting.key == DRILL_SOURCE_KEY))
        assert source == live.url
        assert drill.schema_is_current()
    finally:
        drill.dispose()


def test_drill_refuses_an_existing_file_and_an_empty_city(db, tmp_path) -> None:
    taken = tmp_path / "taken.sqlite3"
    taken.write_bytes(b"")
    with pytest.raises(ConflictError, match="exists already"):
        create_drill_db(db, taken)
    assert taken.read_bytes() == b""
    with pytest.raises(ValidationError, match="no city to copy"):
        create_drill_db(db, tmp_path / "new.sqlite3")
    assert not (tmp_path / "new.sqlite3").exists()


def test_a_session_refuses_the_live_database(tiny_city) -> None:
    with pytest.raises(ValidationError, match="not a drill database"):
        DrillSession(tiny_city.db, [], T0)


def test_a_drill_leaves_the_live_database_untouched(tiny_city, tmp_path) -> None:
    live = tiny_city.db
    before = dump(live)
    drill = create_drill_db(live, tmp_path / "drill.sqlite3")
    try:
        start = dt.datetime.now(dt.UTC)
        session = DrillSession(drill, [
            DrillInject(0, "M01", *IN_GRID[0], "仓库冒烟", "12345 来电"),
            DrillInject(30, "C04", *IN_GRID[1], "井盖缺失")], start)
        for item in session.due(start + dt.timedelta(seconds=60)):
            session.inject(item, start)
        clicked = session.inject_at(*IN_GRID[2], "M03", "路口积水")
        router = Router(EscalationGraph.from_db(drill))
        loop = FreshLoop(CaseLoop(drill, dispatcher(tiny_city)))
        for event in session.injected:
            case_id = event.result.case_id
            loop.accept(case_id)
            with drill.read() as s:
                grid, sub = s.execute(select(Case.grid_id, Case.subcategory)
                                      .where(Case.id == case_id)).one()
            loop.dispatch(case_id, router.route(grid, sub))
        score = score_drill(drill, router=router)
        assert score.cases == 3 and score.dispatched == 3 and score.routing_right == 3
        assert clicked.case_id in {r.case_id for r in score.rows}
    finally:
        drill.dispose()
    after = dump(live)
    assert after == before
    assert after["case_"] == [] and after["case_history"] == []


# -- the scenario ---------------------------------------------------------------------------
def test_due_releases_each_inject_once(sqlite_drill) -> None:
    drill, _ = sqlite_drill
    items = [DrillInject(300, "C03", *IN_GRID[0], "d"), DrillInject(0, "C03", *IN_GRID[0], "a"),
             DrillInject(60, "C04", *IN_GRID[0], "b"), DrillInject(60, "C05", *IN_GRID[0], "c")]
    session = DrillSession(drill, items, T0)
    assert session.due(T0 - dt.timedelta(seconds=1)) == []
    assert [i.title for i in session.due(T0)] == ["a"]
    assert session.due(T0) == []
    assert [i.title for i in session.due(T0 + MIN)] == ["b", "c"]
    assert session.due(T0 + MIN) == [] and session.remaining == 1
    assert [i.title for i in session.due(T0 + 60 * MIN)] == ["d"]
    assert session.due(T0 + 120 * MIN) == [] and session.remaining == 0
    assert session.ends_at == T0 + 5 * MIN
    with pytest.raises(ValidationError, match="time zone"):
        session.due(T0.replace(tzinfo=None))


def test_inject_reports_as_the_trainer(sqlite_drill) -> None:
    drill, city = sqlite_drill
    session = DrillSession(drill, [], T0)
    first = session.inject(DrillInject(0, "M01", *IN_GRID[1], "仓库冒烟"), T0)
    again = session.inject_at(IN_GRID[1][0] + 0.0001, IN_GRID[1][1], "M01", "又有人报火情",
                              at=T0 + MIN)
    assert again.duplicates == (first.case_id,)  # flagged as the intake flags a live call
    with drill.read() as s:
        case = s.get(Case, first.case_id)
        assert case.grid_id == city.grids[1] and case.reported_at == T0
        assert case.channel.value == "hotline_12345"
        roles = set(s.scalars(select(CaseHistory.actor_role)))
    assert roles == {"trainer"}
    assert [e.item.title for e in session.injected] == ["仓库冒烟", "又有人报火情"]
    with pytest.raises(ValidationError, match="unknown subcategory"):
        session.inject_at(*IN_GRID[0], "X99", "?")


INJECT = {"at_offset_s": 0, "subcategory": "M01", "lon": 112.98, "lat": 28.19, "title": "火情"}


def test_load_injects_reads_a_scenario(tmp_path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps([INJECT, {**INJECT, "at_offset_s": 90.5, "title": "积水",
                                         "subcategory": "M03", "description": "路口",
                                         "channel": "snap"}], ensure_ascii=False),
                    encoding="utf-8")
    first, second = load_injects(path)
    assert first == DrillInject(0.0, "M01", 112.98, 28.19, "火情")
    assert first.channel == "hotline_12345"
    assert second == DrillInject(90.5, "M03", 112.98, 28.19, "积水", "路口", "snap")


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the inject file"),
    ("[{]", "not valid JSON: .* line 1, column 3"),
    ('{"injects": []}', "must hold a JSON list of injects, not a dict"),
    ([INJECT, 5], r"inject 2: an inject is a JSON object, got int"),
    ([{**INJECT, "when": 3}], r"inject 1 \('火情'\): unknown key\(s\) when"),
    ([INJECT, {"title": "没位置"}], r"inject 2 \('没位置'\): missing at_offset_s, subcategory"),
    ([{**INJECT, "subcategory": "Z09"}], "inject 1 .*unknown subcategory 'Z09'"),
    ([{**INJECT, "lon": 200}], "inject 1 .*lon must be between -180 and 180, got 200"),
    ([{**INJECT, "at_offset_s": -5}], "at_offset_s must be 0 or more, got -5"),
    ([{**INJECT, "at_offset_s": True}], "at_offset_s must be a number, got True"),
    ([{**INJECT, "lat": "28.1"}], "lat must be a number, got '28.1'"),
    ([{**INJECT, "title": " "}], r"inject 1: title is empty"),
    ([{**INJECT, "channel": "fax"}], "unknown channel 'fax'"),
])
def test_bad_inject_files_say_what_is_wrong(tmp_path, content, message) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content if isinstance(content, str)
                        else json.dumps(content, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        load_injects(path)


def test_every_bad_inject_is_named(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([INJECT, {**INJECT, "lat": 95}, INJECT, {"title": 3}]),
                    encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_injects(path)
    assert caught.value.message.startswith("2 of 4 inject(s)")
    assert [n for n, _ in caught.value.details["problems"]] == [2, 4]


# -- the score ------------------------------------------------------------------------------
def retime(drill: Database, case_id: int, times: list[dt.datetime]) -> None:
    """Give a case's history rows (in the order they were written) hand-made times."""
    with drill.write() as s:
        ids = s.scalars(select(CaseHistory.id).where(CaseHistory.case_id == case_id)
                        .order_by(CaseHistory.id)).all()
        assert len(ids) == len(times)
        for i, at in zip(ids, times, strict=True):
            s.execute(update(CaseHistory).where(CaseHistory.id == i).values(at=at))


def hand_made_drill(drill: Database, city) -> tuple[Router, list[int]]:
    """Three class A events (15 min to accept, 30 to dispatch, 4 h to handle, 2 h to verify):

    * A, a fire: accepted after 5 min, dispatched 10 min later where the policy says,
      handled, failed verification once (rework), handled again, verified: every deadline met;
    * B, a gas leak: accepted after 20 min and dispatched 45 min later (both late), to the
      wrong unit; still being handled when scored;
    * C, a flood: never accepted (its accept deadline passed).
    """
    session = DrillSession(drill, [], T0)
    a, b, c = (session.inject(DrillInject(0, sub, *where, title), T0).case_id
               for sub, where, title in (("M01", IN_GRID[0], "火情"),
                                         ("M02", IN_GRID[1], "燃气泄漏"),
                                         ("M03", IN_GRID[2], "内涝积水")))
    router = Router(EscalationGraph.from_db(drill))
    loop = FreshLoop(CaseLoop(drill, dispatcher(city)))
    worker = FreshLoop(CaseLoop(drill, manager(city)))
    loop.accept(a)
    loop.dispatch(a, router.route(city.grids[0], "M01"))
    worker.start(a)
    worker.feedback(a, "已扑灭")
    worker.verify(a, False, "仍有烟")
    worker.feedback(a, "彻底扑灭")
    worker.verify(a, True)
    retime(drill, a, [T0, T0 + 5 * MIN, T0 + 15 * MIN, T0 + 20 * MIN, T0 + 60 * MIN,
                      T0 + 90 * MIN, T0 + 120 * MIN, T0 + 150 * MIN])
    expected_b = router.route(city.grids[1], "M02")
    other = next(u for u in (city.city, city.district, city.street, city.community)
                 if u != expected_b.unit_id)
    loop.accept(b)
    loop.dispatch(b, router.override(other, "emergency", "trainee", "drill: a wrong choice"))
    retime(drill, b, [T0, T0 + 20 * MIN, T0 + 65 * MIN])
    retime(drill, c, [T0])
    return router, [a, b, c]


def test_score_of_a_hand_made_drill(drill, tiny_city) -> None:
    router, (a, b, c) = hand_made_drill(drill, tiny_city)
    score = score_drill(drill, router=router, now=T0 + 180 * MIN)
    rows = {r.case_id: r for r in score.rows}
    ra, rb, rc = rows[a], rows[b], rows[c]
    assert (ra.time_to_accept_s, ra.time_to_dispatch_s) == (300.0, 600.0)
    assert (rb.time_to_accept_s, rb.time_to_dispatch_s) == (1200.0, 2700.0)
    assert (rc.time_to_accept_s, rc.time_to_dispatch_s) == (None, None)
    assert ra.right and ra.trainee_unit == ra.expected_unit and not ra.wrong
    assert not rb.right and rb.wrong and rb.trainee_unit != rb.expected_unit
    assert rb.expected_unit == router.route(tiny_city.grids[1], "M02").unit_code
    assert not rc.judged and not rc.right and rc.trainee_unit is None
    assert [(s.step, s.met) for s in ra.steps] == [
        ("accept", True), ("dispatch", True), ("handle", True), ("verify", True),
        ("handle", True), ("verify", True)]
    assert ra.steps[2].deadline == T0 + 15 * MIN + dt.timedelta(hours=4)
    assert [(s.step, s.met) for s in rb.steps] == [("accept", False), ("dispatch", False)]
    assert rb.steps[1].deadline == T0 + 50 * MIN  # 30 min from the accept at 20 min
    assert [(s.step, s.met, s.completed_at) for s in rc.steps] == [("accept", False, None)]
    assert (ra.rework, rb.rework, rc.rework) == (1, 0, 0)
    assert (score.cases, score.accepted, score.dispatched) == (3, 2, 2)
    assert score.mean_time_to_accept_s == 750.0 and score.mean_time_to_dispatch_s == 1650.0
    assert (score.routing_right, score.routing_wrong, score.routing_accuracy) == (1, 1, 0.5)
    assert (score.deadlines_met, score.deadlines_missed) == (6, 3)
    assert (score.rework, score.reworked_cases, score.verified_cases) == (1, 1, 1)
    assert score.policy == "default-2026"
    parts = {p.indicator: p for p in score.parts}
    assert parts["speed"].value == pytest.approx(1 / 3)  # (2/3 + 2/3 + 0 + 0) / 4
    assert parts["rework"].value == 0.0
    # 40 x 1/2 + 30 x 6/9 + 20 x 1/3 + 10 x 0
    assert score.total == 46.7
    assert [r.case_id for r in score.rows] == [a, b, c]


def test_score_without_a_router_leaves_routing_out(drill, tiny_city) -> None:
    hand_made_drill(drill, tiny_city)
    score = score_drill(drill, now=T0 + 180 * MIN)
    assert score.policy is None and score.routing_accuracy is None
    assert all(r.expected_unit is None and not r.judged for r in score.rows)
    parts = {p.indicator: p for p in score.parts}
    assert parts["routing"].value is None and parts["routing"].points == 0.0
    assert sum(p.max_points for p in score.parts) == pytest.approx(100.0)
    # the other weights scaled to 100: 50 x 6/9 + 33.3 x 1/3 + 16.7 x 0
    assert score.total == 44.4


def test_score_before_deadlines_and_since(drill, tiny_city) -> None:
    router, (_a, _b, c) = hand_made_drill(drill, tiny_city)
    early = score_drill(drill, router=router, now=T0 + 10 * MIN)
    assert [(s.step, s.met) for s in next(r for r in early.rows if r.case_id == c).steps] == []
    assert score_drill(drill, router=router, since=T0 + MIN).cases == 0
    empty = score_drill(drill, router=router, since=T0 + MIN)
    assert empty.total == 0.0 and all(p.value is None for p in empty.parts)
    assert sum(w for _, w in WEIGHTS) == 100
