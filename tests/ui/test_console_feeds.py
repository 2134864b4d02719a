"""The console takes the live feeds from the real broker, and works the quarantine."""

from __future__ import annotations

import json
import uuid

import paho.mqtt.client as mqtt
import pytest

from models.core.auth import Actor, SystemRole
from models.intake.service import IntakeService
from models.storage.schema import StaffRole
from models.world.sensors import Sensor, SensorService
from tests.factories import city_actor

pytestmark = pytest.mark.gui


@pytest.fixture
def console(start_console, tiny_city):
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    win, controller = start_console(tiny_city.db, dispatcher)
    yield win, controller
    controller.stop_feeds()


@pytest.mark.mqtt
def test_a_sensor_alert_reaches_the_queue_and_a_bad_one_the_quarantine(
        qtbot, console, tiny_city, mqtt_server) -> None:
    win, controller = console
    host, port = mqtt_server
    prefix = f"citygrid-console-{uuid.uuid4().hex[:8]}"
    SensorService(tiny_city.db, Actor.system()).register(
        [Sensor("smoke-9", 112.9821, 28.1879, "M01", "烟感 9 号", "smoke")])
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=15_000,
                          check_params_cb=lambda kind, _: kind == "feeds"):
        controller.start_feeds(host, port, prefix)
    assert controller.feeds is not None and controller.publisher is not None
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    pub.connect(host, port)
    pub.loop_start()
    try:
        pub.publish(f"{prefix}/iot/smoke-9/alert", json.dumps(
            {"kind": "smoke", "value": 0.9, "time": "2026-11-28T09:00:00+08:00"}),
            qos=1).wait_for_publish(5)
        pub.publish(f"{prefix}/iot/ghost-1/alert", json.dumps({"kind": "smoke"}),
                    qos=1).wait_for_publish(5)
    finally:
        pub.loop_stop()
        pub.disconnect()
    # within a couple of seconds: the case in the queue, the bad alert in the quarantine
    qtbot.waitUntil(lambda: win.queue.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: win.quarantine.table.rowCount() == 1, timeout=10_000)
    assert win.docks["quarantine"].windowTitle() == "Quarantine (1)"
    # the status bar counts at the feeds' next tick (each second): the quarantine may have
    # shown the item first, through the health poll's count
    qtbot.waitUntil(lambda: win.status_feeds.isVisible()
                    and "2 received" in win.status_feeds.text(), timeout=5_000)


def test_a_dispatcher_fixes_and_retries_a_quarantined_item(qtbot, console, tiny_city) -> None:
    win, controller = console
    feed = IntakeService(tiny_city.db, Actor.system("hotline", SystemRole.FEED))
    bad = feed.submit("hotline_12345", {"caller": "王", "lon": "east", "lat": 28.189,
                                         "description": "井盖丢了"})
    assert bad.quarantine_id is not None
    controller.refresh()
    qtbot.waitUntil(lambda: win.quarantine.table.rowCount() == 1, timeout=10_000)
    # retried as it was: still refused, the reason shown
    win.quarantine.sig_retry_requested.emit(bad.quarantine_id, None)
    assert "lon must be a number" in win.quarantine.result.text()
    fixed = {"caller": "王", "lon": 112.981, "lat": 28.189, "description": "井盖丢了"}
    win.quarantine.sig_retry_requested.emit(bad.quarantine_id, fixed)
    qtbot.waitUntil(lambda: win.quarantine.table.rowCount() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: win.queue.model.rowCount() == 1, timeout=10_000)
    # the confirmation names the case by its number, not its internal id
    number = win.queue.model.table.numbers[0]
    assert win.quarantine.result.text() == f"Case {number} registered"


def test_a_snap_reports_photos_show_in_the_case_detail(qtbot, console, tiny_city) -> None:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    from models.cases.photos import Photo
    from models.cases.service import CaseService, NewCase

    win, controller = console
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#c0392b"))
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    feed = CaseService(tiny_city.db, Actor.system("snaps", SystemRole.FEED),
                       locate=lambda lon, lat: tiny_city.grids[0])
    changes = feed.report_with_photos(
        NewCase(channel="snap", subcategory="C03", lon=112.981, lat=28.189, title="垃圾"),
        [Photo.from_bytes("a.png", bytes(data))])
    controller.show_case(changes.case_ids[0])
    assert win.detail.photos.count() == 1 and win.detail.photos.isVisibleTo(win)
    assert not win.detail.photos.item(0).icon().isNull()


def test_a_watched_folder_brings_snap_reports_with_photos(qtbot, console, tiny_city,
                                                          tmp_path) -> None:
    from tests.domain.test_snaps import drop, png

    win, controller = console
    inbox = tmp_path / "inbox"
    drop(inbox, "r1.json", {"p1.png": png((200, 30, 30))})
    controller.watch_snap_folder(inbox, interval_ms=200)
    qtbot.waitUntil(lambda: win.queue.model.rowCount() == 1, timeout=10_000)
    assert (inbox / "processed" / "r1.json").exists()
    controller.show_case(int(controller.snapshot.table.ids[0]))
    assert win.detail.photos.count() == 1
    controller.intake.snap_timer.stop()
