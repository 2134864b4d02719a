"""Shared Qt-free fixtures: databases (SQLite and the real PostgreSQL), the MQTT broker, tiny_city.

Nothing here imports Qt: tests/domain runs without PySide6 (scripts/test-domain). The Qt
setup (offscreen platform, the map's URL scheme, JavaScript errors) is in tests/ui/conftest.py.

PostgreSQL and Mosquitto are real servers on 127.0.0.1. Locally a test that needs one is
skipped with the reason when the server is absent; under CI (``CI=true``) it fails instead.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# The suite never reads or writes the developer's own data directory (installed working
# calendars, settings, drills): one fresh folder for the session.
os.environ["CITYGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="citygrid-test-data-")

import pytest

from models.storage.db import Database

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_BASE_URL = os.environ.get("CITYGRID_TEST_PG", f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test")
MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    """Skip (locally) or fail (under CI) when a server the test needs is not listening."""
    if _port_open(host, port):
        return
    reason = f"{name} is not listening on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{reason}; under CI=true the real server is required", pytrace=False)
    pytest.skip(f"{reason} (start it, or run under CI=true to make this a failure)")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty schema in the PostgreSQL database ``test``, dropped afterwards."""
    require_server("PostgreSQL", PG_HOST, PG_PORT)
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'citygrid.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """The URL of an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url) -> Iterator[Database]:
    """A migrated, empty database on each backend."""
    database = Database.open(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def mqtt_server() -> tuple[str, int]:
    require_server("The MQTT broker (Mosquitto)", MQTT_HOST, MQTT_PORT)
    return MQTT_HOST, MQTT_PORT


@pytest.fixture
def tiny_city(db: Database):
    """A one-community city with a 2x2 block of grids and a few staff, on each backend."""
    from tests.citykit import make_tiny_city

    return make_tiny_city(db)


@pytest.fixture(scope="session")
def demo_city_file(tmp_path_factory) -> tuple[Path, object]:
    """The demo city (seed 2019), built once per session into a template SQLite file.

    Returns the file and the build's ``DemoSummary``. Tests never open the template: each
    takes a copy of its own with ``tests.factories.copy_demo_city`` (a file copy, not a build).
    """
    from models.scenarios.democity import build_demo_city

    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite3"
    database = Database.open(f"sqlite:///{path}")
    try:
        summary = build_demo_city(database)
    finally:
        database.dispose()
    return path, summary


def pytest_addoption(parser, pluginmanager) -> None:
    """Without pytest-qt (the Qt-free .venv-domain) its pyproject.toml settings stay known.

    ``--strict-config`` fails on an unknown ini key; the keys are declared here, unused.
    """
    if pluginmanager.has_plugin("pytest-qt"):
        return
    parser.addini("qt_api", "pytest-qt's Qt binding (pytest-qt is not installed)")
    parser.addini("qt_log_level_fail", "pytest-qt's log level (pytest-qt is not installed)")
    parser.addini("qt_log_ignore", "pytest-qt's ignored messages (not installed)", type="linelist")
