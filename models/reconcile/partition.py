"""The geometry of a redrawn community: samples, capacity-constrained k-means, and cells
that tile the region exactly.

A region is partitioned by capacity-constrained k-means (:func:`_capacity_kmeans`: each
cluster gets the same workload) of its event points plus area-uniform samples
(:func:`_area_samples`); the grids are the Voronoi cells of the cluster centroids clipped to
the region, each one polygon (:func:`_tile`); their shared edges are noded with the kept
(dedicated) grids (:func:`_node_shared_edges`) so they tile the community exactly.
:func:`models.reconcile.propose.propose_grids` decides how many grids, and judges them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from numpy.typing import NDArray

from models.scenarios.tessellate import GRID_SIZE, _kmeans, _voronoi_cells


def _count_in(polys: Sequence[shapely.Geometry], lon: NDArray, lat: NDArray) -> NDArray:
    """Events in each polygon; a point on a shared edge counts once, in the first."""
    counts = np.zeros(len(polys))
    if not len(polys) or not len(lon):
        return counts
    tree = shapely.STRtree(list(polys))
    pt_ix, poly_ix = tree.query(shapely.points(lon, lat), predicate="intersects")
    if len(pt_ix):
        order = np.lexsort((poly_ix, pt_ix))
        pt_ix, poly_ix = pt_ix[order], poly_ix[order]
        first = np.r_[True, pt_ix[1:] != pt_ix[:-1]]
        np.add.at(counts, poly_ix[first], 1.0)
    return counts


def _area_samples(rng: np.random.Generator, region: shapely.Geometry, n: int) -> NDArray:
    """``n`` points uniform over ``region``."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    out: list[NDArray] = []
    have = 0
    for _ in range(200):
        m = max(4 * n, 1000)
        x, y = rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)
        keep = shapely.contains_xy(region, x, y)
        out.append(np.column_stack([x[keep], y[keep]]))
        have += int(keep.sum())
        if have >= n:
            break
    pts = np.concatenate(out)[:n]
    if not len(pts):  # a region too thin to hit: its representative point stands in
        pts = shapely.get_coordinates(shapely.point_on_surface(region))
    return pts


def _capacity_kmeans(rng: np.random.Generator, xy: NDArray, w: NDArray, k: int,
                     outer: int = 20, inner: int = 40) -> NDArray:
    """Centroids of ``k`` clusters of equal total weight (capacity-constrained k-means).

    Each point goes to the centre minimising squared distance minus the centre's bias; the
    biases are raised for light clusters and lowered for heavy ones until the loads are
    even (a power diagram), then the centres move to their clusters' weighted centroids.
    At convergence the Voronoi cells of the centroids nearly hold the same clusters
    (Balzer, Schlömer and Deussen 2009, capacity-constrained Voronoi tessellations).
    """
    labels = _kmeans(rng, xy, k)  # plain k-means (unweighted) gives the starting centres
    centres = np.array([xy[labels == j].mean(axis=0) if np.any(labels == j)
                        else xy[rng.integers(len(xy))] for j in range(k)])
    target = float(w.sum()) / k
    r2 = float(np.mean(np.var(xy, axis=0))) * 2.0 / k  # squared radius of a typical cluster
    bias = np.zeros(k)
    for _ in range(outer):
        d = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        step = 0.5 * r2
        for _ in range(inner):
            lab = (d - bias).argmin(axis=1)
            load = np.bincount(lab, weights=w, minlength=k)
            bias += step * (target - load) / target
            step *= 0.93
        lab = (d - bias).argmin(axis=1)
        for j in range(k):
            m = lab == j
            if m.any() and w[m].sum() > 0:
                centres[j] = np.average(xy[m], axis=0, weights=w[m])
        bias *= 0.5  # the centres moved: start the next round from part of the old biases
    return centres


def _tile(region: shapely.Geometry, seeds: NDArray) -> list[shapely.Polygon]:
    """The Voronoi cells of ``seeds`` clipped to ``region``, each one polygon, tiling the
    region exactly.

    :func:`models.scenarios.tessellate._voronoi_cells` clips on the precision grid, which moves
    every point where a cell edge meets the outline by up to half a step (5 mm), off a slanted
    outline: gaps and overlaps with the next community. So its cells are taken clipped to
    a box around the region (their shared edges snapped alike) and then clipped to the
    region exactly, which leaves the outline where it is.
    """
    seeds = np.unique(np.round(seeds / GRID_SIZE) * GRID_SIZE, axis=0)
    if len(seeds) < 2:
        cells = np.array([region], dtype=object)
    else:
        box = shapely.box(*region.buffer(1e-4).bounds)
        cells = shapely.intersection(_voronoi_cells(seeds, box), region)
    return _one_polygon_each(list(cells), 1e-12 * region.area)


