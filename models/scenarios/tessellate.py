"""The demo city's geometry: the real district boundaries, and their tessellation into grids.

The district boundaries are real (``resources/data/changsha``, GCJ-02, converted to WGS-84 on
load). The grids are generated, deterministic from a seed:

1. seed points are drawn in each district with a density that falls off with the distance
   from the old centre (Wuyi Square), so grids are small where people live densely and
   large at the rural edge (:func:`_sample_points`, :func:`_relax`);
2. their Voronoi cells, clipped to the district on a fixed precision grid (1e-7 degrees,
   about 1 cm), are the grids: shared edges are computed once and snapped identically, so
   the grids tile the district exactly (:func:`_voronoi_cells`, :func:`node_coverage`);
3. grids are grouped into contiguous units by k-means on their centroids
   (:func:`_group_units`).

:mod:`models.scenarios.cityplan` puts them together into a city; the reconciliation
(:mod:`models.reconcile.propose`) reuses the same steps.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

from models.core.geo import Datum, transform_geometry

GRID_SIZE = 1e-7  # precision grid of all generated geometry, in degrees (about 1 cm)
CENTRE = (112.9770, 28.1965)  # Wuyi Square, WGS-84: the densest part of the old city


def load_district_boundary(code: str) -> shapely.Geometry:
    """A real district boundary, converted from GCJ-02 to WGS-84 (not yet snapped)."""
    path = resources.files("resources") / "data" / "changsha" / f"{code}.geojson"
    raw = shape(json.loads(path.read_text(encoding="utf-8")))
    return transform_geometry(raw, Datum.GCJ02, Datum.WGS84)


def district_coverage(codes: list[str]) -> dict[str, shapely.Geometry]:
    """The districts as one exact coverage on the precision grid.

    Neighbouring districts in the source share their borders, but not always their
    vertices (a vertex of one may lie on an edge of the other). Snapping each district on
    its own would then open slivers between them, so the borders are noded together first:
    all boundaries are unioned (which splits edges at every vertex of either side) on the
    precision grid, polygonized into faces, and each face goes to the district it belongs
    to. Shared borders are then the same edges on both sides.
    """
    raw = {c: load_district_boundary(c) for c in codes}
    lines = shapely.union_all([g.boundary for g in raw.values()], grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    inside = shapely.point_on_surface(faces)
    out: dict[str, list[shapely.Geometry]] = {c: [] for c in codes}
    for face, point in zip(faces, inside, strict=True):
        owner = next((c for c, g in raw.items() if g.contains(point)), None)
        if owner is not None:  # a face inside no district is a hole of the city
            out[owner].append(face)
    return {c: shapely.union_all(parts, grid_size=GRID_SIZE) for c, parts in out.items()}


def _local_xy(lon: NDArray, lat: NDArray) -> tuple[NDArray, NDArray]:
    """Equirectangular kilometres around the centre: good enough for densities and k-means."""
    kx = 111.32 * np.cos(np.radians(CENTRE[1]))
    return (lon - CENTRE[0]) * kx, (lat - CENTRE[1]) * 110.57


def _density(lon: NDArray, lat: NDArray) -> NDArray:
    x, y = _local_xy(lon, lat)
    d = np.hypot(x, y)
    return np.exp(-d / 6.0) + 0.03


def _sample_points(rng: np.random.Generator, poly: shapely.Geometry, n: int) -> NDArray:
    """``n`` points inside ``poly`` with probability proportional to :func:`_density`."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[NDArray] = []
    have = 0
    while have < n:
        m = max(4 * n, 2000)
        lon = rng.uniform(minx, maxx, m)
        lat = rng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(poly, lon, lat)
        lon, lat = lon[keep], lat[keep]
        dens = _density(lon, lat)
        accept = rng.uniform(0, 1, len(lon)) < dens / 1.03
        pts = np.column_stack([lon[accept], lat[accept]])
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _relax(rng: np.random.Generator, poly: shapely.Geometry, pts: NDArray, rounds: int
           ) -> NDArray:
    """A few density-preserving relaxation steps: move each seed half-way to its Voronoi
    cell's centroid, which evens out shapes without flattening the density gradient."""
    for _ in range(rounds):
        cells = _voronoi_cells(pts, poly)
        cent = shapely.get_coordinates(shapely.centroid(cells))
        ok = shapely.contains_xy(poly, cent[:, 0], cent[:, 1])
        pts = np.where(ok[:, None], 0.5 * (pts + cent), pts)
    return pts


def _voronoi_cells(pts: NDArray, poly: shapely.Geometry) -> NDArray:
    """Voronoi cells of ``pts`` clipped to ``poly`` on the precision grid, in seed order."""
    env = shapely.box(*poly.bounds).buffer(0.05)
    regions = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts),
                                                         extend_to=env))
    # voronoi_polygons does not keep the input order: match each region to its seed
    tree = shapely.STRtree(regions)
    seed_ix, region_ix = tree.query(shapely.points(pts), predicate="intersects")
    order = np.full(len(pts), -1)
    order[seed_ix[::-1]] = region_ix[::-1]  # first match wins for seeds on an edge
    cells = shapely.intersection(regions[order], poly, grid_size=GRID_SIZE)
    return cells


