"""The console with its map: selection syncs both ways, grid clicks, picking a location."""

from __future__ import annotations

import json

import pytest

from console.composition import build_console
from models.cases.service import CaseService, NewCase
from tests.factories import DISPATCHER

pytestmark = pytest.mark.gui


@pytest.fixture
def console(qtbot, tiny_city):
    svc = CaseService(tiny_city.db, DISPATCHER, locate=lambda lon, lat: tiny_city.grids[3])
    for i, (lon, lat) in enumerate([(112.9875, 28.1825), (112.9880, 28.1830)]):
        svc.report(NewCase(channel="patrol", subcategory="C03", lon=lon, lat=lat,
                           title=f"暴露垃圾 {i}"))
    console = build_console(tiny_city.db, DISPATCHER)
    win, controller, map_widget = console.window, console.controller, console.map
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    with qtbot.waitSignal(map_widget.sig_map_ready, timeout=20_000), \
            qtbot.waitSignal(controller.sig_ready, timeout=20_000):
        controller.start()
    yield win, controller, map_widget
    map_widget.teardown()
    controller.runner.shutdown()


def map_stats(qtbot, map_widget) -> dict:
    with qtbot.waitSignal(map_widget.bridge.sig_stats, timeout=10_000) as blocker:
        map_widget.request_stats()
    return json.loads(blocker.args[0])


def test_the_map_shows_the_database(qtbot, console) -> None:
    _, _, map_widget = console
    qtbot.waitUntil(lambda: map_stats(qtbot, map_widget)["grids"] == 4, timeout=10_000)
    stats = map_stats(qtbot, map_widget)
    assert stats["events"] == 2 and stats["staff"] == 5 and stats["heat"] == 2


def test_queue_selection_flies_the_map_and_highlights(qtbot, console) -> None:
    win, _, map_widget = console
    row = win.queue.model.row_of_case(1)
    win.queue.view.selectRow(row)
    qtbot.waitUntil(lambda: map_stats(qtbot, map_widget)["highlight"] is not None,
                    timeout=10_000)
    assert map_stats(qtbot, map_widget)["highlight"] == pytest.approx([112.9875, 28.1825])
    assert win.detail.case_id == 1


def test_event_click_on_the_map_selects_the_case(qtbot, console) -> None:
    win, _, map_widget = console
    map_widget.fly_to(112.9880, 28.1830, 17)
    qtbot.wait(1200)
    with qtbot.waitSignal(map_widget.sig_event_clicked, timeout=10_000):
        map_widget._call("clickAt", {"lon": 112.9880, "lat": 28.1830})
    qtbot.waitUntil(lambda: win.queue.selected_case_id() == 2, timeout=5_000)
    assert win.detail.case_id == 2


def test_grid_click_shows_its_staff_and_open_cases(qtbot, console, tiny_city) -> None:
    win, _, map_widget = console
    with qtbot.waitSignal(map_widget.sig_grid_clicked, timeout=10_000):
        map_widget._call("clickGrid", tiny_city.grid_codes[3])
    assert tiny_city.grid_codes[3] in win.staff.caption.text()
    assert win.staff.cases.count() == 2
    qtbot.waitUntil(lambda: map_stats(qtbot, map_widget)["selectedGrid"]
                    == tiny_city.grid_codes[3], timeout=5_000)


def test_pick_a_location(qtbot, console, tiny_city) -> None:
    win, controller, map_widget = console
    win.sig_pick_location_requested.emit()
    with qtbot.waitSignal(map_widget.sig_location_picked, timeout=10_000):
        map_widget._call("clickAt", {"lon": 112.9825, "lat": 28.1875})
    lon, lat, code = controller.picked_location
    assert (lon, lat) == pytest.approx((112.9825, 28.1875), abs=1e-6)
    assert code == tiny_city.grid_codes[0]
    assert code in win.statusBar().currentMessage()


def test_the_case_chain_is_drawn_on_the_map(qtbot, console) -> None:
    win, _, map_widget = console
    win.queue.view.selectRow(0)
    # the case location and its four levels: a line and five markers
    qtbot.waitUntil(lambda: map_stats(qtbot, map_widget)["path"] == 6, timeout=10_000)
