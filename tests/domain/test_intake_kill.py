"""kill -9 during intake: a subprocess submits bursts and logs each committed burst's ids
after its commit; it is killed with SIGKILL at random (seeded) points, several times. Then the
database is intact, its foreign keys hold, and every logged commit is there."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from models.storage.db import Database
from models.storage.schema import Case, CaseHistory, CaseReport, QuarantineItem
from tests.citykit import make_tiny_city

ROOT = Path(__file__).resolve().parents[2]
KILLS = 4

CHILD = r'''
import os, sys
from models.core.auth import Actor, SystemRole
from models.storage.db import Database
from models.intake.service import IntakeService

db = Database.open(sys.argv[1], migrate=False)
svc = IntakeService(db, Actor.system("burst", SystemRole.FEED))
log = open(sys.argv[2], "a", encoding="utf-8")
k = 0
while True:
    k += 1
    burst = [{"subcategory": "C03", "lon": 112.981 + i * 1e-4, "lat": 28.189,
              "title": f"burst {os.getpid()}-{k}-{i}", "phone": "13812345678",
              "time": "2026-11-28T09:00:00+00:00"} for i in range(20)]
    burst[7] = {"lon": "east"}  # one bad item: quarantined in the same transaction
    results = svc.submit_many("snap", burst, source="kill-test")
    # logged only after the commit: every line names items that must be stored
    log.write(" ".join(f"c{r.case_id}" if r.case_id else f"q{r.quarantine_id}"
                       for r in results) + "\n")
    log.flush()
    os.fsync(log.fileno())
'''


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text_ = path.read_text(encoding="utf-8")
    return text_.split("\n")[:-1]  # a line cut by the kill has no newline: not a commit


def test_kill_9_during_bursts_loses_no_commit(db_url, tmp_path) -> None:
    db = Database.open(db_url)
    make_tiny_city(db)
    script, log = tmp_path / "child.py", tmp_path / "commits.log"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(20261128)
    for _ in range(KILLS):
        before = len(_lines(log))
        child = subprocess.Popen([sys.executable, str(script), db_url, str(log)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            # wait for the child to be committing, then kill it at a random point
            while len(_lines(log)) <= before and time.monotonic() < deadline:
                assert child.poll() is None, child.stderr.read().decode()[-2000:]
                time.sleep(0.02)
            assert len(_lines(log)) > before, "the child never committed"
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL
    logged = [w for line in _lines(log) for w in line.split()]
    cases = {int(w[1:]) for w in logged if w[0] == "c"}
    quarantined = {int(w[1:]) for w in logged if w[0] == "q"}
    assert len(cases) >= KILLS * 19 and len(quarantined) >= KILLS
    with db.read() as s:
        if db.is_sqlite:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        stored = set(s.scalars(select(Case.id)))
        assert cases <= stored
        assert quarantined <= set(s.scalars(select(QuarantineItem.id)))
        # nothing half-written: every stored case has its report and its history row
        n = len(stored)
        assert s.scalar(select(func.count(func.distinct(CaseReport.case_id)))) == n
        assert s.scalar(select(func.count(func.distinct(CaseHistory.case_id)))) == n
        # and a burst is all or nothing: 19 cases to each quarantined item
        assert n == 19 * s.scalar(select(func.count()).select_from(QuarantineItem))
    db.dispose()
