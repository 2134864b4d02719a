"""Grid layers in and out: read, validate, import and export GeoJSON and GeoPackage.

Reading never trusts a file: its size is checked before parsing, JSON numbers must be
finite, rings must be closed, coordinates must be longitude/latitude in range (swapped axes
are recognised), and the datum must be known. GeoJSON is WGS-84 by definition (RFC 7946)
and has no ``crs`` member; a file in another datum declares it with the top-level member
``"datum": "GCJ02"`` (a foreign member in RFC 7946 terms) or the caller passes ``datum=``.
Data that lines up with the GCJ-02 district boundaries but claims WGS-84 is refused.

Problems with the content are collected, not raised one by one, so ``validate-grids``
reports them all; an import with any problem raises :class:`GridLayerError` carrying the
list and writes nothing.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import insert, select, update

from models.storage import audit
from models.core.auth import Actor, Perm
from models.storage.db import Database
from models.core.errors import ConflictError, GridLayerError
from models.core.geo import Datum, geodesic_area_m2, in_china, transform_geometry
from models.storage.schema import AdminUnit, DedicatedType, Grid, GridKind, Layer, Level

MAX_FILE_BYTES = 40 * 1024 * 1024  # a city's grid layer is a few MB; 40 MB means a mistake
MAX_VERTICES_PER_GRID = 20_000  # a drawn grid has tens to hundreds; a million is a mistake
MAX_GRID_POPULATION = 5_000_000  # more than any district: a figure past it is a typo
MIN_AREA_M2 = 0.01  # overlaps and gaps smaller than this are rounding, not drawing errors
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
             46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
CHANGSHA_DISTRICTS = ("430102", "430103", "430104", "430105", "430111", "430112")


class MislabelledDatum(GridLayerError):
    """The layer claims WGS-84/CGCS2000 but its outline follows the GCJ-02 boundaries."""


@dataclass(frozen=True)
class GridFeature:
    """One grid as read from a file, in WGS-84."""

    code: str
    kind: str
    dedicated_type: str | None
    community_code: str
    name: str
    population: int
    geometry: shapely.Geometry | None  # None when the raw geometry was unusable

    @property
    def district_code(self) -> str:
        return self.code[:6]


@dataclass(frozen=True)
class Problem:
    """Something wrong in a grid layer: what, which grids, where and how large."""

    kind: str  # invalid_geometry, self_intersection, overlap, gap, duplicate_code, ...
    codes: tuple[str, ...]
    location: tuple[float, float] | None
    area_m2: float | None
    message: str


@dataclass(frozen=True)
class GridLayer:
    path: str
    datum: Datum
    features: tuple[GridFeature, ...]
    problems: tuple[Problem, ...] = field(default=())  # found while reading


@dataclass(frozen=True)
class ImportSummary:
    layer_id: int
    inserted: int
    updated: int
    source_datum: str


# -- reading -----------------------------------------------------------------------------
def _where(geom: shapely.Geometry | None) -> tuple[float, float] | None:
    if geom is None or geom.is_empty:
        return None
    p = shapely.point_on_surface(geom) if geom.is_valid else shapely.centroid(geom)
    return (round(p.x, 7), round(p.y, 7))


def _check_rings(code: str, geometry: dict) -> list[Problem]:
    """Raw coordinate checks that shapely would hide (it closes open rings silently)."""
    gtype = geometry.get("type")
    coords = geometry.get("coordinates")
    if gtype not in ("Polygon", "MultiPolygon") or not isinstance(coords, list):
        return [Problem("not_polygon", (code,), None, None,
                        f"grid {code}: geometry must be a Polygon, not {gtype!r}")]
    polygons = [coords] if gtype == "Polygon" else coords
    if not all(isinstance(rings, list) and rings and all(isinstance(r, list) for r in rings)
               for rings in polygons) or not polygons:
        return [Problem("invalid_geometry", (code,), None, None,
                        f"grid {code}: a polygon is a list of rings of positions")]
    problems: list[Problem] = []
    vertices = sum(len(ring) for rings in polygons if isinstance(rings, list)
                   for ring in rings if isinstance(ring, list))
    if vertices > MAX_VERTICES_PER_GRID:
        return [Problem("too_many_vertices", (code,), None, None,
                        f"grid {code}: {vertices:,} vertices; a grid has at most "
                        f"{MAX_VERTICES_PER_GRID:,}")]
    swapped = 0
    for rings in polygons:
        for ring in rings if isinstance(rings, list) else []:
            if not isinstance(ring, list) or len(ring) < 4:
                problems.append(Problem("invalid_geometry", (code,), None, None,
                                        f"grid {code}: a ring needs at least 4 positions"))
                continue
            try:
                xy = np.array([[float(p[0]), float(p[1])] for p in ring])
            except (TypeError, ValueError, IndexError):
                problems.append(Problem("invalid_geometry", (code,), None, None,
                                        f"grid {code}: positions must be [lon, lat] numbers"))
                continue
            if not np.all(np.isfinite(xy)):
                problems.append(Problem("not_finite", (code,), None, None,
                                        f"grid {code}: coordinates must be finite numbers"))
                continue
            if not np.array_equal(xy[0], xy[-1]):
                problems.append(Problem("open_ring", (code,), (xy[0, 0], xy[0, 1]), None,
                                        f"grid {code}: a ring is not closed (its first and "
                                        "last positions differ)"))
            lon, lat = xy[:, 0], xy[:, 1]
            if np.any(np.abs(lon) > 180) or np.any(np.abs(lat) > 90):
                if np.all(np.abs(lon) <= 90) and np.all(np.abs(lat) <= 180):
                    swapped += 1
                else:
                    problems.append(Problem("out_of_range", (code,), None, None,
                                            f"grid {code}: longitude/latitude out of range"))
            elif np.all(in_china(lat, lon)) and not np.any(in_china(lon, lat)):
                swapped += 1
    if swapped:
        problems.append(Problem("swapped_axes", (code,), None, None,
                                f"grid {code}: coordinates look like [lat, lon]; GeoJSON "
                                "positions are [longitude, latitude]"))
    return problems


def _feature(code: str, props: dict, geom: shapely.Geometry | None) -> GridFeature:
    def text(key: str) -> str:
        v = props.get(key)
        return "" if v is None else str(v).strip()

    kind = text("kind") or "basic"
    dtype = text("dedicated_type") or None
    raw = props.get("population") or 0
    # a whole number in range, or -1 (refused by validation): int(1e30) is a 31-digit
    # integer no database column holds, int(inf) raises
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    is_whole = isinstance(raw, (int, np.integer)) and not isinstance(raw, bool) or (
        isinstance(raw, (float, np.floating)) and math.isfinite(raw) and raw == int(raw))
    population = int(raw) if is_whole and 0 <= raw <= MAX_GRID_POPULATION else -1
    if geom is not None and geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    return GridFeature(code, kind, dtype, text("community_code") or code[:12], text("name"),
                       population, geom)


def _read_geojson(path: Path, code_field: str = "code"
                  ) -> tuple[Datum | None, list[GridFeature], list[Problem]]:
    raw = path.read_bytes()
    if not raw.strip():
        raise GridLayerError(f"{path}: the file is empty")

    def refuse_constant(name: str) -> float:
        raise GridLayerError(f"{path}: {name} is not a number in JSON (RFC 8259); "
                             "coordinates must be finite")

    try:
        doc = json.loads(raw.decode("utf-8-sig"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise GridLayerError(f"{path}: not UTF-8 text (GeoJSON is UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise GridLayerError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                             f"column {exc.colno})") from None
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise GridLayerError(f"{path}: expected a GeoJSON FeatureCollection")
    if "crs" in doc:
        raise GridLayerError(
            f"{path}: has a 'crs' member. GeoJSON (RFC 7946) is always WGS-84 longitude/"
            "latitude and has no 'crs'; remove it, and if the data is in another datum say "
            "so with a top-level \"datum\": \"GCJ02\" member or --datum GCJ02")
    declared = Datum.parse(doc["datum"]) if isinstance(doc.get("datum"), str) else None
    features = doc.get("features") if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(features, list) or not features:
        raise GridLayerError(f"{path}: the layer has no features")
    out: list[GridFeature] = []
    problems: list[Problem] = []
    for n, f in enumerate(features, start=1):
        props = (f.get("properties") or {}) if isinstance(f, dict) else {}
        code = str(props.get(code_field, "")).strip() or f"#{n}"
        gj = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(gj, dict):
            problems.append(Problem("not_polygon", (code,), None, None,
                                    f"grid {code}: feature has no geometry"))
            out.append(_feature(code, props, None))
            continue
        found = _check_rings(code, gj)
        problems.extend(found)
        geom = None
        if not found:
            try:
                geom = shape(gj)
            except (ValueError, TypeError, AttributeError, IndexError, KeyError):
                problems.append(Problem("invalid_geometry", (code,), None, None,
                                        f"grid {code}: the geometry's coordinates are not "
                                        "rings of positions"))
        out.append(_feature(code, props, geom))
    return declared, out, problems


def _read_gpkg(path: Path, code_field: str = "code", *, declared: Datum | None = None
               ) -> tuple[Datum | None, list[GridFeature], list[Problem]]:
    """A GeoPackage or a Shapefile (through GDAL). A Shapefile without a .prj has no CRS:
    its datum must then be given (``declared``) or is detected by the caller."""
    import pyogrio

    kind = "Shapefile" if path.suffix.lower() == ".shp" else "GeoPackage"
    try:
        info = pyogrio.read_info(path)
        meta, _fids, wkb, field_data = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ...
        raise GridLayerError(f"{path}: cannot read as {kind} ({exc})") from None
    crs = (info.get("crs") or "").upper()
    datum = {"EPSG:4326": Datum.WGS84, "EPSG:4490": Datum.CGCS2000}.get(crs)
    if datum is None and not (kind == "Shapefile" and not crs):
        raise GridLayerError(f"{path}: layer CRS {crs or 'missing'} is not supported; "
                             "use EPSG:4326 (WGS-84) or EPSG:4490 (CGCS2000) lon/lat")
    if wkb is None or len(wkb) == 0:
        raise GridLayerError(f"{path}: the layer has no features")
    names = list(meta["fields"])
    out: list[GridFeature] = []
    problems: list[Problem] = []
    for i, blob in enumerate(wkb):
        props = {name: field_data[j][i] for j, name in enumerate(names)}
        code = str(props.get(code_field) or f"#{i + 1}").strip()
        geom = shapely.from_wkb(blob) if blob is not None else None
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(Problem("not_polygon", (code,), None, None,
                                    f"grid {code}: geometry must be a Polygon"))
            geom = None
        elif shapely.get_num_coordinates(geom) > MAX_VERTICES_PER_GRID:
            problems.append(Problem("too_many_vertices", (code,), None, None,
                                    f"grid {code}: {shapely.get_num_coordinates(geom):,} "
                                    f"vertices; a grid has at most {MAX_VERTICES_PER_GRID:,}"))
            geom = None
        elif not np.all(np.isfinite(shapely.get_coordinates(geom))):
            problems.append(Problem("not_finite", (code,), None, None,
                                    f"grid {code}: coordinates must be finite numbers"))
            geom = None
        out.append(_feature(code, props, geom))
    return datum, out, problems


def read_grid_layer(path: str | os.PathLike, *, datum: Datum | None = None,
                    code_field: str = "code") -> GridLayer:
    """Read a grid layer (.geojson/.json, .gpkg or .shp) into WGS-84 features.

    ``code_field`` names the attribute holding each grid's code (departmental layers have
    their own). The layer's ``datum`` is the one it was read in.

    Raises
    ------
    GridLayerError
        The file cannot be used at all (missing, empty, too large, not the format, no
        features, a ``crs`` member, an unsupported CRS, a datum conflict, GCJ-02 data
        declared as WGS-84). Problems of single grids are returned in ``problems``.
    """
    p = Path(path)
    if not p.is_file():
        raise GridLayerError(f"{p}: no such file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise GridLayerError(f"{p}: the file is {size / 1e6:.1f} MB, over the "
                             f"{MAX_FILE_BYTES / 1e6:.0f} MB limit for a grid layer; split it "
                             "by district")
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        declared, features, problems = _read_geojson(p, code_field)
        file_datum = declared or Datum.WGS84
    elif suffix in (".gpkg", ".shp"):
        declared, features, problems = _read_gpkg(p, code_field)
        file_datum = declared or Datum.WGS84
    else:
        raise GridLayerError(f"{p}: unknown format {suffix!r}; use .geojson, .gpkg or .shp")
    if datum is not None and declared is not None and datum != declared and not (
            {datum, declared} <= {Datum.WGS84, Datum.CGCS2000}):
        raise GridLayerError(f"{p}: the file says its datum is {declared.value} but "
                             f"{datum.value} was given; which is right?")
    source = datum or file_datum
    if source is not Datum.GCJ02:
        _refuse_mislabelled_gcj02(p, [f.geometry for f in features if f.geometry is not None],
                                  source)
    if source is not Datum.WGS84:
        features = [GridFeature(f.code, f.kind, f.dedicated_type, f.community_code, f.name,
                                f.population, transform_geometry(f.geometry, source,
                                                                 Datum.WGS84)
                                if f.geometry is not None else None) for f in features]
    return GridLayer(str(p), source, tuple(features), tuple(problems))


@cache
def _reference_boundaries() -> tuple[shapely.Geometry, shapely.Geometry]:
    """Changsha's district boundaries as lines, in GCJ-02 (as shipped) and WGS-84."""
    folder = resources.files("resources") / "data" / "changsha"
    gcj = [shape(json.loads((folder / f"{c}.geojson").read_text(encoding="utf-8")))
           for c in CHANGSHA_DISTRICTS]
    wgs = [transform_geometry(g, Datum.GCJ02, Datum.WGS84) for g in gcj]
    return (shapely.union_all([g.boundary for g in gcj]),
            shapely.union_all([g.boundary for g in wgs]))


