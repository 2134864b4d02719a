"""The database: engine, pragmas, sessions and migrations, the same on SQLite and PostgreSQL.

SQLite is the default: a file in the user's data directory, in WAL mode with
``synchronous=FULL`` and foreign keys on. Write transactions start with ``BEGIN IMMEDIATE``
and every connection waits up to ``busy_timeout`` for the write lock, so a second writer
(another console, the simulator, a CLI import) queues instead of failing with "database is
locked". Reads start a deferred transaction and never block writers (WAL).

Sessions are short and owned by the caller::

    db = Database.open(url)
    with db.write() as s:      # commits on success, rolls back on any exception
        s.add(...)
    with db.read() as s:
        s.scalars(...)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.core.errors import ValidationError
from models.core.paths import data_dir

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_ARGS = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 5,
                   "keepalives_interval": 2, "keepalives_count": 2, "tcp_user_timeout": 9000}


def default_url() -> str:
    """The default database: ``citygrid.sqlite3`` in :func:`data_dir`."""
    return f"sqlite:///{data_dir() / 'citygrid.sqlite3'}"


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the settings this console relies on."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise ValidationError(f"not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # a server that is gone is noticed within seconds, not at TCP's leisure: connecting
        # gives up after 5 s, an idle or busy connection to a dead peer is found by keepalives
        # (the seat's banner says so; the service retries); the URL's own values win
        given = parsed.query
        args = {k: v for k, v in PG_CONNECT_ARGS.items() if k not in given}
        return create_engine(parsed, pool_pre_ping=True, connect_args=args)
    raise ValidationError(f"unsupported database {parsed.get_backend_name()!r}: "
                          "use sqlite:///FILE or postgresql://USER@HOST/DB")


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("models.storage") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


class Database:
    """One database, with its engine and its read and write session factories."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self.is_sqlite = engine.dialect.name == "sqlite"
        write_engine = engine.execution_options(sqlite_begin="IMMEDIATE") \
            if self.is_sqlite else engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(write_engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Database:
        """Open (and by default migrate to the newest schema) the database at ``url``."""
        db = cls(make_engine(url or default_url()))
        if migrate:
            db.migrate()
        return db

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent). A database already
        at the newest revision is left alone: the upgrade's checks (SQLite's foreign-key
        check reads every row) cost seconds on years of history."""
        if inspect(self.engine).has_table("alembic_version") and self.schema_is_current():
            return
        command.upgrade(_alembic_config(self.engine), "head")

    def schema_is_current(self) -> bool:
        script = ScriptDirectory.from_config(_alembic_config(self.engine))
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
        return set(current) == set(script.get_heads())

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A short read session; closing it ends (rolls back) its transaction.

        Objects loaded here stay readable after the block (they are detached, not expired),
        but services copy what they need into frozen records before returning.
        """
        with self._read() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A short write session: commits if the block succeeds, else rolls back everything."""
        with self._write() as session, session.begin():
            yield session

    def is_empty(self) -> bool:
        """True when no administrative unit is stored (a new database)."""
        from models.storage.schema import AdminUnit

        if not inspect(self.engine).has_table("admin_unit"):
            return True
        with self.read() as s:
            return s.scalar(select(AdminUnit.id).limit(1)) is None

    def dispose(self) -> None:
        self.engine.dispose()
