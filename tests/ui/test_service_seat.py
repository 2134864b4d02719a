"""A seat and the city service: the seat says when no service runs, hands the simulator and
the deadline watch to a live one, and says when the database cannot be read."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from console.application.cityservice import CityService, ServiceConfig, simulation_wanted
from models.core.auth import Actor
from models.storage.schema import StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui

FAST = {"beat_s": 0.2, "watch_s": 0.3, "tick_s": 0.3}


@pytest.fixture
def pg_city(pg_url):
    """The tiny city on PostgreSQL only: the seat of a control room (a seat on SQLite starts
    a service of its own, tests/ui/test_service_child.py)."""
    from models.storage.db import Database
    from tests.citykit import make_tiny_city

    db = Database.open(pg_url)
    try:
        yield make_tiny_city(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_a_seat_shows_the_service_and_hands_it_the_simulator(qtbot, start_console,
                                                             pg_city) -> None:
    tiny_city = pg_city
    win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.SHIFT_LEAD))
    service_view = controller.service
    service_view.timer.setInterval(100)
    banner = service_view.banner
    # no service: a red banner says what is not running and how to start it
    qtbot.waitUntil(lambda: banner.isVisible() and "No city service" in banner.text(),
                    timeout=10_000)
    assert "main.py serve" in banner.toolTip()
    service = CityService(tiny_city.db, ServiceConfig(instance="hall-1", **FAST))
    service.start()
    try:
        qtbot.waitUntil(lambda: service_view.alive and service_view.timers_alive,
                        timeout=10_000)
        qtbot.waitUntil(lambda: not banner.isVisible(), timeout=5_000)
        assert win.status_feeds.isVisible()
        assert "hall-1" in win.status_feeds.toolTip()
        # the deadline watch is the service's now: the seat's own does not run
        submitted: list[str] = []
        submit = controller.runner.submit
        controller.runner.submit = lambda kind, *a, **k: (submitted.append(kind),
                                                          submit(kind, *a, **k))[1]
        controller._on_watch_timer_timeout()
        assert "deadline-watch" not in submitted
        # the Simulator switch asks the service; nothing simulates in the window
        win.simulator_action.setChecked(True)
        qtbot.waitUntil(lambda: simulation_wanted(tiny_city.db) == (True, False),
                        timeout=5_000)
        assert controller.simulator is None and not controller.sim.timer.isActive()
    finally:
        service.stop()
    # the service stopped: the seat says so again
    qtbot.waitUntil(lambda: not service_view.alive and banner.isVisible(), timeout=10_000)


def test_a_seat_says_when_the_database_cannot_be_read(qtbot, start_console, tiny_city,
                                                      monkeypatch) -> None:
    import console.presenters.service as presenter

    win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    service_view = controller.service
    service_view.timer.setInterval(100)

    def gone(db):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))

    monkeypatch.setattr(presenter, "service_status", gone)
    banner = service_view.banner
    qtbot.waitUntil(lambda: banner.isVisible() and "cannot be reached" in banner.text(),
                    timeout=5_000)
    assert "last state" in banner.toolTip()
    rows = win.queue.model.rowCount()
    monkeypatch.undo()  # the database is back: that banner goes
    qtbot.waitUntil(lambda: "cannot be reached" not in banner.text(), timeout=5_000)
    assert service_view.lost_since is None
    assert win.queue.model.rowCount() == rows  # the window kept what it showed


def test_what_the_service_keeps_back_reaches_the_quarantine_dock(qtbot, start_console,
                                                                 tiny_city) -> None:
    from models.core.auth import Actor, SystemRole
    from models.intake.service import IntakeService

    win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    controller.service.timer.setInterval(100)
    qtbot.waitUntil(lambda: controller.service.quarantined == 0, timeout=5_000)
    # the city service's intake (another process) keeps an unreadable alert back
    feeds = IntakeService(tiny_city.db, Actor.system("mqtt", SystemRole.FEED))
    feeds.quarantine_many([("iot", {"topic": "citygrid/iot/x/alert", "excerpt": "\\xff"},
                            "unreadable payload", "citygrid/iot")])
    qtbot.waitUntil(lambda: win.quarantine.table.rowCount() == 1, timeout=10_000)


def test_a_hotline_call_is_registered_once_when_the_database_fails_to_answer(
        qtbot, start_console, tiny_city, monkeypatch) -> None:
    """The call is written, but the answer is lost (the connection dropped at commit): the
    form stays open and says so; OK again finds the call registered and makes no second
    case (the form's key)."""
    from sqlalchemy import func, select

    from models.intake.service import IntakeService
    from models.storage.schema import Case

    win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    submit = IntakeService.submit

    def written_then_lost(self, *a, **k):
        submit(self, *a, **k)
        raise OperationalError("COMMIT", {}, ConnectionResetError("server closed"))

    monkeypatch.setattr(IntakeService, "submit", written_then_lost)
    win.sig_hotline_requested.emit()
    form = controller.hotline
    form.caller.setText("王女士")
    form.set_location(112.9812, 28.1893)
    form.description.setPlainText("小区门口井盖丢了")
    form._on_buttons_accepted()
    assert form.isVisible() and "The database is unavailable" in form.warning.text()
    assert "server closed" not in form.warning.text()  # the kind only, never the detail
    monkeypatch.undo()
    form._on_buttons_accepted()
    assert controller.hotline is None
    with tiny_city.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(
            Case.channel == "hotline_12345")) == 1
    assert controller.last_hotline.case_id is not None


