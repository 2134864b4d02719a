"""The console window starts on a database and shows the city (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from console.app import ConsoleController
from console.mainwindow import MainWindow
from models.auth import Actor
from models.schema import StaffRole

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tiny_city):
    win = MainWindow(tiny_city.db.url)
    qtbot.addWidget(win)
    controller = ConsoleController(tiny_city.db, Actor("d", StaffRole.DISPATCHER), win,
                                   build_demo=False)
    win.show()
    controller.start()
    yield win, controller
    controller.runner.shutdown()


def test_window_shows_districts_and_counts(window) -> None:
    win, controller = window
    assert controller.ready
    assert win.overview.model.rowCount() == 1
    assert "1 districts" in win.overview.caption.text()
    assert win.status_staff.text() == "Staff on duty: 5"
    assert win.status_cases.text().startswith("Open cases: 0")
    assert "GENERATED" in win.overview.note.text()


def test_geometry_survives_restart_and_lost_monitor(qtbot, tmp_path, tiny_city) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow("x")
    qtbot.addWidget(win)
    win.resize(700, 500)
    win.move(50, 40)
    win.save_state(settings)
    again = MainWindow("x")
    qtbot.addWidget(again)
    again.restore_state(settings)
    assert (again.width(), again.height()) == (700, 500)
    # a window saved on a monitor that no longer exists comes back on a screen
    win.move(20_000, 20_000)
    win.save_state(settings)
    third = MainWindow("x")
    qtbot.addWidget(third)
    third.restore_state(settings)
    assert third.screen().availableGeometry().intersects(third.frameGeometry())
