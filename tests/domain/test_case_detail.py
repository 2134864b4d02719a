"""The case detail's one read agrees with the separate reads it replaces."""

from __future__ import annotations

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.storage.schema import StaffRole
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.factories import city_actor


def test_one_read_equals_the_separate_reads(tiny_city) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    svc = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0])
    case_id = svc.report(NewCase(channel="hotline_12345", subcategory="C01", lon=112.981,
                                 lat=28.189, title="占道经营")).case_ids[0]
    loop = CaseLoop(tiny_city.db, dispatcher)
    loop.accept(case_id, expected_version=svc.get(case_id).version)
    router = Router(EscalationGraph.from_db(tiny_city.db))
    case = svc.get(case_id)
    loop.dispatch(case_id, router.route(case.grid_id, case.subcategory),
                  expected_version=case.version)
    detail = svc.detail(case_id)
    assert detail.case == svc.get(case_id)
    assert list(detail.history) == svc.history(case_id) and len(detail.history) == 3
    assert detail.trace and detail.trace == svc.routing_trace(case_id)  # the dispatch's
    assert list(detail.attachments) == svc.attachments(case_id)
