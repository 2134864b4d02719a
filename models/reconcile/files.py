"""One reconciliation run and its files.

:func:`reconcile` takes the departmental layers, the unified grid (from the database, or any
:class:`UnifiedGrid`) and the departmental records, and returns a :class:`Reconciliation`:
each layer's crosswalk, the conflicts, the re-keyed records and what could not be placed.
:func:`write_outputs` writes it into a folder:

- ``reconciliation.gpkg``: the layers ``unified_grid``, one ``dept_<layer>`` per departmental
  layer (WGS-84, EPSG:4326), ``conflicts`` (polygons with kind, layer, codes, area, sliver,
  message) and the attribute tables ``crosswalk`` and ``provenance``, ready for QGIS;
- ``crosswalk.csv`` (layer, dept_code, grid_code, area_m2, share, grid_share);
- ``rekeyed.csv`` and ``unplaced.csv`` (the records, and those that could not be placed,
  with the reason);
- ``summary.json``: the figures of the run.

Every file is written under a temporary name and moved into place, so a failed run leaves
no half-written file behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

from models.core.auth import Actor
from models.reconcile.crosswalk import Conflict, Crosswalk, build_crosswalk, find_conflicts
from models.reconcile.layers import DeptLayer
from models.reconcile.rekey import Record, RekeyResult, Unplaced, rekey
from models.storage.db import Database


@dataclass(frozen=True)
class UnifiedGrid:
    """What the layers are reconciled against (WGS-84)."""

    codes: list[str]
    polygons: list[shapely.Geometry]
    communities: dict[str, shapely.Geometry]
    community_street: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_db(cls, db: Database, actor: Actor | None = None) -> UnifiedGrid:
        from models.world.units import UnitService

        units = UnitService(db, actor or Actor.system("reconcile"))
        _ids, codes, polys = units.grid_geometries()
        communities = units.unit_geometries("community")
        by_id: dict[int | None, str] = {u.id: u.code for u in units.units("street")}
        street = {u.code: by_id.get(u.parent_id, "") for u in units.units("community")}
        return cls(list(codes), list(polys), communities, street)

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> list[str | None]:
        tree = shapely.STRtree(np.asarray(self.polygons, dtype=object))
        pts = shapely.points(lon, lat)
        p_ix, g_ix = tree.query(pts, predicate="intersects")
        out: list[str | None] = [None] * len(pts)
        for p, g in zip(p_ix.tolist(), g_ix.tolist(), strict=True):
            if out[p] is None:
                out[p] = self.codes[g]
        return out


@dataclass(frozen=True)
class Reconciliation:
    layers: tuple[DeptLayer, ...]
    unified: UnifiedGrid
    crosswalks: dict[str, Crosswalk]
    conflicts: tuple[Conflict, ...]
    rekeyed: dict[str, RekeyResult]
    unreadable: tuple[Unplaced, ...]      # record rows that could not be read at all
    seconds: dict[str, float]

    def summary(self) -> dict:
        kinds: dict[str, int] = {}
        for c in self.conflicts:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        return {
            "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "unified_grids": len(self.unified.codes),
            "layers": {L.name: {
                "department": L.department, "grids": len(L.grids), "source": L.path,
                "sha256": L.sha256, "datum": L.datum.value, "datum_source": L.datum_source,
                "generated": L.generated, "problems": len(L.problems),
                "crosswalk_rows": len(self.crosswalks[L.name]),
                "split_over_several": self.crosswalks[L.name].many()[0],
                "area_share_error_max": self.crosswalks[L.name].area_share_error_max(),
                "crosswalk_s": round(self.seconds.get(f"crosswalk:{L.name}", 0.0), 3),
            } for L in self.layers},
            "conflicts": kinds,
            "conflict_area_m2": {k: round(sum(c.area_m2 for c in self.conflicts
                                              if c.kind == k), 1) for k in kinds},
            "records": {name: {"read": r.records, "placed": r.placed_records(),
                               "unplaced": len(r.unplaced)}
                        for name, r in self.rekeyed.items()},
            "unreadable_records": len(self.unreadable),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def reconcile(layers: Sequence[DeptLayer], unified: UnifiedGrid,
              records: Mapping[str, Sequence[Record]] | None = None,
              unreadable: Sequence[Unplaced] = ()) -> Reconciliation:
    """Crosswalk every layer, find the conflicts, re-key the records of each layer."""
    seconds: dict[str, float] = {}
    crosswalks = {}
    for layer in layers:
        t = time.perf_counter()
        crosswalks[layer.name] = build_crosswalk(layer, unified.codes, unified.polygons)
        seconds[f"crosswalk:{layer.name}"] = time.perf_counter() - t
    t = time.perf_counter()
    city = shapely.union_all(unified.polygons)
    conflicts = find_conflicts(layers, city, unified.communities, unified.community_street)
    seconds["conflicts"] = time.perf_counter() - t
    rekeyed = {}
    t = time.perf_counter()
    for layer in layers:
        recs = (records or {}).get(layer.name)
        if recs is not None:
            rekeyed[layer.name] = rekey(recs, crosswalks[layer.name], unified.locate_many,
                                        known_codes=layer.codes)
    seconds["rekey"] = time.perf_counter() - t
    return Reconciliation(tuple(layers), unified, crosswalks, tuple(conflicts), rekeyed,
                          tuple(unreadable), seconds)


# -- the files ---------------------------------------------------------------------------
def _write_table(path: Path, layer: str,
                 columns: dict[str, Sequence[Any] | NDArray[Any]], *,
                 geometry: Sequence[shapely.Geometry] | None = None,
                 geometry_type: str | None = None) -> None:
    import pyogrio.raw

    names = list(columns)
    data = []
    for name in names:
        values = columns[name]
        arr = np.asarray(values)
        data.append(arr if arr.dtype.kind in "fiub" else np.array([str(v) for v in values],
                                                                   dtype=object))
    kwargs = {}
    if geometry is not None:
        kwargs = {"geometry_type": geometry_type, "crs": "EPSG:4326",
                  "promote_to_multi": True}
    pyogrio.raw.write(path, geometry=None if geometry is None else
                      np.array(shapely.to_wkb(list(geometry)), dtype=object),
                      fields=names, field_data=data, driver="GPKG", layer=layer, **kwargs)


def _csv(path: Path, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    tmp = path.with_name(f"{path.stem}.part{path.suffix}")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    os.replace(tmp, path)


def write_outputs(run: Reconciliation, folder: str | os.PathLike) -> dict[str, Path]:
    """Write the GeoPackage, the CSVs and the summary of ``run`` into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    gpkg = out / "reconciliation.gpkg"
    tmp = out / "reconciliation.part.gpkg"
    if tmp.exists():
        tmp.unlink()
    try:
        _write_table(tmp, "unified_grid", {"code": run.unified.codes},
                     geometry=run.unified.polygons, geometry_type="MultiPolygon")
        for layer in run.layers:
            _write_table(tmp, f"dept_{layer.name}", {
                "code": layer.codes,
                "coverage": [run.crosswalks[layer.name].coverage(c) for c in layer.codes]},
                geometry=[g.geometry for g in layer.grids], geometry_type="MultiPolygon")
        if run.conflicts:
            _write_table(tmp, "conflicts", {
                "kind": [c.kind for c in run.conflicts],
                "layer": [c.layer for c in run.conflicts],
                "codes": [" ".join(c.codes) for c in run.conflicts],
                "area_m2": np.array([c.area_m2 for c in run.conflicts]),
                "sliver": np.array([int(c.sliver) for c in run.conflicts]),
                "lon": np.array([c.lon for c in run.conflicts]),
                "lat": np.array([c.lat for c in run.conflicts]),
                "message": [c.message for c in run.conflicts]},
                geometry=[c.geometry for c in run.conflicts], geometry_type="MultiPolygon")
        rows = [(name, d, g, a, s, gs) for name, cw in run.crosswalks.items()
                for d, g, a, s, gs in zip(cw.dept_code.tolist(), cw.grid_code.tolist(),
                                          cw.area_m2.tolist(), cw.share.tolist(),
                                          cw.grid_share.tolist(), strict=True)]
        _write_table(tmp, "crosswalk", {
            "layer": [r[0] for r in rows], "dept_code": [r[1] for r in rows],
            "grid_code": [r[2] for r in rows], "area_m2": np.array([r[3] for r in rows]),
            "share": np.array([r[4] for r in rows]),
            "grid_share": np.array([r[5] for r in rows])})
        prov = [(name, k, v) for name, cw in run.crosswalks.items()
                for k, v in {**cw.provenance, "method": cw.method,
                             "computed_at": cw.computed_at.isoformat()}.items()]
        _write_table(tmp, "provenance", {"layer": [p[0] for p in prov],
                                         "key": [p[1] for p in prov],
                                         "value": [p[2] for p in prov]})
        os.replace(tmp, gpkg)
    finally:
        if tmp.exists():
            tmp.unlink()
    _csv(out / "crosswalk.csv", ("layer", "dept_code", "grid_code", "area_m2", "share",
                                 "grid_share"),
         [(r[0], r[1], r[2], f"{r[3]:.3f}", f"{r[4]:.12f}", f"{r[5]:.12f}") for r in rows])
    _csv(out / "rekeyed.csv", ("layer", "record_id", "kind", "dept_code", "grid_code",
                               "weight", "quantity", "method", "also"),
         [(name, p.record_id, p.kind, p.dept_code, p.grid_code, f"{p.weight:.6f}",
           f"{p.quantity:.6f}", p.method, p.also)
          for name, r in run.rekeyed.items() for p in r.placed])
    _csv(out / "unplaced.csv", ("layer", "record_id", "kind", "dept_code", "reason"),
         [(name, u.record_id, u.kind, u.dept_code, u.reason)
          for name, r in run.rekeyed.items() for u in r.unplaced]
         + [("", u.record_id, u.kind, u.dept_code, u.reason) for u in run.unreadable])
    summary = out / "summary.json"
    part = out / "summary.part.json"
    part.write_text(json.dumps(run.summary(), ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(part, summary)
    return {"gpkg": gpkg, "crosswalk": out / "crosswalk.csv", "rekeyed": out / "rekeyed.csv",
            "unplaced": out / "unplaced.csv", "summary": summary}


def case_points(db: Database, actor: Actor, *, days: int = 365
                ) -> tuple[np.ndarray, np.ndarray]:
    """Where the cases of the last ``days`` days were reported (the workload a proposed
    grid balances), as WGS-84 longitude and latitude arrays."""
    from sqlalchemy import select

    from models.core.auth import Perm
    from models.storage import audit
    from models.storage.schema import Case

    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with audit.guarded(db, actor, Perm.CASE_READ, "case.locations", "case"):
        with db.read() as s:
            rows = s.execute(select(Case.lon, Case.lat).where(Case.reported_at >= since)).all()
    return (np.array([r[0] for r in rows], dtype=float),
            np.array([r[1] for r in rows], dtype=float))


def current_grids(db: Database, actor: Actor
                  ) -> tuple[list[tuple[str, str, str, str | None, shapely.Geometry]],
                             dict[str, int]]:
    """Today's unified grids as :func:`models.reconcile.propose.propose_grids` takes them,
    and their population by code."""
    from models.world.units import UnitService

    units = UnitService(db, actor)
    _ids, codes, polys = units.grid_geometries()
    geom = dict(zip(codes, polys, strict=True))
    records = units.grids()
    return ([(g.code, g.community_code, g.kind, g.dedicated_type, geom[g.code])
             for g in records], {g.code: g.population for g in records})