@pytest.fixture
def private_pg():
    """A PostgreSQL cluster of this test's own, to stop and start under a seat."""
    from tests.pgcluster import PgCluster

    cluster = PgCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.mark.postgres
def test_a_seat_rides_out_a_postgresql_restart(qtbot, start_console, private_pg,
                                               monkeypatch) -> None:
    """PostgreSQL stops under a seat: the banner says so within 5 s, the window keeps its
    last state, an action is refused clearly; back up, the banner goes, the seat catches up
    from the change log, and every action is applied once."""
    import time

    from PySide6.QtWidgets import QMessageBox
    from sqlalchemy import func, select

    from models.cases.loop import CaseLoop
    from models.cases.service import CaseService, NewCase
    from models.storage.db import Database
    from models.storage.schema import CaseHistory
    from tests.citykit import make_tiny_city

    db = Database.open(private_pg.url)
    controller = None
    try:
        city = make_tiny_city(db)
        dispatcher = city_actor(city, StaffRole.DISPATCHER)
        case_id = CaseService(db, dispatcher, locate=lambda lon, lat: city.grids[0]).report(
            NewCase(channel="hotline_12345", subcategory="C01", lon=112.981, lat=28.189,
                    title="占道经营")).case_ids[0]
        win, controller = start_console(db, dispatcher)
        view = controller.service
        view.timer.setInterval(500)
        controller.show_case(case_id)
        rows = win.queue.model.rowCount()
        assert rows == 1
        warned: list[str] = []
        monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))

        private_pg.stop("immediate")  # the server dies
        lost = time.monotonic()
        qtbot.waitUntil(lambda: "cannot be reached" in view.banner.text(), timeout=5_000)
        assert time.monotonic() - lost <= 5.0
        assert win.queue.model.rowCount() == rows  # the last state stays readable
        win.detail.buttons["accept"].click()  # refused, clearly
        assert len(warned) == 1 and "The database is unavailable" in warned[0]

        private_pg.start()  # back
        qtbot.waitUntil(lambda: "cannot be reached" not in view.banner.text(),
                        timeout=15_000)
        # another seat accepts the case meanwhile: this one catches up from the change log
        other = CaseLoop(db, Actor("调度乙", StaffRole.DISPATCHER))
        other.accept(case_id, expected_version=CaseService(db, dispatcher).get(
            case_id).version)

        def status() -> str:
            model = win.queue.model
            return model.index(model.row_of_case(case_id), 1).data()

        qtbot.waitUntil(lambda: status() == "Accepted", timeout=15_000)
        qtbot.waitUntil(lambda: win.detail.fields["status"].text() == "Accepted",
                        timeout=5_000)
        with db.read() as s:  # the refused click wrote nothing, the other seat once
            accepts = s.scalar(select(func.count()).select_from(CaseHistory).where(
                CaseHistory.case_id == case_id, CaseHistory.action == "accept"))
        assert accepts == 1
    finally:
        if controller is not None:
            controller.runner.shutdown()  # before its database goes
        db.dispose()


def test_closing_the_live_console_is_asked_first(qtbot, start_console, tiny_city,
                                                 monkeypatch) -> None:
    """Ctrl+Q (or the close button) on a live console asks; Cancel keeps it open."""
    from PySide6.QtWidgets import QMessageBox

    from console.composition import confirm_close

    win, _controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    win.close_guard = lambda: confirm_close(win)
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.Cancel]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: asked.append(text) or answer[0])
    assert not win.close() and win.isVisible()
    assert asked and "cases you hold are released" in asked[0]
    answer[0] = QMessageBox.StandardButton.Close
    assert win.close() and not win.isVisible()


@pytest.mark.postgres
def test_a_seat_follows_the_staff_positions_the_service_takes_in(qtbot, start_console,
                                                                 pg_city) -> None:
    """Positions come in through the service (its feeds, its simulator): the seat's staff
    layer and its snapshot follow them, without a refresh of the cases."""
    import datetime as dt

    import numpy as np
    from sqlalchemy import select

    from models.core.auth import SystemRole
    from models.storage.schema import Staff
    from models.world.staff import PositionFix, StaffService

    tiny_city = pg_city
    _, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    controller.service.timer.setInterval(100)
    service = CityService(tiny_city.db, ServiceConfig(instance="hall-2", **FAST))
    service.start()
    try:
        qtbot.waitUntil(lambda: controller.service.alive, timeout=10_000)
        with tiny_city.db.read() as s:
            sid = s.scalars(select(Staff.id).where(Staff.active.is_(True))
                            .order_by(Staff.id)).first()
        moved = []
        controller.service.sig_staff_moved.connect(lambda: moved.append(1))
        feed = StaffService(tiny_city.db, Actor.system("feed", SystemRole.FEED))
        feed.update_positions([PositionFix(sid, 112.9871, 28.1911,
                                           dt.datetime.now(dt.UTC))])

        def shown() -> bool:
            p = controller.snapshot.positions
            k = np.flatnonzero(p.ids == sid)
            return len(k) == 1 and abs(float(p.lon[k[0]]) - 112.9871) < 1e-9

        qtbot.waitUntil(shown, timeout=15_000)
        assert moved  # through the service's health poll, not a full read
    finally:
        service.stop()
