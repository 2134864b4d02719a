"""Services: every read and write of cases and staff goes through them, with the actor."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import func, select

from models.cases.service import CaseService, NewCase
from models.core.auth import Actor, SystemRole, mask_phone
from models.core.errors import NotFoundError, PermissionDenied, ValidationError
from models.storage.audit import AuditService
from models.storage.schema import AuditEntry, Case, CaseHistory, StaffRole
from models.world.staff import PositionFix, StaffService
from models.world.units import UnitService, district_summaries

DISPATCHER = Actor("王调度", StaffRole.DISPATCHER, staff_id=None)
AUDITOR = Actor("李审计", StaffRole.AUDITOR)
TRAINER = Actor("赵培训", StaffRole.TRAINER)


def _count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def _new(**over) -> NewCase:
    base = dict(channel="hotline_12345", subcategory="C04", lon=112.9875, lat=28.1825,
                title="井盖缺失", address="坡子街 1 号", reporter_name="张三",
                reporter_phone="13812345678")
    base.update(over)
    return NewCase(**base)


def _locator(tiny_city):
    import shapely

    def locate(lon: float, lat: float) -> int | None:
        for gid, poly in zip(tiny_city.grids, tiny_city.cells.values(), strict=True):
            if poly.covers(shapely.Point(lon, lat)):
                return gid
        return None
    return locate


def test_report_creates_case_history_and_audit(tiny_city) -> None:
    db = tiny_city.db
    svc = CaseService(db, DISPATCHER, locate=_locator(tiny_city))
    changes = svc.report(_new())
    assert changes.created and len(changes.case_ids) == 1
    case = svc.get(changes.case_ids[0])
    assert case.status == "reported"
    assert case.category == "city" and case.event_class == "A" and case.priority == "urgent"
    assert case.grid_id == tiny_city.grids[3]  # (112.9875, 28.1825) lies in the south-east cell
    assert case.number.startswith("C") and len(case.number) == 17
    # class A: accept within 0.25 calendar hours
    assert case.step_deadline - case.reported_at == dt.timedelta(minutes=15)
    history = svc.history(case.id)
    assert [(h.action, h.from_status, h.to_status) for h in history] == [
        ("report", None, "reported")]
    with db.read() as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.report")).all()
    assert [(a.actor_name, a.outcome.value, a.object_id) for a in audits] == [
        ("王调度", "ok", case.number)]


@pytest.mark.parametrize("bad, message", [
    (dict(channel="fax"), "unknown channel"),
    (dict(subcategory="Z99"), "unknown subcategory"),
    (dict(lon=math.nan), "finite"),
    (dict(lat=95.0), "outside"),
    (dict(title="   "), "needs a title"),
    (dict(title="x" * 201), "longer than 200"),
    (dict(reporter_phone="call me"), "not a phone number"),
    (dict(priority="whenever"), "unknown priority"),
    (dict(reported_at=dt.datetime(2026, 1, 1)), "time zone"),
])
def test_invalid_report_raises_and_writes_nothing(tiny_city, bad, message) -> None:
    db = tiny_city.db
    before = (_count(db, Case), _count(db, CaseHistory), _count(db, AuditEntry))
    with pytest.raises(ValidationError, match=message):
        CaseService(db, DISPATCHER).report(_new(**bad))
    assert (_count(db, Case), _count(db, CaseHistory), _count(db, AuditEntry)) == before


def test_denied_report_is_audited_and_writes_no_case(tiny_city) -> None:
    db = tiny_city.db
    with pytest.raises(PermissionDenied, match="trainer"):
        CaseService(db, TRAINER).report(_new())
    assert _count(db, Case) == 0
    with db.read() as s:
        row = s.scalars(select(AuditEntry)).one()
    assert (row.action, row.outcome.value, row.actor_role) == ("case.report", "denied", "trainer")


def test_phone_is_masked_unless_role_may_read_it(tiny_city) -> None:
    db = tiny_city.db
    case_id = CaseService(db, DISPATCHER).report(_new()).case_ids[0]
    grid_worker = Actor("网格员", StaffRole.MANAGER)
    assert CaseService(db, grid_worker).get(case_id).reporter_phone == "138****5678"
    assert CaseService(db, DISPATCHER).get(case_id).reporter_phone == "138****5678"
    assert CaseService(db, DISPATCHER).reveal_contact(case_id) == "13812345678"
    with pytest.raises(PermissionDenied):
        CaseService(db, grid_worker).reveal_contact(case_id)
    trail = AuditService(db, AUDITOR).recent()
    assert [(a.action, a.outcome) for a in trail if a.action == "contact.read"] == [
        ("contact.read", "denied"), ("contact.read", "ok")]


def test_audit_needs_the_auditor_role(tiny_city) -> None:
    with pytest.raises(PermissionDenied):
        AuditService(tiny_city.db, DISPATCHER).recent()


def test_missing_case_is_not_found(tiny_city) -> None:
    with pytest.raises(NotFoundError):
        CaseService(tiny_city.db, DISPATCHER).get(999_999)


def test_list_and_count_by_status(tiny_city) -> None:
    svc = CaseService(tiny_city.db, DISPATCHER)
    for i in range(3):
        svc.report(_new(title=f"case {i}"))
    assert [c.title for c in svc.list()] == ["case 2", "case 1", "case 0"]
    assert svc.count_by_status() == {"reported": 3}
    assert svc.list(statuses=("archived",)) == []


def test_staff_positions_batch_and_out_of_order(tiny_city) -> None:
    db = tiny_city.db
    feed = Actor.system("gps", SystemRole.FEED)
    svc = StaffService(db, feed)
    sid = tiny_city.staff["manager"]
    t1 = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)
    changes = svc.update_positions([PositionFix(sid, 112.985, 28.185, t1)])
    assert changes.staff_ids == (sid,)
    stale = svc.update_positions([PositionFix(sid, 112.0, 28.0, t1 - dt.timedelta(minutes=5))])
    assert stale.staff_ids == ()
    got = StaffService(db, DISPATCHER).get(sid)
    assert (got.lon, got.lat, got.last_seen_at) == (112.985, 28.185, t1)


def test_staff_bad_fix_rejects_whole_batch(tiny_city) -> None:
    db = tiny_city.db
    svc = StaffService(db, Actor.system("gps", SystemRole.FEED))
    sid = tiny_city.staff["manager"]
    t = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="not a valid"):
        svc.update_positions([PositionFix(sid, 112.99, 28.18, t),
                              PositionFix(sid, math.inf, 28.18, t)])
    with pytest.raises(NotFoundError):
        svc.update_positions([PositionFix(sid, 112.99, 28.18, t),
                              PositionFix(424242, 112.99, 28.18, t)])
    assert StaffService(db, DISPATCHER).get(sid).lon == pytest.approx(112.981)


def test_staff_phone_masking_by_role(tiny_city) -> None:
    sid = tiny_city.staff["supervisor"]
    assert StaffService(tiny_city.db, DISPATCHER).get(sid).phone == "13812340000"
    assert StaffService(tiny_city.db, TRAINER).get(sid).phone == mask_phone("13812340000")


def test_duty_status(tiny_city) -> None:
    svc = StaffService(tiny_city.db, Actor("lead", StaffRole.SHIFT_LEAD))
    assert svc.count_on_duty() == 5
    svc.set_duty(tiny_city.staff["assistant"], "off_duty")
    assert svc.count_on_duty() == 4
    with pytest.raises(ValidationError):
        svc.set_duty(tiny_city.staff["assistant"], "asleep")
    with pytest.raises(PermissionDenied):
        StaffService(tiny_city.db, DISPATCHER).set_duty(tiny_city.staff["assistant"], "on_duty")


def test_units_and_summaries(tiny_city) -> None:
    units = UnitService(tiny_city.db, DISPATCHER)
    assert [u.level for u in units.units()] == ["city", "district", "street", "community"]
    assert units.grid_by_code(tiny_city.grid_codes[0]).community_code == "430103001001"
    with pytest.raises(NotFoundError):
        units.grid_by_code("000000000000000")
    (row,) = district_summaries(tiny_city.db, DISPATCHER)
    assert (row.code, row.streets, row.communities, row.grids, row.staff) == (
        "430103", 1, 1, 4, 3)
