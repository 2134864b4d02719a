"""A proposed unified grid: basic grids redrawn inside each community to balance workload.

The departments' grids were drawn for each department's own work, so the unified grid that
replaces them should be drawn for the work that actually happens. :func:`propose_grids`
redraws the **basic** grids of every community so that their events per year (and, where
given, population and area) fall within bounds the user sets, keeps every **dedicated** grid
exactly as it is, and keeps the 15-digit code rules; it reports the balance before and after
(:class:`Balance`) and the staff each grid would need under 1+3+X.

How one community is redrawn
----------------------------
1. The region to redraw is the community minus its dedicated grids.
2. The number of grids ``k`` is the smallest meeting ``max_events``, ``max_area_m2`` and
   ``max_population`` for the totals; it may not go above what ``min_events`` and
   ``min_area_m2`` allow. When no ``k`` fits both, the community is listed in
   :attr:`Proposal.unmet` with the reason, and the ``k`` that still respects the minimums
   is used (the proposal never splits below a minimum).
3. The region is partitioned by capacity-constrained k-means (each cluster gets the same
   workload) of the event points plus area-uniform samples (so land without events still
   belongs to a grid and pulls a seed); the samples carry ``area_weight`` (and, with a
   population, ``population_weight``) of the workload.
4. The grids are the Voronoi cells of the cluster centroids clipped to the region; a cell
   the clip cuts in several parts keeps its largest and gives the others to the neighbour
   they share the longest edge with, so every grid is one polygon.
5. If a grid still breaks a bound (the partition is not perfectly even), the next ``k`` is
   tried, up to what the minimums allow; a larger ``k`` is kept only when it breaks fewer
   bounds, and what the kept one still breaks is reported in ``unmet``.

The grids tile each community exactly (see :func:`models.reconcile.partition._tile` and
:func:`models.reconcile.partition._node_shared_edges`) and pass
:func:`models.world.gridcheck.validate_grid_layer` with the communities as parents.

Nothing here imports Qt or touches the database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from models.core.enums import GridKind, StaffRole
from models.core.errors import ValidationError
from models.core.geo import Datum, geodesic_area_m2
from models.reconcile.partition import (
    _area_samples,
    _capacity_kmeans,
    _count_in,
    _node_shared_edges,
    _share_population,
    _tile,
)
from models.scenarios.tessellate import _reading_order
from models.world.gridread import GridFeature, GridLayer

# Volunteers (the X of 1+3+X) a grid needs: one per this many events a year, and one per
# this many residents, whichever asks for more. These are the console's planning
# assumptions, not a published standard: pass your own to :func:`propose_grids`.
EVENTS_PER_VOLUNTEER = 500
RESIDENTS_PER_VOLUNTEER = 2000
MAX_SERIAL = 999  # the last three digits of a grid code
AREA_SAMPLES = 400  # area-uniform samples per community (at least 20 per grid)
MAX_EXTRA_K = 8  # further k tried after the smallest when a grid still breaks a bound


@dataclass(frozen=True)
class Bounds:
    """The user's bounds for one proposed grid (events per year, m², residents)."""

    min_events: float = 0
    max_events: float = math.inf
    min_area_m2: float = 0
    max_area_m2: float = math.inf
    max_population: int | None = None


@dataclass(frozen=True)
class Balance:
    """How even a set of grids is: of events per grid, and the extremes of their areas."""

    n: int
    gini: float
    largest: float
    smallest: float
    mean: float
    largest_area_m2: float
    smallest_area_m2: float


@dataclass(frozen=True)
class ProposedGrid:
    code: str
    community_code: str
    kind: str  # "basic" or "dedicated"
    dedicated_type: str | None
    polygon: shapely.Polygon
    events: float  # per year
    population: int
    area_m2: float
    staff: dict[str, int] = field(compare=False)  # role -> head count under 1+3+X


