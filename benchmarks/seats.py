"""A control room under load: one city service and several headless seats on PostgreSQL,
claiming and working the same cases at once (issue 13).

Builds the demo city and ``--cases`` reported cases (1,000) in a private schema of the
PostgreSQL server (``--db``), starts ``main.py serve`` on it and ``--seats`` seat processes
(4). For ``--seconds`` (60) each seat picks cases at random, claims one (one conditional
update: refused while another seat holds it), reads it, takes its next step through the
case desk at the version it read (accept, dispatch, then transfers), and releases it; and
each seat follows the change log (``LISTEN``/``NOTIFY``, then the changes since its last
read) as a seat's window does. Then:

- ``double_claims``: times two seats held one case at once (their claim-to-release
  intervals overlap); 0 is right;
- ``lost_updates``: for each case, the actions the seats were told succeeded against the
  versions the case moved on by; any difference is an update lost or applied twice; 0;
- ``propagation_p95_ms``: from an action's commit on one seat to the moment another seat
  has read that case from the change log, 95th percentile over every (action, other seat);
  target <= 100 ms.

Run: ``.venv/bin/python -m benchmarks.seats [--seats 4 --cases 1000 --seconds 60]``. The
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np

from benchmarks._machine import machine, print_machine

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql://postgres@127.0.0.1:5432/test"
NEXT = {"reported": "accept", "accepted": "dispatch", "dispatched": "transfer"}


def _follow(url: str, seen: list, stop: threading.Event) -> None:
    """A seat's change-log follower: woken by NOTIFY, it reads the changes since its last
    read and notes when it had each case (wall clock)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from models.storage.changelog import CHANNEL, changes_since, latest_seq
    from models.storage.db import Database

    db = Database.open(url, migrate=False)
    seq, gaps = latest_seq(db), frozenset()
    u = make_url(url).set(drivername="postgresql")
    with psycopg.connect(u.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f"LISTEN {CHANNEL}")
        while not stop.is_set():
            for _ in conn.notifies(timeout=0.5, stop_after=1):
                break
            batch = changes_since(db, seq, gaps=gaps)
            now = time.time()
            seq, gaps = batch.seq, batch.gaps
            seen.extend((cid, now) for cid in batch.case_ids)
    db.dispose()


def seat(n: int, url: str, ids: list[int], seconds: float, out) -> None:
    """One seat: claim, read, act, release, for ``seconds``; follow the log meanwhile."""
    from console.application.casedesk import CaseDesk
    from models.cases.claims import ClaimService
    from models.core.auth import Actor
    from models.core.errors import ClaimedError, StaleVersionError
    from models.storage.db import Database
    from models.storage.schema import StaffRole
    from routing.graph import EscalationGraph
    from routing.policy import Router

    db = Database.open(url, migrate=False)
    actor = Actor(f"seat-{n}", StaffRole.DISPATCHER)
    router = Router(EscalationGraph.from_db(db))
    desk = CaseDesk(db, actor, lambda: router)
    claims = ClaimService(db, actor)
    seen: list[tuple[int, float]] = []
    stop = threading.Event()
    follower = threading.Thread(target=_follow, args=(url, seen, stop), daemon=True)
    follower.start()
    time.sleep(1.0)  # listening before the first action
    rng = random.Random(n)
    held: list[tuple[int, float, float]] = []
    acted: list[tuple[int, float]] = []
    refused = stale = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        cid = rng.choice(ids)
        try:
            claims.claim(cid)
        except ClaimedError:
            refused += 1
            continue
        got = time.time()
        try:
            case = desk.cases.get(cid)
            name = NEXT.get(str(case.status))
            if name is not None:
                desk.act(name, cid, case.version, {"reason": f"seat {n}"})
                acted.append((cid, time.time()))
        except StaleVersionError:
            stale += 1
        finally:
            left = time.time()
            claims.release(cid)
            held.append((cid, got, left))
    time.sleep(1.0)  # the last actions reach the other followers
    stop.set()
    follower.join(5)
    db.dispose()
    out.put({"seat": n, "held": held, "acted": acted, "seen": seen, "refused": refused,
             "stale": stale})


