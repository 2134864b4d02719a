"""The crosswalk from a departmental layer to the unified grid, and the conflicts.

**Crosswalk.** Every departmental grid is intersected with the unified grids it touches
(one STRtree query, vectorised intersections). Areas are measured in a Lambert azimuthal
equal-area projection centred on the layer (pyproj), so shares of area are shares of the
ground. Each row says how much of a departmental grid lies in one unified grid:

- ``share``: of the departmental grid's *covered* part (the part inside the unified grid);
  a departmental grid's shares sum to 1 (:meth:`Crosswalk.area_share_error_max` measures it
  against the covered area computed on its own, from the union of the unified grid);
- ``grid_share``: of the unified grid's area (many departmental grids to one unified grid);
- ``coverage`` per departmental grid: its covered part over its whole area (below 1 where
  it reaches outside the city or into a hole of the unified grid).

**Conflicts** (:func:`find_conflicts`), each with its kind, the layer, the codes, a point
inside it, its area and its geometry (for the map and the GeoPackage):

- ``claimed_twice``: an area two grids of the same department both claim (their overlap);
- ``uncovered_by_layer``: an area of the city that one department's layer leaves out;
- ``uncovered``: an area of the city no department covers at all;
- ``crosses_community``: the part of a departmental grid outside the community holding most
  of it (it crosses a community boundary; the message says when it crosses a street's too).

A conflict whose area is below :data:`SLIVER_M2`, or that is a thin strip on average
narrower than :data:`SLIVER_WIDTH_M`, is marked a sliver: a drawing slip, not a claim,
listed all the same.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely
from numpy.typing import NDArray

from models.reconcile.layers import DeptLayer

#: shares below this are hairlines along shared edges (kept in the rows, not counted as
#: splits, not used to place records)
HAIRLINE_SHARE = 1e-6
#: conflicts below this area (m²) are slivers
SLIVER_M2 = 200.0
#: a thin conflict narrower than this (metres, on average) is a sliver too
SLIVER_WIDTH_M = 5.0
#: parts below this area (m²) are rounding, not conflicts
MIN_CONFLICT_M2 = 1.0
METHOD = "area share, Lambert azimuthal equal-area centred on the layer (pyproj, WGS-84)"


def equal_area(geoms: Sequence[shapely.Geometry] | NDArray) -> NDArray:
    """``geoms`` (WGS-84 lon/lat) in metres of an equal-area projection centred on them."""
    arr = np.asarray(geoms, dtype=object)
    if not len(arr):
        return arr
    minx, miny, maxx, maxy = shapely.total_bounds(arr)
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    to_m = pyproj.Transformer.from_crs(
        "EPSG:4326", pyproj.CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} "
                                           "+ellps=WGS84 +units=m"), always_xy=True)

    def move(xy: NDArray) -> NDArray:
        x, y = to_m.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(arr, move)


@dataclass(frozen=True)
class Crosswalk:
    """Departmental grids against the unified grid, row by row (parallel arrays)."""

    layer: str
    dept_code: NDArray[np.object_]
    grid_code: NDArray[np.object_]
    area_m2: NDArray[np.float64]
    share: NDArray[np.float64]
    grid_share: NDArray[np.float64]
    dept_area_m2: dict[str, float]
    covered_m2: dict[str, float]       # from the union of the unified grid, independently
    computed_at: dt.datetime
    method: str = METHOD
    provenance: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.dept_code)

    def coverage(self, code: str) -> float:
        area = self.dept_area_m2.get(code, 0.0)
        return self.covered_m2.get(code, 0.0) / area if area else 0.0

    def of_dept(self, code: str) -> list[tuple[str, float, float]]:
        """(unified grid code, share, m²) of one departmental grid, largest first."""
        rows = np.flatnonzero(self.dept_code == code)
        rows = rows[np.argsort(-self.share[rows])]
        return [(str(self.grid_code[i]), float(self.share[i]), float(self.area_m2[i]))
                for i in rows]

    def of_grid(self, code: str) -> list[tuple[str, float, float]]:
        """(departmental grid code, share of the unified grid, m²), largest first."""
        rows = np.flatnonzero(self.grid_code == code)
        rows = rows[np.argsort(-self.grid_share[rows])]
        return [(str(self.dept_code[i]), float(self.grid_share[i]), float(self.area_m2[i]))
                for i in rows]

    def area_share_error_max(self) -> float:
        """The largest gap between a departmental grid's summed shares and 1, measured
        against its covered area computed on its own (not from the rows): 0 up to rounding
        when the unified grid tiles without overlaps."""
        sums: dict[str, float] = {}
        for code, a in zip(self.dept_code.tolist(), self.area_m2.tolist(), strict=True):
            sums[code] = sums.get(code, 0.0) + a
        errors = [abs(sums.get(code, 0.0) / covered - 1.0)
                  for code, covered in self.covered_m2.items() if covered > 0]
        return max(errors, default=0.0)

    def many(self) -> tuple[int, int]:
        """(departmental grids split over several unified grids, unified grids made of
        several departmental grids): how far from one-to-one the two layers are."""
        real = self.share >= HAIRLINE_SHARE  # a hairline along an edge is no split
        _, per_dept = np.unique(self.dept_code[real].astype(str), return_counts=True)
        real = self.grid_share >= HAIRLINE_SHARE
        _, per_grid = np.unique(self.grid_code[real].astype(str), return_counts=True)
        return int((per_dept > 1).sum()), int((per_grid > 1).sum())


def build_crosswalk(layer: DeptLayer, grid_codes: Sequence[str],
                    grid_polygons: Sequence[shapely.Geometry], *,
                    min_m2: float = 1e-6) -> Crosswalk:
    """Every departmental grid of ``layer`` against the unified grids by area share.

    Pieces up to ``min_m2`` (default a square millimetre: two edges that only touch leave
    pieces of 1e-19 m² once projected) are dropped from the rows but not from the covered
    area, so :meth:`Crosswalk.area_share_error_max` shows what dropping them costs; a
    departmental edge drawn a centimetre over a unified one leaves pieces of cm², kept.
    """
    codes = np.array(layer.codes, dtype=object)
    n_dept = len(codes)
    dept = equal_area([g.geometry for g in layer.grids] + list(grid_polygons))
    dept, unified = dept[:n_dept], dept[n_dept:]
    ucodes = np.asarray(list(grid_codes), dtype=object)
    tree = shapely.STRtree(unified)
    d_ix, u_ix = tree.query(dept, predicate="intersects")
    pieces = shapely.intersection(dept[d_ix], unified[u_ix])
    areas = shapely.area(pieces)
    keep = areas > min_m2
    d_ix, u_ix, areas = d_ix[keep], u_ix[keep], areas[keep]
    dept_area = shapely.area(dept)
    city = shapely.union_all(unified)
    covered = shapely.area(shapely.intersection(dept, city))
    covered_rows = covered[d_ix]
    share = np.divide(areas, covered_rows, out=np.zeros_like(areas), where=covered_rows > 0)
    grid_share = areas / shapely.area(unified)[u_ix]
    return Crosswalk(
        layer.name, codes[d_ix], ucodes[u_ix], areas, share, grid_share,
        {str(c): float(a) for c, a in zip(codes, dept_area, strict=True)},
        {str(c): float(a) for c, a in zip(codes, covered, strict=True)},
        dt.datetime.now(dt.UTC),
        provenance={"layer": layer.name, "department": layer.department,
                    "source": layer.path, "sha256": layer.sha256,
                    "datum": f"{layer.datum.value} ({layer.datum_source})",
                    "generated": "yes" if layer.generated else "no"})


# -- conflicts ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    """One place where the layers disagree."""

    kind: str                 # claimed_twice, uncovered_by_layer, uncovered, crosses_community
    layer: str                # "" for ``uncovered`` (every layer)
    codes: tuple[str, ...]    # departmental grid codes (and community codes when crossing)
    lon: float
    lat: float
    area_m2: float
    sliver: bool
    message: str
    geometry: shapely.Geometry  # WGS-84


def _sliver(area_m2: float, geom_m: shapely.Geometry) -> bool:
    """Small, or a thin strip narrower than :data:`SLIVER_WIDTH_M` (mean width 2A/P): a
    strip 20 m wide along a street is a real disagreement, one of a metre a drawing slip."""
    perimeter = shapely.length(geom_m)
    thin = perimeter > 0 and 4 * np.pi * area_m2 / perimeter ** 2 < 0.05 \
        and 2 * area_m2 / perimeter < SLIVER_WIDTH_M
    return bool(area_m2 < SLIVER_M2 or thin)


def _parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    return [p for p in shapely.get_parts(geom)
            if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]


def _conflict(kind: str, layer: str, codes: tuple[str, ...], geom: shapely.Geometry,
              message: Callable[[float, float, float], str]) -> Conflict | None:
    """``message(area_m2, lon, lat)`` says what is wrong, in one line."""
    geom_m = equal_area([geom])[0]
    area = float(shapely.area(geom_m))
    if area < MIN_CONFLICT_M2:
        return None
    p = shapely.point_on_surface(geom)
    return Conflict(kind, layer, codes, round(p.x, 7), round(p.y, 7), area,
                    _sliver(area, geom_m), message(area, p.x, p.y), geom)


def _claimed_twice(layer: str, a: str, b: str, m2: float, x: float, y: float) -> str:
    return f"{layer}: grids {a} and {b} both claim {m2:,.0f} m² at {x:.6f},{y:.6f}"


def _uncovered(layer: str, m2: float, x: float, y: float) -> str:
    return f"{layer}: {m2:,.0f} m² of the city at {x:.6f},{y:.6f} are in none of its grids"


def _crosses(layer: str, code: str, home: str, others: Sequence[str], across: str, m2: float,
             x: float, y: float) -> str:
    return (f"{layer}: grid {code} lies mostly in community {home} but {m2:,.0f} m² of it in "
            f"{', '.join(others)} (it crosses a community{across} boundary) at {x:.6f},{y:.6f}")


def find_conflicts(layers: Sequence[DeptLayer], city: shapely.Geometry,
                   communities: Mapping[str, shapely.Geometry],
                   community_street: Mapping[str, str] | None = None) -> list[Conflict]:
    """The conflicts of ``layers`` against the unified city (see the module docstring),
    largest first within each kind.

    Parameters
    ----------
    city : the area the unified grid covers (WGS-84)
    communities : community code -> boundary
    community_street : community code -> street code (to say a grid crosses a street too)
    """
    out: list[Conflict] = []
    unions = []
    for layer in layers:
        geoms = np.array([g.geometry for g in layer.grids], dtype=object)
        codes = layer.codes
        tree = shapely.STRtree(geoms)
        a, b = tree.query(geoms, predicate="intersects")
        keep = a < b
        for i, j, inter in zip(a[keep], b[keep], shapely.intersection(geoms[a[keep]],
                                                                        geoms[b[keep]]),
                               strict=True):
            for part in _parts(inter):
                c = _conflict("claimed_twice", layer.name, (codes[i], codes[j]), part,
                              functools.partial(_claimed_twice, layer.name, codes[i],
                                                codes[j]))
                if c:
                    out.append(c)
        union = shapely.union_all(geoms)
        unions.append(union)
        for part in _parts(shapely.difference(city, union)):
            c = _conflict("uncovered_by_layer", layer.name, (), part,
                          functools.partial(_uncovered, layer.name))
            if c:
                out.append(c)
        out.extend(_crossings(layer, geoms, communities, community_street or {}))
    if unions:
        for part in _parts(shapely.difference(city, shapely.union_all(unions))):
            c = _conflict("uncovered", "", (), part,
                          lambda m2, x, y: f"{m2:,.0f} m² at {x:.6f},{y:.6f}: no department "
                          "covers it")
            if c:
                out.append(c)
    order = {"claimed_twice": 0, "uncovered": 1, "uncovered_by_layer": 2,
             "crosses_community": 3}
    out.sort(key=lambda c: (order[c.kind], c.layer, -c.area_m2))
    return out


def _crossings(layer: DeptLayer, geoms: NDArray, communities: Mapping[str, shapely.Geometry],
               community_street: Mapping[str, str]) -> list[Conflict]:
    """Departmental grids reaching out of the community that holds most of them."""
    ccodes = list(communities)
    cgeoms = np.array([communities[c] for c in ccodes], dtype=object)
    if not len(cgeoms):
        return []
    tree = shapely.STRtree(cgeoms)
    g_ix, c_ix = tree.query(geoms, predicate="intersects")
    pieces = equal_area(shapely.intersection(geoms[g_ix], cgeoms[c_ix]))
    areas = shapely.area(pieces)
    out = []
    for gi in np.unique(g_ix):
        rows = np.flatnonzero(g_ix == gi)
        rows = rows[areas[rows] >= MIN_CONFLICT_M2]
        if len(rows) < 2:
            continue
        main = rows[np.argmax(areas[rows])]
        home = ccodes[c_ix[main]]
        others = [ccodes[c_ix[r]] for r in rows if r != main]
        outside = shapely.difference(geoms[gi], communities[home])
        code = layer.codes[gi]
        streets = {community_street.get(c, c[:9]) for c in [home, *others]}
        across = " and a street boundary" if len(streets) > 1 else ""
        c = _conflict("crosses_community", layer.name, (code, home, *others), outside,
                      functools.partial(_crosses, layer.name, code, home, others, across))
        if c:
            out.append(c)
    return out
