"""Departmental grid layers: read and check one, or generate the demo city's two.

A departmental layer is a set of polygons with the department's own codes. It is read with
the unified grid's reader (:func:`models.world.gridread.read_grid_layer`: GeoJSON, GeoPackage or
Shapefile, size and geometry checks) and checked with its validator without the unified
code rules (:func:`models.world.gridcheck.validate_grid_layer` with ``code_rules=False``): duplicate
codes, broken rings, overlaps and gaps are reported, never repaired silently.

The datum is taken, in this order, from the caller, from the file (a GeoPackage's CRS, a
GeoJSON's ``"datum"`` member) or detected: a layer whose outline follows the GCJ-02 district
boundaries is GCJ-02; one that follows the WGS-84 ones is WGS-84; one that follows neither
is taken as WGS-84 and says it was assumed. :attr:`DeptLayer.datum_source` records which.

The demo city's departmental layers (:func:`generate_dept_layers`) are generated, labelled
so in every file: a comprehensive-governance layer (综治网格, about 2,056 grids citywide in
the report) in CGCS2000 and a city-maintenance layer (城管网格, about 2,515) in GCJ-02, each
with its own code scheme and with the defects real layers have, and the departmental
records keyed by their codes (historical events, patrol areas, staff assignments).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping

from models.core.geo import Datum, geodesic_area_m2, transform_geometry
from models.world.gridcheck import validate_grid_layer
from models.world.gridread import MislabelledDatum, Problem, _reference_boundaries, read_grid_layer

#: a departmental grid code: printable, at most this long (they are the department's own)
MAX_CODE_LENGTH = 40


@dataclass(frozen=True)
class DeptGrid:
    """One departmental grid, in WGS-84."""

    code: str
    geometry: shapely.Geometry


@dataclass(frozen=True)
class DeptLayer:
    """A departmental layer as read: its grids in WGS-84 and where it came from."""

    name: str
    department: str
    path: str
    sha256: str
    datum: Datum            # the datum the file was in
    datum_source: str       # "given", "declared", "detected" or "assumed"
    grids: tuple[DeptGrid, ...]
    problems: tuple[Problem, ...] = field(default=())
    generated: bool = False

    @property
    def codes(self) -> list[str]:
        return [g.code for g in self.grids]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def detect_datum(geoms: Sequence[shapely.Geometry]) -> Datum | None:
    """GCJ-02 or WGS-84, by which set of the real district boundaries the layer's outline
    follows; ``None`` when it follows neither (a layer of one street, say).

    A GCJ-02 layer lies some 300-600 m from the WGS-84 boundaries around Changsha and on the
    GCJ-02 ones; the test asks for a median within 30 m of one and beyond 150 m of the other.
    """
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    gcj, wgs = _reference_boundaries()
    outline = shapely.union_all([shapely.make_valid(g) for g in geoms]).boundary
    pts = shapely.get_coordinates(outline)
    if len(pts) > 3000:
        pts = pts[np.linspace(0, len(pts) - 1, 3000).astype(int)]
    points = shapely.points(pts)
    to_gcj = shapely.distance(points, gcj) * 111_000
    to_wgs = shapely.distance(points, wgs) * 111_000
    near = (to_gcj < 1000) | (to_wgs < 1000)
    if near.sum() < 20:
        return None
    med_gcj, med_wgs = float(np.median(to_gcj[near])), float(np.median(to_wgs[near]))
    if med_gcj < 30 and med_wgs > 150:
        return Datum.GCJ02
    if med_wgs < 30 and med_gcj > 150:
        return Datum.WGS84
    return None


def _geojson_datum(path: Path) -> Datum | None:
    if path.suffix.lower() not in (".geojson", ".json"):
        return None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None
    value = doc.get("datum") if isinstance(doc, dict) else None
    return Datum.parse(value) if isinstance(value, str) else None


def read_dept_layer(path: str | os.PathLike, *, name: str | None = None, department: str = "",
                    datum: Datum | None = None, code_field: str = "code") -> DeptLayer:
    """Read and check one departmental layer (GeoJSON, GeoPackage or Shapefile).

    Parameters
    ----------
    path
    name : str, optional
        The layer's name (default: the file name without its suffix).
    department : str
        Who drew it (kept as provenance).
    datum : Datum, optional
        The layer's datum when known; otherwise declared by the file or detected.
    code_field : str
        The attribute holding the department's grid code.

    Raises
    ------
    GridLayerError
        The file cannot be used (see :func:`models.world.gridread.read_grid_layer`), or its datum
        conflicts with the given one.
    """
    p = Path(path)
    source = "given"
    if datum is None:
        try:
            layer = read_grid_layer(p, code_field=code_field)
            suffix = p.suffix.lower()
            declared = (_geojson_datum(p) if suffix in (".geojson", ".json")
                        else layer.datum if suffix == ".gpkg"
                        # a Shapefile declares its datum in the .prj beside it
                        else layer.datum if suffix == ".shp" and p.with_suffix(".prj").exists()
                        else None)
            if declared is not None:
                source = "declared"
            else:
                found = detect_datum([f.geometry for f in layer.features])
                source = "detected" if found is Datum.WGS84 else "assumed"
        except MislabelledDatum:
            layer = read_grid_layer(p, datum=Datum.GCJ02, code_field=code_field)
            source = "detected"
    else:
        layer = read_grid_layer(p, datum=datum, code_field=code_field)
    problems = list(validate_grid_layer(layer, code_rules=False))
    grids = []
    for f in layer.features:
        if len(f.code) > MAX_CODE_LENGTH or not f.code.isprintable():
            problems.append(Problem("malformed_code", (f.code[:MAX_CODE_LENGTH],), None, None,
                                    f"grid code {f.code[:MAX_CODE_LENGTH]!r}…: a code is "
                                    f"printable and at most {MAX_CODE_LENGTH} characters"))
            continue
        if f.geometry is not None and not f.geometry.is_empty:
            grids.append(DeptGrid(f.code, shapely.make_valid(f.geometry)
                                  if not f.geometry.is_valid else f.geometry))
    own_name, own_department, generated = _own_description(p)
    return DeptLayer(name or own_name or p.stem, department or own_department, str(p),
                     _sha256(p), layer.datum, source, tuple(grids), tuple(problems), generated)


def _text(value: object, limit: int = 60) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _own_description(path: Path) -> tuple[str, str, bool]:
    """What a file says of its layer: its name (a GeoJSON ``name``, a GeoPackage's layer
    name), its department, and whether it is generated."""
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        try:
            doc = json.loads(path.read_bytes().decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            return "", "", False
        if not isinstance(doc, dict):
            return "", "", False
        return _text(doc.get("name")), _text(doc.get("department")), bool(doc.get("generated"))
    if suffix == ".gpkg":
        import pyogrio

        try:
            layers = pyogrio.list_layers(path)
            meta = pyogrio.read_info(path).get("layer_metadata") or {}
        except Exception:
            return "", "", False
        return (str(layers[0][0]) if len(layers) == 1 else "", _text(meta.get("department")),
                meta.get("generated") == "yes")
    return "", "", False


# -- the demo city's departmental layers -------------------------------------------------
@dataclass(frozen=True)
class LayerSpec:
    """How one generated departmental layer looks."""

    name: str
    department: str
    code_format: str      # str.format with district (6 digits), abbrev and n
    grids: int
    datum: Datum
    suffix: str           # file format
    overlap_share: float  # grids drawn a few metres too large (overlapping their neighbours)
    gap_share: float      # grids drawn a few metres too small (gaps)
    sliver_share: float   # grids shifted by a metre or two (slivers of gap and overlap)


DEMO_LAYERS = (
    LayerSpec("zongzhi", "综治 (comprehensive governance)", "ZZ{district}{n:04d}", 2056,
              Datum.CGCS2000, ".gpkg", 0.015, 0.01, 0.02),
    LayerSpec("chengguan", "城管 (city maintenance)", "CG-{abbrev}-{n:05d}", 2515,
              Datum.GCJ02, ".geojson", 0.02, 0.015, 0.03),
)
DISTRICT_ABBREV = {"430102": "FR", "430103": "TX", "430104": "YL", "430105": "KF",
                   "430111": "YH", "430112": "WC"}
#: a hole no department covers, by design: both layers leave it out (metres)
UNCOVERED_RADIUS_M = 250.0
GENERATED_NOTE = ("GENERATED demo data: not a real departmental layer. Shaped like one "
                  "(own code scheme, overlaps, gaps, slivers, grids across community lines).")


@dataclass(frozen=True)
class GeneratedLayers:
    """The files :func:`generate_dept_layers` wrote."""

    layers: tuple[Path, ...]
    records: tuple[Path, ...]
    grids: dict[str, int]
    records_written: dict[str, int]


def _metres_to_degrees(m: float) -> float:
    return m / 111_000.0


def _cells(rng: np.random.Generator, city: shapely.Geometry, n: int) -> list[shapely.Polygon]:
    from models.scenarios.tessellate import (
        _explode_to_polygons,
        _relax,
        _sample_points,
        _voronoi_cells,
    )

    pts = _sample_points(rng, city, n)
    pts = _relax(rng, city, pts, rounds=1)
    return _explode_to_polygons(_voronoi_cells(pts, city))


def generate_dept_layers(districts: dict[str, shapely.Geometry], folder: str | os.PathLike, *,
                         seed: int = 2019, events_per_layer: int = 6000,
                         scale: float = 1.0) -> GeneratedLayers:
    """Write the demo city's two departmental layers and their records into ``folder``.

    Parameters
    ----------
    districts : dict
        District code -> boundary (WGS-84) of the unified city (the stored districts).
    scale : float
        Fraction of the report's grid counts (tests use a small city).

    Every file says it is generated. Records (``<layer>-records.csv``, in the layer's own
    datum, keyed by the layer's codes): ``event`` rows with a location (some without: only
    the code, as old ledgers have; some with a code the layer does not have; a few outside
    the city), one ``patrol`` row per grid (patrol hours a week) and ``staff`` rows (who is
    assigned to which departmental grid).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    city = shapely.union_all(list(districts.values()))
    # one hole no department covers: both layers leave out a disc near the city centre
    hole_at = shapely.point_on_surface(city)
    hole = hole_at.buffer(_metres_to_degrees(UNCOVERED_RADIUS_M))
    layers, records, counts, written = [], [], {}, {}
    for spec in DEMO_LAYERS:
        n = max(8, round(spec.grids * scale))
        cells = _cells(rng, city, n)
        cells = _add_defects(rng, cells, spec, hole)
        codes = _codes(cells, districts, spec)
        path = out / f"{spec.name}-grids{spec.suffix}"
        _write_layer(path, spec, codes, cells)
        layers.append(path)
        counts[spec.name] = len(cells)
        rpath = out / f"{spec.name}-records.csv"
        written[spec.name] = _write_records(rng, rpath, spec, codes, cells, city,
                                            events_per_layer)
        records.append(rpath)
    return GeneratedLayers(tuple(layers), tuple(records), counts, written)