@dataclass(frozen=True)
class Proposal:
    """The proposed grids of every community, and the balance of the basic grids before
    (today's) and after (proposed); dedicated grids are the same in both and left out."""

    grids: tuple[ProposedGrid, ...]
    before: Balance
    after: Balance
    unmet: tuple[str, ...]  # "<community code>: <why>" for every community off its bounds
    k_by_community: dict[str, int] = field(default_factory=dict, compare=False)
    # community -> the bounds it is off, as codes for the UI ("max_events", "min_area_m2",
    # "max_population", "serials", ...)
    unmet_bounds: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)


# -- balance -----------------------------------------------------------------------------
def gini(values: ArrayLike) -> float:
    """The Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one
    holds everything.

    Examples
    --------
    >>> gini([5, 5, 5, 5])
    0.0
    >>> gini([0, 0, 0, 8])
    0.75
    >>> round(gini([1, 2, 3, 4]), 6)
    0.25
    >>> gini([])
    0.0
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    total = x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(2.0 * (ranks * x).sum() / (n * total) - (n + 1) / n)


def balance(values: ArrayLike, areas_m2: ArrayLike) -> Balance:
    """The :class:`Balance` of grids with ``values`` events and ``areas_m2`` areas.

    >>> b = balance([0, 0, 0, 8], [1.0, 2.0, 3.0, 4.0])
    >>> b.n, b.gini, b.largest, b.smallest, b.mean, b.largest_area_m2
    (4, 0.75, 8.0, 0.0, 2.0, 4.0)
    """
    v = np.asarray(values, dtype=float)
    a = np.asarray(areas_m2, dtype=float)
    if len(v) == 0:
        return Balance(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return Balance(len(v), gini(v), float(v.max()), float(v.min()), float(v.mean()),
                   float(a.max()), float(a.min()))


def staff_for(events: float, population: int, *,
              events_per_volunteer: float = EVENTS_PER_VOLUNTEER,
              residents_per_volunteer: float = RESIDENTS_PER_VOLUNTEER) -> dict[str, int]:
    """The staff of one grid under 1+3+X: one supervisor, one manager and one assistant,
    and X volunteers: one per ``events_per_volunteer`` events a year or one per
    ``residents_per_volunteer`` residents, whichever is more (none for an idle grid).

    >>> staff_for(1200, 900)
    {'supervisor': 1, 'manager': 1, 'assistant': 1, 'volunteer': 3}
    >>> staff_for(0, 4500)["volunteer"]
    3
    """
    x = max(math.ceil(events / events_per_volunteer - 1e-9),
            math.ceil(population / residents_per_volunteer - 1e-9), 0)
    return {StaffRole.SUPERVISOR.value: 1, StaffRole.MANAGER.value: 1,
            StaffRole.ASSISTANT.value: 1, StaffRole.VOLUNTEER.value: int(x)}


@dataclass
class _Try:
    polys: list[shapely.Polygon]
    events: NDArray
    areas: NDArray
    population: NDArray
    broken: list[tuple[str, str]]


def _check(b: Bounds, events: NDArray, areas: NDArray, pop: NDArray
           ) -> list[tuple[str, str]]:
    """(bound, why) of every bound some grid breaks."""
    max_pop = math.inf if b.max_population is None else b.max_population
    checks = [
        ("max_events", events.max() > b.max_events,
         f"the busiest grid has {events.max():g} events a year, more than max_events "
         f"{b.max_events:g}"),
        ("min_events", events.min() < b.min_events,
         f"the quietest grid has {events.min():g} events a year, fewer than min_events "
         f"{b.min_events:g}"),
        ("max_area_m2", areas.max() > b.max_area_m2,
         f"the largest grid has {areas.max():,.0f} m², more than max_area_m2 "
         f"{b.max_area_m2:,.0f}"),
        ("min_area_m2", areas.min() < b.min_area_m2,
         f"the smallest grid has {areas.min():,.0f} m², less than min_area_m2 "
         f"{b.min_area_m2:,.0f}"),
        ("max_population", pop.max() > max_pop,
         f"the most populous grid has {pop.max():,.0f} residents, more than max_population "
         f"{max_pop:,.0f}"),
    ]
    return [(bound, why) for bound, broken, why in checks if broken]


def _k_range(b: Bounds, events: float, area: float, pop: float, k_cap: int
             ) -> tuple[int, int, list[tuple[tuple[str, ...], str]]]:
    """The smallest ``k`` the maximums ask for, the largest the minimums allow, and why
    they cannot both be met (empty when they can)."""
    need = [(1, "")]
    if events > 0 and math.isfinite(b.max_events):
        need.append((math.ceil(events / b.max_events - 1e-9), "max_events"))
    if math.isfinite(b.max_area_m2):
        need.append((math.ceil(area / b.max_area_m2 - 1e-9), "max_area_m2"))
    if b.max_population is not None and pop > 0:
        need.append((math.ceil(pop / max(b.max_population, 1e-9) - 1e-9), "max_population"))
    allow = [(k_cap, "serials")]  # the 999 serials of a community's codes
    if b.min_events > 0:
        allow.append((math.floor(events / b.min_events + 1e-9), "min_events"))
    if b.min_area_m2 > 0:
        allow.append((math.floor(area / b.min_area_m2 + 1e-9), "min_area_m2"))
    k_lo, why_lo = max(need)
    k_hi, why_hi = min(allow)
    if k_hi < 1:
        totals = {"min_events": f"{events:g} events a year",
                  "min_area_m2": f"{area:,.0f} m²"}
        return 1, 1, [((why_hi,), f"one grid of {totals.get(why_hi, '')} is already below "
                                  f"{why_hi}")]
    if k_lo > k_hi:
        return k_hi, k_hi, [((why_lo, why_hi),
                             f"{why_lo} asks for at least {k_lo} grids but {why_hi} allows "
                             f"at most {k_hi} ({events:g} events a year, {area:,.0f} m²)")]
    return k_lo, k_hi, []


def _redraw(rng: np.random.Generator, region: shapely.Geometry, lon: NDArray, lat: NDArray,
            today: Sequence[tuple[shapely.Geometry, int]], b: Bounds, k_cap: int,
            area_weight: float, population_weight: float
            ) -> tuple[_Try, list[tuple[tuple[str, ...], str]]]:
    """The basic grids of one community's ``region``, and why its bounds are not met."""
    area = geodesic_area_m2(region)
    shapely.prepare(region)
    inside = shapely.contains_xy(region, lon, lat)
    ev = np.column_stack([lon[inside], lat[inside]])
    pop_total = float(_share_population([region], today)[0]) if today else 0.0
    k_lo, k_hi, why = _k_range(b, float(len(ev)), area, pop_total, k_cap)
    # the clustering points: events (weight 1 each) and area samples carrying a share of
    # the workload, with the population of today's grid they fall in where it is known
    k_max_try = min(k_hi, k_lo + MAX_EXTRA_K)
    samples = _area_samples(rng, region, max(AREA_SAMPLES, 20 * k_max_try))
    base = max(float(len(ev)), 1.0)
    w_s = np.full(len(samples), base * area_weight / len(samples))
    if pop_total > 0 and population_weight > 0:
        s_pop = np.zeros(len(samples))
        pts = shapely.points(samples)
        for geom, pop in today:
            hit = shapely.intersects(geom, pts)
            if hit.any() and pop > 0:
                s_pop[hit] += pop / hit.sum()
        if s_pop.sum() > 0:
            w_s += base * population_weight * s_pop / s_pop.sum()
    xy = np.concatenate([ev, samples]) if len(ev) else samples
    w = np.concatenate([np.ones(len(ev)), w_s]) if len(ev) else w_s
    # normalised coordinates: Voronoi cells do not change under translation and scaling
    mid, scale = xy.mean(axis=0), float(xy.std()) or 1.0
    unit = (xy - mid) / scale
    best: _Try | None = None
    for k in range(k_lo, k_max_try + 1):
        k_eff = min(k, len(unit))
        seeds = _capacity_kmeans(rng, unit, w, k_eff) * scale + mid if k_eff > 1 else mid[None]
        polys = _tile(region, seeds)
        trial = _Try(polys, _count_in(polys, ev[:, 0], ev[:, 1]) if len(ev) else
                     np.zeros(len(polys)),
                     np.array([geodesic_area_m2(p) for p in polys]),
                     _share_population(polys, today), [])
        trial.broken = _check(b, trial.events, trial.areas, trial.population)
        # a larger k is kept only when it breaks fewer bounds: a bound no k can meet (a part
        # cut off by dedicated grids too quiet for min_events) must not add grids
        if best is None or len(trial.broken) < len(best.broken):
            best = trial
        if not trial.broken:
            break
    assert best is not None
    if best.broken and not why:
        why = [(tuple(bd for bd, _ in best.broken),
                f"with {len(best.polys)} grids " + "; ".join(t for _, t in best.broken))]
    return best, why


