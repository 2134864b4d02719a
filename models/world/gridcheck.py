"""Grid layers validated: codes, populations, overlaps, gaps, parents and coverage.

Problems are collected (:class:`models.world.gridread.Problem`), not raised one by one, so
``validate-grids`` reports them all; an import with any problem raises
:class:`models.core.errors.GridLayerError` carrying the list and writes nothing
(:func:`models.world.gridio.import_grids`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numpy as np
import shapely

from models.core.auth import Actor
from models.core.geo import Datum, geodesic_area_m2
from models.storage.db import Database
from models.storage.schema import DedicatedType, GridKind
from models.world.gridread import (
    MAX_GRID_POPULATION,
    GridFeature,
    GridLayer,
    Problem,
    _where,
    read_grid_layer,
)

MIN_AREA_M2 = 0.01  # overlaps and gaps smaller than this are rounding, not drawing errors
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45,
             46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}


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
            assert where is not None  # the part is not empty
            bordering = tuple(sorted(f.code for f in features
                                     if f.geometry is not None  # (none is: good ones)
                                     and f.geometry.distance(part) < 1e-6))[:8]
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
                                     if f.geometry is not None  # (none is: good ones)
                                     and f.geometry.distance(hole) < 1e-9))[:8]
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
