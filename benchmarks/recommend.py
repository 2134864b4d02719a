"""Who should go, on the demo city (issue 10, section 2).

The inputs are built as the console builds them, headless: the demo city and 200 seeded
open cases (``models.scenarios.democity.seed_demo_cases``), each routed by the default policy's
router and ranked with :func:`routing.candidates.recommend_for_case` for the routed level,
unit and department.

* ``right_department_share``: of the cases routed to a department, the share whose top
  choice is a handler of that department (target >= 0.95);
* ``mean_distance_ratio``: the top choice's mean distance to the case over the nearest
  suitable on-duty person's (target <= 1.3). Suitable means in the ranking's first tier:
  a handler of the routed department (of the routed unit when the centre handles it), or
  for a community-level case a 1+3+X worker of the case's grid or of a grid up to
  ``NEARBY_HOPS`` borders away. The nearest on-duty person of any role is printed too;
* ``max_load_ratio``: 200 community-level cases spread over one central community,
  assigned one after another to the top choice (each assignment adds to that person's
  open cases), against assigning each to the nearest suitable on-duty person: the busiest
  person's cases in the first over the second (target <= 0.7).

Run: ``.venv/bin/python -m benchmarks.recommend [--db URL]`` (an EMPTY database; default
a temporary SQLite file). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from sqlalchemy import func, select

from benchmarks._machine import machine, print_machine
from models.cases.service import CaseService
from models.core.auth import Actor
from models.core.geo import geodesic_distance_m
from models.scenarios.democity import build_demo_city, seed_demo_cases
from models.scenarios.tessellate import _sample_points
from models.storage.db import Database
from models.storage.schema import AdminUnit, Grid, Level, StaffRole
from routing.candidates import (
    StaffPool,
    read_adjacency,
    read_staff_pool,
    recommend_for_case,
)
from routing.graph import EscalationGraph
from routing.policy import Router
from routing.recommend import GRID_ROLES, NEARBY_HOPS, recommend

N_CASES = 200
N_CLUSTER = 200
SEED = 2026
NOW = dt.datetime(2026, 1, 5, 1, 0, tzinfo=dt.UTC)  # just after the demo's "last seen"


class Suitable:
    """Who is suitable for a case, said independently of the ranking: the on-duty handlers
    of the routed department (of the routed unit when its centre handles the case), or for
    a community-level case the on-duty 1+3+X workers of the case's grid and of the grids up
    to ``NEARBY_HOPS`` borders away."""

    def __init__(self, pool: StaffPool, adjacency) -> None:
        self.pool, self.adjacency = pool, adjacency
        on = np.array([d == "on_duty" for d in pool.duty]) & ~np.isnan(pool.lon)
        roles = np.array(pool.roles)
        self.handler = on & (roles == "handler")
        self.grid_worker = on & np.isin(roles, sorted(GRID_ROLES))
        self.dept = np.array([-1 if d is None else d for d in pool.department])
        self.unit = np.array([-1 if u is None else u for u in pool.unit])
        self.home = np.array([-1 if h is None else h for h in pool.home_grid])

    def nearest(self, lon: float, lat: float, grid_id: int | None, decision) -> float:
        """Metres to the nearest suitable person (NaN: nobody)."""
        return self.nearest_person(lon, lat, grid_id, decision)[1]

    def nearest_person(self, lon: float, lat: float, grid_id: int | None,
                       decision) -> tuple[int, float]:
        """The nearest suitable person and the metres to them (-1, NaN: nobody)."""
        if decision.level == "community":
            near = nx.single_source_shortest_path_length(self.adjacency, grid_id,
                                                         cutoff=NEARBY_HOPS)
            mask = self.grid_worker & np.isin(self.home, list(near))
        elif decision.department_id is not None:
            mask = self.handler & (self.dept == decision.department_id)
        else:
            mask = self.handler & (self.unit == decision.unit_id)
        if not mask.any():
            return -1, float("nan")
        k = int(mask.sum())
        d = geodesic_distance_m(np.full(k, lon), np.full(k, lat), self.pool.lon[mask],
                                self.pool.lat[mask])
        ids = self.pool.ids[mask]
        j = int(np.lexsort((ids, d))[0])  # nearest, ties by staff id
        return int(ids[j]), float(d[j])


def nearest_anyone(pool: StaffPool, lon: float, lat: float) -> float:
    """The nearest on-duty staff member of any role (metres)."""
    on = np.array([d == "on_duty" for d in pool.duty]) & ~np.isnan(pool.lon)
    d = geodesic_distance_m(np.full(int(on.sum()), lon), np.full(int(on.sum()), lat),
                            pool.lon[on], pool.lat[on])
    return float(np.min(d))


def p90(values: list[float]) -> float:
    return float(np.percentile(values, 90)) if values else float("nan")


def seeded_cases(db: Database, actor: Actor, pool: StaffPool, router: Router,
                 adjacency) -> dict:
    """Right department share and distance ratio on the seeded open cases."""
    seed_demo_cases(db, n=N_CASES, seed=SEED, now=NOW)
    cases = CaseService(db, actor).list(statuses=("reported",))
    workload = CaseService(db, actor).workload_by_staff()
    dept_of = dict(zip(pool.ids.tolist(), pool.department, strict=True))
    n_all = len(pool.ids)
    by_level: Counter[str] = Counter()
    to_dept = right = 0
    top_d, near_d, any_d, times = [], [], [], []
    split: dict[str, tuple[list[float], list[float]]] = {}
    suitable = Suitable(pool, adjacency)
    for case in cases:
        t0 = time.perf_counter()
        rec = recommend_for_case(db, actor, case, router, pool=pool, adjacency=adjacency,
                                 workload=workload, limit=5)
        times.append((time.perf_counter() - t0) * 1000)
        decision = rec.decision
        by_level[decision.level] += 1
        if not rec.candidates:
            continue
        top = rec.candidates[0]
        if decision.department_id is not None and decision.level != "community":
            to_dept += 1
            right += dept_of.get(top.staff_id) == decision.department_id
        nearest = suitable.nearest(case.lon, case.lat, case.grid_id, decision)
        if np.isnan(nearest) or np.isnan(top.distance_m):
            continue
        kind = "community" if decision.level == "community" else "department"
        top_d.append(top.distance_m)
        near_d.append(nearest)
        any_d.append(nearest_anyone(pool, case.lon, case.lat))
        split.setdefault(kind, ([], []))
        split[kind][0].append(top.distance_m)
        split[kind][1].append(nearest)
    share = right / to_dept if to_dept else float("nan")
    ratio = statistics.mean(top_d) / statistics.mean(near_d)
    print(f"{len(cases)} seeded open cases, routed to: "
          + ", ".join(f"{lvl} {n}" for lvl, n in sorted(by_level.items())))
    print(f"routed to a department above the community: {to_dept}; top choice a handler of "
          f"that department: {right} ({share:.1%})")
    print(f"top choice distance: mean {statistics.mean(top_d):.0f} m, p90 {p90(top_d):.0f} m; "
          f"nearest suitable on-duty: mean {statistics.mean(near_d):.0f} m, "
          f"p90 {p90(near_d):.0f} m; ratio of means {ratio:.2f}")
    for kind, (t, n) in sorted(split.items()):
        print(f"  {kind}-level cases ({len(t)}): top mean {statistics.mean(t):.0f} m vs nearest "
              f"suitable {statistics.mean(n):.0f} m, "
              f"ratio {statistics.mean(t) / statistics.mean(n):.2f}")
    print(f"(nearest on-duty person of any role: mean {statistics.mean(any_d):.0f} m, "
          f"p90 {p90(any_d):.0f} m)")
    print(f"recommend_for_case: median {statistics.median(times):.1f} ms a case "
          f"(staff of {n_all} read once)")
    return {"cases": len(cases), "cases_to_department": to_dept,
            "right_department_share": round(share, 4),
            "mean_distance_ratio": round(ratio, 3),
            "top_mean_m": round(statistics.mean(top_d)), "top_p90_m": round(p90(top_d)),
            "nearest_mean_m": round(statistics.mean(near_d)),
            "nearest_p90_m": round(p90(near_d)),
            "community_distance_ratio": round(statistics.mean(split["community"][0])
                                              / statistics.mean(split["community"][1]), 3),
            "recommend_ms": round(statistics.median(times), 2)}


def cluster(db: Database, pool: StaffPool, router: Router, adjacency) -> dict:
    """Busiest person when assigning a cluster by top choice vs nearest first."""
    # the community nearest the old centre with the most grids: a dense, central cluster
    with db.read() as s:
        community = s.execute(
            select(AdminUnit.id, AdminUnit.code, AdminUnit.geometry)
            .join(Grid, Grid.community_id == AdminUnit.id)
            .where(AdminUnit.level == Level.COMMUNITY, AdminUnit.code.like("430103%"))
            .group_by(AdminUnit.id, AdminUnit.code, AdminUnit.geometry)
            .order_by(func.count(Grid.id).desc(), AdminUnit.code).limit(1)).one()
        grids = s.execute(select(Grid.id, Grid.geometry)
                          .where(Grid.community_id == community.id)).all()
    poly = shapely.from_wkb(community.geometry)
    rng = np.random.default_rng(SEED)
    points = _sample_points(rng, poly, N_CLUSTER)
    cells = shapely.from_wkb([g[1] for g in grids])
    tree = shapely.STRtree(cells)
    # a class D case belongs to the community: take the first subcategory routed there
    sub = next(code for code in router.subcategory_codes
               if router.route(grids[0][0], code).level == "community")
    suitable = Suitable(pool, adjacency)
    load_top: Counter[int] = Counter()
    load_near: Counter[int] = Counter()
    dist_top, dist_near = [], []
    for lon, lat in points.tolist():
        hit = tree.query(shapely.Point(lon, lat), predicate="intersects")
        grid_id = int(grids[int(hit[0])][0])
        decision = router.route(grid_id, sub)

        top = recommend(lon, lat, grid_id, decision.level, staff_ids=pool.ids,
                             roles=pool.roles, duty=pool.duty, staff_lon=pool.lon,
                             staff_lat=pool.lat, home_grid=pool.home_grid,
                             workload=load_top, adjacency=adjacency, limit=1,
                             department_id=decision.department_id,
                             staff_department=pool.department, unit_id=decision.unit_id,
                             staff_unit=pool.unit)[0]
        load_top[top.staff_id] += 1
        dist_top.append(top.distance_m)
        sid, metres = suitable.nearest_person(lon, lat, grid_id, decision)
        load_near[sid] += 1
        dist_near.append(metres)
    ratio = max(load_top.values()) / max(load_near.values())
    print(f"cluster of {N_CLUSTER} cases ({sub}) in community {community.code} "
          f"({len(grids)} grids): by top choice {len(load_top)} people, busiest "
          f"{max(load_top.values())}, mean distance {statistics.mean(dist_top):.0f} m; "
          f"nearest first {len(load_near)} people, busiest {max(load_near.values())}, "
          f"mean distance {statistics.mean(dist_near):.0f} m; max load ratio {ratio:.2f}")
    return {"cluster_community": community.code, "cluster_busiest_top": max(load_top.values()),
            "cluster_busiest_nearest": max(load_near.values()),
            "cluster_people_top": len(load_top), "cluster_people_nearest": len(load_near),
            "cluster_mean_m_top": round(statistics.mean(dist_top)),
            "cluster_mean_m_nearest": round(statistics.mean(dist_near)),
            "max_load_ratio": round(ratio, 3)}


def run(url: str) -> dict:
    db = Database.open(url)
    try:
        t0 = time.perf_counter()
        summary = build_demo_city(db)
        print(f"demo city: {summary.grids} grids, {summary.staff} staff, "
              f"{summary.departments} departments ({time.perf_counter() - t0:.1f} s)")
        actor = Actor("benchmark dispatcher", StaffRole.DISPATCHER)
        router = Router(EscalationGraph.from_db(db, actor))
        t0 = time.perf_counter()
        pool = read_staff_pool(db, actor)
        adjacency = read_adjacency(db, actor)
        print(f"staff pool ({len(pool.ids)} with a position) and grid adjacency read in "
              f"{time.perf_counter() - t0:.2f} s")
        out = seeded_cases(db, actor, pool, router, adjacency)
        out.update(cluster(db, pool, router, adjacency))
        return out
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an EMPTY database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    print_machine()
    if args.db:
        out = run(args.db)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = run(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}")
    ok = (out["right_department_share"] >= 0.95 and out["mean_distance_ratio"] <= 1.3
          and out["max_load_ratio"] <= 0.7)
    print("targets met" if ok else "TARGETS NOT MET: right_department_share >= 0.95, "
          "mean_distance_ratio <= 1.3, max_load_ratio <= 0.7")
    out.update({"targets_met": ok, "backend": "custom" if args.db else "sqlite",
                "machine": machine()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
