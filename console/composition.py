"""The composition root: where a console window is put together, once.

:func:`build_console` wires a window, its map (or none), its controller and its presenters
for a database and an acting user; :func:`run_gui` (``main.py``), the drill window, the
tests, the benchmarks and the screenshots build their consoles through it. :func:`run_gui`
adds what a real start needs: the platform check, the web engine's sandbox, the settings,
the translators, the feeds and the simulator when configured, the smoke test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from console.app import ConsoleController
from console.application.servicechild import ServiceChild, serve_command
from console.i18n import install_translators
from console.mainwindow import MainWindow
from console.settings import Settings, load_settings, save_settings
from console.theme import apply_theme
from models.core.auth import Actor
from models.core.errors import CityGridError
from models.storage.db import Database
from models.storage.schema import StaffRole
from models.storage.services import service_status
from widgets.citymap import BaseMap, CityMapWidget, register_url_scheme
from widgets.textsize import apply_text_size

log = logging.getLogger(__name__)


@dataclass
class Console:
    """One console window as built: the window, its map (or None) and its controller."""

    window: MainWindow
    controller: ConsoleController
    map: CityMapWidget | None


GIL_SWITCH_S = 0.001


def build_console(db: Database, actor: Actor, *, with_map: bool = True,
                  base_map: BaseMap | None = None, build_demo: bool = False,
                  title: str | None = None) -> Console:
    """A console window on ``db`` for ``actor``: the window, the map page (built once) and
    the controller with its presenters. Nothing starts until ``controller.start()``."""
    # The GUI thread gets the interpreter back within 1 ms of a worker's turn (the default
    # 5 ms let a busy worker stretch every Qt call of a redraw by up to that much).
    sys.setswitchinterval(GIL_SWITCH_S)
    map_widget = CityMapWidget(base_map=base_map) if with_map else None
    window = MainWindow(title or db.url, central=map_widget)
    controller = ConsoleController(db, actor, window, build_demo=build_demo,
                                   map_widget=map_widget, build_console=build_console)
    return Console(window, controller, map_widget)


def _mqtt_target(arg: str | None, settings: Settings) -> tuple[str, int, str] | None:
    """The broker to take the feeds from: ``--mqtt HOST[:PORT]`` ('off' for none), else the
    settings' (when switched on)."""
    f = settings.feeds
    if arg is not None:
        if arg.lower() in ("off", "none", ""):
            return None
        host, _, port = arg.partition(":")
        return host or f.host, int(port) if port else f.port, f.prefix
    return (f.host, f.port, f.prefix) if f.mqtt else None


SMOKE_TIMEOUT_MS = 180_000


def _once_map_painted(map_widget: CityMapWidget, controller: ConsoleController,
                      settle_ms: int, then: Callable[[], None]) -> None:
    """Call ``then`` once the map page and the window's data are ready, after
    ``settle_ms`` more for the layers to paint (a screenshot, the smoke test)."""
    if map_widget.ready and controller.ready:
        QTimer.singleShot(settle_ms, then)
    else:
        QTimer.singleShot(200, lambda: _once_map_painted(map_widget, controller, settle_ms,
                                                         then))


def _smoke_test(app: QApplication, window: MainWindow, map_widget: CityMapWidget,
                controller: ConsoleController, out: Path) -> dict:
    """``--smoke FILE``: once the window shows the demo city and the map has painted, take a
    screenshot from the display (not a widget grab: what is on the screen), save it and
    quit; the result (platform, map ready, cases shown) is printed as one JSON line."""
    result: dict = {"ok": False, "png": str(out)}

    def shoot() -> None:
        screen = window.screen()
        image = screen.grabWindow(0)  # the whole display, as a user would see it
        image.save(str(out))
        result.update(ok=bool(map_widget.ready and controller.ready and not image.isNull()),
                      platform=QApplication.platformName(), map_ready=map_widget.ready,
                      cases=int(controller.snapshot.table.ids.size)
                      if controller.snapshot is not None else 0,
                      size=[image.width(), image.height()])
        app.quit()

    def give_up() -> None:
        result.update(error="the map did not get ready in time",
                      platform=QApplication.platformName(), map_ready=map_widget.ready)
        app.quit()

    controller.sig_ready.connect(lambda: _once_map_painted(map_widget, controller, 3000, shoot))
    QTimer.singleShot(SMOKE_TIMEOUT_MS, give_up)
    return result


