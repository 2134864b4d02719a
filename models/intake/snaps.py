"""Snap reports from phones: a JSON file with its photos beside it, taken in from a watched
folder or imported once (``main.py import-snaps``).

A report is the payload of the snap adapter (:func:`models.intake.service.snap_case`) plus
``photos``, a list of file names in the JSON file's folder::

    {"subcategory": "C04", "lon": 112.9812, "lat": 28.1893, "title": "井盖缺失",
     "description": "...", "name": "王女士", "phone": "13912345678",
     "time": "2026-11-28T09:00:00+08:00", "photos": ["IMG_0001.jpg", "IMG_0002.png"]}

Each photo must be a JPEG, PNG or WebP (by its bytes) of at most 10 MB
(:class:`models.cases.photos.Photo`); the case and one ``case_attachment`` row per distinct photo,
holding its bytes, are written in one transaction
(:meth:`models.cases.service.CaseService.report_with_photos`): the photos live in the database with
the case, not in any folder. A report that cannot become a case (unreadable JSON, a missing
or refused photo, an invalid case) goes to the intake quarantine with its reason; its
payload there keeps the photo names.

In a watched folder (:class:`SnapFolder`) each scan moves a report's JSON and photos to
``processed/`` once it is a case, or to ``rejected/`` once it is quarantined. A report still
arriving (its JSON unparseable or a photo missing, and written less than
:data:`SETTLE_SECONDS` ago; or a photo written that recently) is left for the next scan.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from models.cases.photos import MAX_PHOTO_BYTES, Photo, _too_big
from models.cases.service import GridLocator, check_reported_at
from models.core.auth import Actor
from models.core.catalogue import Catalogue
from models.core.errors import ValidationError
from models.intake.service import IntakeService, snap_case
from models.storage.db import Database

log = logging.getLogger(__name__)

SETTLE_SECONDS = 2.0  # a file written more recently than this may still be arriving
MAX_PHOTOS = 20  # per report
MAX_KEPT_TEXT = 20_000  # characters of an unreadable report kept in the quarantine
MAX_CLOCK_SKEW = dt.timedelta(minutes=10)  # a report timed later than this is refused
MAX_REPORT_BYTES = 1024 * 1024  # a report's JSON: text and a few names, never megabytes
PROCESSED, REJECTED = "processed", "rejected"
REASON_SUFFIX = ".reason.txt"  # beside a rejected report: why it was put aside


@dataclass(frozen=True)
class SnapOutcome:
    """What became of one snap report: a case (with its photos) or a quarantine entry.

    ``files`` are the report's JSON and the photos it named that were found, where they are
    now (in ``processed/`` or ``rejected/`` after a folder scan).
    """

    source: Path
    case_id: int | None = None
    quarantine_id: int | None = None
    reason: str = ""
    photos: int = 0  # distinct photos attached to the case
    duplicates: tuple[int, ...] = ()  # open cases the new one may repeat
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class ScanResult:
    """One scan of a snap folder: the reports taken in, and those left for the next scan."""

    outcomes: tuple[SnapOutcome, ...] = ()
    waiting: tuple[Path, ...] = ()

    @property
    def case_ids(self) -> tuple[int, ...]:
        return tuple(o.case_id for o in self.outcomes if o.case_id is not None)

    @property
    def quarantine_ids(self) -> tuple[int, ...]:
        return tuple(o.quarantine_id for o in self.outcomes if o.quarantine_id is not None)

    @property
    def imported(self) -> int:
        return len(self.case_ids)

    @property
    def quarantined(self) -> int:
        return len(self.quarantine_ids)


@dataclass(frozen=True)
class _Report:
    payload: dict
    photos: tuple[Photo, ...]
    files: tuple[Path, ...]


class _Rejected(Exception):
    def __init__(self, reason: str, payload: Mapping, files: tuple[Path, ...]) -> None:
        super().__init__(reason)
        self.reason, self.payload, self.files = reason, payload, files


def _is_plain(name: object) -> bool:
    """A file name in the report's own folder (no path), and not another report."""
    return (isinstance(name, str) and name not in ("", ".", "..") and Path(name).name == name
            and "\\" not in name and not name.lower().endswith(".json"))


def _photo_names(payload: Mapping) -> list[str]:
    """The distinct photo names of a report, checked to be plain names in its folder."""
    names = payload.get("photos")
    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError("photos must be a list of file names")
    if len(names) > MAX_PHOTOS:
        raise ValidationError(f"{len(names)} photos; a report takes at most {MAX_PHOTOS}")
    for name in names:
        if not _is_plain(name):
            raise ValidationError(f"photo {name!r} must be the name of an image file in the "
                                  "report's folder")
    return list(dict.fromkeys(names))


class _Unsafe(Exception):
    """A file a report names that is not a regular file in the report's own folder."""


