"""Scenarios: recording, replaying and seeking (issue 6).

* record_year_s: ``simulate --record`` of a year of Tianxin (430103) with every case's
  lifecycle, headless;
* replay_year_s: ``replay FILE --speed max`` of that year: reading the file, indexing it,
  replaying event by event, the indicators (target 60 s or less);
* seek_day_max_ms: the state rebuilt at 50 random moments of a day of the busiest district
  (the one with the most grids; target 1 s or less), and seek_year_max_ms the same over the
  year of Tianxin.

Run: ``.venv/bin/python -m benchmarks.replay``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from benchmarks._machine import print_machine
from models.scenarios.democity import build_demo_city
from models.scenarios.files import read_scenario
from models.scenarios.replay import Replay
from models.storage.db import Database
from models.storage.schema import Grid
from routing.scenarios import record_simulation


def seek_max_ms(replay: Replay, n: int = 50) -> float:
    rng = np.random.default_rng(3)
    worst = 0.0
    for t in rng.uniform(replay.start, replay.end, n):
        t0 = time.perf_counter()
        replay.state_at(float(t))
        worst = max(worst, (time.perf_counter() - t0) * 1000)
    return worst


def main() -> None:
    print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="citygrid-replay-"))
    db = Database.open(f"sqlite:///{tmp / 'demo.sqlite3'}")
    build_demo_city(db)
    with db.read() as s:
        by_district = dict(s.execute(select(func.substr(Grid.code, 1, 6), func.count())
                                     .group_by(func.substr(Grid.code, 1, 6))).all())
    busiest = max(by_district, key=by_district.get)
    day = tmp / "day.cgs"
    record_simulation(db, day, district=busiest, days=1, seed=1)
    day_replay = Replay(read_scenario(day))
    seek_day = seek_max_ms(day_replay)
    print(f"a day of {busiest} ({by_district[busiest]} grids): {day_replay.n_cases} cases; "
          f"seek max {seek_day:.1f} ms")
    year = tmp / "tianxin-year.cgs"
    t0 = time.perf_counter()
    record_simulation(db, year, district="430103", days=365, seed=1)
    record_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    replay = Replay(read_scenario(year))
    ind = replay.run()
    replay_s = time.perf_counter() - t0
    seek_year = seek_max_ms(replay, 20)
    print(f"a year of Tianxin: {ind.events} events, {len(replay.ev_t)} case events; recorded "
          f"in {record_s:.1f} s, replayed in {replay_s:.1f} s; seek max {seek_year:.0f} ms; "
          f"closed on time {ind.closed_on_time_rate:.1%}, {ind.mean_hours_to_close:.1f} h")
    db.dispose()
    print(json.dumps({
        "events": ind.events, "case_events": len(replay.ev_t),
        "file_mb": round(year.stat().st_size / 2**20, 1),
        "record_year_s": round(record_s, 1), "replay_year_s": round(replay_s, 2),
        "seek_day_district": busiest, "seek_day_cases": day_replay.n_cases,
        "seek_day_max_ms": round(seek_day, 1), "seek_year_max_ms": round(seek_year, 1),
        "closed_on_time_rate": round(ind.closed_on_time_rate, 4),
        "mean_hours_to_close": round(ind.mean_hours_to_close, 2)}))


if __name__ == "__main__":
    main()
