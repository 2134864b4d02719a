"""Routing and deadlines at scale (issue 4, section 7).

* ``routing_cases_per_s``: routing decisions for 1,000,000 new cases given arrays of grid
  ids and subcategory codes (strings), with the batch API (precomputed chains, the policy's
  level and department tables); target 100,000 a second. Also: the same with subcategories
  pre-encoded as integers, single decisions with their trace, chain lookups from the dict,
  and networkx ``shortest_path`` to the city for comparison;
* ``deadline_scan_100k_ms``: classifying 100,000 open cases as on time, warning or overdue
  with ``models.core.worktime.scan_deadlines`` (target 200 ms).

Measured on the demo city (``models.scenarios.democity``); with ``--synthetic``, or when the demo
module is missing, on a synthetic four-level tree of about 3,000 grids.

Run: ``.venv/bin/python -m benchmarks.routing [--synthetic]``. The last line is one JSON
object.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from benchmarks._machine import machine, median_ms, print_machine
from routing.graph import DeptRow, EscalationGraph, UnitRow, grid_node, unit_node
from routing.policy import Router

N_BATCH = 1_000_000
N_SINGLE = 20_000
N_OPEN = 100_000


def synthetic_graph(districts: int = 6, streets: int = 13, communities: int = 8,
                    grids: int = 5) -> EscalationGraph:
    """City -> 6 districts -> 13 streets each -> 8 communities each -> 5 grids each
    (3,120 grids), with the demo's departments at the city, district and street levels."""
    units, depts, grid_of = [UnitRow(1, "430100", "city", None)], [], {}
    cats = ("party", "city", "security", "environment", "emergency", "other")
    next_id, next_grid = 2, 1

    def add_depts(unit_id: int, code: str) -> None:
        for c in cats:
            depts.append(DeptRow(len(depts) + 1, f"{code}-{c}", c, unit_id, (c,)))

    add_depts(1, "430100")
    for d in range(districts):
        did, dcode = next_id, f"4301{d + 2:02d}"
        units.append(UnitRow(did, dcode, "district", 1))
        add_depts(did, dcode)
        next_id += 1
        for s in range(streets):
            sid, scode = next_id, f"{dcode}{s + 1:03d}"
            units.append(UnitRow(sid, scode, "street", did))
            add_depts(sid, scode)
            next_id += 1
            for c in range(communities):
                units.append(UnitRow(next_id, f"{scode}{c + 1:03d}", "community", sid))
                for _ in range(grids):
                    grid_of[next_grid] = next_id
                    next_grid += 1
                next_id += 1
    return EscalationGraph(units, grid_of, depts)


def demo_graph() -> tuple[EscalationGraph, float]:
    """The demo city's graph, loaded from SQLite, and the milliseconds the load took."""
    from models.scenarios.democity import build_demo_city
    from models.storage.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}")
        build_demo_city(db)
        EscalationGraph.from_db(db)  # warm-up: first queries, imports
        t0 = time.perf_counter()
        graph = EscalationGraph.from_db(db)
        load_ms = (time.perf_counter() - t0) * 1000
        db.dispose()
    return graph, load_ms


