"""A private PostgreSQL cluster for tests that stop and start the server (the shared one at
127.0.0.1:5432 must stay up for everyone else).

``initdb`` and ``pg_ctl`` come from the PostgreSQL packages; they refuse to run as root, so
as root they run as the ``postgres`` system user (``runuser``). Locally a machine without
them skips the test with the reason; under ``CI=true`` that is a failure.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """One throwaway cluster: :meth:`start`, :meth:`stop`, :attr:`url`."""

    def __init__(self) -> None:
        initdb, self.pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if initdb is None or self.pg_ctl is None:
            reason = "PostgreSQL's initdb/pg_ctl are not installed (Debian: postgresql)"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        self.root = Path(tempfile.mkdtemp(prefix="citygrid-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        self.port = _free_port()
        self._run([initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
                   "--no-sync", "-E", "UTF8"])
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True,
                              timeout=60)
        if done.returncode:
            raise RuntimeError(f"{cmd[0]} failed: {done.stderr[-800:]}")

    def start(self) -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                   "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                         "-c fsync=off", "start"])

    def stop(self, mode: str = "fast") -> None:
        self._run([self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"])

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["PgCluster"]
