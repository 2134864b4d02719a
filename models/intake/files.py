"""Cases in and out of files: CSV (UTF-8 or GBK, with or without BOM) and Open311
GeoReport v2 JSON in; Open311 GeoReport v2 JSON out, with the six steps mapped onto
``status`` and ``status_notes`` and residents' phone numbers masked.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import aliased

from models.cases.service import (
    MAX_DESCRIPTION_CHARS,
    CaseService,
    GridLocator,
    NewCase,
    _validated,
    check_reported_at,
)
from models.core.auth import Actor, Perm, mask_phone
from models.core.catalogue import Catalogue, load_catalogue
from models.core.enums import CLOSED
from models.core.errors import ValidationError
from models.core.privacy import mask_personal_data
from models.core.workcalendar import WorkingCalendar
from models.intake.service import IntakeService, _time, suggest_subcategory
from models.intake.service import _num as _intake_num
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import AdminUnit, Case
from models.world.extent import CityExtent

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FIELD_CHARS = 128 * 1024  # one CSV field; a description is capped far below this anyway
MAX_SERVICE_MAP_BYTES = 1024 * 1024
BATCH_ROWS = 5_000  # rows validated/inserted at a time: memory stays bounded by the batch
MAX_PROBLEMS_LISTED = 1_000  # rows' problems carried in the error (the count is exact)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)  # an imported report is past, give or take a clock
QUARANTINE_CHANNEL = "import"
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


def _num(row: Mapping, key: str) -> float:
    try:
        return _intake_num(row, key)
    except OverflowError:  # an integer too large for a float, from JSON
        raise ValidationError(f"{key} is out of range", field=key) from None


def _text(row: Mapping, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _row_case(row: Mapping) -> NewCase:
    return NewCase(channel=_text(row, "channel") or "resident",
                   subcategory=_text(row, "subcategory"),
                   lon=_num(row, "lon"), lat=_num(row, "lat"),
                   title=_text(row, "title"), description=_text(row, "description"),
                   address=_text(row, "address"), reporter_name=_text(row, "reporter_name"),
                   reporter_phone=_text(row, "reporter_phone"),
                   reported_at=_time(row, "reported_at"))


def _open311_case(req: Mapping) -> NewCase:
    name = " ".join(x for x in (_text(req, "first_name"), _text(req, "last_name")) if x)
    return NewCase(channel="resident", subcategory=_text(req, "service_code"),
                   lon=_num(req, "long"), lat=_num(req, "lat"),
                   title=(_text(req, "service_name") or _text(req, "description"))[:200],
                   description=_text(req, "description"),
                   address=_text(req, "address_string") or _text(req, "address"),
                   reporter_name=name, reporter_phone=_text(req, "phone"),
                   reported_at=_time(req, "requested_datetime"))


@dataclass(frozen=True)
class ServiceMap:
    """Another system's service codes mapped onto our subcategories (``--service-map``).

    A code the map does not name, and that is not one of ours, takes the subcategory the
    words of the request suggest (:func:`models.intake.service.suggest_subcategory`), if any.
    """

    codes: Mapping[str, str]

    @classmethod
    def read(cls, path: str | os.PathLike, catalogue: Catalogue | None = None) -> ServiceMap:
        """Read a JSON object ``{"their code": "our subcategory code", ...}``.

        Raises
        ------
        ValidationError
            Not a JSON object of strings, too large, or naming a subcategory we do not have.
        """
        p = Path(path)
        try:
            with p.open("rb") as f:
                raw = f.read(MAX_SERVICE_MAP_BYTES + 1)
        except OSError as exc:
            raise ValidationError(f"{p}: cannot read the service map ({exc.strerror})") from None
        if len(raw) > MAX_SERVICE_MAP_BYTES:
            raise ValidationError(f"{p}: a service map is at most "
                                  f"{MAX_SERVICE_MAP_BYTES // 2**20} MiB")
        try:
            doc = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ValidationError(f"{p}: the service map is not UTF-8 JSON") from None
        if not isinstance(doc, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in doc.items()):
            raise ValidationError(f"{p}: the service map must be a JSON object of their "
                                  "code -> our subcategory code")
        catalogue = catalogue or load_catalogue()
        for theirs, ours in doc.items():
            try:
                catalogue.subcategory(ours)
            except ValidationError:
                raise ValidationError(f"{p}: {theirs!r} maps to {ours!r}, which is not a "
                                      f"subcategory of catalogue {catalogue.version}") from None
        return cls(dict(doc))

    def resolve(self, new: NewCase, catalogue: Catalogue) -> NewCase:
        """``new`` with its subcategory mapped, or suggested from its words."""
        code = self.codes.get(new.subcategory)
        if code is None:
            if _known(new.subcategory, catalogue):
                return new
            code = suggest_subcategory(f"{new.title} {new.description}")
            if code is None:
                raise ValidationError(
                    f"service code {new.subcategory[:40]!r} is not in the service map and "
                    "the description suggests no subcategory", field="subcategory")
        return dataclasses.replace(new, subcategory=code)


def _known(code: str, catalogue: Catalogue) -> bool:
    try:
        catalogue.subcategory(code)
    except ValidationError:
        return False
    return True


class _Source:
    """A cases file read as a stream of (row number, raw row) pairs, as often as needed.

    CSV is decoded as it is read (UTF-8, else GB18030, a superset of GBK, decided by a first
    pass over the whole file), so a 50 MB file never sits in memory whole. An Open311 file is
    one JSON document and is parsed whole (at most :data:`MAX_FILE_BYTES`).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        p = Path(path)
        self.path = p
        if not p.is_file():
            raise ValidationError(f"{p}: no such file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationError(f"{p}: {size / 2**20:.1f} MB, over the "
                                  f"{MAX_FILE_BYTES // 2**20} MB limit")
        self.kind = p.suffix.lower().lstrip(".")
        if self.kind not in ("csv", "json"):
            raise ValidationError(f"{p}: unknown format; use .csv or Open311 .json")
        self.encoding = "utf-8-sig"
        if self.kind == "csv":
            self._check_csv()

    def _check_csv(self) -> None:
        """Pick the encoding and check the header, the field sizes and the quoting."""
        for encoding in ("utf-8-sig", "gb18030"):
            self.encoding = encoding
            try:
                rows = sum(1 for _ in self.rows())
            except UnicodeDecodeError:
                continue
            if rows == 0:
                raise ValidationError(f"{self.path}: no cases in the file")
            return
        raise ValidationError(f"{self.path}: neither UTF-8 nor GBK text")

    def rows(self) -> Iterator[tuple[int, Mapping]]:
        if self.kind == "json":
            yield from self._json_rows()
            return
        with self.path.open("r", encoding=self.encoding, newline="") as f:
            reader = csv.reader(f)
            try:
                header = next((r for r in reader if any(x.strip() for x in r)), None)
                if header is None:
                    raise ValidationError(f"{self.path}: the file is empty")
                names = [h.strip() for h in header or ()]
                missing = {"subcategory", "lon", "lat"} - set(names)
                if missing:
                    raise ValidationError(
                        f"{self.path}: missing column(s) {', '.join(sorted(missing))}; the "
                        f"columns are {', '.join(CSV_COLUMNS)}")
                for n, values in enumerate(reader, start=2):  # row 1 is the header
                    if not values:
                        continue
                    yield n, dict(zip(names, values, strict=False))
            except csv.Error as exc:
                # e.g. a field over csv.field_size_limit() (128 KiB): the rest of the file
                # cannot be trusted to be split into the same rows
                raise ValidationError(f"{self.path}: line {reader.line_num}: {exc}; nothing "
                                      "was imported") from None

    def _json_rows(self) -> Iterator[tuple[int, Mapping]]:
        raw = self.path.read_bytes()
        if not raw.strip():
            raise ValidationError(f"{self.path}: the file is empty")
        try:
            doc = json.loads(_decode(raw, self.path))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{self.path}: not valid JSON ({exc.msg}, line "
                                  f"{exc.lineno})") from None
        except RecursionError:
            raise ValidationError(f"{self.path}: the JSON is nested too deeply") from None
        except ValueError as exc:  # e.g. an integer of more digits than Python converts
            raise ValidationError(f"{self.path}: not valid JSON ({exc})") from None
        del raw
        items = doc if isinstance(doc, list) else doc.get("requests") if isinstance(doc, dict) \
            else None
        if not isinstance(items, list):
            raise ValidationError(f"{self.path}: expected a list of Open311 service requests")
        if not items:
            raise ValidationError(f"{self.path}: no cases in the file")
        for n, item in enumerate(items, start=1):
            yield n, item if isinstance(item, dict) else {}

    def case(self, row: Mapping) -> NewCase:
        return _open311_case(row) if self.kind == "json" else _row_case(row)


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 is a superset of GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"{path}: neither UTF-8 nor GBK text")


