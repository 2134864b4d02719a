"""Intake of a burst: one transaction for its cases, bad items quarantined, duplicates found
among open cases and within the burst."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.intake.service import IntakeService
from models.storage.schema import AuditEntry, Case, CaseHistory, CaseReport, QuarantineItem

FEED = Actor.system("patrol-feed", SystemRole.FEED)
T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def item(**over) -> dict:
    p = {"subcategory": "C03", "lon": 112.9812, "lat": 28.1893, "title": "垃圾堆放",
         "description": "路边垃圾", "name": "李先生", "phone": "13812345678",
         "time": T.isoformat()}
    p.update(over)
    return p


def test_a_burst_makes_cases_and_quarantines_only_the_bad_items(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED, locate=lambda lon, lat: tiny_city.grids[0])
    burst = [item(lon=112.98 + k * 0.01) for k in range(5)]
    burst[2] = item(lon="east")
    burst[4] = item(subcategory="Z99")
    results = svc.submit_many("snap", burst, source="burst-1")
    made = [r.case_id for r in results if r.case_id is not None]
    assert len(made) == 3 and [r.quarantine_id is not None for r in results] == [
        False, False, True, False, True]
    assert "lon must be a number" in results[2].reason
    assert "Z99" in results[4].reason
    with tiny_city.db.read() as s:
        cases = s.scalars(select(Case).where(Case.id.in_(made)).order_by(Case.id)).all()
        # numbers follow ids; every case has its report and its first history row
        assert [c.number for c in cases] == [f"C20261128{c.id:08d}" for c in cases]
        assert [c.grid_id for c in cases] == [tiny_city.grids[0]] * 3
        assert s.scalar(select(func.count()).select_from(CaseReport)
                        .where(CaseReport.case_id.in_(made))) == 3
        assert s.scalars(select(CaseHistory.action).where(
            CaseHistory.case_id.in_(made))).all() == ["report"] * 3
        q = s.scalars(select(QuarantineItem).order_by(QuarantineItem.id)).all()
        assert [(x.channel, x.source, x.status) for x in q] == [("snap", "burst-1",
                                                                 "pending")] * 2
        audits = s.scalars(select(AuditEntry.object_id).where(
            AuditEntry.action == "case.report")).all()
        assert audits == ["3 cases from snap"]
    # the quarantined items can be fixed and retried like any other
    retried = svc.retry(results[2].quarantine_id, item(lon=112.99))
    assert retried.case_id is not None


def test_duplicates_are_found_in_the_database_and_within_the_burst(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED)
    (first,) = svc.submit_many("snap", [item()])
    assert first.duplicates == ()
    later = svc.submit_many("snap", [
        item(lon=112.9813),                    # 10 m away: a duplicate of the open case
        item(lon=112.9900),                    # 860 m away: not
        item(lon=112.9901),                    # 10 m from the previous item of the burst
        item(subcategory="C05", lon=112.9812),  # same place, other subcategory: not
        item(time=(T + dt.timedelta(hours=30)).isoformat()),  # outside the 24 h window
    ])
    assert later[0].duplicates == (first.case_id,)
    assert later[1].duplicates == ()
    assert later[2].duplicates == (later[1].case_id,)
    assert later[3].duplicates == ()
    assert later[4].duplicates == ()
    # the one-at-a-time path agrees: both cases at that spot, the nearest first
    assert svc.duplicates_of(svc.adapters["snap"](item(lon=112.9813))) == (
        later[0].case_id, first.case_id)


def test_an_empty_burst_writes_nothing(tiny_city) -> None:
    svc = IntakeService(tiny_city.db, FEED)
    assert svc.submit_many("snap", []) == []
    with tiny_city.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_quarantine_masks_phones_for_roles_that_may_not_read_them(tiny_city) -> None:
    from models.core.auth import Perm
    from models.core.errors import PermissionDenied
    from models.storage.schema import StaffRole

    feed = IntakeService(tiny_city.db, FEED)
    bad = feed.submit("snap", item(lon="east"))
    auditor = Actor("审计", StaffRole.AUDITOR)
    trainer = Actor("培训", StaffRole.TRAINER)
    assert not trainer.can(Perm.CONTACT_READ)
    (masked,) = IntakeService(tiny_city.db, trainer).quarantine()
    assert masked.payload["phone"] == "138****5678" and masked.payload["lon"] == "east"
    dispatcher = Actor("调度", StaffRole.DISPATCHER)
    # listing is not reading: masked for every role, and no audit row however often
    for _ in range(3):
        (listed,) = IntakeService(tiny_city.db, dispatcher).quarantine()
        assert listed.payload["phone"] == "138****5678"
    # a role with contact rights reveals one item: that read is audited, once
    plain = IntakeService(tiny_city.db, dispatcher).reveal(bad.quarantine_id)
    assert plain.payload["phone"] == "13812345678"
    with pytest.raises(PermissionDenied):
        IntakeService(tiny_city.db, trainer).reveal(bad.quarantine_id)
    with tiny_city.db.read() as s:
        reads = s.execute(select(AuditEntry.actor_name, AuditEntry.outcome).where(
            AuditEntry.action == "contact.read")).all()
    assert [(name, outcome.value) for name, outcome in reads] == [("调度", "ok"),
                                                                  ("培训", "denied")]
    # retrying needs the right to report: an auditor may look, not retry
    with pytest.raises(PermissionDenied):
        IntakeService(tiny_city.db, auditor).retry(bad.quarantine_id, item())
    assert IntakeService(tiny_city.db, dispatcher).retry(bad.quarantine_id,
                                                          item()).case_id is not None


def test_kept_candidates_follow_other_writers_and_what_changed_since(tiny_city) -> None:
    """The open cases kept between bursts (models.intake.duplicates): a case another writer
    stores is offered at the next burst; one closed or reclassified since is not; a burst
    from further back in time reads its own window."""
    from sqlalchemy import update

    svc = IntakeService(tiny_city.db, FEED)
    other = IntakeService(tiny_city.db, Actor.system("hotline-feed", SystemRole.FEED))
    (a,) = svc.submit_many("snap", [item()])
    (b,) = other.submit_many("snap", [item(lon=112.9900)])  # another writer, meanwhile
    (c,) = svc.submit_many("snap", [item(lon=112.9901)])
    assert c.duplicates == (b.case_id,)
    with tiny_city.db.write() as s:  # a dispatcher closes b and reclassifies a
        s.execute(update(Case).where(Case.id == b.case_id).values(status="archived"))
        s.execute(update(Case).where(Case.id == a.case_id).values(subcategory="C05"))
    d, e = svc.submit_many("snap", [item(lon=112.9901), item()])
    assert d.duplicates == (c.case_id,) and e.duplicates == ()
    # ... and once read again, the reclassified case is a candidate of its new subcategory
    (f,) = svc.submit_many("snap", [item(subcategory="C05")])
    assert f.duplicates == (a.case_id,)
    # a report from two days before: its own window, read afresh
    early = (T - dt.timedelta(hours=48)).isoformat()
    (g,) = svc.submit_many("snap", [item(time=early)])
    (h,) = svc.submit_many("snap", [item(time=early, lon=112.9813)])
    assert g.duplicates == () and h.duplicates == (g.case_id,)
