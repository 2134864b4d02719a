"""``main.py dept-layers`` and ``main.py reconcile``: the departments' grid layers against
the unified grid on the command line (docs/RECONCILE.md)."""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _open_db(url: str | None):  # noqa: ANN202
    from models.storage.db import Database

    return Database.open(url)


def _admin():  # noqa: ANN202
    from models.core.auth import Actor

    return Actor.system("cli")


def cmd_dept_layers(args: argparse.Namespace) -> int:
    from models.reconcile.layers import generate_dept_layers
    from models.world.units import UnitService

    db = _open_db(args.db)
    try:
        districts = UnitService(db, _admin()).unit_geometries("district")
    finally:
        db.dispose()
    if not districts:
        print("error: the database has no districts with boundaries: build the demo city "
              "first (main.py demo)", file=sys.stderr)
        return EXIT_PROBLEMS
    made = generate_dept_layers(districts, args.out, seed=args.seed, scale=args.scale,
                                events_per_layer=args.events)
    for path, name in zip(made.layers, made.grids, strict=True):
        print(f"{path}: {made.grids[name]:,} grids (generated); records "
              f"{made.records_written[name]:,}")
    for path in made.records:
        print(f"{path}")
    return EXIT_OK


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{what} takes NAME=VALUE, not {v!r}")
        out[name.strip()] = value.strip()
    return out


