"""Who should go: a ranked, explained recommendation of staff for a case, and the
workload of units (who is overloaded, who is idle).

Pure functions over plain arrays: the caller reads positions, duty and open-case counts
(see :mod:`routing.candidates` for reading them from the database) and hands them in, so
the ranking is testable and fast (one vectorised pass over every staff member; reasons are
written only for the few returned).

Candidates come in two tiers, and the first tier always ranks above the second:

* a case handled at a **street, district or city** department (``RoutingDecision.level`` and
  ``department_id``): first the handlers of that department (when no department is named,
  the handlers of the routed unit), then everyone else who fits (handlers of other
  departments, grid workers); when that department (or unit) has nobody to send, the
  rest form one tier ranked by score;
* a **community-level** case: first the 1+3+X workers of the case's grid and of the grids
  up to :data:`NEARBY_HOPS` borders away (and handlers of the routed department, if it has
  any), then grid workers further away.

Within a tier the score multiplies five factors, each said in its reasons:

* **role fit** (:data:`ROLE_FIT`): grid roles for community-level handling and for
  verification (only the grid's own supervisor, manager and assistant verify), department
  handlers for street, district and city cases (a handler of another department fits
  :data:`OTHER_DEPARTMENT_FIT`);
* **duty**: on duty 1.0, busy 0.5, off duty 0.1; staff on leave are never candidates;
* **nearness**: ``exp(-d / 700 m)`` of the great-circle distance ``d`` from the person's
  current position, for everyone alike (0.2, as if 1.1 km away, when unknown);
* **home grid**: ``1 / (1 + 0.1 x hops)`` from the person's home grid to the case's grid
  (a slight preference for the grid's own workers, never enough to outweigh distance);
* **workload**: divided by ``1 + 0.3 x open cases``, so a cluster of cases spreads over
  the people nearby instead of piling onto the nearest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely

from models.core.geo import geodesic_distance_m

ROLE_FIT = {
    # the manager commands and the assistant executes: either goes; the supervisor
    # supervises and a volunteer helps, so they go when clearly nearer
    "community": {"manager": 1.0, "assistant": 1.0, "supervisor": 0.8, "volunteer": 0.5},
    "other": {"handler": 1.0, "manager": 0.5, "assistant": 0.5, "supervisor": 0.3},
    "verify": {"manager": 1.0, "assistant": 0.9, "supervisor": 0.8},
}
GRID_ROLES = frozenset(ROLE_FIT["community"])
OTHER_DEPARTMENT_FIT = 0.2  # a handler of another department than the case's
DUTY_FACTOR = {"on_duty": 1.0, "busy": 0.5, "off_duty": 0.1}  # on leave: not a candidate
NEAR_SCALE_M = 700.0  # nearness halves about every 500 m
UNKNOWN_POSITION_NEARNESS = 0.2
HOP_PENALTY = 0.1
WORKLOAD_PENALTY = 0.3
NEARBY_HOPS = 2  # community cases: grid workers up to this many borders away come first
MAX_HOPS = 8


@dataclass(frozen=True)
class Candidate:
    """One recommended staff member: the score and the reason for each factor.

    ``tier`` is 0 for the first tier (the routed department's handlers, or the grid's and
    nearby grids' workers for a community-level case) and 1 for the rest; ``reasons`` are
    short English lines, one per factor, in a fixed order (role, duty, distance, home
    grid when known, workload) that the UI may show as they are or map to its own text.
    """

    staff_id: int
    score: float
    distance_m: float
    hops: int | None
    workload: int
    reasons: tuple[str, ...]
    tier: int = 0


def grid_adjacency(ids: Sequence[int], polygons: Sequence[shapely.Geometry]) -> nx.Graph:
    """Grids as nodes, an edge where two grids share a border (not just a corner).

    Candidate pairs come from one STRtree query; a pair is adjacent when the shared part
    of their boundaries has a length (a single corner point has none).

    >>> from shapely.geometry import box
    >>> g = grid_adjacency([1, 2, 3], [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 1, 3, 2)])
    >>> sorted(g.edges())
    [(1, 2)]
    """
    ids = list(ids)
    polys = np.asarray(polygons, dtype=object)
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    if len(polys) < 2:
        return graph
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(polys[a]),
                                                 shapely.boundary(polys[b])))
    graph.add_edges_from((ids[i], ids[j]) for i, j, s in zip(a.tolist(), b.tolist(),
                                                             shared.tolist(), strict=True)
                         if s > 0)
    return graph


def _ints(values: Iterable[int | None], n: int) -> np.ndarray:
    """A sequence of optional ids as int64 (-1 for ``None``)."""
    return np.fromiter((-1 if v is None else v for v in values), dtype=np.int64, count=n)


def recommend(lon: float, lat: float, grid_id: int | None, level: str, *,
              staff_ids: Sequence[int] | np.ndarray, roles: Sequence[str],
              duty: Sequence[str], staff_lon: np.ndarray, staff_lat: np.ndarray,
              home_grid: Sequence[int | None], workload: Mapping[int, int],
              adjacency: nx.Graph | None = None, limit: int = 5,
              department_id: int | None = None,
              staff_department: Sequence[int | None] | None = None,
              unit_id: int | None = None,
              staff_unit: Sequence[int | None] | None = None,
              purpose: str = "handle") -> list[Candidate]:
    """Rank staff for a case at (lon, lat) in ``grid_id``, routed to ``level``.

    Parameters
    ----------
    lon, lat : float
        Where the case is (WGS-84).
    grid_id : int or None
        The case's grid (for hops, the community-level first tier and verification).
    level : str
        The routed level (``RoutingDecision.level``): ``"community"`` ranks grid workers,
        any other level the handlers of the routed department (or unit) first.
    staff_ids, roles, duty, staff_lon, staff_lat, home_grid : parallel sequences
        Every staff member who might go: id, role, duty status, current position (NaN
        when unknown) and home grid (``None`` for centre staff and handlers).
    workload : mapping of int to int
        Open cases assigned to each staff id (missing: none).
    adjacency : networkx.Graph, optional
        From :func:`grid_adjacency`; gives hops from each home grid to the case's grid.
        Without it every grid worker is in a community-level case's first tier.
    limit : int
        How many to return.
    department_id : int, optional
        The routed department (``RoutingDecision.department_id``): with
        ``staff_department``, its handlers form the first tier and other departments'
        handlers fit poorly.
    staff_department : sequence of int or None, optional
        Each staff member's department.
    unit_id : int, optional
        The routed unit (``RoutingDecision.unit_id``): with ``staff_unit`` and no
        department (the unit's centre handles the case), the unit's handlers come first.
    staff_unit : sequence of int or None, optional
        Each staff member's unit.
    purpose : {"handle", "verify"}
        ``"verify"``: only the supervisor, manager and assistant of the case's grid.

    Returns
    -------
    list of Candidate
        Best first: the first tier, then the rest, each by score (ties by staff id).

    Raises
    ------
    ValueError
        An unknown ``purpose``.

    Examples
    --------
    A street city-management case: the squad's handler 800 m away goes before a police
    handler standing at the case and before the grid's manager.

    >>> ranked = recommend(112.98, 28.18, 1, "street", department_id=7,
    ...                    staff_ids=[1, 2, 3], roles=["handler", "handler", "manager"],
    ...                    duty=["on_duty"] * 3, staff_lon=np.array([112.988, 112.98, 112.98]),
    ...                    staff_lat=np.full(3, 28.18), home_grid=[None, None, 1],
    ...                    workload={}, staff_department=[7, 8, None])
    >>> [(c.staff_id, c.tier) for c in ranked]
    [(1, 0), (3, 1), (2, 1)]
    >>> ranked[0].reasons
    ('role handler of the routed department: fit 1.0', 'on duty', '0.8 km away', '0 open case(s)')
    """
    ids = np.asarray(staff_ids, dtype=np.int64)
    n = len(ids)
    if purpose not in ("handle", "verify"):
        raise ValueError(f"purpose is 'handle' or 'verify', not {purpose!r}")
    community = level == "community"
    table = ROLE_FIT["verify" if purpose == "verify" else
                     "community" if community else "other"]
    fit = np.fromiter((table.get(r, 0.0) for r in roles), dtype=float, count=n)
    is_handler = np.fromiter((r == "handler" for r in roles), dtype=bool, count=n)
    is_grid_role = np.fromiter((r in GRID_ROLES for r in roles), dtype=bool, count=n)
    homes = _ints(home_grid, n)
    own = np.zeros(n, dtype=bool)  # a handler of the routed department (or unit)
    other_dept = np.zeros(n, dtype=bool)
    if department_id is not None and staff_department is not None:
        depts = _ints(staff_department, n)
        own = is_handler & (depts == department_id)
        other_dept = is_handler & (depts != department_id)
        fit = np.where(other_dept, np.minimum(fit, OTHER_DEPARTMENT_FIT), fit)
    elif department_id is None and unit_id is not None and staff_unit is not None:
        own = is_handler & (_ints(staff_unit, n) == unit_id)
    if purpose == "verify":
        fit = np.where(homes == (-1 if grid_id is None else grid_id), fit, 0.0)
        own[:] = False
    elif community:
        fit = np.where(own, 1.0, fit)  # a community department's own handlers also go
    duty_f = np.fromiter((DUTY_FACTOR.get(d, 0.0) for d in duty), dtype=float, count=n)
    pick = np.flatnonzero((fit > 0) & (duty_f > 0))
    if not len(pick):
        return []
    slon = np.asarray(staff_lon, dtype=float)[pick]
    slat = np.asarray(staff_lat, dtype=float)[pick]
    dist = np.full(len(pick), np.nan)
    known = ~(np.isnan(slon) | np.isnan(slat))
    if known.any():
        k = int(known.sum())
        dist[known] = geodesic_distance_m(np.full(k, lon), np.full(k, lat), slon[known],
                                          slat[known])
    with np.errstate(invalid="ignore"):
        near = np.where(np.isnan(dist), UNKNOWN_POSITION_NEARNESS, np.exp(-dist / NEAR_SCALE_M))
    hops = np.full(len(pick), -1, dtype=np.int64)
    hops_known = adjacency is not None and grid_id is not None and grid_id in adjacency
    if hops_known:
        hops_from = nx.single_source_shortest_path_length(adjacency, grid_id, cutoff=MAX_HOPS)
        hops = np.fromiter((hops_from.get(h, -1) for h in homes[pick].tolist()),
                           dtype=np.int64, count=len(pick))
    # hops beyond MAX_HOPS count as MAX_HOPS; without an adjacency graph nobody is judged
    far = MAX_HOPS if hops_known else 0
    home_f = 1.0 / (1 + HOP_PENALTY * np.where(hops >= 0, hops, far))
    home_f = np.where(is_grid_role[pick], home_f, 1.0)  # handlers have no home grid
    if purpose == "verify":
        first = np.ones(len(pick), dtype=bool)
    elif community:
        nearby = (hops >= 0) & (hops <= NEARBY_HOPS) if hops_known else \
            np.ones(len(pick), dtype=bool)
        first = (is_grid_role[pick] & nearby) | own[pick]
    elif own[pick].any():
        first = own[pick]
    elif department_id is not None or unit_id is not None:
        # the routed department (or unit) has nobody to send: the best of the rest
        first = np.ones(len(pick), dtype=bool)
    else:  # no department or unit to prefer: every handler fits first
        first = is_handler[pick]
    tier = np.where(first, 0, 1)
    load = np.fromiter((int(workload.get(s, 0)) for s in ids[pick].tolist()), dtype=np.int64,
                       count=len(pick))
    score = fit[pick] * duty_f[pick] * near * home_f / (1 + WORKLOAD_PENALTY * load)
    order = np.lexsort((ids[pick], -np.round(score, 4), tier))[:limit]
    out = []
    for j in order.tolist():
        i = int(pick[j])
        whose = (" of the routed department" if own[i] and department_id is not None else
                 " of the routed unit" if own[i] else
                 " of another department" if other_dept[i] else "")
        reasons = [f"role {roles[i]}{whose}: fit {fit[i]:.1f}", duty[i].replace("_", " ")]
        d = float(dist[j])
        reasons.append(f"{d / 1000:.1f} km away" if not np.isnan(d) else "position unknown")
        h = int(hops[j])
        if h >= 0:
            reasons.append("home grid is the case's grid" if h == 0
                           else f"home grid {h} grid(s) away")
        reasons.append(f"{int(load[j])} open case(s)")
        out.append(Candidate(int(ids[i]), round(float(score[j]), 4), d,
                             h if h >= 0 else None, int(load[j]), tuple(reasons),
                             int(tier[j])))
    return out


def unavailable_departments(staff_department: Iterable[int | None],
                            duty: Iterable[str]) -> frozenset[int]:
    """Departments none of whose staff is on duty or busy (to hide them when routing; see
    :class:`routing.policy.Router`). A department with no staff listed is not judged.

    >>> sorted(unavailable_departments([1, 1, 2, None], ["off_duty", "busy", "leave", "on_duty"]))
    [2]
    """
    seen: set[int] = set()
    working: set[int] = set()
    for dept, status in zip(staff_department, duty, strict=True):
        if dept is None:
            continue
        seen.add(dept)
        if status in ("on_duty", "busy"):
            working.add(dept)
    return frozenset(seen - working)


@dataclass(frozen=True)
class UnitLoad:
    unit_id: int
    staff: int
    open_cases: int
    per_staff: float
    state: str  # overloaded | normal | idle


def workload_by_unit(staff_unit: Mapping[int, int], workload: Mapping[int, int], *,
                     high: float = 3.0, low: float = 0.5) -> list[UnitLoad]:
    """Open cases per staff member of each unit, flagged overloaded (``per_staff >= high``)
    or idle (``per_staff <= low``), in unit id order.

    Parameters
    ----------
    staff_unit : mapping of int to int
        Staff id -> unit id, for the staff to count (e.g. those on duty).
    workload : mapping of int to int
        Open cases assigned to each staff id (the same input as :func:`recommend`).

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


__all__ = [
    "DUTY_FACTOR",
    "NEARBY_HOPS",
    "ROLE_FIT",
    "Candidate",
    "UnitLoad",
    "grid_adjacency",
    "recommend",
    "unavailable_departments",
    "workload_by_unit",
]