@dataclass(frozen=True)
class ImportResult:
    """What an import did: cases written, rows put in the quarantine (their ids)."""

    imported: int
    quarantined: tuple[int, ...] = ()


class _Checker:
    """Turns one raw row into the column values of a case, or raises ValidationError."""

    def __init__(self, source: _Source, catalogue: Catalogue, calendar: WorkingCalendar,
                 extent: CityExtent | None, service_map: ServiceMap | None) -> None:
        self.source, self.catalogue, self.calendar = source, catalogue, calendar
        self.extent, self.service_map = extent, service_map
        self.not_after = dt.datetime.now(dt.UTC) + MAX_CLOCK_SKEW

    def values(self, row: Mapping) -> dict:
        new = self.source.case(row)
        if self.service_map is not None:
            new = self.service_map.resolve(new, self.catalogue)
        values = _validated(new, self.catalogue, self.calendar)
        check_reported_at(values["reported_at"], not_after=self.not_after)
        if self.extent is not None and not self.extent.contains(values["lon"], values["lat"]):
            raise ValidationError(f"{values['lon']:.6f},{values['lat']:.6f} is outside the "
                                  "city", field="lon")
        return values


def import_cases(db: Database, actor: Actor, path: str | os.PathLike, *,
                 locate: GridLocator | None = None, service_map: ServiceMap | None = None,
                 quarantine_invalid: bool = False, extent: CityExtent | bool | None = True,
                 batch_rows: int = BATCH_ROWS) -> ImportResult:
    """Import the cases of a CSV or Open311 JSON file.

    All or nothing by default: every row is checked in a first pass (streamed, in bounded
    memory) and, if any row has a problem, nothing is written and the error lists the rows'
    problems. Otherwise a second pass inserts the cases in batches of ``batch_rows``, all in
    ONE transaction. With ``quarantine_invalid`` the valid rows are imported and each
    invalid row goes to the intake quarantine with its reason.

    Parameters
    ----------
    locate : callable, optional
        ``(lon, lat) -> grid id or None``.
    service_map : ServiceMap, optional
        Another system's service codes -> our subcategories, with the description's
        suggestion as the fallback.
    quarantine_invalid : bool
        Import the valid rows, quarantine the others (instead of all or nothing).
    extent : CityExtent, None or True
        Where a case may be; True (the default) reads the city's extent from ``db``; None
        checks no location.

    Raises
    ------
    ValidationError
        The file cannot be read, or (all or nothing) a row is invalid; with ``problems``,
        the (row, message) of the first :data:`MAX_PROBLEMS_LISTED` invalid rows.
    PermissionDenied
        The actor may not report cases.
    """
    with audit.guarded(db, actor, Perm.CASE_REPORT, "case.import", "case", str(path)):
        source = _Source(path)
        service = CaseService(db, actor, locate=locate)
        if extent is True:
            extent = CityExtent.from_db(db)
        checker = _Checker(source, service.catalogue, service.calendar, extent or None,
                           service_map)
        problems: list[tuple[int, str]] = []
        invalid: set[int] = set()
        total = 0
        for n, row in source.rows():  # pass 1: check every row, keep only the problems
            total += 1
            try:
                checker.values(row)
            except ValidationError as exc:
                invalid.add(n)
                if len(problems) < MAX_PROBLEMS_LISTED:
                    problems.append((n, mask_personal_data(exc.message)))
        if total == 0:
            raise ValidationError(f"{path}: no cases in the file")
        if invalid and not quarantine_invalid:
            listed = "" if len(invalid) <= len(problems) else \
                f" (the first {len(problems)} listed)"
            raise ValidationError(f"{path}: {len(invalid)} row(s) with problems{listed}; "
                                  "nothing was imported", problems=problems)
        imported = 0
        if total > len(invalid):
            with db.write() as s:  # pass 2: one transaction, batch by batch
                batch: list[dict] = []
                for n, row in source.rows():
                    if n in invalid:
                        continue
                    # checked again: the file may have changed since pass 1; a row that no
                    # longer passes rolls the whole import back
                    batch.append(checker.values(row))
                    if len(batch) >= batch_rows:
                        imported += len(service._insert(s, batch))
                        batch = []
                imported += len(service._insert(s, batch))
                audit.record(s, actor, "case.import", "case", str(path),
                             detail=f"{imported} cases, {len(invalid)} row(s) quarantined")
        quarantined: list[int] = []
        if invalid:  # pass 3: the invalid rows, with their reasons, batch by batch
            intake = IntakeService(db, actor, locate=locate, catalogue=service.catalogue)
            bad: list[tuple[int, Mapping, str]] = []
            for n, row in source.rows():
                if n not in invalid:
                    continue
                try:
                    checker.values(row)
                    reason = "valid when checked again; import the row again"
                except ValidationError as exc:
                    reason = exc.message
                bad.append((n, _storable(row), f"{_row_word(source)} {n}: {reason}"))
                if len(bad) >= batch_rows:
                    quarantined += intake.quarantine_many(
                        [(QUARANTINE_CHANNEL, p, reason, str(path)) for _, p, reason in bad])
                    bad = []
            if bad:
                quarantined += intake.quarantine_many(
                    [(QUARANTINE_CHANNEL, p, reason, str(path)) for _, p, reason in bad])
    return ImportResult(imported, tuple(quarantined))