def _add_defects(rng: np.random.Generator, cells: list[shapely.Polygon], spec: LayerSpec,
                 hole: shapely.Geometry) -> list[shapely.Polygon]:
    """Overlaps, gaps and slivers, as hand-drawn layers have them, and the shared hole."""
    n = len(cells)
    out = list(cells)
    pick = rng.permutation(n)
    # at least one of each defect, even in a small test layer
    a = max(1, round(n * spec.overlap_share))
    b = a + max(1, round(n * spec.gap_share))
    c = b + max(1, round(n * spec.sliver_share))
    for i in pick[:a]:
        out[i] = out[i].buffer(_metres_to_degrees(rng.uniform(8, 25)), join_style="mitre")
    for i in pick[a:b]:
        shrunk = out[i].buffer(-_metres_to_degrees(rng.uniform(5, 15)), join_style="mitre")
        if not shrunk.is_empty and shrunk.geom_type == "Polygon":
            out[i] = shrunk
    for i in pick[b:c]:
        dx, dy = rng.normal(0, _metres_to_degrees(1.5), 2)
        out[i] = shapely.transform(out[i], lambda xy, dx=dx, dy=dy: np.add(xy, (dx, dy)))
    kept = []
    for cell in out:
        rest = cell.difference(hole)
        parts = [p for p in shapely.get_parts(rest) if p.area > 0]
        if parts:
            kept.append(max(parts, key=lambda p: p.area))
    return kept


