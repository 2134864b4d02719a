"""Snap reports: JSON with photos from a watched folder or an import, on each backend."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.cases.loop import CaseLoop
from models.cases.photos import MAX_PHOTO_BYTES
from models.cases.service import CaseService
from models.core.auth import Actor, SystemRole
from models.core.errors import NotFoundError, PermissionDenied, ValidationError
from models.intake.service import IntakeService
from models.intake.snaps import SnapFolder, SnapImporter
from models.storage.db import Database
from models.storage.schema import (
    AuditEntry,
    Case,
    CaseAttachment,
    CaseStatus,
    QuarantineItem,
    StaffRole,
)
from tests.factories import DISPATCHER
from tests.freshloop import FreshLoop

ROOT = Path(__file__).resolve().parents[2]
FEED = Actor.system("snaps", SystemRole.FEED)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"


def png(rgb: tuple[int, int, int], size: int = 2) -> bytes:
    """A real PNG of ``size`` x ``size`` pixels of one colour (distinct colours, distinct
    bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0,
                                                               0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


RED, BLUE = png((255, 0, 0)), png((0, 0, 255))


def payload(**over) -> dict:
    p = {"subcategory": "C04", "lon": 112.9812, "lat": 28.1893, "title": "井盖缺失",
         "description": "人行道上的井盖不见了", "name": "王女士", "phone": "13912345678",
         "time": "2026-11-28T09:00:00+08:00", "photos": []}
    p.update(over)
    return p


def age(*paths: Path, seconds: float = 60.0) -> None:
    """Make files look written ``seconds`` ago (past the settling time)."""
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


def drop(folder: Path, name: str, photos: dict[str, bytes] | None = None, *,
         text: str | None = None, settled: bool = True, **over) -> Path:
    """Write a report and its photos into ``folder`` as a phone would."""
    folder.mkdir(parents=True, exist_ok=True)
    photos = photos or {}
    for photo_name, data in photos.items():
        (folder / photo_name).write_bytes(data)
    report = folder / name
    body = text if text is not None else json.dumps(
        payload(**{"photos": list(photos), **over}), ensure_ascii=False)
    report.write_text(body, encoding="utf-8")
    if settled:
        age(report, *(folder / n for n in photos))
    return report


def count(db: Database, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


@pytest.fixture
def inbox(tmp_path) -> Path:
    return tmp_path / "inbox"


def test_report_with_two_photos_becomes_a_case_with_attachments(db, inbox) -> None:
    drop(inbox, "r1.json", {"a.png": RED, "b.jpg": JPEG})
    result = SnapFolder(db, FEED, inbox).scan()

    assert (result.imported, result.quarantined, result.waiting) == (1, 0, ())
    (case_id,) = result.case_ids
    with db.read() as s:
        case = s.get(Case, case_id)
        assert (case.channel.value, case.subcategory, case.title) == ("snap", "C04", "井盖缺失")
    photos = CaseService(db, DISPATCHER).attachments(case_id)
    assert [(p.case_id, p.kind, p.file_name, p.media_type, p.size) for p in photos] == [
        (case_id, "photo", "a.png", "image/png", len(RED)),
        (case_id, "photo", "b.jpg", "image/jpeg", len(JPEG))]
    for record, data in zip(photos, (RED, JPEG), strict=True):
        assert type(record.data) is bytes and record.data == data  # the bytes, in the database
        assert record.sha256 == hashlib.sha256(data).hexdigest()
        assert record.added_at.tzinfo is not None
    # kept in case_attachment with their bytes, nothing written next to the database
    with db.read() as s:
        rows = s.scalars(select(CaseAttachment).order_by(CaseAttachment.id)).all()
        assert [(r.case_id, r.kind, r.file_name, bytes(r.data)) for r in rows] == [
            (case_id, "photo", "a.png", RED), (case_id, "photo", "b.jpg", JPEG)]
    # the report's files moved out of the way, into processed/
    assert sorted(p.name for p in inbox.iterdir()) == ["processed"]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a.png", "b.jpg",
                                                                       "r1.json"]
    assert result.outcomes[0].files[0] == inbox / "processed" / "r1.json"
    # a second scan finds nothing more to do
    again = SnapFolder(db, FEED, inbox).scan()
    assert (again.imported, again.quarantined, count(db, Case)) == (0, 0, 1)
    assert count(db, CaseAttachment) == 2


def test_the_same_photo_is_stored_once_per_case(db, inbox) -> None:
    drop(inbox, "r1.json", {"mine.png": RED, "again.png": RED})  # the same photo twice
    drop(inbox, "r2.json", {"theirs.png": RED, "other.png": BLUE}, lon=112.99)
    result = SnapFolder(db, FEED, inbox).scan()

    assert result.imported == 2 and [o.photos for o in result.outcomes] == [1, 2]
    service = CaseService(db, DISPATCHER)
    first, second = (service.attachments(c) for c in result.case_ids)
    assert [(p.file_name, p.data) for p in first] == [("mine.png", RED)]
    assert [(p.file_name, p.data) for p in second] == [("theirs.png", RED), ("other.png", BLUE)]
    # each case carries its own copy (it travels with the case), but only one per case
    assert count(db, CaseAttachment) == 3


def test_feedback_photos_are_listed_with_the_snap_photos(db, inbox) -> None:
    drop(inbox, "r.json", {"before.png": RED})
    case_id = SnapFolder(db, FEED, inbox).scan().case_ids[0]
    admin = Actor.system("test", SystemRole.ADMIN)
    with db.write() as s:  # straight to handling: the loop's own tests walk every step
        s.get(Case, case_id).status = CaseStatus.HANDLING
    FreshLoop(CaseLoop(db, admin)).feedback(case_id, "修好了",
                                            photos=[("after.jpg", "image/png", JPEG)])

    photos = CaseService(db, DISPATCHER).attachments(case_id)
    assert [(p.kind, p.file_name, p.media_type, p.data) for p in photos] == [
        ("photo", "before.png", "image/png", RED),
        ("photo", "after.jpg", "image/jpeg", JPEG)]  # the bytes decide the media type
    assert photos[0].added_at <= photos[1].added_at


def test_refused_feedback_photos_are_not_stored(db, inbox) -> None:
    drop(inbox, "r.json")
    case_id = SnapFolder(db, FEED, inbox).scan().case_ids[0]
    with db.write() as s:
        s.get(Case, case_id).status = CaseStatus.HANDLING
    loop = FreshLoop(CaseLoop(db, Actor.system("test", SystemRole.ADMIN)))
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        loop.feedback(case_id, "done", photos=[("x.gif", "image/gif", b"GIF89a\x01\x00")])
    with pytest.raises(ValidationError, match="the limit is 10 MB"):
        loop.feedback(case_id, "done", photos=[("big.png", "image/png",
                                                RED[:16] + bytes(MAX_PHOTO_BYTES))])
    assert count(db, CaseAttachment) == 0
    with db.read() as s:
        assert s.get(Case, case_id).status == CaseStatus.HANDLING


def test_import_leaves_the_files_in_place(db, inbox) -> None:
    report = drop(inbox, "r.json", {"a.png": RED}, settled=False)
    outcome = SnapImporter(db, FEED).import_file(report)
    assert outcome.case_id is not None and outcome.photos == 1
    assert report.exists() and (inbox / "a.png").exists()


def _huge(path: Path) -> None:
    """A PNG one byte over the limit (sparse: the importer must refuse it unread)."""
    with open(path, "wb") as f:
        f.write(RED[:16])
        f.truncate(MAX_PHOTO_BYTES + 1)


# kind: (photos named in the report -> bytes, or None for a photo that is not there, or
#        _huge; the report's text instead of a good payload; payload changes; the reason)
BAD = {
    "bad JSON": ({}, '{"subcategory": "C04", "lon": 112.98,', {}, "not UTF-8 JSON"),
    "not an object": ({}, "[1, 2]", {}, "not a JSON object"),
    "missing photo": ({"a.png": RED, "gone.jpg": None}, None, {},
                      "photo 'gone.jpg' is missing"),
    "text as photo": ({"a.png": RED, "notes.png": b"just some text, not an image"}, None, {},
                      "photo 'notes.png' is not a JPEG, PNG or WebP image"),
    "GIF": ({"a.png": RED, "anim.gif": b"GIF89a\x01\x00\x01\x00"}, None, {},
            "photo 'anim.gif' is not a JPEG, PNG or WebP image"),
    "oversized photo": ({"a.png": RED, "huge.png": _huge}, None, {},
                        "photo 'huge.png' is 10.0 MB (10,485,761 bytes); the limit is 10 MB"),
    "photo path": ({"a.png": RED, "../a.png": None}, None, {},
                   "photo '../a.png' must be the name of an image file"),
    "invalid case": ({"a.png": RED}, None, {"subcategory": "Z99"}, "Z99"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_reports_go_to_the_quarantine_and_to_rejected(db, inbox, kind) -> None:
    files, text, over, reason = BAD[kind]
    inbox.mkdir()
    for name, content in files.items():
        if isinstance(content, bytes):
            (inbox / name).write_bytes(content)
        elif content is _huge:
            _huge(inbox / name)
    report = inbox / "bad.json"
    report.write_text(text if text is not None else json.dumps(
        payload(photos=list(files), **over)), encoding="utf-8")
    present = [inbox / n for n, c in files.items() if c is not None]
    age(report, *present)

    result = SnapFolder(db, FEED, inbox).scan()

    assert (result.imported, result.quarantined, result.waiting) == (0, 1, ())
    assert reason in result.outcomes[0].reason
    assert count(db, Case) == 0 and count(db, CaseAttachment) == 0  # nothing of it stored
    with db.read() as s:
        item = s.scalars(select(QuarantineItem)).one()
    assert (item.id, item.channel, item.status) == (result.quarantine_ids[0], "snap", "pending")
    assert reason in item.reason and item.source == str(report)
    kept = json.loads(item.payload)
    if text is None:
        assert kept["photos"] == list(files)  # the names stay with the quarantined report
    else:
        assert kept == {"file": "bad.json", "text": text}
    # the report, and the photos it named that were there, are put aside in rejected/
    assert [p.name for p in inbox.iterdir()] == ["rejected"]
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == sorted(
        ["bad.json", "bad.reason.txt", *(p.name for p in present)])
    assert reason in (inbox / "rejected" / "bad.reason.txt").read_text(encoding="utf-8")


def test_a_report_still_being_written_waits_for_the_next_scan(db, inbox) -> None:
    half = drop(inbox, "r.json", text='{"subcategory": "C04", "lo', settled=False)
    folder = SnapFolder(db, FEED, inbox)
    first = folder.scan()
    assert (first.waiting, first.outcomes) == ((half,), ())
    assert half.exists() and count(db, QuarantineItem) == 0
    age(half)  # nobody finished it: now it is a bad report
    second = folder.scan()
    assert second.quarantined == 1 and "not UTF-8 JSON" in second.outcomes[0].reason
    assert (inbox / "rejected" / "r.json").exists()


def test_a_report_whose_photo_is_still_arriving_waits(db, inbox) -> None:
    report = drop(inbox, "r.json", settled=False, photos=None)
    report.write_text(json.dumps(payload(photos=["late.png"])), encoding="utf-8")
    folder = SnapFolder(db, FEED, inbox)
    assert folder.scan().waiting == (report,)  # the JSON is new, the photo not there yet
    (inbox / "late.png").write_bytes(RED)
    age(report)
    assert folder.scan().waiting == (report,)  # the photo was written a moment ago
    age(inbox / "late.png")
    result = folder.scan()
    assert result.imported == 1 and result.outcomes[0].photos == 1


def test_names_already_taken_in_processed_are_not_overwritten(db, inbox) -> None:
    folder = SnapFolder(db, FEED, inbox)
    drop(inbox, "r.json", {"a.png": RED})
    folder.scan()
    drop(inbox, "r.json", {"a.png": BLUE}, lon=112.99)
    folder.scan()
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == [
        "a.png", "a~1.png", "r.json", "r~1.json"]
    assert (inbox / "processed" / "a.png").read_bytes() == RED
    assert (inbox / "processed" / "a~1.png").read_bytes() == BLUE


def test_a_quarantined_snap_with_photos_is_not_retried_without_them(db, inbox) -> None:
    drop(inbox, "r.json", {"a.png": RED}, subcategory="Z99")
    qid = SnapFolder(db, FEED, inbox).scan().quarantine_ids[0]
    intake = IntakeService(db, DISPATCHER)
    result = intake.retry(qid, payload(photos=["a.png"]))
    assert result.case_id is None and "import-snaps" in result.reason
    assert intake.retry(qid, payload()).case_id is not None  # photos dropped on purpose


def test_attachments_honour_the_readers_rights(db, inbox) -> None:
    drop(inbox, "r.json", {"a.png": RED})
    case_id = SnapFolder(db, FEED, inbox).scan().case_ids[0]
    with pytest.raises(PermissionDenied):
        CaseService(db, Actor("v", StaffRole.VOLUNTEER)).attachments(case_id)
    with db.read() as s:
        denied = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.attachments"))
        assert [a.outcome.value for a in denied] == ["denied"]
    with pytest.raises(NotFoundError):
        CaseService(db, DISPATCHER).attachments(case_id + 1)
    assert CaseService(db, DISPATCHER).attachments(case_id)[0].file_name == "a.png"


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={"CITYGRID_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin",
                               "QT_QPA_PLATFORM": "offscreen"})


def test_import_snaps_command(db_url, tmp_path, inbox) -> None:
    data = tmp_path / "data"
    good = drop(inbox, "good.json", {"a.png": RED, "b.png": BLUE})
    ok = cli("import-snaps", str(good), "--db", db_url, data_dir=data)
    assert ok.returncode == 0, ok.stderr
    assert "good.json: case 1 with 2 photo(s)" in ok.stdout
    assert not (data / "photos").exists()  # the photos are in the database, not in a folder

    drop(inbox, "worse.json", {"c.png": b"not an image"}, lon=112.99)
    mixed = cli("import-snaps", str(inbox), "--db", db_url, data_dir=data)
    assert mixed.returncode == 1
    assert "good.json: case 2 with 2 photo(s), may repeat case(s) 1" in mixed.stdout
    assert "worse.json: quarantined" in mixed.stderr and "not a JPEG" in mixed.stderr
    assert "1 snap report(s) imported, 1 quarantined" in mixed.stdout
    assert good.exists()  # an import leaves the files where they are

    missing = cli("import-snaps", str(tmp_path / "nowhere"), "--db", db_url, data_dir=data)
    assert missing.returncode == 2 and "neither a file nor a folder" in missing.stderr

    db = Database.open(db_url, migrate=False)
    try:
        assert count(db, Case) == 2 and count(db, CaseAttachment) == 4
        assert CaseService(db, DISPATCHER).attachments(2)[1].data == BLUE
        assert count(db, QuarantineItem) == 1
    finally:
        db.dispose()


# -- files that can't hurt (issue 11) ------------------------------------------------------
def _link_outside(inbox: Path, name: str) -> None:
    outside = inbox.parent / "secret.jpg"
    outside.write_bytes(JPEG)
    os.symlink(outside, inbox / name)


def _fifo(inbox: Path, name: str) -> None:
    os.mkfifo(inbox / name)


def _dev_zero(inbox: Path, name: str) -> None:
    os.symlink("/dev/zero", inbox / name)


@pytest.mark.parametrize("make, reason", [
    (_link_outside, "photo 'p.jpg' points outside the report's folder"),
    (_fifo, "photo 'p.jpg' is not a regular file"),
    (_dev_zero, "photo 'p.jpg' points outside the report's folder"),
])
def test_a_photo_that_is_not_a_file_in_the_folder_is_refused(db, inbox, make, reason) -> None:
    inbox.mkdir()
    make(inbox, "p.jpg")
    report = drop(inbox, "r.json", settled=True, photos=None)
    report.write_text(json.dumps(payload(photos=["p.jpg"])), encoding="utf-8")
    age(report)
    os.utime(inbox / "p.jpg", (time.time() - 60,) * 2, follow_symlinks=False)

    result = SnapFolder(db, FEED, inbox).scan()  # returns at once: the FIFO is not opened

    assert (result.imported, result.quarantined) == (0, 1)
    assert reason in result.outcomes[0].reason
    assert count(db, Case) == 0 and count(db, CaseAttachment) == 0
    assert sorted(p.name for p in (inbox / "rejected").iterdir()) == [
        "p.jpg", "r.json", "r.reason.txt"]


def test_a_link_to_a_photo_in_the_same_folder_is_fine(db, inbox) -> None:
    drop(inbox, "r.json", {"real.png": RED})
    os.symlink(inbox / "real.png", inbox / "alias.png")
    (inbox / "r.json").write_text(json.dumps(payload(photos=["alias.png"])), encoding="utf-8")
    age(inbox / "r.json", inbox / "real.png")
    os.utime(inbox / "alias.png", (time.time() - 60,) * 2, follow_symlinks=False)
    assert SnapFolder(db, FEED, inbox).scan().imported == 1


def test_a_report_that_is_a_device_or_too_large_is_refused_unread(db, inbox) -> None:
    from models.intake.snaps import MAX_REPORT_BYTES

    inbox.mkdir()
    os.symlink("/dev/zero", inbox / "zero.json")
    with open(inbox / "big.json", "wb") as f:  # sparse: 300 MB that take no disk
        f.write(b'{"description": "')
        f.truncate(300 * 1024 * 1024)
    age(inbox / "big.json")
    os.utime(inbox / "zero.json", (time.time() - 60,) * 2, follow_symlinks=False)

    result = SnapFolder(db, FEED, inbox).scan()

    assert (result.imported, result.quarantined) == (0, 2)
    reasons = sorted(o.reason for o in result.outcomes)
    assert f"the limit is {MAX_REPORT_BYTES:,}" in reasons[0]
    assert "zero.json' points outside" in reasons[1]
    assert count(db, Case) == 0
    with db.read() as s:
        assert max(len(p) for p in s.scalars(select(QuarantineItem.payload))) < 1000


def test_a_report_dated_9999_is_put_aside_and_the_scan_goes_on(db, inbox) -> None:
    drop(inbox, "a.json", {"a.png": RED}, time="9999-12-31T23:59:59+08:00")
    drop(inbox, "b.json", {"b.png": BLUE})
    drop(inbox, "c.json", time="2999-01-01T00:00:00+08:00")

    result = SnapFolder(db, FEED, inbox).scan()

    assert (result.imported, result.quarantined) == (1, 2)
    assert count(db, Case) == 1
    rejected = inbox / "rejected"
    assert "time 9999-12-31T23:59:59+08:00 is outside" in (
        rejected / "a.reason.txt").read_text(encoding="utf-8")
    assert "time 2999-01-01T00:00:00+08:00 is outside" in (
        rejected / "c.reason.txt").read_text(encoding="utf-8")
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["b.json", "b.png"]


def test_a_reason_never_holds_the_phone(db, inbox) -> None:
    drop(inbox, "r.json", phone="139-1234-CALL")
    result = SnapFolder(db, FEED, inbox).scan()
    assert result.quarantined == 1 and "not a phone number" in result.outcomes[0].reason
    text = (inbox / "rejected" / "r.reason.txt").read_text(encoding="utf-8")
    assert "1234" not in text and "1234" not in result.outcomes[0].reason
