"""The case detail's one read agrees with the separate reads it replaces."""

from __future__ import annotations

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.storage.schema import StaffRole
from tests.factories import city_actor


def test_one_read_equals_the_separate_reads(tiny_city) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    svc = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0])
    case_id = svc.report(NewCase(channel="hotline_12345", subcategory="C01", lon=112.981,
                                 lat=28.189, title="占道经营")).case_ids[0]
    CaseLoop(tiny_city.db, dispatcher).accept(case_id, expected_version=svc.get(case_id).version)
    detail = svc.detail(case_id)
    assert detail.case == svc.get(case_id)
    assert list(detail.history) == svc.history(case_id) and len(detail.history) == 2
    assert detail.trace == svc.routing_trace(case_id)
    assert list(detail.attachments) == svc.attachments(case_id)