def _refuse_mislabelled_gcj02(path: Path, geoms: list[shapely.Geometry], datum: Datum) -> None:
    """Refuse a layer that lines up with the GCJ-02 district boundaries though it claims
    WGS-84/CGCS2000. Detectable where the layer's outline follows a known boundary."""
    if not geoms:
        return
    gcj, wgs = _reference_boundaries()
    outline = shapely.union_all([g for g in geoms if g.is_valid] or geoms[:1]).boundary
    pts = shapely.get_coordinates(outline)
    if len(pts) > 3000:
        pts = pts[np.linspace(0, len(pts) - 1, 3000).astype(int)]
    points = shapely.points(pts)
    to_gcj = shapely.distance(points, gcj) * 111_000  # degrees to metres, roughly
    to_wgs = shapely.distance(points, wgs) * 111_000
    near = (to_gcj < 1000) | (to_wgs < 1000)
    if near.sum() < 20:
        return  # the layer does not follow a known boundary: cannot tell
    med_gcj, med_wgs = float(np.median(to_gcj[near])), float(np.median(to_wgs[near]))
    if med_gcj < 30 and med_wgs > 150:
        raise MislabelledDatum(
            f"{path}: declared {datum.value}, but its outline follows the GCJ-02 district "
            f"boundaries (median {med_gcj:.0f} m from them, {med_wgs:.0f} m from the WGS-84 "
            "ones): the data looks like GCJ-02. Re-run with --datum GCJ02 (or add "
            "\"datum\": \"GCJ02\" to the file)")