def _one_polygon_each(cells: list[shapely.Geometry], tiny: float) -> list[shapely.Polygon]:
    """Every cell as one polygon: a cell the clip cut in several parts keeps its largest,
    and each other part joins the cell it shares the longest edge with (or stays a grid of
    its own when it shares none, e.g. a part cut off by dedicated grids).

    :func:`models.scenarios.tessellate._explode_to_polygons` does the same but joins on the
    precision grid, which would move vertices off an outline not drawn on it; here the union is
    exact. Parts below ``tiny`` are floating-point crumbs of the clip and are dropped.
    """
    main: list[shapely.Polygon] = []
    strays: list[shapely.Polygon] = []
    for cell in cells:
        parts = sorted((p for p in shapely.get_parts(cell)
                        if p.geom_type == "Polygon" and p.area > tiny),
                       key=lambda p: p.area, reverse=True)
        if parts:
            main.append(parts[0])
            strays.extend(parts[1:])
    for stray in sorted(strays, key=lambda p: p.area, reverse=True):
        tree = shapely.STRtree(main)
        near = tree.query(stray, predicate="intersects")
        shared = shapely.length(shapely.intersection(stray.boundary,
                                                     [main[i].boundary for i in near]))
        joined = False
        for j in np.argsort(-shared, kind="stable"):
            if shared[j] <= 0:  # touching at a point is not sharing an edge
                break
            merged = shapely.union(main[near[j]], stray)
            if merged.geom_type == "Polygon":
                main[near[j]], joined = merged, True
                break
        if not joined:
            main.append(stray)
    return main


PUSH_DEG = 1e-12  # how far a new vertex is moved into a kept grid it lies on (~0.1 µm)


def _push_onto_fixed(polys: list[shapely.Polygon], fixed: Sequence[shapely.Geometry]
                     ) -> list[shapely.Polygon]:
    """Move each new vertex that lies on an edge of a kept (dedicated) grid a hair inside it.

    Such a vertex is computed in floating point and lies a hair off the kept edge, on
    either side; on the outer side the layer's union keeps a hairline hole, and a hole's
    area is measured on the ellipsoid, where its edges bow apart by millimetres: a "gap" of
    a tenth of a square metre for the validator. The kept grid may not gain the vertex, so
    the new grids give way: moved :data:`PUSH_DEG` inside, the hole becomes an overlap of
    about 1e-15 square degrees (well below 1e-9 of any grid). The same point moves the same
    way in every grid that has it, so the new grids still share their edges exactly.
    """
    if not polys or not fixed:
        return polys
    tree = shapely.STRtree(list(fixed))
    moved: dict[tuple[float, float], tuple[float, float]] = {}
    for p in polys:
        for j in tree.query(p.buffer(1e-9)):
            f = fixed[j]
            corners = {tuple(c) for c in shapely.get_coordinates(f)}
            ring = f.boundary
            for x, y in shapely.get_coordinates(p.exterior):
                if (x, y) in corners or (x, y) in moved:
                    continue
                v = shapely.Point(x, y)
                if ring.distance(v) > 1e-10:
                    continue
                at = ring.line_locate_point(v)
                a, b = ring.interpolate(max(at - 1e-7, 0.0)), ring.interpolate(at + 1e-7)
                t = np.array([b.x - a.x, b.y - a.y])
                n = np.array([-t[1], t[0]]) / (np.hypot(*t) or 1.0)
                if not f.contains(shapely.Point(x + 1e-9 * n[0], y + 1e-9 * n[1])):
                    n = -n
                moved[(x, y)] = (x + PUSH_DEG * n[0], y + PUSH_DEG * n[1])
    if not moved:
        return polys

    def move(xy: NDArray) -> NDArray:
        return np.array([moved.get((x, y), (x, y)) for x, y in xy])

    out = []
    for p in polys:
        q = shapely.transform(p, move)
        out.append(q if q.is_valid else p)
    return out


def _node_shared_edges(polys: list[shapely.Polygon], fixed: Sequence[shapely.Geometry]
                       ) -> list[shapely.Polygon]:
    """Put into each of ``polys`` the vertices its neighbours have on their shared edges.

    Where a new grid's edge meets a neighbour's edge midway (at a community outline), the
    point is computed in floating point and lies a hair off that edge; with the same
    vertices on both sides the edges are identical and the layer has no hairline holes
    (see :func:`_push_onto_fixed` for the kept grids, which may not gain vertices).
    """
    polys = _push_onto_fixed(polys, fixed)
    if len(polys) < 2:
        return polys
    tree = shapely.STRtree(polys)
    out = list(polys)
    for i, p in enumerate(polys):
        near = [j for j in tree.query(p.buffer(1e-9)) if j != i]
        if not near:
            continue
        own = {tuple(c) for c in shapely.get_coordinates(p)}
        cand = np.unique(np.concatenate([shapely.get_coordinates(polys[j]) for j in near]),
                         axis=0)
        cand = np.array([c for c in cand if tuple(c) not in own])
        if not len(cand):
            continue
        d = shapely.distance(p.boundary, shapely.points(cand))
        on = cand[d < 1e-10]
        if not len(on):
            continue
        snapped = shapely.snap(p, shapely.multipoints(on), 1e-10)
        if snapped.geom_type == "Polygon" and snapped.is_valid:
            out[i] = snapped
    return out


def _share_population(polys: Sequence[shapely.Geometry],
                      today: Sequence[tuple[shapely.Geometry, int]]) -> NDArray:
    """Population of each polygon: today's grids' population spread by area."""
    out = np.zeros(len(polys))
    if not today or not len(polys):
        return out
    tree = shapely.STRtree(list(polys))
    for geom, pop in today:
        if pop <= 0 or geom.area <= 0:
            continue
        for i in tree.query(geom, predicate="intersects"):
            out[i] += pop * shapely.intersection(polys[i], geom).area / geom.area
    return out
