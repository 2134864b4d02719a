"""Helpers shared by the domain and the UI tests; nothing here imports Qt."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

from models.core.auth import Actor
from models.storage.db import Database
from models.storage.schema import StaffRole

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess:
    """Run ``main.py *args`` in a fresh process with ``env_dir`` as its data directory."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={"CITYGRID_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin",
                               "QT_QPA_PLATFORM": "offscreen"})


def copy_demo_city(template: Path, dest: Path) -> Database:
    """Open a copy, at ``dest``, of the demo city the session built once (``demo_city_file``).

    SQLite's online backup copies the file whole, whatever its journal mode.
    """
    with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(dest)) as dst:
        src.backup(dst)
    return Database.open(f"sqlite:///{dest}")


# -- actors -----------------------------------------------------------------------------------
# Who acts in the tests. Actors without a staff record act on any database; those of the tiny
# city (tests/citykit.py) are tied to its staff records with ``city_actor``.

DISPATCHER = Actor("调度", StaffRole.DISPATCHER)
SHIFT_LEAD = Actor("值班长", StaffRole.SHIFT_LEAD)
MANAGER = Actor("经理", StaffRole.MANAGER)

CITY_ACTOR_NAMES = {StaffRole.DISPATCHER: "调度", StaffRole.SHIFT_LEAD: "值班长",
                    StaffRole.TRAINER: "培训", StaffRole.MANAGER: "管理员",
                    StaffRole.SUPERVISOR: "监督员"}


def city_actor(city: SimpleNamespace, role: StaffRole) -> Actor:
    """The tiny city's staff member in ``role`` as an actor (no staff id if it has none)."""
    return Actor(CITY_ACTOR_NAMES[role], role, city.staff.get(role.value))


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    """Wait until ``condition()`` is true (asked every 50 ms), for a thread, a process or a
    broker that takes its time; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")