# -- validation --------------------------------------------------------------------------
def _plausible_code(code: str) -> bool:
    return (len(code) == 15 and code.isdigit() and int(code[:2]) in PROVINCES
            and code[4:6] != "00")


def _deg2_to_m2(area_deg2: float, lat: float) -> float:
    return area_deg2 * 111_320 * math.cos(math.radians(lat)) * 110_574


def _code_problems(f: GridFeature) -> list[Problem]:
    """The unified grid's rules for one grid: its code, kind and population."""
    out = []
    if not _plausible_code(f.code):
        out.append(Problem("malformed_code", (f.code,), _where(f.geometry), None,
                           f"grid code {f.code!r} is not 15 digits starting with a "
                           "GB/T 2260 district code"))
    elif f.community_code != f.code[:12]:
        out.append(Problem("malformed_code", (f.code,), _where(f.geometry), None,
                           f"grid {f.code}: community code {f.community_code} is not "
                           "the first 12 digits of the grid code"))
    if f.kind not in (GridKind.BASIC.value, GridKind.DEDICATED.value):
        out.append(Problem("bad_kind", (f.code,), _where(f.geometry), None,
                           f"grid {f.code}: kind must be basic or dedicated, not {f.kind!r}"))
    elif (f.kind == GridKind.DEDICATED.value) != (f.dedicated_type is not None) or (
            f.dedicated_type is not None
            and f.dedicated_type not in {t.value for t in DedicatedType}):
        out.append(Problem("bad_kind", (f.code,), _where(f.geometry), None,
                           f"grid {f.code}: a dedicated grid needs a dedicated_type "
                           "(government, school, hospital, business) and a basic grid none"))
    if f.population < 0:
        out.append(Problem("bad_population", (f.code,), _where(f.geometry), None,
                           f"grid {f.code}: population must be a whole number from 0 "
                           f"to {MAX_GRID_POPULATION:,}"))
    return out