def cmd_reconcile(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from models.core.geo import Datum
    from models.reconcile.files import UnifiedGrid, reconcile, write_outputs
    from models.reconcile.layers import read_dept_layer
    from models.reconcile.rekey import read_records

    try:
        datums = {k: Datum.parse(v) for k, v in _pairs(args.datum, "--datum").items()}
        fields = _pairs(args.code_field, "--code-field")
        record_files = _pairs(args.records, "--records")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    layers = []
    for path in args.layers:
        stem = Path(path).stem
        layer = read_dept_layer(path, datum=datums.get(stem), code_field=fields.get(stem, "code"))
        if layer.name != stem and (layer.name in datums or layer.name in fields):
            layer = read_dept_layer(path, datum=datums.get(layer.name),
                                    code_field=fields.get(layer.name, "code"))
        layers.append(layer)
        print(f"{layer.name}: {len(layer.grids):,} grids, datum {layer.datum.value} "
              f"({layer.datum_source}), {len(layer.problems):,} problem(s) found by the "
              f"validator{' (generated data)' if layer.generated else ''}")
    names = {layer.name for layer in layers}
    unknown = sorted(set(record_files) - names)
    if unknown:
        print(f"error: --records names layer(s) {', '.join(unknown)}; the layers are "
              f"{', '.join(sorted(names))}", file=sys.stderr)
        return EXIT_USAGE
    records, unreadable = {}, []
    for layer in layers:
        if layer.name in record_files:
            good, bad = read_records(record_files[layer.name], layer.datum)
            records[layer.name] = good
            unreadable += bad
    db = _open_db(args.db)
    try:
        unified = UnifiedGrid.from_db(db, _admin())
        if not unified.codes:
            print("error: the database has no unified grid to reconcile against",
                  file=sys.stderr)
            return EXIT_PROBLEMS
        run = reconcile(layers, unified, records, unreadable)
        proposal = None
        if args.propose:
            proposal = _propose(db, run, args, unified, records)
    finally:
        db.dispose()
    paths = write_outputs(run, args.out)
    if proposal is not None:
        _write_proposal(proposal, Path(args.out))
    summary = run.summary()
    if proposal is not None:
        summary["proposal"] = _proposal_summary(proposal)
    if not args.no_report:
        paths["report"] = _reconcile_report(run, proposal, Path(args.out) / "reconciliation.pdf")
    for layer in layers:
        cw = run.crosswalks[layer.name]
        split, many = cw.many()
        print(f"{layer.name}: {len(cw):,} crosswalk rows; {split:,} grids split over several "
              f"unified grids, {many:,} unified grids made of several; shares sum to 1 "
              f"within {cw.area_share_error_max():.1e}")
        if layer.name in run.rekeyed:
            r = run.rekeyed[layer.name]
            print(f"{layer.name}: {r.records:,} records, {r.placed_records():,} placed, "
                  f"{len(r.unplaced):,} not placed (see unplaced.csv)")
    for kind, n in summary["conflicts"].items():
        print(f"conflicts: {n:,} {kind} ({summary['conflict_area_m2'][kind]:,.0f} m²)")
    for name, path in paths.items():
        print(f"{name}: {path}")
    print(json.dumps({"crosswalk_s": {L.name: summary["layers"][L.name]["crosswalk_s"]
                                      for L in layers},
                      "area_share_error_max": max(summary["layers"][L.name][
                          "area_share_error_max"] for L in layers),
                      "unplaced_records": sum(len(r.unplaced) for r in run.rekeyed.values())
                      + len(run.unreadable),
                      "conflicts": summary["conflicts"],
                      **({"proposal": summary["proposal"]} if proposal else {})},
                     ensure_ascii=False))
    return EXIT_OK


def _propose(db, run, args, unified, records):  # noqa: ANN001, ANN202
    import numpy as np

    from models.reconcile.files import case_points, current_grids
    from models.reconcile.propose import Bounds, propose_grids

    current, population = current_grids(db, _admin())
    lon, lat = case_points(db, _admin())
    # the departments' located history counts as workload too
    located = {p.record_id for r in run.rekeyed.values() for p in r.placed
               if p.kind == "event" and p.method == "location"}
    pts = [(rec.lon, rec.lat) for recs in records.values() for rec in recs
           if rec.record_id in located]
    if pts:
        lon = np.concatenate([lon, np.array([p[0] for p in pts])])
        lat = np.concatenate([lat, np.array([p[1] for p in pts])])
    basic = [c for c in current if c[2] == "basic"]
    mean = len(lon) / max(1, len(basic))
    bounds = Bounds(min_events=args.min_events,
                    max_events=args.max_events if args.max_events is not None
                    else max(1.0, 1.25 * mean),
                    max_area_m2=args.max_area_km2 * 1e6 if args.max_area_km2 else float("inf"))
    return propose_grids(unified.communities, current, lon, lat, population=population,
                         bounds=bounds, seed=0)


def _proposal_summary(p) -> dict:  # noqa: ANN001
    return {"grids_before": p.before.n, "grids_after": p.after.n,
            "gini_before": round(p.before.gini, 4), "gini_after": round(p.after.gini, 4),
            "largest_before": p.before.largest, "largest_after": p.after.largest,
            "smallest_before": p.before.smallest, "smallest_after": p.after.smallest,
            "unmet": len(p.unmet),
            "staff": {role: sum(g.staff.get(role, 0) for g in p.grids)
                      for role in ("supervisor", "manager", "assistant", "volunteer")}}


def _write_proposal(p, out) -> None:  # noqa: ANN001
    import csv
    import os

    from models.reconcile.files import _write_table

    gpkg = out / "proposed-grid.gpkg"
    tmp = out / "proposed-grid.part.gpkg"
    if tmp.exists():
        tmp.unlink()
    _write_table(tmp, "proposed_grid", {
        "code": [g.code for g in p.grids], "community_code": [g.community_code for g in p.grids],
        "kind": [g.kind for g in p.grids],
        "dedicated_type": [g.dedicated_type or "" for g in p.grids],
        "events": [float(g.events) for g in p.grids],
        "population": [int(g.population) for g in p.grids],
        "area_m2": [float(g.area_m2) for g in p.grids],
        "staff": [" ".join(f"{k}={v}" for k, v in g.staff.items()) for g in p.grids]},
        geometry=[g.polygon for g in p.grids], geometry_type="MultiPolygon")
    os.replace(tmp, gpkg)
    part = out / "proposed-unmet.part.csv"
    with part.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("community", "why"))
        for line in p.unmet:
            code, _, why = line.partition(": ")
            w.writerow((code, why))
    os.replace(part, out / "proposed-unmet.csv")


def _reconcile_report(run, proposal, path):  # noqa: ANN001, ANN202
    from PySide6.QtGui import QGuiApplication

    from console.reconcile_report import write_reconcile_report

    app = QGuiApplication.instance() or QGuiApplication(["citygrid-reconcile"])
    try:  # the report's fonts and pages are Qt's: an application must live meanwhile
        return write_reconcile_report(run, path, proposal=proposal)
    finally:
        del app
