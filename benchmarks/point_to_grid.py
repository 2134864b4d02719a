"""Point to grid on the demo city (issue 2: 1,000,000 points a second or more).

Run: ``.venv/bin/python -m benchmarks.point_to_grid [--points N]``. Builds the demo city's
grids in memory (no database), drops N random points over its extent and times
``GridIndex.locate_many`` (median of 5). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks._machine import median_ms, print_machine
from models.scenarios.cityplan import generate_city
from models.world.gridindex import GridIndex


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    print_machine()
    plan = generate_city(2019)
    grids = plan.grids()
    t0 = time.perf_counter()
    index = GridIndex(np.arange(len(grids)), [g.geometry for g in grids])
    build_ms = (time.perf_counter() - t0) * 1000
    minx, miny, maxx, maxy = plan.city.geometry.bounds
    rng = np.random.default_rng(1)
    lon = rng.uniform(minx, maxx, args.points)
    lat = rng.uniform(miny, maxy, args.points)
    result = {}

    def run() -> None:
        result["ids"] = index.locate_many(lon, lat)

    ms, runs = median_ms(run, repeat=5)
    inside = int((result["ids"] >= 0).sum())
    single_ms, _ = median_ms(lambda: [index.locate(x, y) for x, y in
                                      zip(lon[:20_000], lat[:20_000], strict=True)], repeat=3)
    per_s = args.points / (ms / 1000)
    print(f"{len(grids)} grid polygons, index built in {build_ms:.1f} ms")
    print(f"locate_many: {args.points:,} points in {ms:.0f} ms (median of 5; runs "
          f"{', '.join(f'{r:.0f}' for r in runs)}) = {per_s / 1e6:.2f} M points/s; "
          f"{inside:,} inside a grid")
    print(f"locate (one at a time): {20_000 / (single_ms / 1000):,.0f} points/s")
    print(json.dumps({"points_per_s": round(per_s), "points": args.points,
                      "polygons": len(grids), "inside": inside,
                      "single_points_per_s": round(20_000 / (single_ms / 1000)),
                      "index_build_ms": round(build_ms, 1)}))


if __name__ == "__main__":
    main()
