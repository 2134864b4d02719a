"""The proposed unified grid (models.reconcile.propose): hand-built communities with known
answers, and a run over a few communities of the demo city plan."""

from __future__ import annotations

import doctest
import itertools
import time

import numpy as np
import pytest
import shapely

from models.core.errors import ValidationError
from models.core.geo import Datum, geodesic_area_m2
from models.reconcile import partition, propose
from models.reconcile.propose import (
    Bounds,
    Proposal,
    balance,
    gini,
    propose_grids,
    staff_for,
    to_grid_layer,
)
from models.scenarios.cityplan import generate_city
from models.scenarios.tessellate import _sample_points
from models.world.gridcheck import _plausible_code, validate_grid_layer

COMM = "430102001001"
SQUARE = shapely.box(112.90, 28.10, 112.91, 28.11)  # about 980 m x 1,110 m


def quadrants(box: shapely.Polygon) -> list[shapely.Polygon]:
    minx, miny, maxx, maxy = box.bounds
    mx, my = (minx + maxx) / 2, (miny + maxy) / 2
    return [shapely.box(minx, my, mx, maxy), shapely.box(mx, my, maxx, maxy),
            shapely.box(minx, miny, mx, my), shapely.box(mx, miny, maxx, my)]


def corner_events(n: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``n`` events in the north-east quarter of :data:`SQUARE` only."""
    rng = np.random.default_rng(seed)
    return rng.uniform(112.905, 112.91, n), rng.uniform(28.105, 28.11, n)


def four_basic(code: str = COMM, box: shapely.Polygon = SQUARE):
    return [(f"{code}{i:03d}", code, "basic", None, q)
            for i, q in enumerate(quadrants(box), start=1)]


def assert_tiles(proposal: Proposal, communities: dict[str, shapely.Geometry]) -> None:
    """Each community's grids cover it with no gap and no overlap above 1e-9 of its area."""
    for code, boundary in communities.items():
        polys = [g.polygon for g in proposal.grids if g.community_code == code]
        assert polys, code
        assert all(p.geom_type == "Polygon" and p.is_valid for p in polys)
        area = boundary.area
        union = shapely.union_all(polys)
        assert shapely.symmetric_difference(union, boundary).area <= 1e-9 * area, code
        assert abs(sum(p.area for p in polys) - area) <= 1e-9 * area, code  # no overlaps
        for a, b in itertools.combinations(polys, 2):
            assert shapely.intersection(a, b).area <= 1e-9 * area


# -- gini and balance --------------------------------------------------------------------
def test_doctests() -> None:
    result = doctest.testmod(propose)
    assert result.attempted >= 8 and result.failed == 0


@pytest.mark.parametrize("n", [1, 2, 5, 40])
def test_gini_extremes(n: int) -> None:
    assert gini(np.full(n, 7.0)) == 0.0
    assert gini(np.r_[np.zeros(n - 1), 3.0]) == pytest.approx((n - 1) / n)


def test_gini_matches_mean_absolute_difference() -> None:
    x = np.random.default_rng(3).gamma(2.0, 10.0, 60)
    mad = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(mad, rel=1e-12)


def test_balance_fields() -> None:
    b = balance([10, 0, 30], [5.0, 1.0, 2.0])
    assert (b.n, b.largest, b.smallest, b.mean) == (3, 30.0, 0.0, pytest.approx(40 / 3))
    assert (b.largest_area_m2, b.smallest_area_m2) == (5.0, 1.0)
    assert balance([], []).n == 0


def test_staff_rule() -> None:
    assert staff_for(0, 0) == {"supervisor": 1, "manager": 1, "assistant": 1, "volunteer": 0}
    assert staff_for(500, 0)["volunteer"] == 1
    assert staff_for(501, 0)["volunteer"] == 2
    assert staff_for(10, 4001)["volunteer"] == 3
    assert staff_for(900, 0, events_per_volunteer=100)["volunteer"] == 9


# -- one square community, all events in one corner --------------------------------------
def test_corner_events_are_spread_over_more_grids() -> None:
    lon, lat = corner_events()
    p = propose_grids({COMM: SQUARE}, four_basic(), lon, lat, bounds=Bounds(max_events=100))
    # before: four equal quarters, one holds all 400 events
    assert p.before.n == 4 and p.before.gini == pytest.approx(0.75)
    assert (p.before.largest, p.before.smallest) == (400, 0)
    assert p.before.largest_area_m2 == pytest.approx(p.before.smallest_area_m2, rel=1e-3)
    # after: at least 400 / 100 grids, each within the bound, much more even
    assert p.after.n >= 4 and p.after.largest <= 100
    assert p.after.gini < 0.25 < p.before.gini
    assert sum(g.events for g in p.grids) == 400
    assert p.unmet == ()
    assert_tiles(p, {COMM: SQUARE})
    # geodesic areas: the new vertices bend the edges onto geodesics, a change of ~1e-6
    assert sum(g.area_m2 for g in p.grids) == pytest.approx(geodesic_area_m2(SQUARE), rel=1e-5)
    # the codes: the community's 12 digits and serials 001... in reading order
    codes = [g.code for g in p.grids]
    assert codes == [f"{COMM}{i:03d}" for i in range(1, len(codes) + 1)]
    layer = to_grid_layer(p)
    assert [(f.code, f.kind, f.community_code, f.geometry) for f in layer.features] == \
        [(g.code, "basic", COMM, g.polygon) for g in p.grids]
    assert layer.datum is Datum.WGS84
    assert validate_grid_layer(layer, parents={COMM: SQUARE}) == []


def test_the_smallest_k_meeting_max_events_is_chosen() -> None:
    lon, lat = corner_events(300)
    p = propose_grids({COMM: SQUARE}, four_basic(), lon, lat, bounds=Bounds(max_events=1000))
    assert p.after.n == 1 and p.grids[0].polygon.equals(SQUARE) and p.grids[0].events == 300
    p = propose_grids({COMM: SQUARE}, four_basic(), lon, lat, bounds=Bounds(max_events=150))
    assert p.after.n >= 2 and p.after.largest <= 150


def test_max_area_splits_an_empty_community() -> None:
    area = geodesic_area_m2(SQUARE)
    p = propose_grids({COMM: SQUARE}, four_basic(), [], [],
                      bounds=Bounds(max_area_m2=area / 3 * 1.2))
    assert p.after.n >= 3 and p.after.largest_area_m2 <= area / 3 * 1.2
    assert p.after.largest == 0 and p.unmet == ()
    assert_tiles(p, {COMM: SQUARE})


def test_population_is_spread_by_area_and_bounds_the_grids() -> None:
    pops = {f"{COMM}{i:03d}": 1000 * i for i in range(1, 5)}  # 10,000 residents
    p = propose_grids({COMM: SQUARE}, four_basic(), [], [], population=pops,
                      bounds=Bounds(max_population=3000))
    assert p.after.n >= 4
    assert all(g.population <= 3000 for g in p.grids)
    assert sum(g.population for g in p.grids) == pytest.approx(10_000, abs=len(p.grids))
    assert all(g.staff["volunteer"] >= 1 for g in p.grids)  # 2,000 residents a volunteer


# -- dedicated grids ---------------------------------------------------------------------
def test_a_dedicated_grid_is_kept_bit_for_bit() -> None:
    school = shapely.Polygon([(112.901, 28.101), (112.904, 28.101), (112.904, 28.1035),
                              (112.901, 28.1035)])  # away from the busy north-east corner
    current = [(f"{COMM}002", COMM, "dedicated", "school", school),
               (f"{COMM}001", COMM, "basic", None, shapely.difference(SQUARE, school))]
    lon, lat = corner_events(400)
    inside = np.random.default_rng(9).uniform(0, 1, (2, 25))
    lon = np.r_[lon, 112.901 + 0.003 * inside[0]]
    lat = np.r_[lat, 28.101 + 0.0025 * inside[1]]
    p = propose_grids({COMM: SQUARE}, current, lon, lat, bounds=Bounds(max_events=90))
    kept = [g for g in p.grids if g.kind == "dedicated"]
    assert len(kept) == 1
    assert kept[0].code == f"{COMM}002" and kept[0].dedicated_type == "school"
    assert kept[0].polygon is school and shapely.to_wkb(kept[0].polygon) == shapely.to_wkb(school)
    assert kept[0].events == 25
    basic = [g for g in p.grids if g.kind == "basic"]
    assert f"{COMM}002" not in {g.code for g in basic}  # the school's serial is not reused
    assert basic[0].code == f"{COMM}001" and basic[1].code == f"{COMM}003"
    assert all(g.polygon.intersection(school).area <= 1e-12 for g in basic)
    assert sum(g.events for g in basic) == 400 and p.after.largest <= 90
    # the school's events are the school's: before and after count basic grids only
    assert p.before.n == 1 and p.before.largest == 400
    assert_tiles(p, {COMM: SQUARE})
    assert validate_grid_layer(to_grid_layer(p), parents={COMM: SQUARE}) == []


def test_a_community_that_is_all_dedicated_keeps_only_that() -> None:
    current = [(f"{COMM}007", COMM, "dedicated", "hospital", SQUARE)]
    p = propose_grids({COMM: SQUARE}, current, *corner_events(10))
    assert [(g.code, g.kind) for g in p.grids] == [(f"{COMM}007", "dedicated")]
    assert p.after.n == 0 and p.k_by_community == {COMM: 0}


# -- bounds that cannot be met -----------------------------------------------------------
def test_impossible_bounds_are_reported_and_minimums_respected() -> None:
    lon, lat = corner_events(100)
    # 100 events: max 10 asks for 10 grids, min 40 allows 2
    p = propose_grids({COMM: SQUARE}, four_basic(), lon, lat,
                      bounds=Bounds(min_events=40, max_events=10))
    assert len(p.unmet) == 1 and p.unmet[0].startswith(COMM)
    assert "max_events" in p.unmet[0] and "min_events" in p.unmet[0]
    assert "10 grids" in p.unmet[0] and "at most 2" in p.unmet[0]
    assert p.after.n == 2  # not below the minimum
    assert p.unmet_bounds == {COMM: ("max_events", "min_events")}
    assert_tiles(p, {COMM: SQUARE})


def test_a_community_below_the_minimum_stays_one_grid() -> None:
    lon, lat = corner_events(5)
    p = propose_grids({COMM: SQUARE}, four_basic(), lon, lat, bounds=Bounds(min_events=50))
    assert p.after.n == 1 and len(p.unmet) == 1 and "min_events" in p.unmet[0]
    assert p.unmet_bounds == {COMM: ("min_events",)}


def test_max_area_against_min_area() -> None:
    area = geodesic_area_m2(SQUARE)
    p = propose_grids({COMM: SQUARE}, four_basic(), [], [],
                      bounds=Bounds(min_area_m2=area / 2, max_area_m2=area / 5))
    assert p.after.n == 2 and "max_area_m2" in p.unmet[0] and "min_area_m2" in p.unmet[0]


def test_unknown_community_is_refused() -> None:
    with pytest.raises(ValidationError, match="430102001009"):
        propose_grids({COMM: SQUARE}, [("430102001009001", "430102001009", "basic", None,
                                        SQUARE)], [], [])


# -- several communities, off the precision grid, deterministic -------------------------
def test_neighbouring_communities_off_the_precision_grid() -> None:
    # vertices that are not multiples of 1e-7 degrees: the tiling is still exact
    west = shapely.Polygon([(112.9000000312, 28.1000000471), (112.9100000123, 28.1000000471),
                            (112.9080000341, 28.1100000229), (112.9000000312, 28.1100000229)])
    east = shapely.Polygon([(112.9100000123, 28.1000000471), (112.9200000517, 28.1000000471),
                            (112.9200000517, 28.1100000229), (112.9080000341, 28.1100000229)])
    comms = {"430102001001": west, "430102001002": east}
    current = [("430102001001001", "430102001001", "basic", None, west),
               ("430102001002001", "430102001002", "basic", None, east)]
    rng = np.random.default_rng(4)
    lon = np.r_[rng.normal(112.905, 0.002, 300), rng.uniform(112.91, 112.92, 60)]
    lat = np.r_[rng.normal(28.105, 0.002, 300), rng.uniform(28.10, 28.11, 60)]
    bounds = Bounds(max_events=60)
    p = propose_grids(comms, current, lon, lat, bounds=bounds, seed=5)
    assert_tiles(p, comms)
    assert validate_grid_layer(to_grid_layer(p), parents=comms) == []
    assert p.before.n == 2 and p.after.n > 2 and p.after.gini < p.before.gini
    assert {g.community_code for g in p.grids} == set(comms)
    assert all(_plausible_code(g.code) and g.code[:12] == g.community_code for g in p.grids)
    again = propose_grids(comms, current, lon, lat, bounds=bounds, seed=5)
    assert [(g.code, shapely.to_wkb(g.polygon), g.events) for g in again.grids] == \
        [(g.code, shapely.to_wkb(g.polygon), g.events) for g in p.grids]


def test_stray_parts_join_the_neighbour_they_share_most_with() -> None:
    main, stray, island = shapely.box(0, 0, 1, 1), shapely.box(2, 0, 2.2, 0.3), \
        shapely.box(5, 5, 6, 6)
    right = shapely.box(2.2, 0, 3, 1)  # shares 0.3 with the stray
    below = shapely.box(2, -1, 2.2, 0)  # shares 0.2
    above = shapely.box(2, 0.3, 2.2, 1)  # shares 0.2
    cells = [shapely.MultiPolygon([main, stray, island]), right, below, above]
    out = partition._one_polygon_each(cells, 1e-12)
    assert len(out) == 5 and all(p.geom_type == "Polygon" for p in out)
    assert out[0].equals(main)
    assert out[1].equals(shapely.union(right, stray))  # the longest shared edge wins
    assert out[2].equals(below) and out[3].equals(above)
    assert out[4].equals(island)  # shares no edge with any cell: a grid of its own
    assert sum(p.area for p in out) == pytest.approx(sum(c.area for c in cells))


def test_a_region_cut_in_two_by_dedicated_grids() -> None:
    # a band of two dedicated grids across the middle cuts the basic region in two
    band = [shapely.box(112.90, 28.104, 112.905, 28.106), shapely.box(112.905, 28.104,
                                                                      112.91, 28.106)]
    current = [(f"{COMM}001", COMM, "dedicated", "government", band[0]),
               (f"{COMM}002", COMM, "dedicated", "business", band[1]),
               (f"{COMM}003", COMM, "basic", None, shapely.box(112.90, 28.106, 112.91, 28.11)),
               (f"{COMM}004", COMM, "basic", None, shapely.box(112.90, 28.10, 112.91, 28.104))]
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(112.905, 112.91, 50), rng.uniform(28.107, 28.11, 50)  # north
    p = propose_grids({COMM: SQUARE}, current, lon, lat)
    basic = [g for g in p.grids if g.kind == "basic"]
    # the smallest k is 1, but one polygon cannot hold both halves: one grid each
    assert len(basic) == 2 and {g.code for g in basic} == {f"{COMM}003", f"{COMM}004"}
    assert [g.polygon.area for g in basic] == pytest.approx([0.01 * 0.004, 0.01 * 0.004])
    north = max(basic, key=lambda g: g.polygon.bounds[1])
    assert north.events == 50 and north.polygon.bounds[1] == pytest.approx(28.106)
    assert shapely.symmetric_difference(north.polygon, current[2][4]).area < 1e-15
    assert_tiles(p, {COMM: SQUARE})
    assert validate_grid_layer(to_grid_layer(p), parents={COMM: SQUARE}) == []


def test_a_bound_no_k_can_meet_adds_no_grids() -> None:
    # the south half, cut off by a dedicated band, has 3 events: below min_events with any
    # k. More grids cannot help, so the smallest k stays: the north half in one grid
    band = shapely.box(112.90, 28.104, 112.91, 28.106)
    current = [(f"{COMM}001", COMM, "dedicated", "government", band)]
    rng = np.random.default_rng(2)
    lon = np.r_[rng.uniform(112.90, 112.91, 50), 112.901, 112.905, 112.909]
    lat = np.r_[rng.uniform(28.107, 28.11, 50), 28.101, 28.102, 28.103]
    p = propose_grids({COMM: SQUARE}, current, lon, lat, bounds=Bounds(min_events=10))
    assert p.unmet_bounds == {COMM: ("min_events",)}
    assert "with 2 grids the quietest grid has 3 events a year" in p.unmet[0]
    assert sorted(g.events for g in p.grids if g.kind == "basic") == [3, 50]
    # with a maximum as well, the north half is split for it; only the minimum stays unmet
    p = propose_grids({COMM: SQUARE}, current, lon, lat,
                      bounds=Bounds(min_events=10, max_events=30))
    assert p.unmet_bounds == {COMM: ("min_events",)} and p.after.largest <= 30
    assert_tiles(p, {COMM: SQUARE})


# -- the demo city -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    """The communities of one demo district (Furong, 430102: 67 communities, 375 basic and
    some dedicated grids) and one generated year of events: about one per 20 residents,
    placed by the plan's own density (generated, not observed)."""
    plan = generate_city(2019)
    chosen = [c for c in plan.communities() if c.code.startswith("430102")]
    rng = np.random.default_rng(2019)
    pts = [_sample_points(rng, c.geometry, max(1, sum(g.population for g in c.grids) // 20))
           for c in chosen]
    ev = np.concatenate(pts)
    return chosen, ev[:, 0], ev[:, 1]


@pytest.mark.slow
def test_demo_communities(demo, record_property) -> None:
    chosen, lon, lat = demo
    comms = {c.code: c.geometry for c in chosen}
    current = [(g.code, c.code, g.kind.value, g.dedicated_type, g.geometry)
               for c in chosen for g in c.grids]
    pops = {g.code: g.population for c in chosen for g in c.grids}
    # the bounds: a quarter to one and a quarter of today's mean events per basic grid
    per_grid = propose_grids(comms, current, lon, lat, population=pops).before.mean
    bounds = Bounds(max_events=1.25 * per_grid, min_events=0.25 * per_grid)
    t0 = time.perf_counter()
    p = propose_grids(comms, current, lon, lat, population=pops, bounds=bounds)
    seconds = time.perf_counter() - t0
    record_property("propose_s", seconds)
    record_property("gini_before", p.before.gini)
    record_property("gini_after", p.after.gini)
    print(f"\ndemo 430102: {len(comms)} communities, {len(lon)} events, {p.before.n} -> "
          f"{p.after.n} basic grids in {seconds:.2f} s; Gini {p.before.gini:.3f} -> "
          f"{p.after.gini:.3f}; largest {p.before.largest:.0f} -> {p.after.largest:.0f}; "
          f"unmet {len(p.unmet)}")
    assert seconds < 30
    assert p.after.gini < p.before.gini / 2
    assert p.after.largest <= bounds.max_events or p.unmet
    assert p.after.smallest >= bounds.min_events or p.unmet
    assert_tiles(p, comms)
    assert validate_grid_layer(to_grid_layer(p), parents=comms) == []
    # every dedicated grid of the plan is there, as it was
    dedicated = {g.code: g.geometry for c in chosen for g in c.grids if g.kind.value ==
                 "dedicated"}
    kept = {g.code: g.polygon for g in p.grids if g.kind == "dedicated"}
    assert dedicated and kept.keys() == dedicated.keys()
    assert all(kept[c] is dedicated[c] for c in kept)
    assert sum(g.events for g in p.grids) == pytest.approx(len(lon))
