"""Render the README's screenshots offscreen: the live console, a replay, a drill window, and
the first page of a drill's after-action report.

Run: ``.venv/bin/python scripts/screenshots.py [OUT_DIR]`` (default ``docs/screenshots``).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --no-sandbox")

from widgets.citymap import register_url_scheme  # noqa: E402

register_url_scheme()

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.composition import build_console  # noqa: E402
from console.i18n import install_translators  # noqa: E402
from console.theme import apply_theme  # noqa: E402
from models.core.auth import Actor, SystemRole  # noqa: E402
from models.intake.service import IntakeService  # noqa: E402
from models.scenarios.democity import build_demo_city, seed_demo_cases  # noqa: E402
from models.storage.db import Database  # noqa: E402
from models.storage.schema import StaffRole  # noqa: E402
from routing.scenarios import record_simulation  # noqa: E402


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def until(cond, timeout_ms: int = 30_000) -> None:
    waited = 0
    while not cond() and waited < timeout_ms:
        wait(100)
        waited += 100


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="citygrid-shots-"))
    os.environ["CITYGRID_DATA_DIR"] = str(tmp)
    app = QApplication([])
    apply_theme(app, True)
    install_translators(app, os.environ.get("CITYGRID_LANG", "en"))
    db = Database.open(f"sqlite:///{tmp / 'demo.sqlite3'}")
    build_demo_city(db)
    seed_demo_cases(db, n=600)
    feed = IntakeService(db, Actor.system("hotline", SystemRole.FEED))
    feed.submit("hotline_12345", {"caller": "王女士", "phone": "13912345678",
                                  "lon": "东经112", "lat": 28.19, "description": "井盖丢了"})
    console = build_console(db, Actor("王调度", StaffRole.DISPATCHER))
    window, controller, map_widget = console.window, console.controller, console.map
    window.resize(1680, 1000)
    window.show()
    controller.start()
    until(lambda: controller.ready and map_widget.ready)
    wait(2500)
    window.docks["quarantine"].raise_()
    window.docks["dashboard"].raise_()
    wait(500)
    window.grab().save(str(out / "console.png"))

    # a case spanning grids: the picker beside the map, the span outlined in orange
    from PySide6.QtGui import QPainter

    from models.cases.spans import case_grids

    t = controller.snapshot.table
    case_id = int(t.ids[(t.status == 0).nonzero()[0][0]])
    controller.show_case(case_id)
    controller.open_span_picker(case_id)
    picker = controller.span_picker
    for i in range(1, min(3, picker.list.count())):
        picker.list.item(i).setCheckState(picker.list.item(i).checkState().Checked)
    grids = controller._router().graph.grid_codes
    own = case_grids(db, case_id)[0]
    map_widget.fly_to(*controller.snapshot.table.lon[t.ids == case_id].tolist(),
                      *controller.snapshot.table.lat[t.ids == case_id].tolist(), 16)
    wait(2500)
    shot = window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(shot.width() - picker.width() - 420, 120, picker.grab())
    painter.end()
    shot.save(str(out / "span.png"))
    picker.reject()
    del grids, own

    # the departments' layers against the unified grid
    from models.reconcile.files import UnifiedGrid
    from models.reconcile.layers import generate_dept_layers
    from models.world.units import UnitService

    districts = UnitService(db, Actor.system("shots")).unit_geometries("district")
    made = generate_dept_layers(districts, tmp / "dept", seed=2019)
    window.docks["reconcile"].show()
    window.docks["reconcile"].raise_()
    controller.reconcile.open_layers([str(p) for p in made.layers])
    until(lambda: controller.reconcile.result is not None, 60_000)
    unified = UnifiedGrid.from_db(db)
    centre = unified.codes[len(unified.codes) // 2]
    controller._on_map_grid_clicked(centre)
    big = max(range(len(controller.reconcile.result.conflicts)),
              key=lambda i: controller.reconcile.result.conflicts[i].area_m2
              if controller.reconcile.result.conflicts[i].kind == "claimed_twice" else 0)
    window.reconcile.conflicts.selectRow(big)
    c = controller.reconcile.result.conflicts[big]
    map_widget.fly_to(c.lon, c.lat, 15)
    wait(3500)
    window.grab().save(str(out / "reconcile.png"))
    controller.reconcile.export(str(tmp / "reconcile-out"))
    until(lambda: (tmp / "reconcile-out" / "reconciliation.pdf").is_file(), 60_000)
    wait(500)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp / "reconcile-out" / "reconciliation.pdf"),
                    str(out / "reconcile-report")], check=True)
    window.docks["reconcile"].hide()
    window.docks["detail"].raise_()

    # a replay of two simulated days of Tianxin, half way through
    scn = tmp / "tianxin.cgs"
    record_simulation(db, scn, district="430103", days=2, seed=3)
    controller.open_scenario(str(scn))
    until(lambda: controller.replay is not None)
    mid = dt.datetime.fromtimestamp(controller.replay.start + 34 * 3600, dt.UTC)
    window.timeline.sig_time_changed.emit(mid)
    wait(3000)
    window.grab().save(str(out / "replay.png"))
    controller.back_to_live()

    # a drill: the trainer starts it, an inject arrives, the trainee accepts a case
    controller.start_drill("张三", None, root=tmp)
    until(lambda: bool(controller.drills))
    run = controller.drills[0]
    run.window.resize(1680, 1000)
    until(lambda: run.controller.ready and run.controller.map.ready)
    case = run.inject_at(112.9866, 28.1822, "M01", "楼道冒烟 (drill)")
    run.inject_at(112.9901, 28.1950, "C04", "井盖缺失 (drill)")
    wait(1500)
    run.controller.show_case(case)
    run.window.detail.buttons["accept"].click()
    wait(2500)
    run.window.grab().save(str(out / "drill.png"))
    report = run.end()
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(report), str(out / "drill-report")], check=True)
    map_widget.teardown()
    controller.runner.shutdown()
    db.dispose()
    seat_shots(out)
    print("screenshots in", out)


def seat_shots(out: Path, base: str = "postgresql://postgres@127.0.0.1:5432/test") -> None:
    """A seat of a control room on PostgreSQL (a schema of its own on ``base``): with no
    city service (the red banner), then with one (its health in the status bar), a case
    claimed by another seat."""
    import uuid

    from sqlalchemy import create_engine, text

    from console.application.cityservice import CityService, ServiceConfig
    from models.cases.claims import ClaimService

    schema = f"citygrid_shots_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no server: say so, make the others
        print(f"seat screenshots skipped: no PostgreSQL at {base} ({type(exc).__name__})")
        return
    db = Database.open(f"{base}?options=-csearch_path%3D{schema}")
    try:
        build_demo_city(db)
        seed_demo_cases(db, n=300)
        console = build_console(db, Actor("王调度", StaffRole.DISPATCHER), with_map=False)
        window, controller = console.window, console.controller
        window.resize(1680, 1000)
        window.show()
        controller.start()
        until(lambda: controller.ready)
        until(lambda: controller.service.banner.isVisible(), 10_000)
        wait(500)
        window.grab().save(str(out / "seat-no-service.png"))
        service = CityService(db, ServiceConfig(instance="hall-1"))
        service.start()
        try:
            other = Actor("李调度", StaffRole.DISPATCHER)
            case_id = int(controller.snapshot.table.ids[0])
            ClaimService(db, other).claim(case_id)
            until(lambda: controller.service.alive, 10_000)
            controller.show_case(case_id)
            wait(2500)
            window.grab().save(str(out / "seat.png"))
        finally:
            service.stop()
        controller.runner.shutdown()
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
