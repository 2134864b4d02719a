"""The live map end to end, offscreen (issue 3).

With the demo city's 2,798 grids and its boundaries, 10,000 staff and 20,000 open events:
* page_ready_s: from the window showing to the grid layer painted (target 1.5 s);
* staff_batch_10k_ms: a batch moving all 10,000 staff, from encoding in Python to the
  frame that shows it (median of 40; target 50 ms);
* gui_stall_max_ms: while the map takes one staff batch a second for 10 s, the longest
  delay of a 10 ms timer on the GUI thread beyond its interval (target 50 ms);
* webengine_cpu_pct: CPU of the QtWebEngine processes over those 10 s, in % of one core
  (target under 10 %).

Run: ``.venv/bin/python -m benchmarks.map_live``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --no-sandbox")

import numpy as np

from benchmarks._machine import print_machine
from widgets.citymap import CityMapWidget, register_url_scheme

register_url_scheme()

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from models.core.auth import Actor  # noqa: E402
from models.scenarios.democity import build_demo_city  # noqa: E402
from models.storage.db import Database  # noqa: E402
from models.world.units import boundary_feature_collection, grid_feature_collection  # noqa: E402

N_STAFF, N_EVENTS = 10_000, 20_000


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(signal, timeout_ms: int = 20_000, accept=lambda *a: True) -> list:
    got: list = []
    loop = QEventLoop()

    def on(*args) -> None:
        if accept(*args) and not got:
            got.extend(args)
            loop.quit()

    signal.connect(on)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(on)
    if not got:
        raise TimeoutError("no answer from the map page")
    return got


def webengine_cpu_seconds() -> float:
    """User + system CPU seconds of every QtWebEngineProcess child of this process."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"QtWebEngineProcess" not in cmd:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) not in (os.getpid(),) and b"--type=" not in cmd:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main() -> None:
    print_machine()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}")
        build_demo_city(db)
        actor = Actor.system("bench")
        grids = grid_feature_collection(db, actor)
        boundaries = {lv: boundary_feature_collection(db, actor, lv)
                      for lv in ("community", "street", "district")}
        db.dispose()
    rng = np.random.default_rng(1)
    lon = rng.uniform(112.75, 113.15, N_STAFF)
    lat = rng.uniform(27.95, 28.45, N_STAFF)
    roles = list(np.array(["supervisor", "manager", "assistant", "volunteer"])[
        rng.integers(0, 4, N_STAFF)])
    on_duty = rng.uniform(0, 1, N_STAFF) < 0.85

    widget = CityMapWidget()
    widget.resize(1280, 800)
    widget.set_grids(grids)
    for level, fc in boundaries.items():
        widget.set_boundaries(level, fc)
    t_show = time.perf_counter()
    widget.show()
    wait_for(widget.sig_batch_painted, accept=lambda kind, ms: kind == "grids")
    page_ready_s = time.perf_counter() - t_show
    print(f"page ready with {len(grids['features'])} grids painted: {page_ready_s:.2f} s")

    events = [{"id": i, "lon": float(x), "lat": float(y),
               "category": ["city", "security", "other", "party", "environment",
                            "emergency"][i % 6], "priority": "normal"}
              for i, (x, y) in enumerate(zip(rng.uniform(112.75, 113.15, N_EVENTS),
                                             rng.uniform(27.95, 28.45, N_EVENTS), strict=True))]
    t0 = time.perf_counter()
    widget.upsert_events(events)
    wait_for(widget.sig_batch_painted, accept=lambda kind, ms: kind == "events")
    print(f"{N_EVENTS:,} events added and painted: {(time.perf_counter() - t0) * 1000:.0f} ms")

    widget.update_staff(lon, lat, roles, on_duty)  # first batch: creates the layer's canvas
    wait_for(widget.sig_batch_painted, accept=lambda kind, ms: kind == "staff")
    times = []
    for _ in range(40):
        lon += rng.normal(0, 2e-4, N_STAFF)
        lat += rng.normal(0, 2e-4, N_STAFF)
        t0 = time.perf_counter()
        widget.update_staff(lon, lat, roles, on_duty)
        wait_for(widget.sig_batch_painted, accept=lambda kind, ms: kind == "staff")
        times.append((time.perf_counter() - t0) * 1000)
    staff_ms = statistics.median(times)
    print(f"staff batch of {N_STAFF:,} applied and painted: median {staff_ms:.1f} ms "
          f"(min {min(times):.1f}, max {max(times):.1f})")

    # one batch a second for 10 s, with a 10 ms timer watching the GUI thread
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - 10)
        last[0] = now

    def batch() -> None:
        lon[:] += rng.normal(0, 2e-4, N_STAFF)
        lat[:] += rng.normal(0, 2e-4, N_STAFF)
        widget.update_staff(lon, lat, roles, on_duty)

    watch = QTimer()
    watch.setInterval(10)
    watch.timeout.connect(tick)
    feed = QTimer()
    feed.setInterval(1000)
    feed.timeout.connect(batch)
    cpu0, wall0 = webengine_cpu_seconds(), time.perf_counter()
    last[0] = time.perf_counter()
    watch.start()
    feed.start()
    wait(10_000)
    watch.stop()
    feed.stop()
    cpu_pct = (webengine_cpu_seconds() - cpu0) / (time.perf_counter() - wall0) * 100
    stall = max(gaps) if gaps else float("nan")
    print(f"GUI thread: longest stall {stall:.1f} ms over {len(gaps)} ticks at one batch/s; "
          f"web engine CPU {cpu_pct:.1f} % of a core")
    print(f"JS errors: {len(widget.js_errors)}, blocked network requests: "
          f"{len(widget.guard.blocked)}")
    widget.teardown()
    widget.close()
    app.processEvents()
    print(json.dumps({"page_ready_s": round(page_ready_s, 3),
                      "staff_batch_10k_ms": round(staff_ms, 1),
                      "gui_stall_max_ms": round(stall, 1),
                      "webengine_cpu_pct": round(cpu_pct, 1),
                      "grids": len(grids["features"]), "staff": N_STAFF, "events": N_EVENTS,
                      "js_errors": len(widget.js_errors)}))


if __name__ == "__main__":
    main()
