"""Intake: adapters validate, bad items wait in the quarantine, duplicates are offered."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.core.errors import NotFoundError, ValidationError
from models.intake.service import IntakeService, suggest_subcategory
from models.storage.schema import Case, CaseReport, StaffRole

FEED = Actor.system("hotline", SystemRole.FEED)
T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def form(**over) -> dict:
    p = {"caller": "王女士", "phone": "13912345678", "address": "坡子街 8 号",
         "lon": 112.9812, "lat": 28.1893, "description": "小区门口井盖丢了",
         "reported_at": T.isoformat()}
    p.update(over)
    return p


def cases(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_hotline_form_becomes_a_case_with_a_suggested_subcategory(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED, locate=lambda lon, lat: tiny_city.grids[0])
    result = svc.submit("hotline_12345", form())
    assert result.case_id is not None and result.quarantine_id is None
    with tiny_city.db.read() as s:
        case = s.get(Case, result.case_id)
        assert (case.subcategory, case.grid_id, case.reporter_phone) == (
            "C04", tiny_city.grids[0], "13912345678")
        assert s.scalar(select(func.count()).select_from(CaseReport)) == 1


@pytest.mark.parametrize("bad, reason", [
    (dict(lon="east"), "lon must be a number"),
    (dict(lat=float("nan")), "lat must be finite"),
    (dict(description="hello", subcategory=None), "no subcategory"),
    (dict(phone="call me"), "not a phone number"),
    (dict(reported_at="yesterday"), "ISO 8601"),
    (dict(reported_at="2026-11-28T09:00:00"), "time zone"),
])
def test_bad_items_are_kept_with_their_reason(tiny_city, bad, reason) -> None:
    svc = IntakeService(tiny_city.db, FEED)
    result = svc.submit("hotline_12345", form(**bad))
    assert result.case_id is None and reason in result.reason
    assert cases(tiny_city.db) == 0
    (item,) = svc.quarantine()
    assert item.id == result.quarantine_id and reason in item.reason


def test_unknown_channel_is_quarantined_not_dropped(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED)
    result = svc.submit("carrier_pigeon", {"x": 1})
    assert "no intake adapter" in result.reason and svc.quarantine()


def test_fix_and_retry_then_discard(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED)
    bad = svc.submit("hotline_12345", form(lon="?"))
    still_bad = svc.retry(bad.quarantine_id)
    assert still_bad.case_id is None and "lon" in still_bad.reason
    fixed = svc.retry(bad.quarantine_id, form())
    assert fixed.case_id is not None
    assert svc.quarantine() == [] and len(svc.quarantine("retried")) == 1
    with pytest.raises(NotFoundError):
        svc.retry(bad.quarantine_id)
    other = svc.submit("snap", {"lon": 1})
    dispatcher = IntakeService(tiny_city.db, Actor("d", StaffRole.DISPATCHER))
    with pytest.raises(ValidationError, match="why"):
        dispatcher.discard(other.quarantine_id, " ")
    from models.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):  # a feed cannot throw items away
        svc.discard(other.quarantine_id, "spam")
    dispatcher.discard(other.quarantine_id, "spam")
    assert svc.quarantine() == []


def test_quarantine_hands_out_typed_records_and_counts_pending_items(tiny_city) -> None:
    from models.core.errors import PermissionDenied
    from models.core.records import QuarantineRecord

    svc = IntakeService(tiny_city.db, FEED)
    assert svc.quarantine_count() == 0
    first = svc.submit("hotline_12345", form(lon="east"), source="hotline form")
    second = svc.submit("snap", {"lon": 1, "note": "照片"})
    records = svc.quarantine()
    assert [r.id for r in records] == [first.quarantine_id, second.quarantine_id]
    item = records[0]
    assert isinstance(item, QuarantineRecord)
    assert (item.channel, item.status, item.source) == ("hotline_12345", "pending",
                                                         "hotline form")
    assert "lon must be a number" in item.reason
    assert item.payload == form(lon="east", phone="139****5678")  # a feed sees no phones
    assert item.received_at.tzinfo is not None
    assert records[1].payload == {"lon": 1, "note": "照片"}
    assert svc.quarantine_count() == 2

    svc.retry(first.quarantine_id, form())
    dispatcher = IntakeService(tiny_city.db, Actor("d", StaffRole.DISPATCHER))
    dispatcher.discard(second.quarantine_id, "spam")
    assert svc.quarantine_count() == 0
    (retried,) = svc.quarantine("retried")
    assert (retried.id, retried.status) == (first.quarantine_id, "retried")
    (discarded,) = svc.quarantine("discarded")
    assert discarded.status == "discarded" and "discarded: spam" in discarded.reason
    with pytest.raises(PermissionDenied):  # reading the quarantine needs case read
        IntakeService(tiny_city.db, Actor("v", StaffRole.VOLUNTEER)).quarantine_count()


def test_duplicates_across_channels_within_the_window(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED)
    first = svc.submit("hotline_12345", form()).case_id
    near = svc.submit("snap", {"subcategory": "C04", "lon": 112.9813, "lat": 28.1893,
                               "title": "井盖缺失",
                               "time": (T + dt.timedelta(hours=5)).isoformat()})
    assert near.duplicates == (first,)
    far = svc.submit("hotline_12345", form(lon=112.99))  # ~850 m away: beyond C04's 50 m
    late = svc.submit("hotline_12345", form(reported_at=(T + dt.timedelta(days=5)).isoformat()))
    assert far.duplicates == () and late.duplicates == ()


def test_only_intake_roles_submit(tiny_city) -> None:
    from models.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        IntakeService(tiny_city.db, Actor("t", StaffRole.TRAINER)).submit("snap", {"lon": 1})


def test_keyword_suggestions() -> None:
    assert suggest_subcategory("楼道里冒烟了，像是着火") == "M01"
    assert suggest_subcategory("路灯坏了好几天") == "C08"
    assert suggest_subcategory("") is None
