"""The deadline scan over 100,000 open cases (issue 4, target 200 ms).

Synthetic open cases with the shipped catalogue's subcategories (about three in four count
working hours) in the five open steps, steps started over the last three weeks, classified
as on time, warning (80 % of the step's limit used, in its basis) or overdue:

* deadline_scan_100k_ms: ``scan_deadlines`` with each row's limit and basis (working clock);
* deadline_scan_with_lookup_100k_ms: the same plus ``step_limits`` (catalogue lookups);
* queue_deadline_states_100k_ms: what the console runs on every refresh
  (``CaseTable.deadline_states``: lookups, scan, closed and suspended rows cleared);
* deadline_scan_plain_100k_ms: the wall-clock scan without limits, for comparison.

Run: ``.venv/bin/python -m benchmarks.deadline_scan``. The last line is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import numpy as np

from benchmarks._machine import median_ms, print_machine
from models.cases.table import CaseTable
from models.core.catalogue import load_catalogue
from models.core.workcalendar import WorkingCalendar, _year_axis, load_calendar
from models.core.worktime import STEP_OF, scan_deadlines, step_limits

N = 100_000
NOW = dt.datetime(2026, 5, 12, 3, 0, tzinfo=dt.UTC)  # a Tuesday, 11:00 in Changsha


def synthetic(n: int, seed: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    subs = np.array([s.code for s in load_catalogue().all_subcategories()], dtype=object)
    statuses = np.array(list(STEP_OF), dtype=object)  # the open steps
    now = NOW.timestamp()
    started = now - rng.uniform(0, 21 * 86400, n)
    return {"sub": subs[rng.integers(0, len(subs), n)],
            "status": statuses[rng.integers(0, len(statuses), n)],
            "started": started,
            # deadlines about where the limits put them: some far ahead, many behind
            "deadline": started + rng.uniform(0.5, 30, n) * 86400}


def main() -> None:
    print_machine()
    cal: WorkingCalendar = load_calendar()
    data = synthetic(N)
    now = NOW.timestamp()

    _year_axis.cache_clear()
    t0 = time.perf_counter()
    limit, working = step_limits(data["sub"], data["status"])
    states = scan_deadlines(data["started"], data["deadline"], now, limit=limit,
                            working=working, calendar=cal)
    cold_ms = (time.perf_counter() - t0) * 1000

    scan_ms, scan_runs = median_ms(lambda: scan_deadlines(
        data["started"], data["deadline"], now, limit=limit, working=working, calendar=cal))
    lookup_ms, _ = median_ms(lambda: scan_deadlines(
        data["started"], data["deadline"], now,
        **dict(zip(("limit", "working"), step_limits(data["sub"], data["status"]),
                   strict=True)), calendar=cal))
    plain_ms, _ = median_ms(lambda: scan_deadlines(data["started"], data["deadline"], now))

    rows = [(i, f"C{i:08d}", "", "city", data["sub"][i], data["status"][i], "normal", None,
             "430103", "", NOW, dt.datetime.fromtimestamp(data["deadline"][i], dt.UTC),
             112.98, 28.19, dt.datetime.fromtimestamp(data["started"][i], dt.UTC))
            for i in range(N)]
    table = CaseTable.from_rows(rows)
    queue_ms, _ = median_ms(lambda: table.deadline_states(NOW))

    counts = np.bincount(states, minlength=3)
    print(f"{N:,} open cases ({int(working.sum()):,} in working hours): on time "
          f"{counts[0]:,}, warning {counts[1]:,}, overdue {counts[2]:,}")
    print(f"scan with limits and the working clock: {scan_ms:.2f} ms median of 5 "
          f"({', '.join(f'{t:.2f}' for t in scan_runs)}); first call, building the "
          f"calendar's clock: {cold_ms:.1f} ms")
    print(f"with the catalogue lookups: {lookup_ms:.2f} ms; the console's queue "
          f"(CaseTable.deadline_states): {queue_ms:.2f} ms; plain wall-clock scan: "
          f"{plain_ms:.2f} ms")
    print(json.dumps({"deadline_scan_100k_ms": round(scan_ms, 2),
                      "deadline_scan_with_lookup_100k_ms": round(lookup_ms, 2),
                      "queue_deadline_states_100k_ms": round(queue_ms, 2),
                      "deadline_scan_plain_100k_ms": round(plain_ms, 2),
                      "deadline_scan_cold_ms": round(cold_ms, 1)}))


if __name__ == "__main__":
    main()
