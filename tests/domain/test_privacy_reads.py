"""Phone and ID numbers written in free text are masked on the way out, by role, on SQLite
and PostgreSQL: case reads, history notes, reports, the quarantine, the audit detail; the
audited reveal of a reporter's phone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models.cases.loop import CaseLoop
from models.cases.service import CaseService, NewCase
from models.core.auth import Actor, Perm, SystemRole
from models.core.errors import PermissionDenied, ValidationError
from models.core.privacy import holds_personal_data
from models.intake.service import IntakeService
from models.storage.schema import AuditEntry, Case, StaffRole
from tests.factories import MANAGER
from tests.freshloop import stored_version

DISPATCHER = Actor("调度员", StaffRole.DISPATCHER)
TRAINER = Actor("培训师", StaffRole.TRAINER)
FEED = Actor.system("feed", SystemRole.FEED)
T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def _report(db) -> int:
    return CaseService(db, DISPATCHER).report(NewCase(
        channel="hotline_12345", subcategory="C04", lon=112.9875, lat=28.1825,
        title="井盖缺失 回电13812345678", address="坡子街1号 身份证430105199001011234",
        description="居民说: 请打 +86 139-0000-1111", reporter_name="张三",
        reporter_phone="13812345678")).case_ids[0]


def _contact_reads(db) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "contact.read")))


def test_free_text_is_masked_for_roles_without_contact_rights(tiny_city) -> None:
    db = tiny_city.db
    case_id = _report(db)
    for actor in (TRAINER, MANAGER):
        assert not actor.can(Perm.CONTACT_READ)
        cases = CaseService(db, actor)
        for c in (cases.get(case_id), cases.list()[0]):
            assert (c.title, c.address, c.description) == (
                "井盖缺失 回电138****5678", "坡子街1号 身份证430****1234",
                "居民说: 请打 +86 139****1111")
            assert c.reporter_phone == "138****5678"
        (report,) = cases.reports(case_id)
        assert report.description == "居民说: 请打 +86 139****1111"
    # a dispatcher reads the texts as written; the phone field stays masked until revealed
    c = CaseService(db, DISPATCHER).get(case_id)
    assert c.title == "井盖缺失 回电13812345678" and c.reporter_phone == "138****5678"
    assert _contact_reads(db) == []


def test_history_notes_are_masked_for_roles_without_contact_rights(tiny_city) -> None:
    db = tiny_city.db
    case_id = _report(db)
    CaseLoop(db, DISPATCHER).accept(case_id, note="已联系 13812345678",
                                    expected_version=stored_version(db, case_id))
    notes = [h.note for h in CaseService(db, TRAINER).history(case_id)]
    assert "已联系 138****5678" in notes
    assert "已联系 13812345678" in [h.note for h in CaseService(db, DISPATCHER).history(case_id)]
    with db.read() as s:  # the audit trail repeats the note: stored masked, for any reader
        details = list(s.scalars(select(AuditEntry.detail)))
    assert not any(holds_personal_data(d) for d in details)


def test_reveal_contact_writes_one_audit_row_and_plain_reads_none(tiny_city) -> None:
    db = tiny_city.db
    case_id = _report(db)
    cases = CaseService(db, DISPATCHER)
    for _ in range(5):  # a screen refreshing
        assert cases.get(case_id).reporter_phone == "138****5678"
    assert _contact_reads(db) == []
    assert cases.reveal_contact(case_id) == "13812345678"
    (row,) = _contact_reads(db)
    with db.read() as s:
        number = s.scalar(select(Case.number).where(Case.id == case_id))
    assert (row.actor_role, row.object_id, row.outcome.value) == ("dispatcher", number, "ok")
    with pytest.raises(PermissionDenied):
        CaseService(db, TRAINER).reveal_contact(case_id)
    assert [r.outcome.value for r in _contact_reads(db)] == ["ok", "denied"]


def test_a_phone_longer_than_its_column_is_refused_without_printing_it(tiny_city) -> None:
    # 21 characters pass the pattern but not the 20-character column: on PostgreSQL that was
    # a DataError whose message carried every parameter, the phone included
    phone = "+8613812345678" + "0" * 7
    with pytest.raises(ValidationError) as err:
        CaseService(tiny_city.db, DISPATCHER).report(NewCase(
            channel="hotline_12345", subcategory="C04", lon=112.9875, lat=28.1825,
            title="井盖缺失", reporter_phone=phone))
    assert "13812345678" not in str(err.value) and "reporter phone" in str(err.value)


def test_quarantine_texts_are_masked_and_a_retry_keeps_the_stored_text(tiny_city) -> None:
    db = tiny_city.db
    bad = IntakeService(db, FEED).submit("snap", {
        "subcategory": "C03", "lon": "east", "lat": 28.1893, "title": "垃圾 请回电13812345678",
        "name": "李先生", "phone": "13900001111", "time": T.isoformat()})
    manager = IntakeService(db, MANAGER, locate=lambda lon, lat: tiny_city.grids[0])
    (shown,) = manager.quarantine()
    assert shown.payload["title"] == "垃圾 请回电138****5678"
    assert not holds_personal_data(shown.reason)
    revealed = IntakeService(db, DISPATCHER).reveal(bad.quarantine_id)
    assert revealed.payload["title"] == "垃圾 请回电13812345678"
    assert len(_contact_reads(db)) == 1
    done = manager.retry(bad.quarantine_id, {**shown.payload, "lon": 112.9812})
    with db.read() as s:
        case = s.get(Case, done.case_id)
        assert (case.title, case.reporter_phone) == ("垃圾 请回电13812345678", "13900001111")


def test_a_quarantine_reason_holding_a_phone_is_masked_in_the_listing(tiny_city) -> None:
    db = tiny_city.db
    IntakeService(db, FEED).quarantine_many([(
        "hotline_12345", {"title": "x"}, "row 3: unknown code '13812345678'", "file.csv")])
    (item,) = IntakeService(db, DISPATCHER).quarantine()
    assert item.reason == "row 3: unknown code '138****5678'"
    with db.read() as s:
        details = list(s.scalars(select(AuditEntry.detail)))
    assert not any(holds_personal_data(d) for d in details)


def test_listing_the_quarantine_never_audits_a_contact_read(tiny_city) -> None:
    db = tiny_city.db
    IntakeService(db, FEED).submit("snap", {"subcategory": "C03", "lon": "east", "lat": 28.19,
                                            "title": "x", "phone": "13812345678"})
    dispatcher = IntakeService(db, DISPATCHER)
    for _ in range(3):  # the console refreshing its quarantine dock
        assert dispatcher.quarantine()[0].payload["phone"] == "138****5678"
    assert _contact_reads(db) == []


def test_an_intake_error_quotes_a_misplaced_phone_masked(tiny_city) -> None:
    bad = IntakeService(tiny_city.db, FEED).submit("snap", {
        "subcategory": "C03", "lon": "tel 13812345678", "lat": 28.1893, "title": "垃圾",
        "time": "回电 13900001111"})
    assert bad.case_id is None and "lon must be a number" in bad.reason
    assert not holds_personal_data(bad.reason)
    with pytest.raises(ValidationError) as err:
        CaseService(tiny_city.db, DISPATCHER).report(NewCase(
            channel="13812345678", subcategory="C04", lon=112.98, lat=28.18, title="x"))
    assert "unknown channel '138****5678'" in str(err.value)


def test_the_queue_masks_titles_for_roles_without_contact_rights(tiny_city) -> None:
    """The queue, the alerts and the search read titles from one bulk read: masked there."""
    from models.cases.queue import load_case_table

    _report(tiny_city.db)
    assert load_case_table(tiny_city.db, TRAINER).titles.tolist() == ["井盖缺失 回电138****5678"]
    assert load_case_table(tiny_city.db, DISPATCHER).titles.tolist() == [
        "井盖缺失 回电13812345678"]
