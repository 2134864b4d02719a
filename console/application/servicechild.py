"""The city service as a child of a single-seat console (SQLite, one workstation, training).

A console on SQLite with no city service running starts ``main.py serve`` on the same
database as a child process, so intake, the deadline watch and the simulator never run in
the GUI process; the seat follows the child through the change log like any seat follows a
service. The child's log goes to ``service.log`` beside the database. Closing the console
stops the child with SIGTERM (it applies what it received, then exits) and waits for it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # where main.py lies
STOP_WAIT_S = 30.0
# the child's CPU priority below the window's: in a surge on a workstation's two cores the
# window keeps the CPU (intake waits a few ms; the backlog is bounded)
CHILD_NICE = 5


def serve_command(url: str, *, mqtt: tuple[str, int, str] | None = None,
                  snaps: str | None = None, simulate: bool = False,
                  name: str | None = None) -> list[str]:
    """The child's command line. Its broker session is its database's own (a client id
    from the host and the file, no shared group): two single seats on one host, each on its
    own file, never take each other's session or alerts.

    >>> cmd = serve_command("sqlite:///c.db", mqtt=("127.0.0.1", 1883, "citygrid"))
    >>> cmd[2:-6]  # doctest: +NORMALIZE_WHITESPACE
    ['serve', '--db', 'sqlite:///c.db', '--mqtt', '127.0.0.1:1883', '--prefix', 'citygrid',
     '--group', '']
    """
    cmd = [sys.executable, str(ROOT / "main.py"), "serve", "--db", url]
    if mqtt is not None:
        host, port, prefix = mqtt
        session = hashlib.sha256(url.encode()).hexdigest()[:10]
        cmd += ["--mqtt", f"{host}:{port}", "--prefix", prefix, "--group", "",
                "--client-id", f"citygrid-seat-{socket.gethostname()}-{session}"]
    if snaps:
        cmd += ["--snaps", snaps]
    if simulate:
        cmd.append("--simulate")
    if name:
        cmd += ["--name", name]
    cmd += ["--nice", str(CHILD_NICE)]
    # the child stops when this process is gone, however it ended (a kill, a crash)
    cmd += ["--parent", str(os.getpid())]
    return cmd


class ServiceChild:
    """One ``main.py serve`` child process."""

    def __init__(self, command: Sequence[str], log_file: Path) -> None:
        self.command = list(command)
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "ab")  # noqa: SIM115 - open as long as the child
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        env.pop("QT_QPA_PLATFORM", None)  # headless: it never opens a display
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.info("city service started as a child (pid %d), its log: %s", self.process.pid,
                 self.log_file)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = STOP_WAIT_S) -> int | None:
        """SIGTERM, then wait (the child applies what it received); killed if it hangs."""
        p = self.process
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                log.error("the city service child did not stop in %.0f s: killed", timeout)
                p.kill()
                p.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return p.returncode


__all__ = ["ServiceChild", "serve_command"]
