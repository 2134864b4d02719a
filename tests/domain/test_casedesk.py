"""The case desk without Qt: each action of the case detail reaches the router's decision
for the same case, at the version the user saw (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from console.application.casedesk import QUESTIONS, CaseDesk
from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.core.auth import Actor
from models.core.errors import CityGridError, StaleVersionError, ValidationError
from models.storage.schema import CaseHistory, StaffRole
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.citykit import add_second_street


@pytest.fixture
def desk(tiny_city):
    add_second_street(tiny_city)
    router = Router(EscalationGraph.from_db(tiny_city.db))
    dispatcher = Actor("调度", StaffRole.DISPATCHER, tiny_city.staff["dispatcher"])
    lead = Actor("值班长", StaffRole.SHIFT_LEAD, tiny_city.staff["shift_lead"])
    tiny_city.router = router
    tiny_city.lead = CaseDesk(tiny_city.db, lead, lambda: router)
    return CaseDesk(tiny_city.db, dispatcher, lambda: router), tiny_city


def report(city, sub: str = "O04", grid: int = 1) -> int:
    return CaseService(city.db, Actor("调度", StaffRole.DISPATCHER),
                       locate=lambda lon, lat: city.grids[grid]).report(
        NewCase(channel="patrol", subcategory=sub, lon=112.986, lat=28.189,
                title="路面塌陷")).case_ids[0]


def version(desk: CaseDesk, case_id: int) -> int:
    return desk.cases.get(case_id).version


def test_every_question_is_asked_and_answers_are_required(desk) -> None:
    d, city = desk
    case_id = report(city)
    d.act("accept", case_id, version(d, case_id))
    assert [q.key for q in d.questions("extend")] == ["hours", "reason"]
    assert d.questions("accept") == ()
    with pytest.raises(ValidationError, match="transfer needs reason"):
        d.act("transfer", case_id, version(d, case_id), {})
    assert set(QUESTIONS) <= {"reject", "transfer", "override", "request_escalation",
                              "escalate", "deescalate", "suspend", "extend", "feedback",
                              "verify_fail", "assess", "reopen"}


def test_dispatch_of_a_spanning_case_goes_where_the_router_sends_its_grids(desk) -> None:
    d, city = desk
    case_id = report(city)
    d.act("accept", case_id, version(d, case_id))
    d.mark_span(case_id, [city.grid2], "跨街道", version(d, case_id))
    d.act("dispatch", case_id, version(d, case_id))
    case = d.cases.get(case_id)
    want = city.router.route([city.grids[1], city.grid2], "O04")
    assert (case.assigned_unit_id, case.level) == (want.unit_id, want.level) == \
        (city.district, "district")


def test_a_community_dispatch_takes_the_best_ranked_grid_worker(desk) -> None:
    d, city = desk
    case_id = report(city)
    d.act("accept", case_id, version(d, case_id))

    class Best:
        staff_id, reasons = city.staff["manager"], ("nearest",)

    d.act("dispatch", case_id, version(d, case_id), rank=lambda case, dec: [(Best, "测试1")])
    from models.storage.schema import Case

    with city.db.read() as s:
        row = s.get(Case, case_id)
        assert (row.level, row.assigned_staff_id) == ("community", city.staff["manager"])


def test_escalation_keeps_the_subcategory_rule_and_names_who(desk) -> None:
    d, city = desk
    case_id = report(city, "S06")  # a blocked fire lane
    d.act("accept", case_id, version(d, case_id))
    d.act("dispatch", case_id, version(d, case_id))
    before = d.cases.get(case_id)
    city.lead.act("escalate", case_id, version(d, case_id), {"reason": "超时"})
    after = d.cases.get(case_id)
    want = city.router.escalate(d.current(before), "超时", before.category,
                                who=city.lead.actor, subcategory="S06")
    assert (after.assigned_unit_id, after.level) == (want.unit_id, want.level)
    assert any("值班长" in line for line in city.lead.cases.routing_trace(case_id))


def test_an_override_names_a_unit_or_is_refused_with_nothing_written(desk) -> None:
    d, city = desk
    case_id = report(city)
    d.act("accept", case_id, version(d, case_id))
    d.act("dispatch", case_id, version(d, case_id))
    with city.db.read() as s:
        rows = s.scalar(select(func.count()).select_from(CaseHistory))
    with pytest.raises(ValidationError, match="unknown unit code 999"):
        city.lead.act("override", case_id, version(d, case_id),
                      {"unit": "999", "reason": "调整"})
    with city.db.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseHistory)) == rows
    city.lead.act("override", case_id, version(d, case_id),
                  {"unit": "430103002", "reason": "调整"})
    assert d.cases.get(case_id).assigned_unit_id == city.street2


def test_a_stale_screen_is_refused(desk) -> None:
    d, city = desk
    case_id = report(city)
    seen = version(d, case_id)
    CaseLoop(city.db, d.actor).accept(case_id, expected_version=seen)  # another seat
    with pytest.raises(StaleVersionError):
        d.act("reject", case_id, seen, {"reason": "invalid"})
    assert d.cases.get(case_id).status == "accepted"


def test_the_grid_workers_steps_are_made_as_the_grids_worker(desk) -> None:
    d, city = desk
    case_id = report(city, grid=0)
    for name, answers in (("accept", {}), ("dispatch", {}), ("start", {}),
                          ("feedback", {"note": "已处理"}), ("verify_pass", {})):
        d.act(name, case_id, version(d, case_id), answers)
    history = d.cases.history(case_id)
    assert [h.actor_role for h in history if h.action in ("start", "feedback")] == \
        ["manager", "manager"]
    assert history[-1].actor_role == "supervisor" and d.cases.get(case_id).status == "archived"


def test_bulk_reassignment_is_for_the_shift_lead(desk) -> None:
    d, city = desk
    with pytest.raises(CityGridError, match="only a shift lead"):
        d.bulk_candidates("430103001001")
    case_id = report(city)
    d.act("accept", case_id, version(d, case_id))
    d.act("dispatch", case_id, version(d, case_id))
    cases = city.lead.bulk_candidates("430103001001")
    assert [c.id for c in cases] == [case_id]
    done = city.lead.reassign_bulk(cases, "430103001", "支援")
    assert done.moved == (cases[0].number,) and done.stale == ()
