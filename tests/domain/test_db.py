"""The storage layer behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, text

from models.core.errors import ValidationError
from models.storage.db import Database, make_engine
from models.storage.schema import Layer, Setting


def test_migrated_schema_is_current(db: Database) -> None:
    assert db.schema_is_current()
    assert db.is_empty()


def test_migration_matches_models(db: Database) -> None:
    """Autogenerate finds nothing to do: the migrations describe exactly the mapped tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from models.storage.schema import Base

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_write_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as s:
        s.add(Setting(key="a", value="1"))
        s.flush()
        raise RuntimeError("boom")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Setting)) == 0


def test_datetimes_come_back_aware_utc(db: Database) -> None:
    when = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with db.write() as s:
        s.add(Layer(name="x", kind="grids", source="test", source_datum="WGS84",
                    created_at=when))
    with db.read() as s:
        got = s.scalars(select(Layer.created_at)).one()
    assert got == when and got.tzinfo is not None and got.utcoffset() == dt.timedelta(0)


def test_naive_datetime_is_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"), db.write() as s:
        s.add(Layer(name="x", kind="grids", source="t", source_datum="WGS84",
                    created_at=dt.datetime(2026, 1, 1)))
        s.flush()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    db = Database.open(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_second_writer_waits_instead_of_failing(sqlite_url: str) -> None:
    """Two writers on the same SQLite file: the second queues behind the first's lock."""
    db1, db2 = Database.open(sqlite_url), Database.open(sqlite_url, migrate=False)
    holding, errors = threading.Event(), []

    def first() -> None:
        with db1.write() as s:
            s.add(Setting(key="first", value="1"))
            s.flush()
            holding.set()
            threading.Event().wait(1.5)  # hold the write lock for a while

    def second() -> None:
        holding.wait(5)
        try:
            with db2.write() as s:
                # a read-then-write transaction: the classic "database is locked" case
                s.scalar(select(func.count()).select_from(Setting))
                s.add(Setting(key="second", value="2"))
        except Exception as exc:  # pragma: no cover - the failure we guard against
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    with db1.read() as s:
        assert set(s.scalars(select(Setting.key))) == {"first", "second"}
    db1.dispose()
    db2.dispose()


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="not a database URL"):
        make_engine("this is not a url")
    with pytest.raises(ValidationError, match="unsupported database"):
        make_engine("mysql://root@localhost/test")


@pytest.mark.postgres
def test_postgres_uses_its_own_schema(pg_url: str) -> None:
    db = Database.open(pg_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("select current_schema()")).scalar().startswith("t_")
    db.dispose()


def test_upgrade_keeps_existing_data(db_url: str) -> None:
    """A database made at the first revision, with cases in it, upgrades to the newest."""
    from alembic import command

    from models.storage.db import _alembic_config
    from models.storage.schema import Case

    engine = make_engine(db_url)
    command.upgrade(_alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO case_ (id, number, channel, catalogue_version, category, "
                          "subcategory, event_class, priority, status, title, description, "
                          "address, lon, lat, reporter_name, reporter_phone, reported_at, "
                          "step_started_at, rework_count, version) VALUES (1, 'C1', 'patrol', "
                          "'2026.1', 'city', 'C01', 'C', 'normal', 'reported', 't', '', '', "
                          "112.9, 28.1, '', '', '2026-01-01 00:00:00', "
                          "'2026-01-01 00:00:00', 0, 1)"))
        conn.execute(text("INSERT INTO case_history (case_id, at, actor_role, action, "
                          "to_status, note, data) VALUES (1, '2026-01-01 00:00:00', 'feed', "
                          "'report', 'reported', '', '{}')"))
    engine.dispose()
    db = Database.open(db_url)  # upgrades to head
    assert db.schema_is_current()
    with db.read() as s:
        case = s.get(Case, 1)
        assert (case.number, case.paused_seconds, case.escalation_requested) == ("C1", 0.0,
                                                                                 False)
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_0012_keys_existing_cases_with_null_and_downgrades_in_place(db_url: str) -> None:
    """Cases made before the intake key get NULL (many allowed); a key is UNIQUE; the
    downgrade drops it in place (SQLite: the change log's triggers of 0008 survive)."""
    from alembic import command
    from sqlalchemy import inspect
    from sqlalchemy.exc import IntegrityError

    from models.storage.db import _alembic_config

    engine = make_engine(db_url)
    cfg = _alembic_config(engine)
    command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        for k in (1, 2):
            conn.execute(text(
                "INSERT INTO case_ (id, number, channel, catalogue_version, category, "
                "subcategory, event_class, priority, status, title, description, address, "
                "lon, lat, reporter_name, reporter_phone, reported_at, step_started_at, "
                f"rework_count, version) VALUES ({k}, 'C{k}', 'iot', '2026.1', 'city', 'M01', "
                "'M', 'normal', 'reported', 't', '', '', 112.9, 28.1, '', '', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 1)"))
    command.upgrade(cfg, "head")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM case_ WHERE intake_key IS NULL")
                            ).scalar() == 2
    (index,) = [i for i in inspect(engine).get_indexes("case_")
                if i["column_names"] == ["intake_key"]]
    assert index["name"] == "ix_case__intake_key" and index["unique"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE case_ SET intake_key = 'iot/a/smoke/x' WHERE id = 1"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE case_ SET intake_key = 'iot/a/smoke/x' WHERE id = 2"))
    command.downgrade(cfg, "0011")
    assert "intake_key" not in {c["name"] for c in inspect(engine).get_columns("case_")}
    with engine.begin() as conn:
        before = conn.execute(text("SELECT count(*) FROM change_log")).scalar()
        conn.execute(text("UPDATE case_ SET title = 'u' WHERE id = 2"))
        assert conn.execute(text("SELECT count(*) FROM change_log")).scalar() == before + 1
        assert conn.execute(text("SELECT count(*) FROM case_")).scalar() == 2
    command.upgrade(cfg, "head")
    engine.dispose()
    db = Database.open(db_url)
    assert db.schema_is_current()
    db.dispose()
