"""Who should go: a ranked, explained recommendation of staff for a case, and the
workload of units (who is overloaded, who is idle).

Pure functions over plain arrays: the caller reads positions and open-case counts through
the services and hands them in, so the ranking is testable and fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

from models.geo import geodesic_distance_m

ROLE_FIT = {
    "community": {"manager": 1.0, "assistant": 0.9, "supervisor": 0.6, "volunteer": 0.3},
    "other": {"handler": 1.0, "manager": 0.5, "assistant": 0.5, "supervisor": 0.3},
}
DUTY_FACTOR = {"on_duty": 1.0, "busy": 0.5, "off_duty": 0.1}  # on leave: not a candidate


@dataclass(frozen=True)
class Candidate:
    staff_id: int
    score: float
    distance_m: float
    hops: int | None
    workload: int
    reasons: tuple[str, ...]


def grid_adjacency(ids: Sequence[int], polygons: Sequence[shapely.Geometry]) -> nx.Graph:
    """Grids as nodes, an edge where two grids share a border (not just a corner).

    >>> from shapely.geometry import box
    >>> g = grid_adjacency([1, 2, 3], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)])
    >>> sorted(g.edges())
    [(1, 2)]
    """
    polys = np.asarray(polygons, dtype=object)
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(polys[a]),
                                                 shapely.boundary(polys[b])))
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((ids[i], ids[j]) for i, j, s in zip(a, b, shared, strict=True) if s > 0)
    return graph


def recommend(lon: float, lat: float, grid_id: int | None, level: str, *,
              staff_ids: np.ndarray, roles: Sequence[str], duty: Sequence[str],
              staff_lon: np.ndarray, staff_lat: np.ndarray, home_grid: Sequence[int | None],
              workload: Mapping[int, int], adjacency: nx.Graph | None = None,
              limit: int = 5) -> list[Candidate]:
    """Rank staff for a case at (lon, lat) in ``grid_id`` handled at ``level``.

    Each candidate's score multiplies role fit, duty status, nearness (great-circle
    distance from the last known position, and hops over the grid adjacency graph from the
    home grid) and a workload penalty; its reasons say each factor.
    """
    fit_table = ROLE_FIT["community" if level == "community" else "other"]
    hops_from: dict[int, int] = {}
    if adjacency is not None and grid_id is not None and grid_id in adjacency:
        hops_from = nx.single_source_shortest_path_length(adjacency, grid_id, cutoff=8)
    known = ~(np.isnan(staff_lon) | np.isnan(staff_lat))
    dist = np.full(len(staff_ids), np.nan)
    if known.any():
        dist[known] = geodesic_distance_m(np.full(known.sum(), lon), np.full(known.sum(), lat),
                                          staff_lon[known], staff_lat[known])
    out: list[Candidate] = []
    for i, sid in enumerate(np.asarray(staff_ids).tolist()):
        fit = fit_table.get(roles[i])
        if fit is None or duty[i] not in DUTY_FACTOR:
            continue
        reasons = [f"role {roles[i]}: fit {fit:.1f}", f"{duty[i].replace('_', ' ')}"]
        d = dist[i]
        near = float(np.exp(-d / 2000)) if not np.isnan(d) else 0.2
        reasons.append(f"{d / 1000:.1f} km away" if not np.isnan(d) else "position unknown")
        hops = hops_from.get(home_grid[i]) if home_grid[i] is not None else None
        if hops is not None:
            reasons.append("home grid is the case's grid" if hops == 0
                           else f"home grid {hops} grid(s) away")
            near = 0.5 * near + 0.5 / (1 + hops)
        load = int(workload.get(sid, 0))
        reasons.append(f"{load} open case(s)")
        score = fit * DUTY_FACTOR[duty[i]] * near / (1 + 0.3 * load)
        out.append(Candidate(sid, round(score, 4), float(d), hops, load, tuple(reasons)))
    out.sort(key=lambda c: (-c.score, c.staff_id))
    return out[:limit]


@dataclass(frozen=True)
class UnitLoad:
    unit_id: int
    staff: int
    open_cases: int
    per_staff: float
    state: str  # overloaded | normal | idle


def workload_by_unit(staff_unit: Mapping[int, int], workload: Mapping[int, int], *,
                     high: float = 3.0, low: float = 0.5) -> list[UnitLoad]:
    """Open cases per staff member of each unit, flagged overloaded or idle.

    >>> [u.state for u in workload_by_unit({1: 10, 2: 10, 3: 20}, {1: 4, 2: 5, 3: 0})]
    ['overloaded', 'idle']
    """
    staff: dict[int, int] = {}
    cases: dict[int, int] = {}
    for sid, unit in staff_unit.items():
        staff[unit] = staff.get(unit, 0) + 1
        cases[unit] = cases.get(unit, 0) + int(workload.get(sid, 0))
    out = []
    for unit in sorted(staff):
        per = cases[unit] / staff[unit]
        state = "overloaded" if per >= high else "idle" if per <= low else "normal"
        out.append(UnitLoad(unit, staff[unit], cases[unit], round(per, 2), state))
    return out