def main() -> None:
    print_machine()
    synthetic = ("--synthetic" in sys.argv
                 or importlib.util.find_spec("models.scenarios.democity") is None)
    if synthetic:
        t0 = time.perf_counter()
        graph = synthetic_graph()
        build_ms = (time.perf_counter() - t0) * 1000
    else:
        graph, build_ms = demo_graph()
    city_name = "synthetic four-level tree" if synthetic else "demo city of Changsha"
    print(f"{city_name}: {len(graph.chains):,} grids, {len(graph.units):,} units, "
          f"{len(graph.departments):,} departments; graph "
          f"{graph.graph.number_of_nodes():,} nodes, {graph.graph.number_of_edges():,} edges, "
          f"{'built' if synthetic else 'loaded from SQLite'}, validated and its chains "
          f"precomputed in {build_ms:.0f} ms")
    t0 = time.perf_counter()
    router = Router(graph)
    router_ms = (time.perf_counter() - t0) * 1000
    print(f"router ({router.policy.name}) with its lookup tables built in {router_ms:.0f} ms")

    rng = np.random.default_rng(3)
    grid_ids = rng.choice(graph.grid_ids, N_BATCH)
    codes = rng.choice(np.array(router.subcategory_codes, dtype=object), N_BATCH)
    code_list = codes.tolist()
    batch_ms, _ = median_ms(lambda: router.route_batch(grid_ids, code_list), repeat=5)
    per_s = N_BATCH / (batch_ms / 1000)
    print(f"batch routing, grid ids + subcategory codes: {N_BATCH:,} cases in "
          f"{batch_ms:.0f} ms = {per_s / 1e6:.2f} M cases/s")
    encoded = router.encode_subcategories(code_list)
    enc_ms, _ = median_ms(lambda: router.route_batch(grid_ids, encoded), repeat=5)
    enc_per_s = N_BATCH / (enc_ms / 1000)
    print(f"batch routing, subcategories pre-encoded: {N_BATCH:,} cases in {enc_ms:.0f} ms = "
          f"{enc_per_s / 1e6:.1f} M cases/s")

    sample = list(zip(grid_ids[:N_SINGLE].tolist(), code_list[:N_SINGLE], strict=True))
    single_ms, _ = median_ms(lambda: [router.route(g, s) for g, s in sample], repeat=3)
    single_per_s = N_SINGLE / (single_ms / 1000)
    print(f"single decisions with their trace: {single_per_s:,.0f} cases/s")
    chains = graph.chains
    chain_ms, _ = median_ms(lambda: [chains[g] for g, _ in sample], repeat=5)
    chain_per_s = N_SINGLE / (chain_ms / 1000)
    print(f"chain lookups from the precomputed dict: {chain_per_s / 1e6:.1f} M/s")
    up = graph.escalation_tree()  # a plain graph: the fair comparison
    city = unit_node(graph.city_id)
    nx_ms, _ = median_ms(lambda: [nx.shortest_path(up, grid_node(g), city)
                                  for g, _ in sample[:5000]], repeat=3)
    nx_per_s = 5000 / (nx_ms / 1000)
    print(f"for comparison, networkx shortest_path to the city: {nx_per_s:,.0f} cases/s")

    from models.core.worktime import scan_deadlines

    now = time.time()
    started = now - rng.uniform(0, 3 * 86400, N_OPEN)
    deadline = started + rng.uniform(3600, 5 * 86400, N_OPEN)
    deadline[rng.uniform(0, 1, N_OPEN) < 0.05] = np.nan  # suspended or without a limit
    scan_ms, _ = median_ms(lambda: scan_deadlines(started, deadline, now), repeat=7)
    states = np.bincount(scan_deadlines(started, deadline, now), minlength=3)
    print(f"deadline scan (models.core.worktime.scan_deadlines) over {N_OPEN:,} open cases: "
          f"{scan_ms:.2f} ms (on time {states[0]:,}, warning {states[1]:,}, "
          f"overdue {states[2]:,})")
    m = machine()
    print(json.dumps({
        "routing_cases_per_s": round(per_s),
        "routing_encoded_cases_per_s": round(enc_per_s),
        "single_decisions_per_s": round(single_per_s),
        "chain_lookups_per_s": round(chain_per_s),
        "networkx_paths_per_s": round(nx_per_s),
        "deadline_scan_100k_ms": round(scan_ms, 2),
        "deadline_scan": "models.core.worktime.scan_deadlines",
        "city": "synthetic" if synthetic else "demo",
        "grids": len(graph.chains),
        "graph_load_ms": round(build_ms, 1),
        "router_build_ms": round(router_ms, 1),
        "platform": m["platform"], "cpus": m["cpus"], "python": m["python"],
    }))


if __name__ == "__main__":
    main()