def validate_grid_layer(layer: GridLayer, *, parents: dict[str, shapely.Geometry] | None = None,
                        stored: dict[str, shapely.Geometry] | None = None,
                        coverage: dict[str, shapely.Geometry] | None = None,
                        code_rules: bool = True) -> list[Problem]:
    """Every problem of a layer: geometry, codes, kinds, overlaps, gaps, parents.

    Parameters
    ----------
    code_rules : bool
        Check the unified grid's rules (15-digit codes under their community, kinds,
        population). A departmental layer has its own code scheme: ``False`` checks only
        that its codes are unique, and its geometry.
    parents : dict, optional
        Community code -> boundary: each grid must lie inside its community.
    stored : dict, optional
        Grid code -> polygon of the grids already stored: a grid of the layer may not
        overlap one of them (a stored grid of the same code is the one it replaces).
    coverage : dict, optional
        Name -> area (communities, districts, a boundary file) the layer's grids must cover:
        what they leave uncovered inside is a gap.
    """
    problems = list(layer.problems)
    seen: dict[str, int] = {}
    for f in layer.features:
        seen[f.code] = seen.get(f.code, 0) + 1
    for code, n in seen.items():
        if n > 1:
            problems.append(Problem("duplicate_code", (code,), None, None,
                                    f"grid code {code} appears {n} times"))
    good: list[GridFeature] = []
    for f in layer.features:
        if code_rules:
            problems.extend(_code_problems(f))
        if f.geometry is None:
            continue
        if f.geometry.is_empty or (f.geometry.is_valid and f.geometry.area <= 0):
            problems.append(Problem("invalid_geometry", (f.code,), None, None,
                                    f"grid {f.code}: the polygon is empty"))
            continue
        if f.geometry.geom_type != "Polygon":
            problems.append(Problem("multipart", (f.code,), _where(f.geometry),
                                    geodesic_area_m2(f.geometry),
                                    f"grid {f.code}: a grid is one polygon, this has "
                                    f"{len(shapely.get_parts(f.geometry))} parts"))
            continue
        reason = shapely.is_valid_reason(f.geometry)
        if reason != "Valid Geometry":
            kind = "self_intersection" if "Self-intersection" in reason else "invalid_geometry"
            problems.append(Problem(kind, (f.code,), _where(f.geometry), None,
                                    f"grid {f.code}: {reason}"))
            continue
        good.append(f)
    problems.extend(_overlaps(good))
    problems.extend(_gaps(good))
    if parents is not None:
        problems.extend(_outside_parents(good, parents))
    others = {c: g for c, g in (stored or {}).items() if c not in seen}
    if others:
        problems.extend(_overlaps_stored(good, others))
    if coverage:
        problems.extend(_uncovered(good, coverage))
    return problems


