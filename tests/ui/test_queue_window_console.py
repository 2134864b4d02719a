"""The console over a queue window: the open case of long ago is counted, older closed
cases are counted and found by the search box (the domain side:
tests/domain/test_queue_window.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.core.enums import CaseStatus
from tests.domain.test_queue_window import DISPATCHER, NOW, _case, _history


@pytest.mark.gui
def test_the_console_lists_the_window_and_finds_older_history(qtbot, tiny_city) -> None:
    from console.composition import build_console

    _history(tiny_city)
    old_id, old_number = _case(tiny_city, "路灯不亮 long ago",
                               reported=NOW - dt.timedelta(days=800),
                               status=CaseStatus.ARCHIVED, closed=NOW - dt.timedelta(days=799))
    console = build_console(tiny_city.db, DISPATCHER, with_map=False)
    win, controller = console.window, console.controller
    qtbot.addWidget(win)
    win.show()
    try:
        with qtbot.waitSignal(controller.sig_ready, timeout=10_000):
            controller.start()
        # the open case of 400 days ago is counted (and long overdue)
        assert win.status_cases.text() == "Open cases: 1 (overdue 1)"
        assert old_id not in win.queue.model.table.ids
        assert win.queue.older.isVisible()
        assert "Older closed cases: 4" in win.queue.older.text()  # 3 of a month ago + 1
        # its number opens it, though the queue does not list it
        win.search_box.setText(old_number)
        win.search_box.returnPressed.emit()
        assert win.detail.fields["number"].text() == old_number
        # a title searches the whole history in the background and lists what it finds
        win.search_box.setText("路灯不亮")
        with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                              check_params_cb=lambda kind, _r: kind == "history-search"):
            win.search_box.returnPressed.emit()
        model = win.queue.model
        assert [model.case_id_at(r) for r in range(model.rowCount())] == [old_id]
        assert "1 case(s) of the whole history" in win.statusBar().currentMessage()
        win.search_box.setText("no such thing")
        with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                              check_params_cb=lambda kind, _r: kind == "history-search"):
            win.search_box.returnPressed.emit()
        assert "Nothing found" in win.statusBar().currentMessage()
    finally:
        controller.runner.shutdown()
