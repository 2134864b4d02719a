"""Grid layers read: GeoJSON and GeoPackage files, and boundary files.

Reading never trusts a file: its size is checked before parsing, JSON numbers must be
finite, rings must be closed, coordinates must be longitude/latitude in range (swapped axes
are recognised), and the datum must be known. GeoJSON is WGS-84 by definition (RFC 7946)
and has no ``crs`` member; a file in another datum declares it with the top-level member
``"datum": "GCJ02"`` (a foreign member in RFC 7946 terms) or the caller passes ``datum=``.
Data that lines up with the GCJ-02 district boundaries but claims WGS-84 is refused.

Problems with the content are collected as :class:`Problem` records, not raised one by one,
so ``validate-grids`` reports them all (:mod:`models.world.gridcheck`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from models.core.errors import GridLayerError
from models.core.geo import Datum, in_china, transform_geometry

MAX_FILE_BYTES = 40 * 1024 * 1024  # a city's grid layer is a few MB; 40 MB means a mistake
MAX_VERTICES_PER_GRID = 20_000  # a drawn grid has tens to hundreds; a million is a mistake
MAX_GRID_POPULATION = 5_000_000  # more than any district: a figure past it is a typo


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
    is_whole = (isinstance(raw, (int, np.integer)) and not isinstance(raw, bool)) or (
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
