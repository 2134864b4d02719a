"""Retrying a quarantined item: one transaction, phones never lost to their masked form,
every channel retryable (IoT alerts and staff positions included)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select, text

from models.core.auth import Actor, Perm, SystemRole
from models.core.errors import PermissionDenied
from models.intake.service import IntakeService
from models.storage.schema import Case, QuarantineItem, Staff
from models.world.sensors import Sensor, SensorService
from tests.factories import DISPATCHER, MANAGER
from tests.factories import SHIFT_LEAD as LEAD

FEED = Actor.system("feed", SystemRole.FEED)
# MANAGER may report cases, may not read phones; DISPATCHER may read phones, may not track staff
T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def snap(**over) -> dict:
    p = {"subcategory": "C03", "lon": 112.9812, "lat": 28.1893, "title": "垃圾堆放",
         "name": "李先生", "phone": "13812345678", "time": T.isoformat()}
    p.update(over)
    return p


def stored(db, qid: int) -> tuple[str, dict]:
    with db.read() as s:
        q = s.get(QuarantineItem, qid)
        return q.status, json.loads(q.payload)


def test_an_edited_retry_without_contact_rights_keeps_the_real_phone(tiny_city) -> None:
    assert MANAGER.can(Perm.CASE_REPORT) and not MANAGER.can(Perm.CONTACT_READ)
    bad = IntakeService(tiny_city.db, FEED).submit("snap", snap(lon="east"))
    manager = IntakeService(tiny_city.db, MANAGER, locate=lambda lon, lat: tiny_city.grids[0])
    (shown,) = manager.quarantine()
    assert shown.payload["phone"] == "138****5678"
    # fixed, but still wrong: refused, and the stored payload keeps the real phone
    still = manager.retry(bad.quarantine_id, {**shown.payload, "lon": 112.98, "lat": "north"})
    assert still.case_id is None and "lat must be a number" in still.reason
    status, payload = stored(tiny_city.db, bad.quarantine_id)
    assert (status, payload["phone"], payload["lon"]) == ("pending", "13812345678", 112.98)
    (shown,) = manager.quarantine()
    done = manager.retry(bad.quarantine_id, {**shown.payload, "lat": 28.1893})
    with tiny_city.db.read() as s:
        assert s.get(Case, done.case_id).reporter_phone == "13812345678"
    # a phone the manager typed in is theirs to give
    other = IntakeService(tiny_city.db, FEED).submit("snap", snap(lon="west"))
    typed = manager.retry(other.quarantine_id, snap(phone="13900001111"))
    with tiny_city.db.read() as s:
        assert s.get(Case, typed.case_id).reporter_phone == "13900001111"


def test_an_iot_alert_is_retried_once_its_sensor_is_registered(tiny_city) -> None:
    feed = IntakeService(tiny_city.db, FEED)
    (bad,) = feed.submit_many("iot", [{"sensor_id": "smoke-7", "kind": "smoke",
                                       "time": T.isoformat()}])
    assert "unregistered sensor 'smoke-7'" in bad.reason
    SensorService(tiny_city.db, Actor.system()).register(
        [Sensor("smoke-7", 112.9821, 28.1879, "M01", kind="smoke")])
    done = IntakeService(tiny_city.db, DISPATCHER).retry(bad.quarantine_id)
    with tiny_city.db.read() as s:
        case = s.get(Case, done.case_id)
        assert (case.channel.value, case.subcategory) == ("iot", "M01")
    assert stored(tiny_city.db, bad.quarantine_id)[0] == "retried"


def test_a_position_is_retried_by_a_role_that_tracks_staff(tiny_city) -> None:
    sid = tiny_city.staff["manager"]
    qid = IntakeService(tiny_city.db, FEED).quarantine_many([(
        "staff_position", {"topic": f"citygrid/staff/{sid}/position", "lon": "far",
                           "lat": 28.1822, "time": "2026-11-28T10:00:00Z"},
        "staff 2: lon must be a number", "citygrid/staff")])[0]
    fixed = {"topic": f"citygrid/staff/{sid}/position", "lon": 112.9866, "lat": 28.1822,
             "time": "2026-11-28T10:00:00Z"}
    with pytest.raises(PermissionDenied):
        IntakeService(tiny_city.db, DISPATCHER).retry(qid, fixed)
    outside = IntakeService(tiny_city.db, LEAD).retry(qid, {**fixed, "lon": -74.0,
                                                            "lat": 40.7})
    assert outside.staff_id is None and "outside the city" in outside.reason
    done = IntakeService(tiny_city.db, LEAD).retry(qid, fixed)
    assert done.staff_id == sid and done.quarantine_id is None
    with tiny_city.db.read() as s:
        assert s.get(Staff, sid).last_lon == 112.9866
    assert stored(tiny_city.db, qid)[0] == "retried"


def _refuse_retried_status(db) -> None:
    """A database that refuses to mark an item retried (after the case is inserted)."""
    with db.write() as s:
        if db.is_sqlite:
            s.execute(text("CREATE TRIGGER no_retry BEFORE UPDATE ON quarantine "
                           "WHEN NEW.status = 'retried' BEGIN SELECT RAISE(ABORT, 'no'); END"))
        else:
            s.execute(text("CREATE FUNCTION no_retry() RETURNS trigger AS $$ BEGIN "
                           "IF NEW.status = 'retried' THEN RAISE EXCEPTION 'no'; END IF; "
                           "RETURN NEW; END $$ LANGUAGE plpgsql"))
            s.execute(text("CREATE TRIGGER no_retry BEFORE UPDATE ON quarantine "
                           "FOR EACH ROW EXECUTE FUNCTION no_retry()"))


def test_a_retry_is_one_transaction(tiny_city) -> None:
    bad = IntakeService(tiny_city.db, FEED).submit("snap", snap(lon="east"))
    _refuse_retried_status(tiny_city.db)
    result = IntakeService(tiny_city.db, DISPATCHER).retry(bad.quarantine_id, snap())
    assert result.case_id is None and "database refused it" in result.reason
    with tiny_city.db.read() as s:  # no case without its quarantine status, and no traceback
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    assert stored(tiny_city.db, bad.quarantine_id)[0] == "pending"