def _overlaps_stored(features: list[GridFeature], stored: dict[str, shapely.Geometry]
                     ) -> Iterable[Problem]:
    """Overlaps of the layer's grids with stored grids it does not replace."""
    codes = list(stored)
    geoms = np.array([stored[c] for c in codes], dtype=object)
    if not len(geoms) or not features:
        return []
    tree = shapely.STRtree(geoms)
    mine = np.array([f.geometry for f in features], dtype=object)
    left, right = tree.query(mine, predicate="intersects")
    out = []
    for a, b in zip(left, right, strict=True):
        inter = shapely.intersection(mine[a], geoms[b])
        if inter.is_empty or _deg2_to_m2(inter.area, shapely.centroid(inter).y) < MIN_AREA_M2:
            continue
        m2 = geodesic_area_m2(inter)
        out.append(Problem("overlap_stored", (features[a].code, codes[b]), _where(inter), m2,
                           f"grid {features[a].code} overlaps the stored grid {codes[b]} by "
                           f"{m2:,.1f} m²"))
    return out


def _uncovered(features: list[GridFeature], coverage: dict[str, shapely.Geometry]
               ) -> Iterable[Problem]:
    """Area inside each of ``coverage`` that no grid of the layer covers (the layer is the
    unified grid of its districts: grids stored under other codes do not fill its gaps)."""
    grids = [f.geometry for f in features]
    # a hair of tolerance: boundaries drawn apart from the grids meet them only to rounding
    covered = shapely.union_all(grids).buffer(2e-7) if grids else shapely.Polygon()
    out = []
    for name, area in coverage.items():
        if area is None or area.is_empty:
            continue
        for part in shapely.get_parts(shapely.difference(area, covered)):
            if part.geom_type not in ("Polygon", "MultiPolygon") or part.is_empty:
                continue
            if _deg2_to_m2(part.area, shapely.centroid(part).y) < MIN_AREA_M2:
                continue
            m2 = geodesic_area_m2(part)
            where = _where(part)
            bordering = tuple(sorted(f.code for f in features
                                     if f.geometry.distance(part) < 1e-6))[:8]
            out.append(Problem("gap", bordering, where, m2,
                               f"{m2:,.1f} m² of {name} at {where[0]:.6f},{where[1]:.6f} are "
                               "covered by no grid"))
    return out


