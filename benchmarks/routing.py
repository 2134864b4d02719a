"""Routing and deadlines at scale (issue 4).

* routing_cases_per_s: routing decisions for 1,000,000 cases on the demo city (batch API:
  precomputed chains and the policy's level per subcategory; target 100,000 a second);
  also single decisions with their trace, and networkx shortest_path for comparison;
* deadline_scan_100k_ms: classifying 100,000 open cases as on time, warning or overdue
  (target 200 ms).

Run: ``.venv/bin/python -m benchmarks.routing``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from benchmarks._machine import median_ms, print_machine
from models.db import Database
from models.democity import build_demo_city
from models.worktime import scan_deadlines
from routing.graph import EscalationGraph
from routing.policy import Router


def main() -> None:
    print_machine()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}")
        build_demo_city(db)
        t0 = time.perf_counter()
        graph = EscalationGraph.from_db(db)
        load_ms = (time.perf_counter() - t0) * 1000
        db.dispose()
    router = Router(graph)
    print(f"escalation graph: {graph.graph.number_of_nodes():,} nodes, "
          f"{graph.graph.number_of_edges():,} edges, loaded and validated in {load_ms:.0f} ms")
    rng = np.random.default_rng(3)
    n = 1_000_000
    grid_rows = rng.integers(0, len(graph.grid_ids), n)
    sub_rows = rng.integers(0, len(router.sub_index), n)
    batch_ms, _ = median_ms(lambda: router.route_batch(grid_rows, sub_rows), repeat=5)
    per_s = n / (batch_ms / 1000)
    print(f"batch routing: {n:,} cases in {batch_ms:.1f} ms = {per_s / 1e6:.1f} M cases/s")

    subs = list(router.sub_index)
    grids = graph.grid_ids.tolist()
    sample = [(grids[int(g)], subs[int(s)]) for g, s in zip(rng.integers(0, len(grids), 20_000),
                                                            rng.integers(0, len(subs), 20_000),
                                                            strict=True)]
    single_ms, _ = median_ms(lambda: [router.route(g, s) for g, s in sample], repeat=3)
    print(f"single decisions with their trace: {20_000 / (single_ms / 1000):,.0f} cases/s")
    city = ("unit", next(u.id for u in graph.units.values() if u.level == "city"))
    up = graph.escalation_view()
    nx_ms, _ = median_ms(lambda: [nx.shortest_path(up, ("grid", g), city) for g, _ in
                                  sample[:5000]], repeat=3)
    print(f"for comparison, networkx shortest_path to the city: "
          f"{5000 / (nx_ms / 1000):,.0f} cases/s")

    m = 100_000
    now = time.time()
    started = now - rng.uniform(0, 3 * 86400, m)
    deadline = started + rng.uniform(3600, 5 * 86400, m)
    scan_ms, _ = median_ms(lambda: scan_deadlines(started, deadline, now), repeat=7)
    states = np.bincount(scan_deadlines(started, deadline, now), minlength=3)
    print(f"deadline scan over {m:,} open cases: {scan_ms:.2f} ms "
          f"(on time {states[0]:,}, warning {states[1]:,}, overdue {states[2]:,})")
    print(json.dumps({"routing_cases_per_s": round(per_s),
                      "single_decisions_per_s": round(20_000 / (single_ms / 1000)),
                      "networkx_paths_per_s": round(5000 / (nx_ms / 1000)),
                      "deadline_scan_100k_ms": round(scan_ms, 2),
                      "graph_load_ms": round(load_ms, 1)}))


if __name__ == "__main__":
    main()