# -- the proposal ------------------------------------------------------------------------
def to_grid_layer(proposal: Proposal, path: str = "proposal") -> GridLayer:
    """The proposal as a :class:`models.world.gridread.GridLayer` (WGS-84), to validate or write.

    A proposed grid has no name yet: its name is its code.
    """
    return GridLayer(path, Datum.WGS84, tuple(
        GridFeature(g.code, g.kind, g.dedicated_type, g.community_code, g.code, g.population,
                    g.polygon) for g in proposal.grids))


def propose_grids(communities: Mapping[str, shapely.Geometry],
                  current: Sequence[tuple[str, str, str, str | None, shapely.Polygon]],
                  event_lon: ArrayLike, event_lat: ArrayLike, *,
                  population: Mapping[str, int] | None = None,
                  bounds: Bounds = Bounds(), seed: int = 0,
                  area_weight: float = 0.1, population_weight: float = 0.2,
                  events_per_volunteer: float = EVENTS_PER_VOLUNTEER,
                  residents_per_volunteer: float = RESIDENTS_PER_VOLUNTEER) -> Proposal:
    """Redraw the basic grids of every community to balance workload within ``bounds``.

    Parameters
    ----------
    communities : mapping
        Community code (12 digits) -> boundary, WGS-84 lon/lat.
    current : sequence
        Today's grids as ``(grid code, community code, kind, dedicated_type, polygon)``.
        Dedicated grids are kept exactly (same code, same polygon object); basic grids are
        redrawn.
    event_lon, event_lat : array_like
        One year of events (WGS-84): the events per year of each grid.
    population : mapping, optional
        Grid code -> population of today's grids, spread over the new grids by area.
    bounds : Bounds
        What one proposed basic grid may hold.
    seed : int
        The same seed gives the same proposal.
    area_weight, population_weight : float
        Shares of the clustering workload (relative to the community's events) carried by
        area-uniform samples and by population; the rest is the events themselves.
    events_per_volunteer, residents_per_volunteer : float
        The rule for X of 1+3+X (see :func:`staff_for`).

    Returns
    -------
    Proposal
        Grids ordered by code; ``before`` and ``after`` are the balance of the basic grids
        (today's and proposed); ``unmet`` says which communities are off their bounds, why.

    Raises
    ------
    models.core.errors.ValidationError
        A grid of ``current`` names a community not in ``communities``, or a community
        would need more than 999 grids.
    """
    lon = np.asarray(event_lon, dtype=float)
    lat = np.asarray(event_lat, dtype=float)
    pops = dict(population or {})
    by_comm: dict[str, list[tuple[str, str, str, str | None, shapely.Polygon]]] = {
        c: [] for c in communities}
    for row in current:
        if row[1] not in by_comm:
            raise ValidationError(f"grid {row[0]} names community {row[1]}, which is not "
                                  "given", grid=row[0], community=row[1])
        by_comm[row[1]].append(row)
    grids: list[ProposedGrid] = []
    unmet: list[str] = []
    k_by: dict[str, int] = {}
    unmet_bounds: dict[str, tuple[str, ...]] = {}
    before_ev: list[float] = []
    before_area: list[float] = []
    after_ev: list[float] = []
    after_area: list[float] = []

    def staff(events: float, people: int) -> dict[str, int]:
        return staff_for(events, people, events_per_volunteer=events_per_volunteer,
                         residents_per_volunteer=residents_per_volunteer)

    for code in sorted(communities):
        boundary = communities[code]
        rows = by_comm[code]
        # only the events in the community's bounding box (a city has hundreds of
        # thousands; each community needs its own few)
        x0, y0, x1, y1 = shapely.bounds(shapely.union_all([boundary] + [r[4] for r in rows]))
        near = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        c_lon, c_lat = lon[near], lat[near]
        dedicated = [r for r in rows if r[2] == GridKind.DEDICATED.value]
        basic = [r for r in rows if r[2] != GridKind.DEDICATED.value]
        if basic:
            polys = [r[4] for r in basic]
            before_ev.extend(_count_in(polys, c_lon, c_lat).tolist())
            before_area.extend(geodesic_area_m2(p) for p in polys)
        # dedicated grids: as they are
        ded_events = _count_in([r[4] for r in dedicated], c_lon, c_lat)
        for r, e in zip(dedicated, ded_events, strict=True):
            people = int(pops.get(r[0], 0))
            grids.append(ProposedGrid(r[0], code, GridKind.DEDICATED.value, r[3], r[4],
                                      float(e), people, geodesic_area_m2(r[4]),
                                      staff(float(e), people)))
        region = boundary
        if dedicated:
            region = shapely.difference(boundary, shapely.union_all([r[4] for r in dedicated]))
        region = shapely.union_all([p for p in shapely.get_parts(region)
                                    if p.geom_type == "Polygon"
                                    and p.area > 1e-12 * boundary.area])  # not crumbs
        if region.is_empty:
            k_by[code] = 0
            continue
        taken = {int(r[0][12:]) for r in dedicated if r[0][12:].isdigit()}
        k_cap = MAX_SERIAL - len(taken)
        rng = np.random.default_rng([seed, int(code) if code.isdigit() else 0])
        today = [(r[4], int(pops.get(r[0], 0))) for r in basic]
        # events inside a dedicated grid are its own; only the rest shape the basic grids
        trial, why = _redraw(rng, region, c_lon, c_lat, today, bounds, k_cap,
                             area_weight, population_weight)
        if len(trial.polys) > k_cap:
            raise ValidationError(f"community {code} would need {len(trial.polys)} grids, more "
                                  f"than its {k_cap} free serials", community=code)
        unmet.extend(f"{code}: {text}" for _, text in why)
        if why:
            unmet_bounds[code] = tuple(sorted({bd for bds, _ in why for bd in bds}))
        k_by[code] = len(trial.polys)
        serials = (s for s in range(1, MAX_SERIAL + 1) if s not in taken)
        row_h = float(np.sqrt(np.mean(shapely.area(trial.polys))))
        people_of = np.round(trial.population).astype(int)
        for i, serial in zip(_reading_order(trial.polys, row_h), serials, strict=False):
            e = float(trial.events[i])
            grids.append(ProposedGrid(f"{code}{serial:03d}", code, GridKind.BASIC.value, None,
                                      trial.polys[i], e, int(people_of[i]), float(trial.areas[i]),
                                      staff(e, int(people_of[i]))))
            after_ev.append(e)
            after_area.append(float(trial.areas[i]))
    # one set of vertices on every shared edge, across communities too
    basic_ix = [i for i, g in enumerate(grids) if g.kind == GridKind.BASIC.value]
    noded = _node_shared_edges([grids[i].polygon for i in basic_ix],
                               [g.polygon for g in grids if g.kind != GridKind.BASIC.value])
    for i, poly in zip(basic_ix, noded, strict=True):
        if poly is not grids[i].polygon:
            grids[i] = replace(grids[i], polygon=poly)
    grids.sort(key=lambda g: g.code)
    return Proposal(tuple(grids), balance(before_ev, before_area),
                    balance(after_ev, after_area), tuple(unmet), k_by, unmet_bounds)