def _confined(path: Path, folder: Path) -> Path:
    """The real path of ``path``, which must be a regular file directly in ``folder``
    (a link to a file elsewhere, to a device or to a FIFO is refused, not followed)."""
    real = Path(os.path.realpath(path))
    if real.parent != Path(os.path.realpath(folder)):
        raise _Unsafe(f"{path.name!r} points outside the report's folder")
    return real


def _read_capped(path: Path, folder: Path, limit: int,
                 too_big: Callable[[str, int], str] | None = None) -> bytes:
    """The bytes of a regular file in ``folder``, at most ``limit`` (one more is read to
    tell a file over the limit). Never blocks on a FIFO, never reads a device.

    Raises
    ------
    _Unsafe
        Not a regular file in the folder, or over ``limit`` bytes.
    FileNotFoundError
    """
    real = _confined(path, folder)
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Unsafe(f"{path.name!r} is not a regular file")
        if info.st_size > limit:  # refused unread
            raise _Unsafe(too_big(path.name, info.st_size) if too_big else
                          f"{path.name!r} is {info.st_size:,} bytes; the limit is {limit:,}")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:  # it grew while being read
        raise _Unsafe(f"{path.name!r} is over the limit of {limit:,} bytes")
    return data


def _load(path: Path, *, settle: float, now: float) -> _Report | None:
    """Read one report and its photos; None while it may still be arriving.

    Raises
    ------
    _Rejected
        The report cannot become a case, with the reason and the files to put aside.
    FileNotFoundError
        The JSON file is gone.
    """
    folder = path.parent
    fresh = now - path.lstat().st_mtime < settle
    try:
        raw = _read_capped(path, folder, MAX_REPORT_BYTES)
    except _Unsafe as exc:
        raise _Rejected(f"report {exc}", {"file": path.name}, (path,)) from None
    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if fresh:
            return None
        kept = {"file": path.name, "text": raw.decode("utf-8", "replace")[:MAX_KEPT_TEXT]}
        raise _Rejected(f"{path.name} is not UTF-8 JSON: {exc}", kept, (path,)) from None
    if not isinstance(payload, dict):
        kept = {"file": path.name, "text": raw.decode("utf-8", "replace")[:MAX_KEPT_TEXT]}
        raise _Rejected(f"{path.name} is not a JSON object", kept, (path,))
    listed = payload.get("photos")
    found = tuple(dict.fromkeys(  # what is there (a link or a FIFO too: it is put aside)
        folder / n for n in (listed if isinstance(listed, list) else ())[:MAX_PHOTOS]
        if _is_plain(n) and os.path.lexists(folder / n)))
    files = (path, *found)  # what is put aside with the report
    try:
        names = _photo_names(payload)
    except ValidationError as exc:
        raise _Rejected(exc.message, payload, files) from None
    photos = []
    for name in names:
        photo_path = path.parent / name
        if photo_path not in found and fresh:
            return None  # the phone (or the sync tool) is still copying it
        if photo_path not in found:
            raise _Rejected(f"photo {name!r} is missing", payload, files)
        if now - photo_path.lstat().st_mtime < settle:
            return None
        try:
            photos.append(Photo.from_bytes(name, _read_capped(photo_path, folder,
                                                              MAX_PHOTO_BYTES, _too_big)))
        except _Unsafe as exc:
            text = str(exc)
            raise _Rejected(text if text.startswith("photo ") else f"photo {text}", payload,
                            files) from None
        except ValidationError as exc:
            raise _Rejected(exc.message, payload, files) from None
    return _Report(payload, tuple(photos), files)


class SnapImporter:
    """Turns snap report files into cases with photos, or into quarantine entries.

    Parameters
    ----------
    db : Database
    actor : Actor
        Reports the cases (needs ``case.report``), e.g. ``Actor.system("snaps",
        SystemRole.FEED)``.
    locate, catalogue
        As for :class:`models.cases.service.CaseService`.
    """

    def __init__(self, db: Database, actor: Actor, *, locate: GridLocator | None = None,
                 catalogue: Catalogue | None = None) -> None:
        self.intake = IntakeService(db, actor, locate=locate, catalogue=catalogue)

    def import_file(self, path: Path | str) -> SnapOutcome:
        """Import one snap report now; its files stay where they are.

        Raises
        ------
        FileNotFoundError
            There is no file at ``path``.
        PermissionDenied
            The actor may not report cases.
        """
        outcome = self._take(Path(path), settle=0.0, now=time.time())
        assert outcome is not None  # with no settling time nothing waits
        return outcome

    def _take(self, path: Path, *, settle: float, now: float) -> SnapOutcome | None:
        try:
            report = _load(path, settle=settle, now=now)
            if report is None:
                return None
            payload = report.payload
            try:
                new = snap_case({k: v for k, v in payload.items() if k != "photos"})
                if new.reported_at is not None:  # a phone's clock, a little fast at most
                    check_reported_at(new.reported_at, field="time", not_after=dt.datetime
                                      .fromtimestamp(now, dt.UTC) + MAX_CLOCK_SKEW)
                duplicates = self.intake.duplicates_of(new)
                changes = self.intake.cases.report_with_photos(new, report.photos)
            except ValidationError as exc:
                raise _Rejected(exc.message, payload, report.files) from None
        except _Rejected as rejected:
            qid = self.intake._quarantine("snap", rejected.payload, rejected.reason, str(path))
            log.warning("snap report %s quarantined (%d): %s", path, qid, rejected.reason)
            return SnapOutcome(path, quarantine_id=qid, reason=rejected.reason,
                               files=rejected.files)
        case_id = changes.case_ids[0]
        photos = len({p.sha256 for p in report.photos})
        log.info("snap report %s: case %d with %d photo(s)", path, case_id, photos)
        return SnapOutcome(path, case_id=case_id, photos=photos, duplicates=duplicates,
                           files=report.files)


