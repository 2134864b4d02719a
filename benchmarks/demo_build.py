"""Build the demo city into a fresh database (issue 2: 15 s or less on this machine).

Run: ``.venv/bin/python -m benchmarks.demo_build [--db URL] [--repeat N]``.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._machine import print_machine
from models.db import Database
from models.democity import build_demo_city, generate_city


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an EMPTY database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print_machine()
    t0 = time.perf_counter()
    plan = generate_city(2019)
    print(f"geometry only (generate_city): {time.perf_counter() - t0:.2f} s, "
          f"{len(plan.grids())} grids")
    totals = []
    summary = None
    for i in range(1 if args.db else args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db or f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
            t0 = time.perf_counter()
            db = Database.open(url)
            summary = build_demo_city(db)
            total = time.perf_counter() - t0
            db.dispose()
        totals.append(total)
        print(f"run {i + 1}: open + migrate + build {total:.2f} s "
              f"({summary.grids} grids, {summary.staff} staff, "
              f"{summary.departments} departments)")
    assert summary is not None
    print(json.dumps({"demo_build_s": round(statistics.median(totals), 2),
                      "runs": [round(t, 2) for t in totals], "grids": summary.grids,
                      "communities": summary.communities, "streets": summary.streets,
                      "staff": summary.staff, "backend": "custom" if args.db else "sqlite"}))


if __name__ == "__main__":
    main()
