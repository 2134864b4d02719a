"""Case actions answered through the real dialogs, in the live window and a drill window."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.mainwindow import MainWindow
from models.cases.service import CaseService, NewCase
from models.storage.schema import StaffRole
from tests.factories import city_actor
from tests.ui.dialogs import DialogAnswerer, cancel, choose, type_text
from widgets.training import banner_of

pytestmark = pytest.mark.gui


def _report(city, title: str = "占道经营", lon: float = 112.981, lat: float = 28.189) -> int:
    actor = city_actor(city, StaffRole.DISPATCHER)
    return CaseService(city.db, actor, locate=lambda lon, lat: city.grids[0]).report(
        NewCase(channel="hotline_12345", subcategory="C01", lon=lon, lat=lat,
                title=title)).case_ids[0]


def _click(qtbot, win: MainWindow, action: str, answerer: DialogAnswerer) -> None:
    answerer.start()
    QTest.mouseClick(win.detail.buttons[action], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answerer.done, timeout=10_000)


def test_reject_through_its_dialog_and_cancel_changes_nothing(qtbot, start_console,
                                                             tiny_city) -> None:
    case_id = _report(tiny_city)
    win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    controller.show_case(case_id)
    # Escape: nothing changes and no warning box pops up ("cancelled" is not an error)
    _click(qtbot, win, "reject", DialogAnswerer([cancel]))
    assert win.detail.fields["status"].text() == "Reported"
    assert "Cancelled" in win.statusBar().currentMessage()
    answerer = DialogAnswerer([choose("duplicate")])
    _click(qtbot, win, "reject", answerer)
    assert win.detail.fields["status"].text() == "Rejected"
    assert answerer.seen[0]["label"] and not answerer.seen[0]["framed"]


@pytest.fixture
def drill(qtbot, start_console, tiny_city, tmp_path):
    _report(tiny_city)
    _win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.TRAINER))
    injects = tmp_path / "injects.json"
    injects.write_text(json.dumps([{"at_offset_s": 0, "subcategory": "C03", "lon": 112.9815,
                                    "lat": 28.1885, "title": "垃圾堆放"}]), encoding="utf-8")
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=20_000,
                          check_params_cb=lambda kind, _: kind == "drill"):
        controller.start_drill("张三", str(injects), root=tmp_path)
    (run,) = controller.drills
    qtbot.addWidget(run.window)
    qtbot.waitUntil(lambda: run.window.queue.model.rowCount() >= 1, timeout=10_000)
    yield run
    if run.report_path is None:  # not ended: take its training look off the app's dialogs
        run.window.close_guard = None
        run._timer.stop()
        run.frame.set_training(run.window, False)
    run.controller.runner.shutdown()


def test_a_drill_windows_dialogs_work_and_carry_the_banner(qtbot, drill) -> None:
    run = drill
    win = run.window
    assert banner_of(win) is not None
    # the trainer's inject: Ctrl+I asks for a subcategory and a title in two dialogs
    answerer = DialogAnswerer([type_text("c04"), type_text("井盖缺失")], framed=True).start()
    QTest.keyClick(win, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: answerer.done, timeout=10_000)
    assert run._pending_inject == ("C04", "井盖缺失")
    assert all(seen["framed"] for seen in answerer.seen)
    # the trainee rejects the injected case through the reject dialog
    case_id = int(run.controller.snapshot.table.ids[0])
    run.controller.show_case(case_id)
    before = win.detail.fields["status"].text()
    assert before == "Reported"
    answerer = DialogAnswerer([choose("invalid")], framed=True)
    _click(qtbot, win, "reject", answerer)
    assert win.detail.fields["status"].text() == "Rejected"
    assert answerer.seen[0]["framed"]


def test_a_drill_merge_through_its_dialog(qtbot, drill) -> None:
    run = drill
    first = run.inject_at(112.9815, 28.1885, "C03", "垃圾堆放 二")
    assert first is not None
    qtbot.waitUntil(lambda: run.window.queue.model.rowCount() >= 2, timeout=10_000)
    duplicates = run.controller.likely_duplicates(run.controller.cases.get(first))
    assert duplicates, "the second report of the same litter should look like a duplicate"
    run.controller.show_case(first)
    # offered once the worker found the likely original
    qtbot.waitUntil(lambda: run.window.detail.buttons["merge"].isVisible(), timeout=10_000)
    original = run.controller.cases.get(duplicates[0]).number
    answerer = DialogAnswerer([choose(original)], framed=True)
    _click(qtbot, run.window, "merge", answerer)
    assert run.controller.cases.get(first).status == "merged"


def test_a_failed_end_keeps_the_drill_running(qtbot, drill, monkeypatch) -> None:
    import console.presenters.drills
    from models.core.errors import CityGridError

    run = drill

    def broken(*args, **kwargs):
        raise CityGridError("the drill database is busy")

    monkeypatch.setattr(console.presenters.drills, "score_drill", broken)
    assert run.end() is None
    assert run._timer.isActive()  # injects keep coming
    assert "goes on" in run.window.statusBar().currentMessage()
    assert run.window.isVisible() and banner_of(run.window) is not None
    # closing it with X cannot score it either: the window stays
    run.window.close()
    assert run.window.isVisible() and run.report_path is None


def test_closing_the_drill_window_scores_the_drill(qtbot, drill) -> None:
    run = drill
    with qtbot.waitSignal(run.sig_ended, timeout=20_000) as ended:
        run.window.close()
    assert run.report_path is not None and run.report_path.read_bytes().startswith(b"%PDF")
    assert ended.args == [str(run.report_path)]
    assert not run.window.isVisible()