def _codes(cells: list[shapely.Polygon], districts: dict[str, shapely.Geometry],
           spec: LayerSpec) -> list[str]:
    """The department's own codes: numbered within the district holding each cell's
    representative point, west to east in rows."""
    reps = shapely.point_on_surface(cells)
    owner = []
    for p in reps:
        away = {code: g.distance(p) for code, g in districts.items()}
        owner.append(next((code for code, g in districts.items() if g.covers(p)),
                          min(away, key=away.__getitem__)))
    order = sorted(range(len(cells)), key=lambda i: (owner[i], -round(reps[i].y, 2),
                                                     reps[i].x))
    serial: dict[str, int] = {}
    codes = [""] * len(cells)
    for i in order:
        d = owner[i]
        serial[d] = serial.get(d, 0) + 1
        codes[i] = spec.code_format.format(district=d, abbrev=DISTRICT_ABBREV.get(d, d[-2:]),
                                           n=serial[d])
    return codes


def _write_layer(path: Path, spec: LayerSpec, codes: list[str],
                 cells: list[shapely.Polygon]) -> None:
    shown = [transform_geometry(c, Datum.WGS84, spec.datum) if spec.datum is Datum.GCJ02
             else c for c in cells]
    tmp = path.with_name(f"{path.stem}.part{path.suffix}")  # GDAL wants the suffix
    if tmp.exists():
        tmp.unlink()
    if spec.suffix == ".gpkg":
        import pyogrio.raw

        epsg = 4490 if spec.datum is Datum.CGCS2000 else 4326
        pyogrio.raw.write(
            tmp, geometry=np.array(shapely.to_wkb(shown), dtype=object),
            fields=["code", "department", "note"],
            field_data=[np.array(codes, dtype=object),
                        np.array([spec.department] * len(codes), dtype=object),
                        np.array([GENERATED_NOTE] * len(codes), dtype=object)],
            geometry_type="Polygon", crs=f"EPSG:{epsg}", driver="GPKG", layer=spec.name,
            layer_metadata={"generated": "yes", "note": GENERATED_NOTE,
                            "department": spec.department})
    else:
        # GCJ-02 as the department's web map drew it, with no datum member: the reader
        # has to detect it (as with real files)
        doc = {"type": "FeatureCollection", "name": spec.name, "generated": True,
               "note": GENERATED_NOTE, "department": spec.department,
               "features": [{"type": "Feature", "geometry": mapping(g),
                             "properties": {"code": code}}
                            for code, g in zip(codes, shown, strict=True)]}
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