def _explode_to_polygons(cells: NDArray) -> list[shapely.Polygon]:
    """Every cell as polygons; a cell that the clip split in several parts keeps its
    largest part and gives the others to the neighbour they share the longest edge with."""
    polys: list[shapely.Polygon] = []
    orphans: list[shapely.Polygon] = []
    for cell in cells:
        parts = [p for p in shapely.get_parts(cell) if p.geom_type == "Polygon" and p.area > 0]
        if not parts:
            continue
        parts.sort(key=lambda p: p.area, reverse=True)
        polys.append(parts[0])
        orphans.extend(parts[1:])
    for orphan in orphans:
        tree = shapely.STRtree(polys)
        near = tree.query(orphan, predicate="intersects")
        if len(near) == 0:
            polys.append(orphan)  # an island of its own (e.g. a river isle) becomes a grid
            continue
        shared = [shapely.length(shapely.intersection(polys[i].boundary, orphan.boundary))
                  for i in near]
        best = int(near[int(np.argmax(shared))])
        merged = shapely.union(polys[best], orphan, grid_size=GRID_SIZE)
        if merged.geom_type == "Polygon":
            polys[best] = merged
        else:
            polys.append(orphan)
    return polys


def _kmeans(rng: np.random.Generator, xy: NDArray, k: int, iters: int = 25) -> NDArray:
    """Plain deterministic k-means (labels only), seeded from ``rng``."""
    k = max(1, min(k, len(xy)))
    centres = xy[rng.choice(len(xy), k, replace=False)]
    labels = np.zeros(len(xy), dtype=int)
    for _ in range(iters):
        d = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        for j in range(k):
            members = xy[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    return labels


def _make_contiguous(polys: list[shapely.Geometry], labels: NDArray) -> NDArray:
    """Reassign members so every group's union is one polygon (a community or street that
    falls apart in pieces is not a unit anyone would draw)."""
    labels = labels.copy()
    tree = shapely.STRtree(polys)
    left_i, right_i = tree.query(polys, predicate="intersects")
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(polys))}
    for a, b in zip(left_i, right_i, strict=True):
        if a != b and shapely.length(shapely.intersection(polys[a].boundary,
                                                          polys[b].boundary)) > 0:
            neighbours[int(a)].add(int(b))
    for _ in range(20):
        changed = False
        for g in np.unique(labels):
            members = set(np.flatnonzero(labels == g).tolist())
            # connected components of the group over the adjacency graph
            comps: list[set[int]] = []
            todo = set(members)
            while todo:
                start = todo.pop()
                comp, stack = {start}, [start]
                while stack:
                    for nb in neighbours[stack.pop()]:
                        if nb in todo:
                            todo.discard(nb)
                            comp.add(nb)
                            stack.append(nb)
                comps.append(comp)
            if len(comps) <= 1:
                continue
            comps.sort(key=len, reverse=True)
            for comp in comps[1:]:
                for member in comp:
                    other = [labels[nb] for nb in neighbours[member] if labels[nb] != g]
                    if other:
                        labels[member] = max(set(other), key=other.count)
                        changed = True
        if not changed:
            break
    return labels


def _reading_order(geoms: list[shapely.Geometry], row_height: float) -> list[int]:
    """Indices sorted north to south in rows of ``row_height`` degrees, west to east in
    each row (how grid sequence numbers are assigned)."""
    pts = shapely.get_coordinates(shapely.point_on_surface(geoms))
    top = pts[:, 1].max()
    rows = np.floor((top - pts[:, 1]) / max(row_height, 1e-9)).astype(int)
    return sorted(range(len(geoms)), key=lambda i: (rows[i], pts[i, 0]))


def _group_units(rng: np.random.Generator, geoms: list[shapely.Geometry], k: int
                 ) -> list[list[int]]:
    cent = shapely.get_coordinates(shapely.centroid(geoms))
    x, y = _local_xy(cent[:, 0], cent[:, 1])
    labels = _kmeans(rng, np.column_stack([x, y]), k)
    labels = _make_contiguous(geoms, labels)
    groups = [np.flatnonzero(labels == g).tolist() for g in np.unique(labels)]
    return [g for g in groups if g]


def node_coverage(cells: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Make neighbouring polygons share identical edges, so they tile exactly.

    Clipping on the precision grid puts a new vertex where a cell edge meets a border; the
    cell across the border has no such vertex, and snapping opens a sliver (centimetres
    wide) between them. Noding every boundary together (their union splits each edge at
    every vertex of either side), polygonizing, and giving each face back to its cell
    removes those slivers; a sliver face that lies in no cell goes to the cell it shares
    the longest edge with.
    """
    lines = shapely.union_all([c.boundary for c in cells], grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(cells)
    face_ix, cell_ix = tree.query(shapely.point_on_surface(faces), predicate="within")
    owner = np.full(len(faces), -1)
    owner[face_ix] = cell_ix
    for f in np.flatnonzero(owner < 0):
        near = tree.query(faces[f], predicate="intersects")
        if len(near):
            shared = shapely.length(shapely.intersection(faces[f].boundary,
                                                         [cells[i].boundary for i in near]))
            owner[f] = near[int(np.argmax(shared))]
    parts: list[list[shapely.Geometry]] = [[] for _ in cells]
    for fi, o in enumerate(owner):
        if o >= 0:
            parts[o].append(faces[fi])
    return [shapely.union_all(p, grid_size=GRID_SIZE) if len(p) > 1 else p[0] for p in parts]
