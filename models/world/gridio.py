"""Grid layers in and out of the database: import and export GeoJSON and GeoPackage.

A file is read (:func:`models.world.gridread.read_grid_layer`) and validated
(:func:`models.world.gridcheck.validate_grid_layer`) before anything is written; an import
with any problem raises :class:`GridLayerError` carrying the list and writes nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import insert, select, update

from models.core.auth import Actor, Perm
from models.core.errors import ConflictError, GridLayerError
from models.core.geo import Datum, geodesic_area_m2
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import AdminUnit, DedicatedType, Grid, GridKind, Layer, Level
from models.world.gridcheck import validate_grid_layer
from models.world.gridread import Problem, read_grid_layer


@dataclass(frozen=True)
class ImportSummary:
    layer_id: int
    inserted: int
    updated: int
    source_datum: str


def import_grids(db: Database, actor: Actor, path: str | os.PathLike, *,
                 datum: Datum | None = None, replace: bool = False) -> ImportSummary:
    """Import a grid layer in one transaction; any problem means nothing is written."""
    with audit.guarded(db, actor, Perm.GRID_WRITE, "grid.import", "layer", str(path)):
        layer = read_grid_layer(path, datum=datum)
        with db.read() as s:
            communities = {code: (uid, shapely.from_wkb(wkb) if wkb else None)
                           for uid, code, wkb in s.execute(
                               select(AdminUnit.id, AdminUnit.code, AdminUnit.geometry)
                               .where(AdminUnit.level == Level.COMMUNITY))}
            stored = {code: shapely.from_wkb(wkb) for code, wkb in
                      s.execute(select(Grid.code, Grid.geometry))}
        existing = set(stored)
        parents = {code: geom for code, (_, geom) in communities.items() if geom is not None}
        # the stored grids this import does not replace must not be overlapped (with
        # --replace a grid of the same code is the one it replaces; without it, the
        # clash is refused below anyway)
        problems = validate_grid_layer(layer, parents=parents, stored=stored)
        missing = sorted({f.community_code for f in layer.features
                          if f.community_code not in communities})
        problems = [p for p in problems if p.kind != "unknown_parent"]
        if missing:
            problems.append(Problem("unknown_parent", (), None, None,
                                    f"communities not in the database: {', '.join(missing[:20])}"
                                    + (" …" if len(missing) > 20 else "")))
        if problems:
            raise GridLayerError(f"{path}: {len(problems)} problem(s); nothing was imported",
                                 problems)
        clash = sorted(existing & {f.code for f in layer.features})
        if clash and not replace:
            raise ConflictError(f"{len(clash)} grid code(s) already stored (first: {clash[0]}); "
                                "use --replace to replace them")
        rows = []
        for f in layer.features:
            assert f.geometry is not None  # no problems: every grid read a geometry
            b = f.geometry.bounds
            rows.append({"code": f.code, "kind": GridKind(f.kind),
                         "dedicated_type": DedicatedType(f.dedicated_type)
                         if f.dedicated_type else None, "name": f.name,
                         "community_id": communities[f.community_code][0],
                         "geometry": shapely.to_wkb(f.geometry), "min_lon": b[0],
                         "min_lat": b[1], "max_lon": b[2], "max_lat": b[3],
                         "area_m2": geodesic_area_m2(f.geometry), "population": f.population,
                         "generated": False})
        with db.write() as s:
            layer_row = Layer(name=Path(path).name, kind="grids", source=str(path),
                              source_datum=layer.datum.value, generated=False,
                              note=f"imported by {actor.name}")
            s.add(layer_row)
            s.flush()
            new = [dict(r, layer_id=layer_row.id) for r in rows if r["code"] not in existing]
            old = [dict(r, layer_id=layer_row.id) for r in rows if r["code"] in existing]
            if new:
                s.execute(insert(Grid), new)
            for r in old:
                s.execute(update(Grid).where(Grid.code == r["code"]).values(**r))
            audit.record(s, actor, "grid.import", "layer", layer_row.id,
                         detail=f"{path}: {len(new)} new, {len(old)} replaced")
            layer_id = layer_row.id
    return ImportSummary(layer_id, len(new), len(old), layer.datum.value)


def _export_rows(db: Database) -> list[dict]:
    from sqlalchemy.orm import aliased

    comm, street, district = (aliased(AdminUnit) for _ in range(3))
    q = (select(Grid.code, Grid.kind, Grid.dedicated_type, Grid.name, Grid.population,
                Grid.area_m2, Grid.generated, Grid.geometry, comm.code, district.code)
         .join(comm, comm.id == Grid.community_id)
         .outerjoin(street, street.id == comm.parent_id)
         .outerjoin(district, district.id == street.parent_id)
         .order_by(Grid.code))
    with db.read() as s:
        return [{"code": r[0], "kind": r[1].value,
                 "dedicated_type": r[2].value if r[2] else None, "name": r[3],
                 "population": r[4], "area_m2": round(r[5], 1), "generated": bool(r[6]),
                 "geometry": shapely.from_wkb(r[7]), "community_code": r[8],
                 "district_code": r[9] or r[0][:6]} for r in s.execute(q)]


def _atomic_target(path: Path) -> tuple[int, str]:
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)


def export_grids(db: Database, actor: Actor, path: str | os.PathLike, *,
                 fmt: str | None = None) -> int:
    """Write every grid to GeoJSON (RFC 7946) or GeoPackage; returns the number written.

    The file appears complete or not at all (written to a temporary file, then renamed).
    """
    out = Path(path)
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in ("geojson", "json", "gpkg"):
        raise GridLayerError(f"{out}: unknown export format {fmt!r}; use .geojson or .gpkg")
    with audit.guarded(db, actor, Perm.GRID_READ, "grid.export", "layer", str(out)):
        rows = _export_rows(db)
        fd, tmp = _atomic_target(out)
        os.close(fd)
        try:
            if fmt == "gpkg":
                _write_gpkg(Path(tmp), rows)
            else:
                _write_geojson(Path(tmp), rows)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with db.write() as s:
            audit.record(s, actor, "grid.export", "layer", str(out), detail=f"{len(rows)} grids")
    return len(rows)


FIELDS = ("code", "kind", "dedicated_type", "community_code", "district_code", "name",
          "population", "area_m2", "generated")


def _write_geojson(path: Path, rows: list[dict]) -> None:
    features = []
    for r in rows:
        geom = shapely.orient_polygons(r["geometry"])  # RFC 7946: exterior rings CCW
        gj = json.loads(shapely.to_geojson(geom))
        features.append({"type": "Feature", "properties": {k: r[k] for k in FIELDS},
                         "geometry": _round(gj)})
    doc = {"type": "FeatureCollection", "name": "grids", "features": features}
    with path.open("w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.flush()
        os.fsync(f.fileno())


def _round(gj: dict) -> dict:
    def r(c):  # noqa: ANN001, ANN202
        return [round(c[0], 7), round(c[1], 7)] if isinstance(c[0], float) else [r(x) for x in c]

    return {"type": gj["type"], "coordinates": r(gj["coordinates"])}


def _write_gpkg(path: Path, rows: list[dict]) -> None:
    import pyogrio.raw

    path.unlink(missing_ok=True)  # GDAL will not overwrite the empty temporary file
    wkb = np.array([shapely.to_wkb(shapely.orient_polygons(r["geometry"])) for r in rows],
                   dtype=object)
    data = [np.array([r[k] if r[k] is not None else "" for r in rows],
                     dtype=object if k not in ("population", "area_m2", "generated")
                     else (np.int64 if k == "population" else
                           np.float64 if k == "area_m2" else np.int8)) for k in FIELDS]
    pyogrio.raw.write(str(path), wkb, data, list(FIELDS), layer="grids", driver="GPKG",
                      geometry_type="Polygon", crs="EPSG:4326", encoding="UTF-8")