def confirm_close(window: MainWindow) -> bool:
    """Whether the user means to close the live console (a stray Ctrl+Q in a shift)."""
    answer = QMessageBox.question(
        window, window.tr("Close CityGrid Console"),
        window.tr("Close the console? The cases you hold are released for other seats."),
        QMessageBox.StandardButton.Close | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Close


def _service_child(db: Database, args: argparse.Namespace, settings: Settings
                   ) -> ServiceChild:
    """The city service of a single seat on SQLite: the broker and the snap folder of the
    settings (or ``--mqtt``), the simulator unless switched off (or ``--no-demo``)."""
    database = Path(db.engine.url.database or "citygrid.sqlite3")
    command = serve_command(db.engine.url.render_as_string(hide_password=False),
                            mqtt=_mqtt_target(getattr(args, "mqtt", None), settings),
                            snaps=settings.feeds.snap_folder or None,
                            simulate=settings.simulator and not args.no_demo,
                            name=f"seat-{os.getpid()}")
    return ServiceChild(command, database.parent / "service.log")


def run_gui(args: argparse.Namespace) -> int:
    """Open the console window; with ``--screenshot`` save a PNG once ready and exit."""
    from console.startup import platform_problem, prepare_web_engine

    if args.screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    problem = platform_problem()
    if problem is not None:
        print(f"CityGrid Console cannot start: {problem}", file=sys.stderr)
        return 3
    sandbox_warning = prepare_web_engine()
    if sandbox_warning:
        print(f"WARNING: {sandbox_warning}", file=sys.stderr)
    register_url_scheme()  # before the QApplication exists
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # a widget application, not a core one
    app.setOrganizationName("CityGrid")
    app.setApplicationName("CityGrid Console")
    settings = load_settings()
    apply_theme(app, settings.theme == "dark")
    install_translators(app, settings.language)
    try:
        db = Database.open(args.db)
    except CityGridError as exc:
        QMessageBox.critical(None, "CityGrid Console", str(exc))
        return 1
    bm = settings.base_map
    try:
        base_map = BaseMap(bm.kind, bm.url, bm.path, bm.datum, bm.attribution)
    except ValueError as exc:
        log.error("base map in the settings is unusable (%s); using none", exc)
        base_map = BaseMap()
    actor = Actor(name=os.environ.get("USER", "dispatcher"), role=StaffRole.DISPATCHER)
    console = build_console(db, actor, base_map=base_map, build_demo=not args.no_demo)
    window, controller, map_widget = console.window, console.controller, console.map
    assert map_widget is not None  # built with its map
    window.status_datum.setText(window.tr("Map datum: {0}").format(base_map.datum))
    window.dark_action.setChecked(settings.theme == "dark")
    qsettings = QSettings()
    window.restore_state(qsettings)

    def on_simulator_toggled(on: bool) -> None:
        nonlocal settings
        if settings.simulator != on:
            settings = dataclasses.replace(settings, simulator=on)
            save_settings(settings)

    window.sig_simulator_toggled.connect(on_simulator_toggled)

    def on_theme_toggled(dark: bool) -> None:
        nonlocal settings
        apply_theme(app, dark)
        settings = dataclasses.replace(settings, theme="dark" if dark else "light")
        save_settings(settings)

    def on_language_requested(code: str) -> None:
        nonlocal settings
        settings = dataclasses.replace(settings, language=code)
        save_settings(settings)
        window.statusBar().showMessage(
            window.tr("The language changes at the next start of the console."), 8000)

    window.sig_theme_toggled.connect(on_theme_toggled)
    window.text_size.set_points(settings.text_size)
    if settings.text_size:
        apply_text_size(app, settings.text_size)

    def on_text_size_changed(points: int) -> None:
        nonlocal settings
        size = apply_text_size(app, points)
        settings = dataclasses.replace(settings, text_size=points)
        save_settings(settings)
        window.statusBar().showMessage(window.tr("Text size: {0} pt").format(size), 3000)

    window.text_size.sig_text_size_changed.connect(on_text_size_changed)
    window.sig_language_requested.connect(on_language_requested)
    window.alerts.set_alarm_volume(settings.alarm.volume)

    def on_alarm_volume_changed(volume: int) -> None:
        nonlocal settings
        settings = dataclasses.replace(
            settings, alarm=dataclasses.replace(settings.alarm, volume=volume))
        save_settings(settings)

    window.sig_alarm_volume_changed.connect(on_alarm_volume_changed)
    if sandbox_warning:
        window.show_permanent_warning(window.tr("Root: map without sandbox"),
                                      window.tr(sandbox_warning))
    # SIGTERM (a logout, systemd, kill) closes the window as Ctrl+Q does: the settings are
    # saved, the service child stops (the clock's timer lets Python see the signal)
    signal.signal(signal.SIGTERM, lambda signum, frame: app.exit(0))  # (asks nothing)
    window.show()
    controller.start()
    child: list[ServiceChild] = []
    if db.is_sqlite and not args.screenshot:
        # one seat on SQLite: intake, the timers and the simulator run in a city service
        # of its own, a child process (never in the GUI process), once the city is there
        def start_child() -> None:
            if not service_status(db).alive:
                child.append(_service_child(db, args, settings))
                child[0].start()

        controller.sig_ready.connect(start_child)
    if args.screenshot:
        out = Path(args.screenshot)

        def shoot() -> None:
            window.grab().save(str(out))
            log.info("screenshot saved to %s", out)
            app.quit()

        controller.sig_ready.connect(
            lambda: _once_map_painted(map_widget, controller, 1500, shoot))
    smoke: dict = {}
    if not args.screenshot and not getattr(args, "smoke", None):
        # Ctrl+Q or the window's close button on a live console: asked first
        window.close_guard = lambda: confirm_close(window)
    if getattr(args, "smoke", None):
        smoke = _smoke_test(app, window, map_widget, controller, Path(args.smoke))
    code = app.exec()
    if smoke:
        code = 0 if smoke.get("ok") else 1
        print(json.dumps(smoke), flush=True)
    if not args.screenshot and not smoke:
        window.save_state(qsettings)
    map_widget.teardown()
    controller.casework.release_claims()  # the user logs out: other seats may take them
    for c in child:  # it applies what it received, then exits
        c.stop()
    controller.stop_feeds()
    controller.runner.shutdown()
    for run in controller.drills:  # a drill window still open: its database closes too
        run.controller.runner.shutdown()
        run.db.dispose()
    db.dispose()
    return code
