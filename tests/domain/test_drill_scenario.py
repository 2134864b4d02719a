"""A drill from a recorded scenario: the recorded decisions beside the trainee's."""

from __future__ import annotations

import datetime as dt
import itertools

from models.cases.loop import CaseLoop
from models.core.auth import Actor
from models.drills.injects import load_injects
from models.drills.scoring import score_drill
from models.drills.session import DrillSession
from models.drills.world import create_drill_db
from models.storage.schema import StaffRole
from routing.graph import EscalationGraph
from routing.policy import Router
from routing.scenarios import record_simulation
from tests.freshloop import FreshLoop

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def test_injects_from_a_scenario_carry_the_recorded_decisions(tiny_city, tmp_path) -> None:
    path = tmp_path / "street-first.cgs"
    # recorded under another policy than the drill's: every case went to the street
    record_simulation(tiny_city.db, path, district="430103", days=3, seed=4, start=START,
                      surge=True, policy="street-first")
    injects = load_injects(path)
    assert 10 < len(injects) <= 60
    assert injects[0].at_offset_s == 0
    assert all(a.at_offset_s <= b.at_offset_s for a, b in itertools.pairwise(injects))
    # an hour of the scenario plays in a minute of the drill
    assert injects[-1].at_offset_s < 3 * 86400 / 60
    assert {i.recorded_level for i in injects} <= {"street", "district"}
    assert all(i.recorded_unit for i in injects)

    drill_db = create_drill_db(tiny_city.db, tmp_path / "drill.sqlite3")
    started = dt.datetime.now(dt.UTC)
    session = DrillSession(drill_db, injects[:4], started)
    for item in session.due(started + dt.timedelta(days=1)):
        session.inject(item, started)
    router = Router(EscalationGraph.from_db(drill_db))
    trainee = Actor("张三", StaffRole.DISPATCHER)
    loop = FreshLoop(CaseLoop(drill_db, trainee))
    ids = [e.result.case_id for e in session.injected]
    for case_id, item in zip(ids, injects, strict=False):
        loop.accept(case_id)
        # the trainee follows the default policy (community for most city items)
        loop.dispatch(case_id, router.route(tiny_city.grids[0], item.subcategory))
    recorded = {e.result.case_id: (e.item.recorded_unit, e.item.recorded_level)
                for e in session.injected}
    score = score_drill(drill_db, router=router, since=started, recorded=recorded)
    rows = {r.case_id: r for r in score.rows}
    for case_id, (unit, level) in recorded.items():
        row = rows[case_id]
        assert (row.expected_unit, row.expected_level) == (unit, level)
        assert row.right == (row.trainee_unit == unit)
    # without the recorded decisions, the policy's are the yardstick
    by_policy = {r.case_id: r for r in score_drill(drill_db, router=router,
                                                    since=started).rows}
    assert all(by_policy[c].expected_unit == router.route(
        tiny_city.grids[0], by_policy[c].subcategory).unit_code for c in ids)
    drill_db.dispose()
