"""Scenarios: recording, the file format, seeking, replaying, indicators, policies."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import numpy as np
import pytest

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.cases.table import STATUS_CODES
from models.core.errors import ValidationError
from models.scenarios.files import ScenarioHeader, export_scenario, read_scenario, write_scenario
from models.scenarios.replay import Replay
from models.storage.schema import StaffRole
from routing.scenarios import compare_policies, record_simulation
from tests.factories import city_actor, copy_demo_city
from tests.freshloop import FreshLoop

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(demo_city_file, tmp_path_factory):
    db = copy_demo_city(demo_city_file[0], tmp_path_factory.mktemp("demo") / "demo.sqlite3")
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def tianxin(demo, tmp_path_factory):
    path = tmp_path_factory.mktemp("scn") / "tianxin.cgs"
    record_simulation(demo, path, district="430103", days=2, seed=5, start=START)
    return path


def test_a_recorded_period_has_every_case_around_the_loop(tianxin) -> None:
    scn = read_scenario(tianxin)
    h = scn.header
    assert (h.district, h.seed, h.source, h.policy) == ("430103", 5, "simulation",
                                                        "default-2026")
    assert h.end - h.start == 2 * 86400
    times = [e["t"] for e in scn.events]
    assert times == sorted(times)
    reports = [e for e in scn.events if e["k"] == "report"]
    # Tianxin: about 262 events a day
    assert 400 < len(reports) < 650
    assert all(e["grid"].startswith("430103") for e in reports)
    by_case: dict[int, list[str]] = {}
    for e in scn.events:
        if "s" in e:
            by_case.setdefault(e["case"], []).append(e["k"])
    open_ended = 0
    for kinds in by_case.values():
        assert kinds[:4] == ["report", "accept", "dispatch", "start"]
        if kinds == ["report", "accept", "dispatch", "start"]:
            open_ended += 1  # a case the report would not close: it stays in handling
            continue
        assert kinds[-2:] == ["verify", "assess"]
        assert kinds.count("feedback") == kinds.count("verify_fail") + 1
    # the report closes 98.51 %: a few of some 520 cases stay open
    assert 0 < open_ended < 0.04 * len(by_case)
    dispatches = [e for e in scn.events if e["k"] == "dispatch"]
    assert {e["level"] for e in dispatches} <= {"community", "street", "district", "city"}
    assert all(e["unit"] for e in dispatches)
    assert any(e["k"] == "position" for e in scn.events)


def test_recording_is_deterministic_from_the_seed(demo, tianxin, tmp_path) -> None:
    again = tmp_path / "again.cgs"
    record_simulation(demo, again, district="430103", days=2, seed=5, start=START)
    assert read_scenario(again).events == read_scenario(tianxin).events
    other = tmp_path / "other.cgs"
    record_simulation(demo, other, district="430103", days=2, seed=6, start=START)
    assert read_scenario(other).events != read_scenario(tianxin).events


def test_seeking_gives_the_state_replaying_reaches(tianxin) -> None:
    replay = Replay(read_scenario(tianxin))
    moments = [replay.start + h * 3600 for h in (0.5, 7, 20, 36, 47.9)] + [replay.end]
    expected = {}
    status = np.full(replay.n_cases, -1)

    def on_event(k: int) -> None:
        status[replay.ev_case[k]] = replay.ev_status[k]
        for t in moments:
            if replay.ev_t[k] <= t and (k + 1 == len(replay.ev_t)
                                        or replay.ev_t[k + 1] > t):
                expected[t] = status.copy()

    replay.run(on_event=on_event)
    for t in moments:
        state = replay.state_at(t)
        seen = expected[t] >= 0
        assert state.events_applied == replay.events_until(t)
        assert list(state.table.ids) == list(replay.case_keys[seen])
        assert list(state.table.status) == list(expected[t][seen])
    # seeking backwards is the same as seeking there first
    early = replay.state_at(moments[1])
    replay.state_at(moments[-1])
    again = replay.state_at(moments[1])
    assert list(again.table.status) == list(early.table.status)
    # the next event after a moment
    t = replay.next_event_after(moments[0])
    assert t is not None and t > moments[0] and replay.events_until(t) > \
        replay.events_until(moments[0])


def test_the_indicators_of_a_replay_and_of_a_seek_agree(tianxin) -> None:
    replay = Replay(read_scenario(tianxin))
    ran = replay.run()
    seeked = replay.indicators()
    assert ran.as_dict() | {"replay_s": 0} == seeked.as_dict() | {"replay_s": 0}
    assert ran.events == replay.n_cases and ran.closed + ran.open == replay.n_cases
    # the cases the plan does not close are still open (in handling) at the end
    handling = STATUS_CODES.index("handling")
    assert ran.open == int((replay.state_at(replay.end).table.status == handling).sum()) > 0
    assert ran.closure_rate == pytest.approx(ran.closed / ran.events)
    assert 0.96 < ran.closure_rate < 1
    shares = ran.category_share
    assert list(shares) == ["party", "city", "security", "environment", "emergency", "other"]
    assert sum(shares.values()) == pytest.approx(1)
    assert shares["city"] == pytest.approx(
        sum(1 for c in replay.category if c == 1) / replay.n_cases)
    assert 0 < ran.closed_on_time_rate <= 1
    assert ran.rework == sum(1 for k in replay.ev_kind if k == "verify_fail")
    # half way through, some cases are still open
    mid = replay.indicators(replay.start + 86400)
    assert mid.open > 0 and mid.events < ran.events


def test_policies_side_by_side(demo, tianxin) -> None:
    replay = Replay(read_scenario(tianxin))
    table = compare_policies(replay, demo, ["default-2026", "street-first"])
    recorded, street_first = table["default-2026"], table["street-first"]
    # the recording was routed by default-2026: nothing would go elsewhere
    assert recorded["other_unit_than_recorded"] == 0.0
    assert street_first["to_community"] == 0.0 and recorded["to_community"] > 0.2
    assert street_first["other_unit_than_recorded"] > 0.2
    assert sum(street_first[f"to_{lv}"] for lv in ("community", "street", "district",
                                                     "city")) == pytest.approx(1.0)


def test_bad_scenario_files_are_refused_clearly(tmp_path, tianxin) -> None:
    plain = tmp_path / "plain.cgs"
    plain.write_text("hello")
    with pytest.raises(ValidationError, match="cannot be read"):
        read_scenario(plain)
    other = tmp_path / "other.cgs"
    with gzip.open(other, "wt") as f:
        f.write(json.dumps({"format": "something-else"}) + "\n")
    with pytest.raises(ValidationError, match="not a CityGrid scenario"):
        read_scenario(other)
    newer = tmp_path / "newer.cgs"
    write_scenario(newer, ScenarioHeader("x", 0, 1, version=99), [])
    with pytest.raises(ValidationError, match="format version 99"):
        read_scenario(newer)
    cut = tmp_path / "cut.cgs"
    data = tianxin.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValidationError, match=r"cut short|damaged"):
        read_scenario(cut)
    with pytest.raises(ValidationError, match="no scenario file"):
        read_scenario(tmp_path / "missing.cgs")


def test_a_slice_of_the_database_log_replays_to_the_database_state(tiny_city,
                                                                  tmp_path) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    cases = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0])
    ids = [cases.report(NewCase(channel="hotline_12345", subcategory=sub, lon=112.981,
                                lat=28.189, title=f"case {sub}")).case_ids[0]
           for sub in ("C01", "C03", "S01")]
    loop = FreshLoop(CaseLoop(tiny_city.db, dispatcher))
    loop.accept(ids[0])
    loop.accept(ids[1])
    loop.reject(ids[2], "duplicate")
    path = tmp_path / "log.cgs"
    now = dt.datetime.now(dt.UTC)
    export_scenario(tiny_city.db, dispatcher, path, now - dt.timedelta(hours=1),
                    now + dt.timedelta(minutes=1))
    replay = Replay(read_scenario(path))
    state = replay.state_at(now + dt.timedelta(minutes=1))
    got = {int(i): STATUS_CODES[s] for i, s in zip(state.table.ids, state.table.status,
                                                    strict=True)}
    assert got == {ids[0]: "accepted", ids[1]: "accepted", ids[2]: "rejected"}
    scn = read_scenario(path)
    actions = [e for e in scn.events if e["k"] == "action"]
    assert {a["what"] for a in actions} >= {"case.accept", "case.reject"}
    assert all(a["who"] == "调度" for a in actions)


# -- files that can't hurt (issue 11) ------------------------------------------------------
def _bomb(path, member: bytes, size: int) -> None:
    """A gzip file of about ``size`` bytes: one small member repeated (gzip allows many),
    each expanding a thousandfold."""
    packed = gzip.compress(member, compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.write(gzip.compress(b'{"format": "citygrid-scenario", "version": 1, "name": "b", '
                              b'"start": 1764288000, "end": 1764374400}\n', mtime=0))
        for _ in range(size // len(packed)):
            f.write(packed)


@pytest.mark.parametrize("mb", [4, 8])
@pytest.mark.parametrize("member", [b"\0" * (1 << 20), b"\n" * (1 << 20),
                                    b'{"t": 1764288000, "k": "action"}\n' * 30_000],
                         ids=["zeros", "newlines", "events"])
def test_a_gzip_bomb_is_refused_in_bounded_memory(tmp_path, mb, member) -> None:
    import resource

    path = tmp_path / "bomb.cgs"
    _bomb(path, member, mb * 2**20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValidationError, match=r"bomb.cgs: line \d+: (a line is longer|more "
                                              r"than 1,000,000 lines|over 256 MiB)"):
        read_scenario(path)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 600, f"peak memory grew by {grown_mib:.0f} MiB"


HEAD = {"format": "citygrid-scenario", "version": 1, "name": "x", "start": 1764288000.0,
        "end": 1764374400.0}
REPORT = {"t": 1764288100.0, "k": "report", "case": 1, "sub": "C01", "cat": "city",
          "cls": "C", "lon": 112.98, "lat": 28.19, "s": "reported"}


def _lines(path, *lines) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")


@pytest.mark.parametrize("header, message", [
    (dict(HEAD, version="one"), "version must be a whole number"),
    (dict(HEAD, version=None), "version must be a whole number"),
    ({k: v for k, v in HEAD.items() if k != "start"}, "the header has no 'start'"),
    (dict(HEAD, start=1e300), "start 1e+300 is out of range"),
    (dict(HEAD, start="soon"), "start must be a finite number"),
    (dict(HEAD, end=HEAD["start"] - 1), "end is before its start"),
    (dict(HEAD, seed="x"), "'seed' has the wrong type"),
])
def test_a_bad_header_is_named(tmp_path, header, message) -> None:
    path = tmp_path / "h.cgs"
    _lines(path, header, REPORT)
    with pytest.raises(ValidationError) as info:
        read_scenario(path)
    assert info.value.message.startswith("h.cgs: the header (line 1): ")
    assert message in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize("event, message", [
    ({"t": 1764288100.0, "case": 1, "s": "accepted"}, "an event without k"),
    (dict(REPORT, t="noon"), "t must be a finite number"),
    (dict(REPORT, t=float("nan")), "damaged"),  # NaN is not JSON
    (dict(REPORT, t=1e300), "t 1e+300 is out of range"),
    ([1764288100.0, "report"], "an event is a JSON object, not list"),
    (dict(REPORT, k=["report"]), "unknown event kind ['report']"),
    ({"t": 1764288100.0, "k": "explode"}, "unknown event kind 'explode'"),
    (dict(REPORT, case="one"), "needs a whole-number case"),
    (dict(REPORT, s="gone"), "needs a known status s"),
    (dict(REPORT, lon=None), "lon must be a finite number"),
    (dict(REPORT, cat=["city"]), "needs a known category"),
    ({"t": 1764288100.0, "k": "position", "staff": "x", "lon": 1, "lat": 1},
     "needs a whole-number staff id"),
])
def test_a_bad_event_is_named_with_its_line(tmp_path, event, message) -> None:
    path = tmp_path / "e.cgs"
    _lines(path, HEAD, REPORT, event)
    with pytest.raises(ValidationError) as info:
        read_scenario(path)
    assert info.value.message.startswith("e.cgs: line 3: ")
    assert message in info.value.message


def test_a_checked_scenario_replays(tmp_path) -> None:
    from models.scenarios.replay import Replay

    path = tmp_path / "ok.cgs"
    _lines(path, HEAD, REPORT, {"t": 1764288200.0, "k": "accept", "case": 1, "s": "accepted"},
           {"t": 1764288300.0, "k": "position", "staff": 3, "lon": 112.98, "lat": 28.19})
    replay = Replay(read_scenario(path))
    assert (replay.n_cases, len(replay.ev_t), len(replay.pos_t)) == (1, 2, 1)
