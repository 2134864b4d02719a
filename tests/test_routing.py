"""The escalation graph and routing: validation, chains, policies, cross-unit cases."""

from __future__ import annotations

import pytest

from models.db import Database
from models.democity import build_demo_city
from routing.errors import CyclicEscalation, MultipleParents, NoEscalationPath, PolicyError
from routing.graph import DeptRow, EscalationGraph, UnitRow
from routing.policy import Router, load_policy, parse_policy, verifier_for

UNITS = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
         UnitRow(3, "430103001", "street", 2), UnitRow(4, "430103001001", "community", 3),
         UnitRow(5, "430103001002", "community", 3), UnitRow(6, "430103002", "street", 2),
         UnitRow(7, "430103002001", "community", 6)]
DEPTS = [DeptRow(1, "430103001-CG", "城管执法中队", 3, ("city",)),
         DeptRow(2, "430103001-PCS", "派出所", 3, ("security",)),
         DeptRow(3, "430103-YJ", "应急管理局", 2, ("emergency",))]


@pytest.fixture
def graph() -> EscalationGraph:
    return EscalationGraph(UNITS, {10: 4, 11: 4, 12: 5, 13: 7}, DEPTS)


def test_chains_and_edge_kinds(graph) -> None:
    assert graph.chain(10) == (4, 3, 2, 1)
    assert graph.chain(13) == (7, 6, 2, 1)
    kinds = {d["kind"] for _, _, d in graph.graph.edges(data=True)}
    assert kinds == {"escalate", "dispatch", "transfer", "return"}
    assert graph.graph[("dept", 1)][("dept", 2)]["kind"] == "transfer"
    assert graph.graph[("unit", 4)][("grid", 10)]["kind"] == "return"


def test_validation_names_the_problem() -> None:
    cyclic = [UnitRow(1, "A", "city", 3), UnitRow(2, "B", "district", 1),
              UnitRow(3, "C", "street", 2)]
    with pytest.raises(CyclicEscalation, match="cycle"):
        EscalationGraph(cyclic, {}, [])
    orphan = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", None)]
    with pytest.raises(NoEscalationPath, match="district 430103 has no parent"):
        EscalationGraph(orphan, {}, [])
    with pytest.raises(NoEscalationPath, match="does not belong to a community"):
        EscalationGraph(UNITS, {99: 3}, [])
    skipping = [UnitRow(1, "430100", "city", None), UnitRow(4, "430100001001", "community", 1)]
    with pytest.raises(NoEscalationPath, match="community -> city"):
        EscalationGraph(skipping, {10: 4}, [])


def test_multiple_parents_are_refused(graph) -> None:
    graph.graph.add_edge(("unit", 4), ("unit", 6), kind="escalate")
    with pytest.raises(MultipleParents, match="430103001001 escalates to 2 units"):
        graph.validate()


def test_routing_by_class_and_category(graph) -> None:
    router = Router(graph)
    fire = router.route(10, "M01")  # class A emergency
    assert (fire.level, fire.unit_id, fire.department_id) == ("district", 2, 3)
    vending = router.route(10, "C01")  # class C city management
    assert (vending.level, vending.unit_id, vending.department_id) == ("street", 3, 1)
    other = router.route(10, "O04")  # class D
    assert (other.level, other.unit_id) == ("community", 4)
    assert any("class D" in line for line in other.trace)
    assert other.policy == "default-2026"


def test_cases_spanning_grids_go_to_the_lowest_common_level(graph) -> None:
    router = Router(graph)
    same_street = router.route([10, 12], "O04")  # two communities of street 3
    assert (same_street.level, same_street.unit_id) == ("street", 3)
    across = router.route([10, 13], "O04")  # two streets of district 2
    assert (across.level, across.unit_id) == ("district", 2)
    assert any("lowest common unit" in line for line in across.trace)
    inside = router.route([10, 11], "O04")  # one community
    assert inside.unit_id == 4


def test_outside_every_grid_goes_to_the_city(graph) -> None:
    d = Router(graph).route(None, "C01")
    assert (d.level, d.unit_id) == ("city", 1)


def test_escalation_one_level_up_and_its_end(graph) -> None:
    router = Router(graph)
    d = router.route(10, "O04")
    up = router.escalate(d, "deadline breached", "other")
    assert (up.level, up.unit_id) == ("street", 3)
    assert "escalated from community" in up.trace[-2]
    top = router.escalate(router.escalate(up, "again", "other"), "again", "other")
    assert top.level == "city"
    with pytest.raises(NoEscalationPath, match="no level above"):
        router.escalate(top, "again", "other")


def test_override_is_recorded(graph) -> None:
    d = Router(graph).override(6, "city", "王值班长", "街道2有执法力量")
    assert d.unit_id == 6 and d.trace[0].startswith("override by 王值班长")


def test_two_policies_differ(graph) -> None:
    default = Router(graph).route(10, "O04")
    street_first = Router(graph, load_policy("street-first")).route(10, "O04")
    assert (default.level, street_first.level) == ("community", "street")


def test_bad_policies() -> None:
    with pytest.raises(PolicyError, match="unknown level"):
        parse_policy({"policy": "x", "rules": [{"level": "province"}]})
    with pytest.raises(PolicyError, match="no routing policy"):
        load_policy("nonexistent")
    gap = parse_policy({"policy": "gap", "rules": [{"class": "A", "level": "city"}]})
    with pytest.raises(PolicyError, match="no rule for class C"):
        gap.level_for("C", "city")


def test_batch_routing_agrees_with_single(graph) -> None:
    import numpy as np

    router = Router(graph)
    subs = ["M01", "C01", "O04", "S05"]
    rows = np.array([graph.grid_row[g] for g in (10, 12, 13, 11)])
    got = router.route_batch(rows, np.array([router.sub_index[s] for s in subs]))
    want = [router.route(g, s).unit_id for g, s in zip((10, 12, 13, 11), subs, strict=True)]
    assert got.tolist() == want


def test_closure_returns_to_the_grid_worker() -> None:
    assert verifier_for([(1, "supervisor", "on_duty"), (2, "manager", "on_duty")]) == 2
    assert verifier_for([(1, "supervisor", "off_duty"), (3, "volunteer", "on_duty")]) == 1
    assert verifier_for([]) is None


@pytest.fixture(scope="module")
def demo_graph(tmp_path_factory):
    db = Database.open(f"sqlite:///{tmp_path_factory.mktemp('r') / 'demo.sqlite3'}")
    build_demo_city(db)
    graph = EscalationGraph.from_db(db)
    db.dispose()
    return graph


def test_routing_on_the_demo_city(demo_graph) -> None:
    router = Router(demo_graph)
    assert len(demo_graph.grid_ids) == 2798
    by_code = {u.code: u.id for u in demo_graph.units.values()}
    grid_of = {}
    for gid, cid in demo_graph.grid_community.items():
        grid_of.setdefault(demo_graph.units[cid].code[:6], gid)
    tianxin, furong = grid_of["430103"], grid_of["430102"]
    d = router.route(tianxin, "C04")
    assert d.level == "street" and d.unit_code.startswith("430103")
    assert d.department_id is not None
    cross = router.route([tianxin, furong], "O04")  # across two districts
    assert (cross.level, cross.unit_id) == ("city", by_code["430100"])