def _row_word(source: _Source) -> str:
    return "item" if source.kind == "json" else "row"


def _storable(row: Mapping) -> dict:
    """A raw row as the quarantine keeps it: text keys, NULs taken out (PostgreSQL cannot
    store them), no value larger than a description may be."""
    out = {}
    for k, v in row.items():
        key = "extra" if k is None else str(k).replace("\x00", "")[:100]
        if isinstance(v, str):
            v = v.replace("\x00", "")[:MAX_DESCRIPTION_CHARS]
        elif not isinstance(v, (int, float, bool, type(None))):
            v = json.dumps(v, ensure_ascii=False, default=str).replace("\\u0000", "")[
                :MAX_DESCRIPTION_CHARS]
        out[key] = v
    return out


def export_cases(db: Database, actor: Actor, path: str | os.PathLike) -> int:
    """Write every case as Open311 GeoReport v2 JSON; atomic. A file leaves the console
    whoever writes it: the reporter's phone is masked, and so is every phone or ID number
    written in a description, title or address
    (:func:`models.core.privacy.mask_personal_data`)."""
    catalogue = load_catalogue()
    names = {s.code: s.name_en for s in catalogue.all_subcategories()}
    with audit.guarded(db, actor, Perm.CASE_READ, "case.export", "case", str(path)):
        unit = aliased(AdminUnit)
        with db.read() as s:
            rows = s.execute(select(Case, unit.code).outerjoin(
                unit, unit.id == Case.assigned_unit_id).order_by(Case.id)).all()
        requests = []
        for c, unit_code in rows:
            closed = c.status in CLOSED
            note = STEP_NOTES[c.status.value]
            if c.status.value == "assessed" and c.satisfaction:
                note += f" (satisfaction {c.satisfaction}/5)"
            requests.append({
                "service_request_id": c.number, "status": "closed" if closed else "open",
                "status_notes": note, "service_name": names.get(c.subcategory, c.subcategory),
                "service_code": c.subcategory,
                "description": mask_personal_data(c.description or c.title),
                "agency_responsible": unit_code or "", "service_notice": "",
                "requested_datetime": c.reported_at.isoformat(),
                "updated_datetime": (c.closed_at or c.step_started_at).isoformat(),
                "expected_datetime": c.step_deadline.isoformat() if c.step_deadline else None,
                "address": mask_personal_data(c.address), "address_id": "", "zipcode": "",
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
                         detail=f"{len(requests)} cases at "
                                f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}Z")
    return len(requests)
