"""Cases in and out of files: CSV (UTF-8 or GBK, with or without BOM) and Open311
GeoReport v2 JSON in; Open311 GeoReport v2 JSON out, with the six steps mapped onto
``status`` and ``status_notes`` and residents' phone numbers masked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from models import audit
from models.auth import Actor, Perm, mask_phone
from models.cases import CaseService, GridLocator, NewCase, _validated
from models.catalogue import load_catalogue
from models.db import Database
from models.errors import ValidationError
from models.intake import _num, _time
from models.schema import AdminUnit, Case

MAX_FILE_BYTES = 50 * 1024 * 1024
CSV_COLUMNS = ("channel", "subcategory", "lon", "lat", "title", "description", "address",
               "reporter_name", "reporter_phone", "reported_at")
STEP_NOTES = {
    "reported": "step 1 report: awaiting acceptance",
    "accepted": "step 2 accept & dispatch: accepted",
    "dispatched": "step 2 accept & dispatch: dispatched",
    "handling": "step 3 handle: being handled",
    "verifying": "step 4 verify: awaiting on-site verification",
    "suspended": "suspended (the clock is stopped)",
    "archived": "step 5 archive: verified and archived",
    "assessed": "step 6 assess: assessed",
    "rejected": "closed: rejected at intake",
    "merged": "closed: merged into another request",
}


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 is a superset of GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"{path}: neither UTF-8 nor GBK text")


def _row_case(row: dict) -> NewCase:
    return NewCase(channel=(row.get("channel") or "resident").strip(),
                   subcategory=(row.get("subcategory") or "").strip(),
                   lon=_num(row, "lon"), lat=_num(row, "lat"),
                   title=(row.get("title") or "").strip(),
                   description=(row.get("description") or "").strip(),
                   address=(row.get("address") or "").strip(),
                   reporter_name=(row.get("reporter_name") or "").strip(),
                   reporter_phone=(row.get("reporter_phone") or "").strip(),
                   reported_at=_time(row, "reported_at"))


def _open311_case(req: dict) -> NewCase:
    name = " ".join(x for x in (req.get("first_name"), req.get("last_name")) if x)
    return NewCase(channel="resident", subcategory=str(req.get("service_code", "")),
                   lon=_num(req, "long"), lat=_num(req, "lat"),
                   title=str(req.get("service_name") or req.get("description", ""))[:200],
                   description=str(req.get("description", "")),
                   address=str(req.get("address_string") or req.get("address") or ""),
                   reporter_name=name, reporter_phone=str(req.get("phone") or ""),
                   reported_at=_time(req, "requested_datetime"))


def read_cases_file(path: str | os.PathLike) -> list[tuple[int, NewCase | ValidationError]]:
    """(row or item number, the case or why it is not one) for every row of the file."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"{p}: no such file")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError(f"{p}: over the {MAX_FILE_BYTES // 2**20} MB limit")
    raw = p.read_bytes()
    if not raw.strip():
        raise ValidationError(f"{p}: the file is empty")
    out: list[tuple[int, NewCase | ValidationError]] = []
    if p.suffix.lower() == ".json":
        try:
            doc = json.loads(_decode(raw, p))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        items = doc if isinstance(doc, list) else doc.get("requests") if isinstance(doc, dict) \
            else None
        if not isinstance(items, list):
            raise ValidationError(f"{p}: expected a list of Open311 service requests")
        for n, item in enumerate(items, start=1):
            try:
                out.append((n, _open311_case(item if isinstance(item, dict) else {})))
            except ValidationError as exc:
                out.append((n, exc))
        return out
    if p.suffix.lower() != ".csv":
        raise ValidationError(f"{p}: unknown format; use .csv or Open311 .json")
    reader = csv.DictReader(io.StringIO(_decode(raw, p)))
    missing = {"subcategory", "lon", "lat"} - set(reader.fieldnames or ())
    if missing:
        raise ValidationError(f"{p}: missing column(s) {', '.join(sorted(missing))}; the "
                              f"columns are {', '.join(CSV_COLUMNS)}")
    for n, row in enumerate(reader, start=2):  # row 1 is the header
        try:
            out.append((n, _row_case(row)))
        except ValidationError as exc:
            out.append((n, exc))
    return out


def import_cases(db: Database, actor: Actor, path: str | os.PathLike, *,
                 locate: GridLocator | None = None) -> int:
    """Import every case of a file in one transaction, or none (with every row's problem)."""
    rows = read_cases_file(path)
    if not rows:
        raise ValidationError(f"{path}: no cases in the file")
    catalogue = load_catalogue()
    problems = []
    for n, r in rows:  # every row's problem, not just the first
        if isinstance(r, ValidationError):
            problems.append((n, r.message))
            continue
        try:
            _validated(r, catalogue)
        except ValidationError as exc:
            problems.append((n, exc.message))
    if problems:
        raise ValidationError(f"{path}: {len(problems)} row(s) with problems; nothing was "
                              "imported", problems=problems)
    return len(CaseService(db, actor, locate=locate).report_many(
        [r for _, r in rows if isinstance(r, NewCase)]).case_ids)


def export_cases(db: Database, actor: Actor, path: str | os.PathLike) -> int:
    """Write every case as Open311 GeoReport v2 JSON (phones masked); atomic."""
    catalogue = load_catalogue()
    names = {s.code: s.name_en for s in catalogue.all_subcategories()}
    with audit.guarded(db, actor, Perm.CASE_READ, "case.export", "case", str(path)):
        unit = aliased(AdminUnit)
        with db.read() as s:
            rows = s.execute(select(Case, unit.code).outerjoin(
                unit, unit.id == Case.assigned_unit_id).order_by(Case.id)).all()
        requests = []
        for c, unit_code in rows:
            closed = c.status.value in ("archived", "assessed", "rejected", "merged")
            note = STEP_NOTES[c.status.value]
            if c.status.value == "assessed" and c.satisfaction:
                note += f" (satisfaction {c.satisfaction}/5)"
            requests.append({
                "service_request_id": c.number, "status": "closed" if closed else "open",
                "status_notes": note, "service_name": names.get(c.subcategory, c.subcategory),
                "service_code": c.subcategory, "description": c.description or c.title,
                "agency_responsible": unit_code or "", "service_notice": "",
                "requested_datetime": c.reported_at.isoformat(),
                "updated_datetime": (c.closed_at or c.step_started_at).isoformat(),
                "expected_datetime": c.step_deadline.isoformat() if c.step_deadline else None,
                "address": c.address, "address_id": "", "zipcode": "",
                "lat": round(c.lat, 7), "long": round(c.lon, 7), "media_url": "",
                # not part of GeoReport v2: the reporter's phone, masked as everywhere
                "x_reporter_phone": mask_phone(c.reporter_phone)})
        out = Path(path)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(requests, f, ensure_ascii=False, indent=1)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with db.write() as s:
            audit.record(s, actor, "case.export", "case", str(out),
                         detail=f"{len(requests)} cases at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}Z")
    return len(requests)