def _overlaps(features: list[GridFeature]) -> Iterable[Problem]:
    if len(features) < 2:
        return []
    geoms = np.array([f.geometry for f in features], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return []
    inter = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(inter)
    out = []
    for a, b, geom, area in zip(left, right, inter, areas, strict=True):
        if area <= 0:
            continue
        lat = shapely.centroid(geom).y
        if _deg2_to_m2(area, lat) < MIN_AREA_M2:
            continue
        m2 = geodesic_area_m2(geom)
        out.append(Problem("overlap", (features[a].code, features[b].code), _where(geom), m2,
                           f"grids {features[a].code} and {features[b].code} overlap by "
                           f"{m2:,.1f} m²"))
    return out


def _gaps(features: list[GridFeature]) -> Iterable[Problem]:
    if not features:
        return []
    union = shapely.union_all([f.geometry for f in features])
    out = []
    for part in shapely.get_parts(union):
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            m2 = geodesic_area_m2(hole)
            if m2 < MIN_AREA_M2:
                continue
            bordering = tuple(sorted(f.code for f in features
                                     if f.geometry.distance(hole) < 1e-9))[:8]
            out.append(Problem("gap", bordering, _where(hole), m2,
                               f"a gap of {m2:,.1f} m² inside the layer's outline, between "
                               f"{', '.join(bordering) or 'grids'}"))
    return out


def _outside_parents(features: list[GridFeature], parents: dict[str, shapely.Geometry]
                     ) -> Iterable[Problem]:
    out = []
    for f in features:
        parent = parents.get(f.community_code)
        if parent is None:
            out.append(Problem("unknown_parent", (f.code,), _where(f.geometry), None,
                               f"grid {f.code}: community {f.community_code} is not known"))
            continue
        outside = shapely.difference(f.geometry, parent.buffer(2e-7))
        if outside.is_empty:
            continue
        m2 = geodesic_area_m2(outside)
        if m2 >= MIN_AREA_M2:
            out.append(Problem("outside_parent", (f.code,), _where(outside), m2,
                               f"grid {f.code}: {m2:,.1f} m² lie outside its community "
                               f"{f.community_code}"))
    return out


def _community_geometries(db: Database) -> dict[str, shapely.Geometry]:
    from models.world.units import UnitService

    return UnitService(db, Actor.system("grid-validation")).unit_geometries("community")


def _stored_grids(db: Database) -> dict[str, shapely.Geometry]:
    from models.world.units import UnitService

    _ids, codes, polygons = UnitService(db, Actor.system("grid-validation")).grid_geometries()
    return dict(zip(codes, polygons, strict=True))


def _coverage_in_db(db: Database, layer: GridLayer) -> dict[str, shapely.Geometry]:
    """The communities and districts the layer's grids belong to, as stored: the area its
    grids must cover."""
    from models.world.units import UnitService

    units = UnitService(db, Actor.system("grid-validation"))
    communities = {f.community_code for f in layer.features}
    districts = {f.district_code for f in layer.features}
    out = {f"community {c}": g for c, g in units.unit_geometries("community").items()
           if c in communities}
    out |= {f"district {c}": g for c, g in units.unit_geometries("district").items()
            if c in districts}
    return out


def read_boundary(path: str | os.PathLike) -> dict[str, shapely.Geometry]:
    """The areas of a boundary file (GeoJSON polygons, WGS-84 unless it says ``"datum"``),
    by their ``code`` or ``name`` property: what a grid layer must cover.

    Raises
    ------
    GridLayerError
        The file cannot be read or holds no polygon.
    """
    p = Path(path)
    if not p.is_file():
        raise GridLayerError(f"{p}: no such file")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise GridLayerError(f"{p}: over the {MAX_FILE_BYTES / 1e6:.0f} MB limit")
    try:
        doc = json.loads(p.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise GridLayerError(f"{p}: not a GeoJSON file") from None
    if not isinstance(doc, dict):
        raise GridLayerError(f"{p}: not a GeoJSON file")
    datum = Datum.parse(doc["datum"]) if isinstance(doc.get("datum"), str) else Datum.WGS84
    items = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    out: dict[str, shapely.Geometry] = {}
    for n, f in enumerate(items if isinstance(items, list) else [], start=1):
        gj = f.get("geometry") if isinstance(f, dict) and f.get("type") == "Feature" else f
        props = (f.get("properties") or {}) if isinstance(f, dict) else {}
        try:
            geom = shape(gj)
        except (ValueError, TypeError, AttributeError, KeyError):
            raise GridLayerError(f"{p}: feature {n} is not a polygon") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid \
                or shapely.get_num_coordinates(geom) > 50 * MAX_VERTICES_PER_GRID:
            raise GridLayerError(f"{p}: feature {n} is not a valid polygon")
        if datum is not Datum.WGS84:
            geom = transform_geometry(geom, datum, Datum.WGS84)
        label = str(props.get("code") or props.get("name") or f"boundary #{n}")
        out[f"boundary {label}"] = geom
    if not out:
        raise GridLayerError(f"{p}: no boundary polygon in the file")
    return out


def validate_file(path: str | os.PathLike, *, datum: Datum | None = None,
                  db: Database | None = None,
                  boundary: dict[str, shapely.Geometry] | None = None) -> list[Problem]:
    """Read and validate a file.

    With ``db``: the stored communities are the parents, a grid may not overlap a stored
    grid it does not replace, and the layer's communities and districts must be covered.
    With ``boundary`` (:func:`read_boundary`): its areas must be covered.
    """
    layer = read_grid_layer(path, datum=datum)
    parents = _community_geometries(db) if db is not None else None
    stored = _stored_grids(db) if db is not None else None
    coverage = dict(_coverage_in_db(db, layer)) if db is not None else {}
    coverage |= boundary or {}
    return validate_grid_layer(layer, parents=parents or None, stored=stored,
                               coverage=coverage)


# -- import and export -------------------------------------------------------------------
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
