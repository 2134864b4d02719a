"""A case that spans several grids: marked by a dispatcher, stored with the case, routed to
the grids' lowest common unit (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.cases.spans import MAX_SPAN, case_grids
from models.core.errors import IllegalTransition, PermissionDenied, ValidationError
from models.storage.schema import AuditEntry, Case, CaseGrid, CaseHistory
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.citykit import add_second_street
from tests.factories import DISPATCHER, MANAGER


@pytest.fixture
def two_streets(tiny_city):
    """The tiny city and a second street, with one community and one grid, beside it."""
    add_second_street(tiny_city)
    db = tiny_city.db
    tiny_city.case_id = CaseService(
        db, DISPATCHER, locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="patrol", subcategory="O04", lon=112.981, lat=28.189,
                title="路面塌陷")).case_ids[0]
    return tiny_city


def version(db, case_id: int) -> int:
    with db.read() as s:
        return s.get(Case, case_id).version


def counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(CaseGrid)),
                s.scalar(select(func.count()).select_from(CaseHistory)),
                s.scalar(select(func.count()).select_from(AuditEntry)))


def test_a_marked_span_is_stored_with_the_case_and_moves_its_version(two_streets) -> None:
    city, loop = two_streets, CaseLoop(two_streets.db, DISPATCHER)
    cid = city.case_id
    assert case_grids(city.db, cid) == (city.grids[0],)
    v = version(city.db, cid)
    changes = loop.mark_span(cid, [city.grid2], "塌陷跨两个街道", expected_version=v)
    assert changes.case_ids == (cid,)
    assert case_grids(city.db, cid) == (city.grids[0], city.grid2)  # its own grid first
    assert version(city.db, cid) == v + 1  # a stale screen cannot route on the old span
    with city.db.read() as s:
        row = s.scalars(select(CaseHistory).where(CaseHistory.case_id == cid)
                        .order_by(CaseHistory.id.desc())).first()
        assert (row.action, row.note) == ("mark_span", "塌陷跨两个街道")
        assert row.data["grids"] == sorted([city.grid_codes[0], "430103002001001"])
        assert s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "case.mark_span")) == 1
    # marking only its own grid clears the span
    loop.mark_span(cid, [city.grids[0]], expected_version=v + 1)
    assert case_grids(city.db, cid) == (city.grids[0],)
    assert counts(city.db)[0] == 0


def test_the_router_sends_a_spanning_case_to_the_lowest_common_unit(two_streets) -> None:
    city = two_streets
    router = Router(EscalationGraph.from_db(city.db))
    alone = router.route(case_grids(city.db, city.case_id), "O04")
    assert (alone.level, alone.unit_id) == ("community", city.community)
    CaseLoop(city.db, DISPATCHER).mark_span(city.case_id, [city.grids[1]],
                                           expected_version=version(city.db, city.case_id))
    same = router.route(case_grids(city.db, city.case_id), "O04")
    assert (same.level, same.unit_id) == ("community", city.community)  # one community
    CaseLoop(city.db, DISPATCHER).mark_span(city.case_id, [city.grids[1], city.grid2],
                                           expected_version=version(city.db, city.case_id))
    across = router.route(case_grids(city.db, city.case_id), "O04")
    assert (across.level, across.unit_id) == ("district", city.district)
    assert any("spans 3 grids" in line for line in across.trace)


@pytest.mark.parametrize("grids, error", [
    ([987654], "no grid with id 987654"),
    (list(range(1, MAX_SPAN + 5)), f"at most {MAX_SPAN} grids"),
])
def test_a_bad_span_is_refused_and_nothing_is_written(two_streets, grids, error) -> None:
    city = two_streets
    before, v = counts(city.db), version(city.db, city.case_id)
    with pytest.raises(ValidationError, match=error):
        CaseLoop(city.db, DISPATCHER).mark_span(city.case_id, grids, expected_version=v)
    assert counts(city.db)[:2] == before[:2]
    assert version(city.db, city.case_id) == v


def test_only_the_centre_marks_spans_and_only_on_open_cases(two_streets) -> None:
    city = two_streets
    v = version(city.db, city.case_id)
    with pytest.raises(PermissionDenied):
        CaseLoop(city.db, MANAGER).mark_span(city.case_id, [city.grid2], expected_version=v)
    CaseLoop(city.db, DISPATCHER).reject(city.case_id, "invalid", expected_version=v)
    with pytest.raises(IllegalTransition, match="cannot mark_span"):
        CaseLoop(city.db, DISPATCHER).mark_span(city.case_id, [city.grid2],
                                               expected_version=v + 1)
    assert case_grids(city.db, city.case_id) == (city.grids[0],)