class SnapFolder:
    """A folder that phones (or a sync tool) drop snap reports into.

    Each :meth:`scan` takes in every ``*.json`` report at the top of the folder, then moves
    its JSON and photos to ``processed/`` (a case) or ``rejected/`` (quarantined; the reason
    is in the quarantine). A name already taken there gets a ``~N`` suffix, never
    overwritten. Scanning is a plain call: the console runs it on a timer, off the GUI
    thread.

    Parameters
    ----------
    db, actor, locate, catalogue
        As for :class:`SnapImporter`.
    folder : Path
        The watched folder (created if missing).
    settle_seconds : float
        How long a file must stay unmodified before an incomplete report is given up on.
    clock : callable
        Seconds since the epoch, comparable with file modification times.
    """

    def __init__(self, db: Database, actor: Actor, folder: Path | str, *,
                 locate: GridLocator | None = None, catalogue: Catalogue | None = None,
                 settle_seconds: float = SETTLE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.folder = Path(folder)
        self.importer = SnapImporter(db, actor, locate=locate, catalogue=catalogue)
        self.settle_seconds, self.clock = settle_seconds, clock

    def pending(self) -> list[Path]:
        """The report files waiting at the top of the folder, by name."""
        # lstat, not is_file(): a link or a FIFO named *.json is taken (and put aside)
        # rather than left in the folder forever; folders (processed/, ...) are not reports
        return sorted(p for p in self.folder.iterdir()
                      if p.suffix.lower() == ".json" and not p.is_dir())

    def scan(self) -> ScanResult:
        """Take in every complete report in the folder; leave those still arriving."""
        self.folder.mkdir(parents=True, exist_ok=True)
        outcomes, waiting = [], []
        for path in self.pending():
            try:
                outcome = self.importer._take(path, settle=self.settle_seconds,
                                              now=self.clock())
            except FileNotFoundError:
                continue  # taken away since the listing
            except OSError as exc:  # e.g. no permission: the other reports still go in
                log.warning("snap report %s cannot be read: %s", path, exc)
                continue
            if outcome is None:
                waiting.append(path)
                continue
            done = PROCESSED if outcome.case_id is not None else REJECTED
            moved = _move(outcome.files, self.folder / done)
            if outcome.case_id is None and moved:
                _write_reason(moved[0], outcome)
            outcomes.append(replace(outcome, files=moved))
        return ScanResult(tuple(outcomes), tuple(waiting))


def _write_reason(report: Path, outcome: SnapOutcome) -> None:
    """Put the reason beside a rejected report (``r.json`` -> ``r.reason.txt``), so whoever
    looks in rejected/ sees why without the console. The reason holds no phone number."""
    note = report.with_name(report.stem + REASON_SUFFIX)
    try:
        note.write_text(f"{outcome.reason}\nquarantine item {outcome.quarantine_id}\n",
                        encoding="utf-8")
    except OSError as exc:  # the quarantine holds the reason anyway
        log.warning("cannot write %s: %s", note, exc)


def _move(files: tuple[Path, ...], into: Path) -> tuple[Path, ...]:
    """Move ``files`` (the JSON first: once it is gone the report is not taken in again)
    into the folder ``into``, without overwriting; return where they are now."""
    into.mkdir(parents=True, exist_ok=True)
    moved = []
    for f in files:
        target, n = into / f.name, 0
        while target.exists():
            n += 1
            target = into / f"{f.stem}~{n}{f.suffix}"
        try:
            os.replace(f, target)
        except FileNotFoundError:
            continue
        moved.append(target)
    return tuple(moved)


__all__ = ["MAX_PHOTOS", "SETTLE_SECONDS", "ScanResult", "SnapFolder", "SnapImporter",
           "SnapOutcome"]
