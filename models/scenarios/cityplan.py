"""The demo city's plan, in memory: districts, streets, communities and grids.

:func:`generate_city` tessellates Changsha's six urban districts
(:mod:`models.scenarios.tessellate`) into grids, groups grids into contiguous communities
and communities into streets by k-means on their centroids (a community is the union of its
grids and a street the union of its communities, so every grid lies within its community
exactly), and gives the grids their kinds and populations. Nothing is written:
:func:`models.scenarios.democity.build_demo_city` writes the plan into a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from models.core.geo import geodesic_area_m2
from models.scenarios.tessellate import (
    GRID_SIZE,
    _density,
    _explode_to_polygons,
    _group_units,
    _reading_order,
    _relax,
    _sample_points,
    _voronoi_cells,
    district_coverage,
    node_coverage,
)
from models.storage.schema import (
    GridKind,
    Level,
)

CITY = ("430100", "长沙市", "Changsha")


@dataclass(frozen=True)
class DistrictSpec:
    code: str
    name: str
    name_en: str
    grids: int
    streets: int


DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec("430102", "芙蓉区", "Furong", 400, 13),
    DistrictSpec("430103", "天心区", "Tianxin", 418, 14),
    DistrictSpec("430104", "岳麓区", "Yuelu", 600, 18),
    DistrictSpec("430105", "开福区", "Kaifu", 450, 16),
    DistrictSpec("430111", "雨花区", "Yuhua", 550, 14),
    DistrictSpec("430112", "望城区", "Wangcheng", 380, 15),
)
GRIDS_PER_COMMUNITY = 6

DEDICATED_SHARE = 0.04
DEDICATED_TYPES = ("school", "hospital", "government", "business")
DEDICATED_WEIGHTS = (0.4, 0.2, 0.2, 0.2)


@dataclass
class GridPlan:
    code: str
    geometry: shapely.Polygon
    kind: GridKind
    dedicated_type: str | None
    population: int
    area_m2: float


@dataclass
class UnitPlan:
    code: str
    name: str
    name_en: str
    level: Level
    geometry: shapely.Geometry
    generated: bool
    children: list[UnitPlan] = field(default_factory=list)
    grids: list[GridPlan] = field(default_factory=list)


@dataclass
class CityPlan:
    """The whole demo city in memory (WGS-84)."""

    seed: int
    city: UnitPlan
    boundary_sources: tuple[str, ...]

    def districts(self) -> list[UnitPlan]:
        return self.city.children

    def streets(self) -> list[UnitPlan]:
        return [s for d in self.districts() for s in d.children]

    def communities(self) -> list[UnitPlan]:
        return [c for s in self.streets() for c in s.children]

    def grids(self) -> list[GridPlan]:
        return [g for c in self.communities() for g in c.grids]


Progress = Callable[[str, float], None]


def generate_city(seed: int = 2019, progress: Progress | None = None) -> CityPlan:
    """Generate the demo city in memory (deterministic from ``seed``).

    Examples
    --------
    >>> plan = generate_city(2019)                       # doctest: +SKIP
    >>> len(plan.districts()), 2500 <= len(plan.grids()) <= 3500   # doctest: +SKIP
    (6, True)
    """
    rng = np.random.default_rng(seed)
    boundaries = district_coverage([spec.code for spec in DISTRICTS])
    # 1. grid cells, district by district
    cells_by_district: list[list[shapely.Geometry]] = []
    for n, spec in enumerate(DISTRICTS):
        if progress:
            progress(f"grids of {spec.name_en}", n / len(DISTRICTS) * 0.4)
        boundary = boundaries[spec.code]
        pts = _sample_points(rng, boundary, spec.grids)
        pts = _relax(rng, boundary, pts, rounds=2)
        cells_by_district.append(_explode_to_polygons(_voronoi_cells(pts, boundary)))
    # 2. one exact coverage across district borders
    if progress:
        progress("noding the city", 0.45)
    flat = node_coverage([c for cells in cells_by_district for c in cells])
    sizes = np.cumsum([0] + [len(c) for c in cells_by_district])
    cells_by_district = [flat[sizes[i]:sizes[i + 1]] for i in range(len(DISTRICTS))]
    # 3. communities, streets and codes
    districts: list[UnitPlan] = []
    sources = []
    for spec, cells in zip(DISTRICTS, cells_by_district, strict=True):
        sources.append(f"resources/data/changsha/{spec.code}.geojson")
        boundary = shapely.union_all(cells, grid_size=GRID_SIZE)
        district = UnitPlan(spec.code, spec.name, spec.name_en, Level.DISTRICT, boundary,
                            generated=False)
        n_comm = max(1, round(len(cells) / GRIDS_PER_COMMUNITY))
        comm_groups = _group_units(rng, cells, n_comm)
        comm_geoms = [shapely.union_all([cells[i] for i in grp], grid_size=GRID_SIZE)
                      for grp in comm_groups]
        street_groups = _group_units(rng, comm_geoms, spec.streets)
        # a street is the union of its grids (not of the community unions: snapping twice
        # could move a shared edge by a grid step)
        street_geoms = [shapely.union_all([cells[g] for i in grp for g in comm_groups[i]],
                                          grid_size=GRID_SIZE) for grp in street_groups]
        mean_deg = float(np.sqrt(np.mean(shapely.area(street_geoms))))
        for s_no, s_ix in enumerate(_reading_order(street_geoms, mean_deg), start=1):
            street = UnitPlan(f"{spec.code}{s_no:03d}", f"{spec.name}第{s_no:02d}街道",
                              f"{spec.name_en} Street {s_no:02d}", Level.STREET,
                              street_geoms[s_ix], generated=True)
            members = street_groups[s_ix]
            cgeoms = [comm_geoms[i] for i in members]
            row_h = float(np.sqrt(np.mean(shapely.area(cgeoms))))
            for c_no, local in enumerate(_reading_order(cgeoms, row_h), start=1):
                c_ix = members[local]
                comm = UnitPlan(f"{street.code}{c_no:03d}",
                                f"{street.name}第{c_no:02d}社区",
                                f"{street.name_en} Community {c_no:02d}", Level.COMMUNITY,
                                comm_geoms[c_ix], generated=True)
                gpolys = [cells[i] for i in comm_groups[c_ix]]
                g_h = float(np.sqrt(np.mean(shapely.area(gpolys))))
                for g_no, g_local in enumerate(_reading_order(gpolys, g_h), start=1):
                    poly = gpolys[g_local]
                    comm.grids.append(GridPlan(f"{comm.code}{g_no:03d}", poly, GridKind.BASIC,
                                               None, 0, geodesic_area_m2(poly)))
                street.children.append(comm)
            district.children.append(street)
        districts.append(district)
    city_geom = shapely.union_all([d.geometry for d in districts], grid_size=GRID_SIZE)
    city = UnitPlan(CITY[0], CITY[1], CITY[2], Level.CITY, city_geom, generated=False,
                    children=districts)
    plan = CityPlan(seed, city, tuple(sources))
    _assign_kinds_and_population(rng, plan)
    if progress:
        progress("geometry done", 0.6)
    return plan


def _assign_kinds_and_population(rng: np.random.Generator, plan: CityPlan) -> None:
    grids = plan.grids()
    cent = shapely.get_coordinates(shapely.centroid([g.geometry for g in grids]))
    dens = _density(cent[:, 0], cent[:, 1])
    for g, d in zip(grids, dens, strict=True):
        # people per km²: ~25,000 in the old centre down to ~800 at the rural edge
        per_km2 = 800 + 25_000 * (d - 0.03)
        g.population = int(np.clip(g.area_m2 / 1e6 * per_km2 * rng.uniform(0.8, 1.2),
                                   300, 12_000))
    n_dedicated = round(len(grids) * DEDICATED_SHARE)
    # dedicated grids are institutions inside the built-up city: pick among denser grids
    weights = dens / dens.sum()
    chosen = rng.choice(len(grids), n_dedicated, replace=False, p=weights)
    for i in chosen:
        grids[i].kind = GridKind.DEDICATED
        grids[i].dedicated_type = str(rng.choice(DEDICATED_TYPES, p=DEDICATED_WEIGHTS))