def _schema_url(base: str) -> tuple[str, str]:
    schema = f"citygrid_seats_{uuid.uuid4().hex[:8]}"
    from sqlalchemy import create_engine, text

    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{base}?options=-csearch_path%3D{schema}", schema


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seats", type=int, default=4)
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--db", default=PG, help="a PostgreSQL server's database; the benchmark "
                                            "works in a schema of its own and drops it")
    args = ap.parse_args()
    print_machine()
    from sqlalchemy import create_engine, select, text

    from models.cases.service import CaseService, NewCase
    from models.core.auth import Actor
    from models.scenarios.democity import build_demo_city
    from models.storage.db import Database
    from models.storage.schema import Case, Grid, StaffRole

    url, schema = _schema_url(args.db)
    service = None
    try:
        db = Database.open(url)
        build_demo_city(db)
        with db.read() as s:
            grids = s.execute(select(Grid.id, (Grid.min_lon + Grid.max_lon) / 2,
                                     (Grid.min_lat + Grid.max_lat) / 2)
                              .order_by(Grid.id).limit(args.cases)).all()
        svc = CaseService(db, Actor("bench", StaffRole.DISPATCHER))
        ids = []
        for k in range(args.cases):
            g = grids[k % len(grids)]
            svc.locate = lambda lon, lat, gid=g[0]: gid
            ids += svc.report(NewCase(channel="hotline_12345", subcategory="C01",
                                      lon=float(g[1]), lat=float(g[2]),
                                      title=f"占道经营 {k}")).case_ids
        with db.read() as s:
            before = dict(s.execute(select(Case.id, Case.version)).all())
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        service = subprocess.Popen([sys.executable, "main.py", "serve", "--db", url,
                                    "--name", "seats-bench"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        procs = [ctx.Process(target=seat, args=(n, url, ids, args.seconds, out))
                 for n in range(args.seats)]
        for p in procs:
            p.start()
        results = [out.get(timeout=args.seconds + 120) for _ in procs]
        for p in procs:
            p.join(30)
        with db.read() as s:
            after = dict(s.execute(select(Case.id, Case.version)).all())
        db.dispose()
    finally:
        if service is not None:
            service.terminate()
            service.wait(60)
        admin = create_engine(args.db.replace("postgresql://", "postgresql+psycopg://"))
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    # two seats holding one case at once
    spans: dict[int, list[tuple[float, float, int]]] = {}
    for r in results:
        for cid, a, b in r["held"]:
            spans.setdefault(cid, []).append((a, b, r["seat"]))
    double = 0
    for held in spans.values():
        held.sort()
        end, holder = -1.0, -1  # the latest release so far, and whose
        for a, b, who in held:
            if a < end and who != holder:
                double += 1
            if b > end:
                end, holder = b, who
    # what the seats were told against what the cases went through
    done: dict[int, int] = {}
    for r in results:
        for cid, _t in r["acted"]:
            done[cid] = done.get(cid, 0) + 1
    lost = sum(abs((after[c] - before[c]) - done.get(c, 0)) for c in ids)
    # commit on one seat -> read from the change log on each other seat
    delays = []
    for r in results:
        for other in results:
            if other is r:
                continue
            seen: dict[int, list[float]] = {}
            for cid, t in other["seen"]:
                seen.setdefault(cid, []).append(t)
            for cid, t in r["acted"]:
                later = [x for x in seen.get(cid, ()) if x >= t]
                if later:
                    delays.append((min(later) - t) * 1000)
    actions = sum(len(r["acted"]) for r in results)
    expected = actions * (args.seats - 1)
    result = {
        "seats": args.seats, "cases": args.cases, "seconds": args.seconds,
        "actions": actions, "actions_per_s": round(actions / args.seconds, 1),
        "claims": sum(len(r["held"]) for r in results),
        "claims_refused": sum(r["refused"] for r in results),
        "stale_refused": sum(r["stale"] for r in results),
        "double_claims": double, "lost_updates": lost,
        "propagated": len(delays), "propagation_expected": expected,
        "propagation_p50_ms": round(float(np.percentile(delays, 50)), 1) if delays else None,
        "propagation_p95_ms": round(float(np.percentile(delays, 95)), 1) if delays else None,
        "propagation_max_ms": round(max(delays), 1) if delays else None,
        "target_propagation_p95_ms": 100, "machine": machine(),
    }
    print(f"{actions} actions by {args.seats} seats in {args.seconds:.0f} s; "
          f"double claims {double}, lost updates {lost}; propagation p95 "
          f"{result['propagation_p95_ms']} ms ({len(delays)} of {expected} seen)")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
