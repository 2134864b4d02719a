"""Build the demo city into a fresh database (issue 2: 15 s or less on this machine).

Run: ``.venv/bin/python -m benchmarks.demo_build [--db URL] [--repeat N]``.
Each run is timed in phases: open + migrate, geometry (:func:`generate_city` inside the
build) and insert (one transaction of bulk inserts), taken from the build's own progress
messages so the phases add up to the run. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._machine import print_machine
from models.scenarios.cityplan import generate_city
from models.scenarios.democity import DemoSummary, build_demo_city
from models.storage.db import Database

# the build's progress message that ends the geometry phase and starts the inserts
INSERT_STARTS = "writing units and grids"


def timed_build(url: str) -> tuple[DemoSummary, dict[str, float]]:
    """Open ``url``, build the demo city into it and return the summary with phase times."""
    marks: dict[str, float] = {}
    t0 = time.perf_counter()
    db = Database.open(url)
    try:
        t_open = time.perf_counter()
        summary = build_demo_city(
            db, progress=lambda msg, _frac: marks.setdefault(msg, time.perf_counter()))
        t_end = time.perf_counter()
    finally:
        db.dispose()
    t_insert = marks[INSERT_STARTS]
    return summary, {"migrate_s": t_open - t0, "geometry_s": t_insert - t_open,
                     "insert_s": t_end - t_insert, "total_s": t_end - t0}


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
    runs: list[dict[str, float]] = []
    summary = None
    for i in range(1 if args.db else args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            summary, phases = timed_build(args.db or f"sqlite:///{Path(tmp) / 'demo.sqlite3'}")
        runs.append(phases)
        print(f"run {i + 1}: open + migrate {phases['migrate_s']:.2f} s, "
              f"geometry {phases['geometry_s']:.2f} s, insert {phases['insert_s']:.2f} s, "
              f"total {phases['total_s']:.2f} s ({summary.grids} grids, {summary.staff} staff, "
              f"{summary.departments} departments)")
    assert summary is not None

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 2)

    print(json.dumps({"demo_build_s": median("total_s"),
                      "runs": [round(r["total_s"], 2) for r in runs],
                      "migrate_s": median("migrate_s"), "geometry_s": median("geometry_s"),
                      "insert_s": median("insert_s"), "grids": summary.grids,
                      "communities": summary.communities, "streets": summary.streets,
                      "staff": summary.staff, "backend": "custom" if args.db else "sqlite"}))


if __name__ == "__main__":
    main()