RECORD_FIELDS = ("record_id", "layer", "kind", "dept_code", "lon", "lat", "quantity", "label")


def _write_records(rng: np.random.Generator, path: Path, spec: LayerSpec, codes: list[str],
                   cells: list[shapely.Polygon], city: shapely.Geometry, n_events: int) -> int:
    """Events (points, some code-only, some with unknown codes, a few outside the city),
    one patrol row per grid and the staff assignments, in the layer's datum."""
    rows: list[dict] = []
    areas = np.array([geodesic_area_m2(c) for c in cells])
    pick = rng.choice(len(cells), size=n_events, p=areas / areas.sum())
    # what old ledgers hold: 3 % code only, 0.5 % a code the layer lacks, 0.5 % a location
    # outside the city (a typo); at least one of each, so every case is exercised
    defect = np.zeros(n_events, dtype=np.int8)
    order = rng.permutation(n_events)
    n_code, n_unknown, n_outside = (max(1, round(n_events * f)) for f in (0.03, 0.005, 0.005))
    defect[order[:n_code]] = 1
    defect[order[n_code:n_code + n_unknown]] = 2
    defect[order[n_code + n_unknown:n_code + n_unknown + n_outside]] = 3
    for k, (i, kind) in enumerate(zip(pick, defect, strict=True), start=1):
        cell = cells[i]
        minx, miny, maxx, maxy = cell.bounds
        for _ in range(50):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if cell.contains(shapely.Point(x, y)):
                break
        else:
            p = shapely.point_on_surface(cell)
            x, y = p.x, p.y
        code, lon, lat = codes[i], x, y
        if kind == 1:
            lon = lat = None                      # an old ledger: the grid code only
        elif kind == 2:
            code = f"{code}X"                    # a code the layer does not have
            lon = lat = None
        elif kind == 3:
            lon, lat = x + 0.5, y + 0.5           # outside the city (a typo)
        if lon is not None and spec.datum is Datum.GCJ02:
            gx, gy = transform_geometry(shapely.Point(lon, lat), Datum.WGS84, Datum.GCJ02).coords[0]
            lon, lat = gx, gy
        rows.append({"record_id": f"{spec.name}-E{k:06d}", "layer": spec.name, "kind": "event",
                     "dept_code": code, "lon": "" if lon is None else f"{lon:.7f}",
                     "lat": "" if lat is None else f"{lat:.7f}", "quantity": "1",
                     "label": "generated historical event"})
    for code in codes:
        rows.append({"record_id": f"{spec.name}-P-{code}", "layer": spec.name, "kind": "patrol",
                     "dept_code": code, "lon": "", "lat": "",
                     "quantity": f"{rng.choice([4, 6, 8, 10, 12])}",
                     "label": "generated patrol hours per week"})
    per = 1 if spec.name == "zongzhi" else 2
    for n, code in enumerate(codes[::per], start=1):
        rows.append({"record_id": f"{spec.name}-S{n:05d}", "layer": spec.name, "kind": "staff",
                     "dept_code": code, "lon": "", "lat": "", "quantity": "1",
                     "label": f"generated staff member {n} assigned to {code}"})
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as f:
        f.write(f"# {GENERATED_NOTE} Coordinates in {spec.datum.value}.\n")
        writer = csv.DictWriter(f, fieldnames=RECORD_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
    return len(rows)
