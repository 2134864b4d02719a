"""A large case file imported in bounded memory (issue 11, section 2).

Writes a CSV of valid cases over the demo city (``--mb``, default 49 MB, with descriptions
of a few hundred characters as real hotline transcripts have), imports it with
``models.intake.files.import_cases`` (checked in a first streamed pass, inserted in batches in ONE
transaction) into an empty SQLite database holding the demo city, and prints the time, the
rows per second and the peak memory (``ru_maxrss``) before and after the import.

Run: ``.venv/bin/python -m benchmarks.import_cases [--mb 49] [--db URL]``. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._machine import print_machine
from models.core.auth import Actor, SystemRole
from models.core.catalogue import load_catalogue
from models.intake.files import CSV_COLUMNS, import_cases
from models.scenarios.democity import build_demo_city
from models.scenarios.tessellate import _sample_points
from models.storage.db import Database
from models.world.gridindex import GridIndex
from models.world.units import UnitService


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_csv(path: Path, db: Database, mb: float, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    subs = [s.code for c in load_catalogue().categories for s in c.subcategories]
    city = UnitService(db, Actor.system("bench")).unit_geometries("district")
    import shapely

    pts = _sample_points(rng, shapely.union_all(list(city.values())), 20_000)
    words = ["居民反映", "路面", "井盖", "垃圾", "噪音", "占道", "漏水", "停车", "绿化", "照明",
             "施工", "扰民", "处理", "回访"]
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        while f.tell() < mb * 1e6:
            for _ in range(1000):
                x, y = pts[rows % len(pts)]
                desc = "".join(rng.choice(words, size=int(rng.integers(20, 90))))
                w.writerow(("hotline_12345", subs[rows % len(subs)], f"{x:.6f}", f"{y:.6f}",
                            desc[:30], desc, "长沙市某路某号", "王先生", "13800000000",
                            (now - dt.timedelta(seconds=rows)).isoformat()))
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=49.0, help="size of the CSV (MB)")
    parser.add_argument("--db", default=None, help="an EMPTY database (default: SQLite)")
    args = parser.parse_args()
    print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="citygrid-import-"))
    db = Database.open(args.db or f"sqlite:///{tmp / 'demo.sqlite3'}")
    build_demo_city(db)
    path = tmp / "cases.csv"
    rows = write_csv(path, db, args.mb)
    size = path.stat().st_size
    index = GridIndex.from_db(db)
    before = _peak_mib()
    t = time.perf_counter()
    result = import_cases(db, Actor.system("bench", SystemRole.ADMIN), path,
                          locate=index.locate)
    seconds = time.perf_counter() - t
    after = _peak_mib()
    db.dispose()
    out = {"file_mb": round(size / 1e6, 1), "rows": rows, "imported": result.imported,
           "import_s": round(seconds, 1), "rows_per_s": round(rows / seconds),
           "peak_mib_before": round(before), "peak_mib_after": round(after),
           "import_added_mib": round(after - before)}
    for key, value in out.items():
        print(f"{key}: {value}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
