"""The escalation graph and routing: validation, chains, availability, policies, cross-unit
cases, escalation and its limits, overrides, closure, batch routing, the demo city."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from models.core.auth import Actor
from models.core.errors import PermissionDenied, ValidationError
from models.storage.schema import StaffRole
from routing.errors import (
    CyclicEscalation,
    EscalationLimitReached,
    InvalidOverride,
    LevelMismatch,
    MultipleParents,
    NoEscalationPath,
    NoGridWorker,
    NotInGraph,
    PolicyError,
)
from routing.graph import (
    DeptRow,
    EscalationGraph,
    UnitRow,
    dept_node,
    grid_node,
    hide_unavailable,
    unit_node,
)
from routing.policy import Router, verifier_for
from routing.rules import available_policies, load_policy, parse_policy

# city 1; district 2 (Tianxin) with streets 3 and 6; district 8 (Furong) with street 9
UNITS = [UnitRow(1, "430100", "city", None, "长沙市"),
         UnitRow(2, "430103", "district", 1, "天心区"),
         UnitRow(3, "430103001", "street", 2, "坡子街街道"),
         UnitRow(4, "430103001001", "community", 3), UnitRow(5, "430103001002", "community", 3),
         UnitRow(6, "430103002", "street", 2), UnitRow(7, "430103002001", "community", 6),
         UnitRow(8, "430102", "district", 1, "芙蓉区"), UnitRow(9, "430102001", "street", 8),
         UnitRow(12, "430102001001", "community", 9)]
GRIDS = {101: 4, 102: 4, 103: 5, 104: 7, 105: 12}
CODES = {101: "430103001001001", 102: "430103001001002", 103: "430103001002001",
         104: "430103002001001", 105: "430102001001001"}
DEPTS = [DeptRow(1, "430103001-CG", "城管执法中队", 3, ("city",)),
         DeptRow(2, "430103001-PCS", "派出所", 3, ("security",)),
         DeptRow(3, "430103-YJ", "应急管理局", 2, ("emergency",)),
         DeptRow(4, "430103-GA", "公安分局", 2, ("security",)),
         DeptRow(5, "430103001-ZZ", "综治办", 3, ("security", "party")),
         DeptRow(6, "430103002-CG", "城管执法中队", 6, ("city",))]
LEAD = Actor("王值班长", StaffRole.SHIFT_LEAD, 99)
DISPATCHER = Actor("李调度", StaffRole.DISPATCHER, 98)


@pytest.fixture
def graph() -> EscalationGraph:
    return EscalationGraph(UNITS, GRIDS, DEPTS, grid_codes=CODES)


@pytest.fixture
def router(graph) -> Router:
    return Router(graph)


# -- the graph -----------------------------------------------------------------------------
def test_chains_nodes_and_edge_kinds(graph) -> None:
    assert graph.chain(101) == (4, 3, 2, 1)
    assert graph.chains[104] == (104, 7, 6, 2, 1)
    assert graph.chains[105] == (105, 12, 9, 8, 1)
    nodes = graph.graph.nodes
    assert (nodes[grid_node(101)]["kind"], nodes[grid_node(101)]["level"]) == ("grid", "grid")
    assert (nodes[unit_node(3)]["kind"], nodes[unit_node(3)]["level"]) == ("unit", "street")
    assert (nodes[dept_node(3)]["kind"], nodes[dept_node(3)]["level"]) == ("dept", "district")
    kinds = {d["kind"] for _, _, d in graph.graph.edges(data=True)}
    assert kinds == {"escalate", "dispatch", "transfer", "return"}
    assert graph.graph[grid_node(101)][unit_node(4)]["kind"] == "escalate"
    assert graph.graph[unit_node(3)][unit_node(4)]["kind"] == "dispatch"
    assert graph.graph[unit_node(3)][dept_node(1)]["kind"] == "dispatch"
    assert graph.graph[dept_node(1)][dept_node(2)]["kind"] == "transfer"
    assert graph.graph[unit_node(4)][grid_node(101)]["kind"] == "return"
    assert not graph.graph.has_edge(dept_node(1), dept_node(6))  # transfer stays in a unit
    with pytest.raises(NotInGraph, match="grid 999"):
        graph.chain(999)


def test_lookup_arrays_match_the_chains(graph) -> None:
    for gid, chain in graph.chains.items():
        row = graph.grid_lookup[gid]
        assert tuple(graph.chain_matrix[row].tolist()) == chain[1:]


@pytest.mark.parametrize(("units", "grids", "depts", "error", "message"), [
    ([UnitRow(1, "A", "city", 3), UnitRow(2, "B", "district", 1), UnitRow(3, "C", "street", 2)],
     {}, [], CyclicEscalation, "cycle: (A -> C -> B -> A|C -> B -> A -> C|B -> A -> C -> B)$"),
    ([*UNITS, UnitRow(7, "430103002001", "community", 3)], GRIDS, [], MultipleParents,
     "community 430103002001 is listed with two parents: street 430103002 and "
     "street 430103001"),
    ([UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", None)], {}, [],
     NoEscalationPath, "district 430103 has no parent: it does not reach the city"),
    ([UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 77)], {}, [],
     NoEscalationPath, "district 430103's parent 77 does not exist"),
    (UNITS, {999: 3}, [], NoEscalationPath,
     "grid 999 does not belong to a community: its parent is street 430103001"),
    (UNITS, {999: 55}, [], NoEscalationPath, "grid 999 does not belong to a community: "
                                             "unit 55 does not exist"),
    (UNITS, GRIDS, [DeptRow(1, "X-CG", "城管", 55, ("city",))], NoEscalationPath,
     "department X-CG belongs to unit 55, which does not exist"),
    ([UnitRow(1, "430100", "city", None), UnitRow(4, "430100001001", "community", 1)],
     {10: 4}, [], LevelMismatch, "community 430100001001 escalates to city 430100, skipping "
                                 "a level: community -> city"),
    ([UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
      UnitRow(3, "430103001", "district", 2)], {}, [], LevelMismatch,
     "district 430103001 escalates to district 430103, but a district must escalate to a city"),
    ([UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "province", 1)], {}, [],
     LevelMismatch, "unknown level 'province'"),
    ([UnitRow(1, "430100", "city", None), UnitRow(2, "430200", "city", None)], {}, [],
     NoEscalationPath, r"2 city units \(430100, 430200\): escalation needs exactly one city"),
    ([UnitRow(2, "430103", "district", 2)], {}, [], CyclicEscalation,
     "district 430103 is its own parent"),
])
def test_validation_raises_the_specific_error(units, grids, depts, error, message) -> None:
    with pytest.raises(error, match=message) as info:
        EscalationGraph(units, grids, depts)
    assert info.value.code == error.code


def test_a_second_escalation_edge_is_refused(graph) -> None:
    graph.graph.add_edge(unit_node(4), unit_node(6), kind="escalate")
    with pytest.raises(MultipleParents, match="430103001001 escalates to 2 units: "
                                              "street 430103001, street 430103002"):
        graph.validate()


def test_level_errors_are_escalation_path_errors() -> None:
    # callers that catch NoEscalationPath keep working
    assert issubclass(LevelMismatch, NoEscalationPath)
    assert issubclass(EscalationLimitReached, NoEscalationPath)


def test_availability_hides_edges_like_networkx(graph) -> None:
    path = graph.path(unit_node(3), dept_node(2))
    assert path == [unit_node(3), dept_node(2)]
    off = hide_unavailable([dept_node(2)])
    with pytest.raises(NoEscalationPath, match="no path from street 430103001 to "
                                               "department 430103001-PCS"):
        graph.path(unit_node(3), dept_node(2), weight=off)
    # only escalation edges visible: a grid reaches the city, the city no grid
    up = hide_unavailable(kinds={"escalate"})
    assert graph.path(grid_node(101), unit_node(1), weight=up) == [
        grid_node(101), unit_node(4), unit_node(3), unit_node(2), unit_node(1)]
    with pytest.raises(NoEscalationPath):
        graph.path(unit_node(1), grid_node(101), weight=up)
    assert graph.department_for(3, "security").code == "430103001-PCS"  # the specialist
    assert graph.department_for(3, "security", off).code == "430103001-ZZ"
    with pytest.raises(NotInGraph):
        graph.path(unit_node(3), dept_node(404))


# -- routing by policy ---------------------------------------------------------------------
@pytest.mark.parametrize(("sub", "level", "unit", "dept"), [
    ("M01", "district", 2, None),  # class A emergency: the district command centre itself
    ("S05", "district", 2, 4),     # class A public security: the district police
    ("S06", "district", 2, 3),     # blocked fire lane: a subcategory rule, emergency dept
    ("C04", "street", 3, 1),       # class A city management: the street squad
    ("C05", "street", 3, 1),       # class B: the street department
    ("C01", "street", 3, 1),       # class C city management: the street
    ("S01", "street", 3, 2),       # class C public security: the police station
    ("E03", "street", 3, None),    # class B environment: no such department at the street
    ("P03", "community", 4, None),  # class C party building: the community
    ("O04", "community", 4, None),  # class D: the community
])
def test_routing_by_class_and_category(router, sub, level, unit, dept) -> None:
    d = router.route(101, sub)
    assert (d.level, d.unit_id, d.department_id, d.staff_id) == (level, unit, dept, None)
    assert d.policy == "default-2026"
    assert d.unit_code == router.graph.units[unit].code


def test_the_trace_explains_each_rule(router) -> None:
    d = router.route(101, "C04")
    assert d.trace == (
        "subcategory C04 (Missing or broken manhole cover) class A: policy default-2026 "
        "sends class A city management to level street (rule 4: class A -> street)",
        "grid 430103001001001 -> street 430103001 (坡子街街道)",
        "department 430103001-CG (城管执法中队) handles category city")
    fire_lane = router.route(101, "S06").trace
    assert fire_lane[0].startswith("subcategory S06 (Blocked fire lane) class A: policy "
                                   "default-2026 sends subcategory S06 to level district")
    assert fire_lane[-1] == "department 430103-YJ (应急管理局) handles category emergency"
    assert router.route(101, "M01").trace[-1] == (
        "the policy has the district command centre 430103 handle it itself, "
        "without a department")
    assert router.route(101, "E03").trace[-1] == (
        "no department of street 430103001 handles category environment: the street grid "
        "centre handles it")


def test_unavailable_departments_are_passed_over(graph) -> None:
    d = Router(graph, unavailable={2}).route(101, "S01")
    assert d.department_id == 5
    assert d.trace[-2:] == (
        "department 430103001-PCS (派出所) would handle category security but is "
        "unavailable (no handler on duty)",
        "department 430103001-ZZ (综治办) handles category security")
    none = Router(graph).with_unavailable({2, 5}).route(101, "S01")
    assert none.department_id is None
    assert none.trace[-1] == ("no available department of street 430103001 handles "
                              "category security: the street grid centre handles it")


def test_cases_spanning_grids_go_to_the_lowest_common_level(router) -> None:
    inside = router.route([101, 102], "O04")  # one community
    assert (inside.level, inside.unit_id) == ("community", 4)
    same_street = router.route([101, 103], "O04")  # two communities of street 3
    assert (same_street.level, same_street.unit_id) == ("street", 3)
    assert "the case spans 2 grids whose lowest common unit is street 430103001 " \
           "(坡子街街道): it goes there" in same_street.trace
    across_streets = router.route([101, 104], "O04")
    assert (across_streets.level, across_streets.unit_id) == ("district", 2)
    across_districts = router.route([101, 104, 105], "C01")
    assert (across_districts.level, across_districts.unit_id) == ("city", 1)
    assert across_districts.department_id is None  # the test city has no city departments
    # the policy's level already covers both grids: no change
    high = router.route([101, 103], "S05")
    assert (high.level, high.unit_id, high.department_id) == ("district", 2, 4)
    assert "the case spans 2 grids, all within district 430103 (天心区)" in high.trace


def test_outside_every_grid(router) -> None:
    unknown = router.route(None, "C01")
    assert (unknown.level, unknown.unit_id) == ("city", 1)
    assert "no district is known to contain it: the city smart centre takes it" \
        in unknown.trace[1]
    known = router.route(None, "C01", district_id=8)
    assert (known.level, known.unit_id) == ("district", 8)
    assert known.trace[1] == ("the case lies outside every grid: it goes to district 430102 "
                              "(芙蓉区), which contains it")
    centralised = Router(router.graph, load_policy("centralised"))
    city = centralised.route([], "M01", district_id=8)
    assert (city.level, city.unit_id) == ("city", 1)
    with pytest.raises(NotInGraph, match="not a district"):
        router.route(None, "C01", district_id=3)


# -- escalation, de-escalation, override ---------------------------------------------------
def test_escalation_one_level_up_and_its_limit_at_the_city(router) -> None:
    d = router.route(101, "O04")
    up = router.escalate(d, "deadline breached", "other")
    assert (up.level, up.unit_id) == ("street", 3)
    assert up.trace[:len(d.trace)] == d.trace
    assert up.trace[-2] == ("escalated from community 430103001001 to street 430103001 "
                            "(坡子街街道) by the system: deadline breached")
    district = router.escalate(up, "handler asks: needs the district's machinery", "other",
                               who="张三 (handler)")
    assert (district.level, district.unit_id) == ("district", 2)
    assert "by 张三 (handler): handler asks" in district.trace[-2]
    city = router.escalate(district, "still open", "other", who=LEAD)
    assert (city.level, city.unit_id) == ("city", 1)
    assert "by 王值班长 (shift_lead): still open" in city.trace[-2]
    with pytest.raises(EscalationLimitReached, match="430100 is the city centre: there is "
                                                     "no level above"):
        router.escalate(city, "again", "other")


def test_escalation_needs_a_reason_and_the_right(router) -> None:
    d = router.route(101, "C01")
    with pytest.raises(InvalidOverride, match="needs a reason"):
        router.escalate(d, "  ", "city")
    with pytest.raises(PermissionDenied):
        router.escalate(d, "too slow", "city", who=Actor("网格员", StaffRole.MANAGER, 1))
    up = router.escalate(d, "too slow", "security", subcategory="S06")
    assert up.department_id == 3  # the subcategory's rule names the emergency department


def test_deescalation_goes_one_level_down_towards_the_grid(router) -> None:
    d = router.route(104, "S05")  # district 2
    down = router.deescalate(d, 104, "security", "the street can handle it", who=LEAD)
    assert (down.level, down.unit_id) == ("street", 6)
    assert down.trace[-2] == ("de-escalated from district 430103 to street 430103002 by "
                              "王值班长 (shift_lead): the street can handle it")
    bottom = router.deescalate(down, 104, "security", "the community knows them", who=LEAD)
    assert (bottom.level, bottom.unit_id) == ("community", 7)
    with pytest.raises(EscalationLimitReached, match="no level below"):
        router.deescalate(bottom, 104, "security", "lower still", who=LEAD)
    with pytest.raises(PermissionDenied):
        router.deescalate(d, 104, "security", "why not", who=DISPATCHER)
    with pytest.raises(EscalationLimitReached, match="outside every grid"):
        router.deescalate(d, None, "security", "no grid", who=LEAD)


def test_override_is_recorded_with_who_and_why(router) -> None:
    d = router.override(6, "city", "王值班长", "街道2有执法力量")
    assert (d.unit_id, d.level, d.department_id) == (6, "street", 6)
    assert d.trace[0] == "override by 王值班长: street 430103002 (街道2有执法力量)"
    first = router.route(101, "C01")
    chosen = router.override(3, "security", LEAD, "派出所熟悉情况", department_id=2,
                             staff_id=42, previous=first)
    assert (chosen.department_id, chosen.staff_id) == (2, 42)
    assert chosen.trace[:3] == first.trace
    assert chosen.trace[3:] == (
        "override by 王值班长 (shift_lead): street 430103001 (坡子街街道) (派出所熟悉情况)",
        "department 430103001-PCS (派出所) chosen by 王值班长 (shift_lead)")
    with pytest.raises(InvalidOverride, match="belongs to street 430103001"):
        router.override(6, "city", LEAD, "wrong unit", department_id=1)
    with pytest.raises(InvalidOverride, match="needs a reason"):
        router.override(6, "city", LEAD, "")
    with pytest.raises(PermissionDenied):
        router.override(6, "city", DISPATCHER, "not mine to decide")
    with pytest.raises(NotInGraph):
        router.override(404, "city", LEAD, "nowhere")


# -- policies ------------------------------------------------------------------------------
def test_the_policies_give_different_answers_for_the_same_case(graph) -> None:
    assert {"default-2026", "street-first", "centralised"} <= set(available_policies())
    routers = {name: Router(graph, load_policy(name))
               for name in ("default-2026", "street-first", "centralised")}
    answers = {name: (r.route(101, "O04").level, r.route(101, "C05").level,
                      r.route(101, "S05").level) for name, r in routers.items()}
    assert answers == {"default-2026": ("community", "street", "district"),
                       "street-first": ("street", "street", "street"),
                       "centralised": ("community", "district", "district")}
    assert routers["street-first"].route(101, "O04").policy == "street-first"
    assert "policy street-first sends" in routers["street-first"].route(101, "O04").trace[0]


def test_bad_policies_are_refused() -> None:
    with pytest.raises(PolicyError, match="unknown level 'province'"):
        parse_policy({"policy": "x", "rules": [{"level": "province"}]})
    with pytest.raises(PolicyError, match="unknown keys colour"):
        parse_policy({"policy": "x", "rules": [{"level": "city", "colour": "red"}]})
    with pytest.raises(PolicyError, match="unknown department 'police'"):
        parse_policy({"policy": "x", "rules": [{"level": "city", "department": "police"}]})
    with pytest.raises(PolicyError, match="names no department"):
        parse_policy({"policy": "x", "rules": [{"level": "city", "handler": "centre",
                                               "department": "city"}]})
    with pytest.raises(PolicyError, match="malformed"):
        parse_policy({"rules": []})
    with pytest.raises(PolicyError, match="no routing policy 'nonexistent'; shipped: "):
        load_policy("nonexistent")
    gap = parse_policy({"policy": "gap", "rules": [{"class": "A", "level": "city"}]})
    with pytest.raises(PolicyError, match="no rule for class C city"):
        gap.level_for("C", "city")
    with pytest.raises(PolicyError, match=r"gap has no rule for 27 subcategories of "
                                          r"catalogue 2026.1: P01, P02, P03, C01"):
        Router(EscalationGraph(UNITS, GRIDS, DEPTS), gap)
    ghost = parse_policy({"policy": "ghost", "rules": [{"subcategory": "Z99", "level": "city"},
                                                      {"level": "street"}]})
    with pytest.raises(PolicyError, match=r"names subcategories not in catalogue 2026\.1: Z99"):
        Router(EscalationGraph(UNITS, GRIDS, DEPTS), ghost)


# -- batch ---------------------------------------------------------------------------------
def test_batch_routing_agrees_with_single_decisions(graph) -> None:
    for name in available_policies():
        router = Router(graph, load_policy(name), unavailable={2})
        pairs = [(g, s) for g in GRIDS for s in router.subcategory_codes]
        got = router.route_batch(np.array([g for g, _ in pairs]), [s for _, s in pairs])
        want = [router.route(g, s) for g, s in pairs]
        assert got.unit_ids.tolist() == [d.unit_id for d in want]
        assert [graph.units[u].level for u in got.unit_ids.tolist()] == [d.level for d in want]
        assert [None if x < 0 else x for x in got.department_ids.tolist()] == [
            d.department_id for d in want]
        from routing.graph import LEVELS
        assert [LEVELS[i] for i in got.levels.tolist()] == [d.level for d in want]
        # pre-encoded subcategories give the same answer
        codes = router.encode_subcategories([s for _, s in pairs])
        again = router.route_batch(np.array([g for g, _ in pairs]), codes)
        assert again.unit_ids.tolist() == got.unit_ids.tolist()


def test_batch_routing_outside_grids_and_bad_input(router) -> None:
    got = router.route_batch([-1, -1, -1, 101], ["C01", "C01", "M01", "C01"],
                             district_ids=[-1, 8, 8, -1])
    want = [router.route(None, "C01"), router.route(None, "C01", district_id=8),
            router.route(None, "M01", district_id=8), router.route(101, "C01")]
    assert got.unit_ids.tolist() == [d.unit_id for d in want] == [1, 8, 8, 3]
    with pytest.raises(NotInGraph, match=r"\[999\]"):
        router.route_batch([101, 999], ["C01", "C01"])
    with pytest.raises(ValidationError, match=r"unknown subcategories in catalogue 2026\.1: X1"):
        router.route_batch([101], ["X1"])
    with pytest.raises(ValidationError, match="out of range"):
        router.route_batch([101], [999])


# -- closure -------------------------------------------------------------------------------
def test_closure_returns_to_the_grid_worker(router) -> None:
    staff = [(1, "supervisor", "on_duty"), (2, "manager", "on_duty"),
             (3, "assistant", "on_duty"), (4, "volunteer", "on_duty")]
    d = router.route_closure(101, staff)
    assert (d.unit_id, d.level, d.staff_id, d.department_id) == (4, "community", 2, None)
    assert d.trace == (
        "closure: the case returns to grid 430103001001001 for verification on site",
        "grid 430103001001001 -> community 430103001001",
        "grid worker 2 (manager, on duty) verifies: the on-duty manager first, else the "
        "assistant, else the supervisor")
    assert verifier_for([(1, "supervisor", "on_duty"), (2, "manager", "off_duty"),
                         (3, "assistant", "on_duty")]) == 3
    assert verifier_for([(1, "supervisor", "on_duty"), (2, "manager", "busy")]) == 1
    assert verifier_for([(1, "supervisor", "off_duty"), (3, "volunteer", "on_duty")]) == 1
    assert verifier_for([(1, "manager", "leave")]) is None
    assert verifier_for([]) is None
    with pytest.raises(NoGridWorker, match="grid 430103001001001 has no supervisor, manager "
                                           "or assistant"):
        router.route_closure(101, [(1, "manager", "leave"), (4, "volunteer", "on_duty")])


# -- from the database ---------------------------------------------------------------------
def test_graph_from_the_database(tiny_city) -> None:
    tc = tiny_city
    graph = EscalationGraph.from_db(tc.db)
    assert graph.chain(tc.grids[0]) == (tc.community, tc.street, tc.district, tc.city)
    router = Router(graph)
    d = router.route(tc.grids[2], "O04")
    assert d.trace[1] == f"grid {tc.grid_codes[2]} -> community 430103001001 (社区01)"
    up = router.escalate(d, "deadline breached", "other")
    assert (up.unit_id, up.level) == (tc.street, "street")


# -- the demo city -------------------------------------------------------------------------
HAVE_DEMO = importlib.util.find_spec("models.scenarios.democity") is not None


@pytest.fixture(scope="module")
def demo(tmp_path_factory, request):
    if not HAVE_DEMO:
        pytest.skip("models/scenarios/democity.py (build_demo_city) does not exist yet")
    from tests.factories import copy_demo_city

    template, _summary = request.getfixturevalue("demo_city_file")  # seed 2019
    db = copy_demo_city(template, tmp_path_factory.mktemp("routing") / "demo.sqlite3")
    graph = EscalationGraph.from_db(db)
    from models.world.units import UnitService

    ids, _codes, polys = UnitService(db, Actor.system()).grid_geometries()
    db.dispose()
    return graph, ids, polys


def _grid_in(graph: EscalationGraph, prefix: str, avoid: tuple[int, ...] = ()) -> int:
    avoid_units = {u for g in avoid for u in graph.chain(g)[:2]}
    return next(g for g, code in sorted(graph.grid_codes.items())
                if code.startswith(prefix) and not avoid_units & set(graph.chain(g)[:2]))


def test_routing_on_the_demo_city(demo) -> None:
    graph, _ids, _polys = demo
    assert len(graph.chains) > 2000
    assert all(len(c) == 5 and c[-1] == graph.city_id for c in graph.chains.values())
    router = Router(graph)
    tianxin = _grid_in(graph, "430103")
    other_street = _grid_in(graph, "430103", avoid=(tianxin,))
    furong = _grid_in(graph, "430102")
    d = router.route(tianxin, "C04")
    assert d.level == "street" and d.unit_code == graph.units[graph.chain(tianxin)[1]].code
    assert d.department_id is not None
    assert graph.departments[d.department_id].unit_id == d.unit_id
    assert "city" in graph.departments[d.department_id].categories
    assert d.trace[1].startswith(f"grid {graph.grid_code(tianxin)} -> street 430103")
    cross_street = router.route([tianxin, other_street], "O04")
    assert (cross_street.level, cross_street.unit_code) == ("district", "430103")
    cross = router.route([tianxin, furong], "O04")  # across two districts
    assert (cross.level, cross.unit_id) == ("city", graph.city_id)
    assert cross.department_id is not None  # the city's department for "other"
    police = router.route(furong, "S05")
    assert (police.level, police.unit_code) == ("district", "430102")
    assert "security" in graph.departments[police.department_id].categories
    # escalate to the top and no further
    up = d
    for _ in range(2):
        up = router.escalate(up, "deadline breached", "city")
    assert up.level == "city"
    with pytest.raises(EscalationLimitReached):
        router.escalate(up, "again", "city")


def test_batch_routing_on_the_demo_city(demo) -> None:
    graph, _ids, _polys = demo
    router = Router(graph, load_policy("street-first"))
    rng = np.random.default_rng(4)
    grids = rng.choice(graph.grid_ids, 500)
    subs = rng.choice(np.array(router.subcategory_codes), 500)
    got = router.route_batch(grids, subs.tolist())
    for i in range(500):
        d = router.route(int(grids[i]), str(subs[i]))
        assert (int(got.unit_ids[i]), int(got.department_ids[i])) == (
            d.unit_id, -1 if d.department_id is None else d.department_id)


def test_grid_adjacency_on_the_demo_city(demo) -> None:
    import networkx as nx

    from routing.recommend import grid_adjacency

    _graph, ids, polys = demo
    adjacency = grid_adjacency(ids, polys)
    degrees = [d for _, d in adjacency.degree()]
    # the grids tile each district, so nearly every grid borders another (an exclave of a
    # district, cut off from the rest, may border none)
    assert sum(d == 0 for d in degrees) <= len(degrees) // 100
    assert 3 <= sum(degrees) / len(degrees) <= 8
    assert len(max(nx.connected_components(adjacency), key=len)) > 0.95 * len(degrees)


@pytest.mark.parametrize("policy", ["default-2026", "street-first", "centralised"])
def test_every_policy_sends_a_fire_lane_to_the_fire_service(policy) -> None:
    """S06 (a blocked fire lane) is for emergency management (the fire service) under every
    shipped policy, as default-2026's own note says; the police never get it."""
    from routing.graph import DeptRow, EscalationGraph, UnitRow
    from routing.policy import Router
    from routing.rules import load_policy

    units = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
             UnitRow(3, "430103001", "street", 2), UnitRow(4, "430103001001", "community", 3)]
    depts = [DeptRow(10 * u + i, f"{code}-{s}", s, u, cats)
             for u, code in ((1, "430100"), (2, "430103"), (3, "430103001"))
             for i, (s, cats) in enumerate((("GA", ("security",)), ("YJ", ("emergency",))))]
    router = Router(EscalationGraph(units, {100: 4}, depts,
                                    grid_codes={100: "430103001001001"}), load_policy(policy))
    decision = router.route(100, "S06")
    assert router.graph.departments[decision.department_id].code.endswith("-YJ"), decision.trace
