"""A drill's own database: a copy of the live world.

A drill never touches the live database. :func:`create_drill_db` makes a new SQLite file
holding a copy of the live world (layers, units, grids, departments, staff, sensors and the
database's settings: every table that is not per-event), read from the live database in one
read-only transaction, whatever its backend. The trainee then works the drill database with
the ordinary services (:class:`models.cases.loop.CaseLoop` and friends): same rules, same
deadlines, same routing, none of it on the live city.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from models.core.auth import mask_phone
from models.core.errors import ConflictError, ValidationError
from models.storage.db import Database
from models.storage.schema import Base, Setting, utcnow

# Every table of the schema is either part of the world (copied into a drill) or per-event
# (never copied: the drill makes its own). tests/domain/test_drill.py fails when a new table is in
# neither, so nobody adds a table that drills silently leave behind.
WORLD_TABLES: tuple[str, ...] = ("layer", "admin_unit", "grid", "department", "staff",
                                 "sensor", "meta")
# a drill copy is handed to trainers and trainees: staff phones are kept masked, the file is
# its owner's alone
PHONE_COLUMNS = frozenset({"phone", "reporter_phone"})
DRILL_FILE_MODE = 0o600
EVENT_TABLES: tuple[str, ...] = ("case_", "case_history", "case_report", "case_attachment",
                                 "case_grid", "staff_track", "quarantine", "audit",
                                 "change_log", "service_health", "service_lease")
# settings a drill database carries about itself (never copied from the source)
DRILL_SOURCE_KEY, DRILL_CREATED_KEY = "drill_source", "drill_created_at"
_COPY_BATCH = 2000


def create_drill_db(live: Database, path: Path) -> Database:
    """Create a drill database at ``path``: a new SQLite file with the live world copied in.

    The world tables (:data:`WORLD_TABLES`) are copied in foreign-key order, rows keeping
    their primary keys, in one write transaction on the drill side and one read-only
    transaction (a consistent snapshot) on the live side; nothing is written to ``live``.
    The drill's settings also record where it came from (``drill_source``) and when
    (``drill_created_at``), which is how :func:`is_drill_db` knows it. The file is created
    0600 (its owner's alone) before anything is written to it, and the staff's phones are
    copied masked (:data:`PHONE_COLUMNS`): a drill needs no one's real number.

    Parameters
    ----------
    live : Database
        The live database, SQLite or PostgreSQL, at the newest schema.
    path : Path
        Where the drill database goes; must not exist.

    Returns
    -------
    Database
        The drill database, migrated and filled (the caller disposes of it).

    Raises
    ------
    ConflictError
        ``path`` exists already.
    ValidationError
        The live database is not at the newest schema, or holds no city to copy.
    """
    path = Path(path)
    if path.exists():
        raise ConflictError(f"{path} exists already: a drill starts from a new file",
                            path=str(path))
    if not live.schema_is_current():
        raise ValidationError("the live database is not at the newest schema: open it in the "
                              "console (which migrates it) before starting a drill")
    if live.is_empty():
        raise ValidationError("the live database holds no city to copy: build the demo city "
                              "or import the grids first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(path)
        drill = Database.open(f"sqlite:///{path}")
    except FileExistsError:
        raise ConflictError(f"{path} exists already: a drill starts from a new file",
                            path=str(path)) from None
    except BaseException:
        _remove_sqlite(path)
        raise
    try:
        with live.read() as src, drill.write() as dst:
            _snapshot(src, live)
            # admin units refer to their parent unit in the same table: check every foreign
            # key at commit, when all rows are in, instead of row by row
            dst.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in Base.metadata.sorted_tables:
                if table.name not in WORLD_TABLES:
                    continue
                query = select(table).order_by(*table.primary_key.columns)
                if table.name == Setting.__tablename__:
                    query = query.where(Setting.key.not_in([DRILL_SOURCE_KEY,
                                                            DRILL_CREATED_KEY]))
                result = src.execute(query.execution_options(yield_per=_COPY_BATCH))
                phones = [c.name for c in table.columns if c.name in PHONE_COLUMNS]
                for rows in result.partitions():
                    dst.execute(insert(table), [_masked_row(r._mapping, phones)
                                                for r in rows])
            dst.execute(insert(Setting), [
                {"key": DRILL_SOURCE_KEY, "value": live.url},
                {"key": DRILL_CREATED_KEY, "value": utcnow().isoformat()}])
    except BaseException:
        drill.dispose()
        _remove_sqlite(path)
        raise
    return drill


def _create_private(path: Path) -> None:
    """Create ``path`` empty, readable and writable by its owner only (0600), before a byte
    of the world is written to it; SQLite gives its WAL and shared-memory files the mode of
    the database file. Raises FileExistsError when ``path`` exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DRILL_FILE_MODE)
    try:
        os.fchmod(fd, DRILL_FILE_MODE)  # the umask may only take bits away: say it exactly
    finally:
        os.close(fd)


def _masked_row(row: Mapping, phones: Sequence[str]) -> dict:
    """A world row as a drill keeps it: its phone columns masked."""
    out = dict(row)
    for name in phones:
        if out.get(name):
            out[name] = mask_phone(out[name])
    return out


def _remove_sqlite(path: Path) -> None:
    """Remove a half-made SQLite database with its WAL files (a retry starts clean)."""
    for leftover in (path, path.with_name(path.name + "-wal"),
                     path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _snapshot(session: Session, db: Database) -> None:
    """Make ``session``'s reads one consistent, read-only snapshot of ``db``.

    SQLite in WAL mode gives a read transaction its snapshot at the first read; PostgreSQL
    at READ COMMITTED would give each statement its own, so a grid could arrive without the
    community it belongs to if the live city changes meanwhile."""
    if not db.is_sqlite:
        session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                               "postgresql_readonly": True})


def is_drill_db(db: Database) -> bool:
    """Whether ``db`` is a drill database made by :func:`create_drill_db`."""
    with db.read() as s:
        return s.scalar(select(Setting.value).where(Setting.key == DRILL_SOURCE_KEY)) \
            is not None


__all__ = ["EVENT_TABLES", "WORLD_TABLES", "create_drill_db", "is_drill_db"]
