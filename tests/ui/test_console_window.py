"""The console window starts on a database and shows it (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from console.mainwindow import MainWindow
from models.cases.service import CaseService, NewCase
from tests.factories import DISPATCHER

pytestmark = pytest.mark.gui


@pytest.fixture
def window(start_console, tiny_city):
    CaseService(tiny_city.db, DISPATCHER, locate=lambda lon, lat: tiny_city.grids[1]).report(
        NewCase(channel="hotline_12345", subcategory="E02", lon=112.987, lat=28.188,
                title="噪声扰民", reporter_phone="13900001111"))
    win, controller = start_console(tiny_city.db, DISPATCHER)
    return win, controller


def test_window_shows_the_database(window) -> None:
    win, _controller = window
    assert win.overview.model.rowCount() == 1
    assert "1 districts" in win.overview.caption.text()
    assert win.status_staff.text() == "Staff on duty: 5"
    assert win.status_cases.text() == "Open cases: 1 (overdue 0)"
    assert "GENERATED" in win.overview.note.text()
    assert win.queue.model.rowCount() == 1
    assert win.stats.heights()[3] == 1.0  # one open environment case


def test_selecting_a_case_shows_its_detail_with_masked_phone(qtbot, window) -> None:
    win, _ = window
    win.queue.view.selectRow(0)
    assert win.detail.title.text() == "噪声扰民"
    assert win.detail.fields["reporter"].text() == "139****1111"
    assert win.detail.history.count() == 1


def test_search_finds_grid_staff_and_case(window, tiny_city) -> None:
    win, _controller = window
    win.search_box.setText(tiny_city.grid_codes[0])
    win.search_box.returnPressed.emit()
    assert win.staff.table.rowCount() == 3
    assert tiny_city.grid_codes[0] in win.staff.caption.text()
    number = win.queue.model.table.numbers[0]
    win.search_box.setText(number)
    win.search_box.returnPressed.emit()
    assert win.detail.fields["number"].text() == number
    win.search_box.setText("no such thing")
    win.search_box.returnPressed.emit()
    assert "Nothing found" in win.statusBar().currentMessage()


def test_geometry_survives_restart_and_lost_monitor(qtbot, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow("x")
    qtbot.addWidget(win)
    hint = win.minimumSizeHint()
    size = (max(760, hint.width() + 10), max(590, hint.height() + 10))
    win.resize(*size)
    win.docks["alerts"].hide()
    win.save_state(settings)
    again = MainWindow("x")
    qtbot.addWidget(again)
    again.restore_state(settings)
    assert (again.width(), again.height()) == size
    assert again.docks["alerts"].isHidden()
    win.move(20_000, 20_000)  # saved on a monitor that is gone
    win.save_state(settings)
    third = MainWindow("x")
    qtbot.addWidget(third)
    third.restore_state(settings)
    assert third.screen().availableGeometry().intersects(third.frameGeometry())


def test_the_simulator_runs_from_the_console(qtbot, window) -> None:
    win, controller = window
    before = win.queue.model.table.ids.size
    import datetime as dt

    controller.sim.simulator = None
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=20_000,
                          check_params_cb=lambda kind, result: kind == "simulate"):
        controller.sim.surge = True
        controller.set_simulator_running(True)
    assert win.simulator_action.isChecked()
    controller.set_simulator_running(False)
    assert not controller.sim.timer.isActive()
    # seconds of wall clock on a 4-grid city rarely make an event: run 30 hours ahead
    controller.simulator.run_until(controller.simulator.now + dt.timedelta(hours=30))
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "snapshot"):
        controller.refresh()
    assert win.queue.model.table.ids.size > before


def test_dashboard_counts_the_last_day(window) -> None:
    win, _ = window
    # the fixture reported one environment case just now
    assert win.dashboard.curve_values("environment")[-1] == 1.0
    assert sum(win.dashboard.curve_values("city")) == 0.0
    assert win.dashboard.rates["open"].text() == "1"
    assert win.dashboard.ranking.item(0, 1).text() == "1"


def test_emergency_sounds_until_acknowledged(qtbot, window, tiny_city) -> None:
    win, controller = window
    assert not win.alerts.ringing
    CaseService(tiny_city.db, DISPATCHER, locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="emergency", subcategory="M02", lon=112.981, lat=28.189,
                title="燃气泄漏"))
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "snapshot"):
        controller.refresh()
    assert win.alerts.ringing and "燃气泄漏" in win.alerts.alarm.text()
    win.alerts.ack.click()
    assert not win.alerts.ringing
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "snapshot"):
        controller.refresh()
    assert not win.alerts.ringing  # acknowledged stays acknowledged


def test_the_deadline_watch_runs_in_the_background(qtbot, window) -> None:
    _win, controller = window
    assert controller._watch_timer.isActive()
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "deadline-watch") as b:
        controller._on_watch_timer_timeout()
    assert b.args[1] == []  # nothing dispatched, nothing overdue to escalate


def test_a_hotline_call_becomes_a_case(qtbot, window, tiny_city) -> None:
    win, controller = window
    win.sig_hotline_requested.emit()
    form = controller.hotline
    form.caller.setText("王女士")
    form.phone.setText("13912345678")
    form.set_location(112.9812, 28.1893)
    form.description.setPlainText("小区门口井盖丢了")
    assert form.subcategory.currentData() == "C04"  # suggested from the words
    form.phone.setText("call me")
    form._on_buttons_accepted()
    assert "not a phone number" in form.warning.text() and form.isVisible()
    form.phone.setText("13912345678")
    form._on_buttons_accepted()
    assert controller.hotline is None and controller.last_hotline.case_id is not None
    case = controller.cases.get(controller.last_hotline.case_id)
    assert (case.channel, case.subcategory, case.grid_id) == ("hotline_12345", "C04",
                                                              tiny_city.grids[0])
    # the same again: registered, with the first offered as a likely duplicate; the
    # dispatcher keeps it apart this time
    offered: list = []
    controller.ask = lambda kind, prompt, options: offered.append(options) or options[-1]
    win.sig_hotline_requested.emit()
    again = controller.hotline
    again.set_location(112.9812, 28.1893)
    again.description.setPlainText("井盖没了")
    again._on_buttons_accepted()
    assert controller.last_hotline.duplicates == (case.id,)
    assert offered == [[case.number, "Keep it as a separate case"]]
    second = controller.last_hotline.case_id
    assert controller.cases.get(second).status == "reported"
    # later, from the case detail: merge into the original; it keeps both reports
    controller.show_case(second)
    # offered once the worker found the likely original
    qtbot.waitUntil(lambda: win.detail.buttons["merge"].isVisible(), timeout=10_000)
    assert win.detail.buttons["merge"].isEnabled()
    controller.ask = lambda kind, prompt, options: options[0]
    win.detail.buttons["merge"].click()
    assert controller.cases.get(second).status == "merged"
    reports = controller.cases.reports(case.id)
    assert len(reports) == 2 and "Merged into" in win.statusBar().currentMessage()
    # the original has no likely duplicate left: no merge button
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "recommend"):
        controller.show_case(case.id)
    assert not win.detail.buttons["merge"].isVisible()


def test_a_slow_simulator_tick_is_not_lost_when_the_timer_fires_again(qtbot, window,
                                                                      monkeypatch) -> None:
    """Building the simulator can outlast the tick interval: the timer firing meanwhile
    must neither cancel the running tick nor report a tick that did nothing."""
    import threading

    import models.scenarios.simulator

    _win, controller = window
    release = threading.Event()
    real = models.scenarios.simulator.CitySimulator

    def slow(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(models.scenarios.simulator, "CitySimulator", slow)
    results = []
    controller.runner.sig_task_finished.connect(
        lambda kind, result: results.append(result) if kind == "simulate" else None)
    controller.set_simulator_running(True)
    controller.sim._on_timer_timeout()  # the interval passed while the first tick builds
    controller.set_simulator_running(False)
    release.set()
    qtbot.waitUntil(lambda: len(results) == 1 and not controller.runner.running("simulate"),
                    timeout=20_000)
    assert isinstance(results[0], dict)
    assert controller.simulator is not None


def test_help_lists_every_shortcut_and_no_key_does_two_things(qtbot, window) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication

    from widgets.shortcuts import ShortcutsDialog, shortcut_rows

    win, _ = window
    rows = shortcut_rows(win)
    keys = [k for _, _, k in rows]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    # every action with a shortcut is listed once, under its menu where it has one
    with_keys = {a for a in win.findChildren(QAction) if not a.shortcut().isEmpty()}
    assert len(rows) == len(with_keys)
    assert {"F1", "F5", "Ctrl+N", "Ctrl+1"} <= set(keys)
    # F1 opens it; the filter narrows it to what matches
    help_action = next(a for a in with_keys if a.shortcut().toString() == "F1")
    help_action.trigger()
    dialog = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, ShortcutsDialog) and w.isVisible())
    assert dialog.table.rowCount() == len(rows)
    dialog.filter.setText("hotline")
    assert dialog.visible_rows() == [("Cases", "New hotline call", "Ctrl+N")]
    dialog.filter.setText("")
    assert len(dialog.visible_rows()) == len(rows)
    dialog.close()


def test_a_measured_distance_reads_in_metres_or_kilometres(window) -> None:
    _, controller = window
    text = controller.map_input.distance_text
    assert text(850.4).startswith("Distance: 850 m")
    assert text(5432.0).startswith("Distance: 5.43 km")
    assert text(54_280.0).startswith("Distance: 54.3 km")


def test_a_district_code_or_name_filters_the_queue_to_it(window) -> None:
    win, _ = window
    for text in ("430103", "天心区", "Tianxin"):
        win.queue.district.setCurrentIndex(0)
        win.search_box.setText(text)
        win.search_box.returnPressed.emit()
        assert win.queue.district.currentData() == "430103"
        assert "天心区 (430103): 1 case(s)" in win.statusBar().currentMessage()


def test_the_workload_table_sorts_by_number(qtbot) -> None:
    from PySide6.QtCore import Qt

    from widgets.staffpanel import StaffPanel

    panel = StaffPanel()
    qtbot.addWidget(panel)
    panel.set_workload([("c1", 9, 27, 3.0, "overloaded"), ("c2", 10, 10, 1.0, "normal"),
                        ("c3", 2, 0, 0.0, "idle")])
    column = [panel.load.item(r, 3).data(Qt.ItemDataRole.DisplayRole) for r in range(3)]
    assert column == [3.0, 1.0, 0.0]  # the busiest first
    panel.load.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # a click on "Staff"
    assert [panel.load.item(r, 1).text() for r in range(3)] == ["2", "9", "10"]


def test_who_works_the_seat_is_shown_at_all_times(window) -> None:
    win, controller = window
    label = controller.identity
    assert label.isVisible() and label.text() == f"Dispatcher · {controller.actor.name}"
    controller.set_role("shift_lead")
    assert label.text() == f"Shift lead · {controller.actor.name}"
    assert "Working as" in win.statusBar().currentMessage()


def test_a_staff_search_shows_the_person_and_their_grid_on_the_map(window, monkeypatch
                                                                   ) -> None:
    win, controller = window
    calls: list[tuple] = []

    class Recorder:  # the map's calls, as the page would get them
        def __getattr__(self, name):
            return lambda *args: calls.append((name, *args))

    monkeypatch.setattr(controller, "map", Recorder())
    person = next(s for s in controller.staff.list()
                  if s.home_grid_id is not None and s.lon is not None)
    win.search_box.setText(person.name)
    win.search_box.returnPressed.emit()
    grid = next(g.code for g in controller.units.grids() if g.id == person.home_grid_id)
    assert ("highlight_grid", grid) in calls
    assert ("highlight_event", person.lon, person.lat) in calls
    assert win.staff.table.rowCount() >= 1


def test_the_steady_status_labels_follow_a_new_text_size(qtbot) -> None:
    """The counters keep one size (no relayout per count), refitted when the text size
    changes, so a larger font never cuts them."""
    from PySide6.QtWidgets import QApplication

    win = MainWindow("x")
    qtbot.addWidget(win)
    win.show()
    label = win.status_cases
    before = label.width()
    app = QApplication.instance()
    font = app.font()
    try:
        bigger = app.font()
        bigger.setPointSizeF(font.pointSizeF() * 1.6)
        app.setFont(bigger)
        qtbot.waitUntil(lambda: label.width() > before * 1.3, timeout=5_000)
        label.setText("Open cases: 123,456 (overdue 12,345)")
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    finally:
        app.setFont(font)
