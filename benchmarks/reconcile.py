"""Reconciling the demo city's departmental layers with its unified grid (issue 16).

Builds the demo city (or uses ``--db``), generates the two departmental layers at the
report's size (2,056 comprehensive-governance and 2,515 city-maintenance grids, with their
records), reads them back (datum declared, or detected for the GCJ-02 one), and measures:

* ``crosswalk_s``: building each layer's crosswalk against the unified grid (target <= 2);
* ``area_share_error_max``: the largest gap between a departmental grid's summed shares and
  1, against its covered area computed on its own (target <= 1e-9);
* ``unplaced_records``: the records that could not be placed, counted exactly (each listed
  with its reason), against the defects generated on purpose;
* the conflicts by kind, the re-keying time, and (``--propose``) the proposed grid's balance.

Run: ``.venv/bin/python -m benchmarks.reconcile [--db URL] [--propose]``. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks._machine import print_machine
from models.core.auth import Actor
from models.reconcile.files import UnifiedGrid, reconcile
from models.reconcile.layers import generate_dept_layers, read_dept_layer
from models.reconcile.rekey import read_records
from models.scenarios.democity import build_demo_city
from models.storage.db import Database
from models.world.units import UnitService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="a database holding the demo city")
    parser.add_argument("--propose", action="store_true", help="also time the proposal")
    args = parser.parse_args()
    print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="citygrid-reconcile-"))
    db = Database.open(args.db or f"sqlite:///{tmp / 'demo.sqlite3'}")
    if args.db is None:
        build_demo_city(db)
    t = time.perf_counter()
    districts = UnitService(db, Actor.system("benchmark")).unit_geometries("district")
    made = generate_dept_layers(districts, tmp / "dept", seed=2019)
    generate_s = time.perf_counter() - t
    t = time.perf_counter()
    layers = [read_dept_layer(p) for p in made.layers]
    read_s = time.perf_counter() - t
    records, bad = {}, []
    for layer, path in zip(layers, made.records, strict=True):
        good, unreadable = read_records(path, layer.datum)
        records[layer.name] = good
        bad += unreadable
    unified = UnifiedGrid.from_db(db, Actor.system("benchmark"))
    run = reconcile(layers, unified, records, bad)
    summary = run.summary()
    out = {
        "unified_grids": len(unified.codes),
        "grids": {L.name: len(L.grids) for L in layers},
        "datum": {L.name: f"{L.datum.value} ({L.datum_source})" for L in layers},
        "validator_problems": {L.name: len(L.problems) for L in layers},
        "generate_s": round(generate_s, 2), "read_s": round(read_s, 2),
        "crosswalk_s": {L.name: summary["layers"][L.name]["crosswalk_s"] for L in layers},
        "crosswalk_rows": {L.name: summary["layers"][L.name]["crosswalk_rows"]
                           for L in layers},
        "area_share_error_max": max(summary["layers"][L.name]["area_share_error_max"]
                                    for L in layers),
        "conflicts": summary["conflicts"],
        "conflicts_s": summary["seconds"]["conflicts"],
        "rekey_s": summary["seconds"]["rekey"],
        "records": {k: v["read"] for k, v in summary["records"].items()},
        "unplaced_records": {k: v["unplaced"] for k, v in summary["records"].items()},
        "unplaced_by_reason": _reasons(run),
    }
    if args.propose:
        from models.reconcile.files import case_points, current_grids
        from models.reconcile.propose import Bounds, propose_grids

        current, population = current_grids(db, Actor.system("benchmark"))
        lon, lat = case_points(db, Actor.system("benchmark"))
        located = [(r.lon, r.lat) for recs in records.values() for r in recs
                   if r.kind == "event" and r.lon is not None]
        import numpy as np

        lon = np.concatenate([lon, [p[0] for p in located]])
        lat = np.concatenate([lat, [p[1] for p in located]])
        mean = len(lon) / max(1, sum(1 for c in current if c[2] == "basic"))
        t = time.perf_counter()
        p = propose_grids(unified.communities, current, lon, lat, population=population,
                          bounds=Bounds(min_events=0.25 * mean, max_events=1.25 * mean))
        out["proposal"] = {"s": round(time.perf_counter() - t, 1), "events": len(lon),
                           "gini_before": round(p.before.gini, 3),
                           "gini_after": round(p.after.gini, 3), "grids_before": p.before.n,
                           "grids_after": p.after.n, "unmet": len(p.unmet)}
    db.dispose()
    for key, value in out.items():
        print(f"{key}: {value}")
    print(json.dumps(out, ensure_ascii=False))


def _reasons(run) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in run.rekeyed.values():
        for u in r.unplaced:
            key = ("code not in layer" if "is not in layer" in u.reason else
                   "outside every unified grid" if "outside every unified grid" in u.reason
                   else "departmental grid outside the unified grid")
            out[key] = out.get(key, 0) + 1
    return out


if __name__ == "__main__":
    main()
