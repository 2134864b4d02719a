"""The Qt setup of the UI tests: offscreen platform, the map's URL scheme, JavaScript errors.

The Qt-free fixtures (databases, the broker, tiny_city) are in tests/conftest.py, shared with
tests/domain. This file is imported while pytest collects, before any test creates the
QApplication (pytest-qt's ``qapp``), so what it sets up is in place for every UI test.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

# Before the QApplication exists: offscreen platform, software WebEngine without sandbox.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --no-sandbox")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import pytest

from widgets.citymap import register_url_scheme

# The map's URL scheme must be registered before pytest-qt creates the QApplication.
register_url_scheme()


@pytest.fixture
def start_console(qtbot) -> Iterator[Callable]:
    """Start the console on a database: ``win, controller = start_console(db, actor)``.

    Builds the ``MainWindow`` and its ``ConsoleController`` (no demo city), sets the
    controller's ``ask`` when one is given (the answer to its questions), shows the window,
    starts the controller and waits for ``sig_ready``. The task runner of every console it
    started is shut down after the test.
    """
    from console.app import ConsoleController
    from console.composition import build_console

    started: list[ConsoleController] = []

    def start(db, actor, *, ask: Callable | None = None):
        console = build_console(db, actor, with_map=False)
        win, controller = console.window, console.controller
        qtbot.addWidget(win)
        started.append(controller)
        if ask is not None:
            controller.ask = ask
        win.show()
        with qtbot.waitSignal(controller.sig_ready, timeout=10_000):
            controller.start()
        return win, controller

    yield start
    for controller in started:
        controller.runner.shutdown()


@pytest.fixture(autouse=True)
def _fail_on_js_errors(caplog):
    """A JavaScript error on the map page fails the test that caused it."""
    yield
    errors = [r.getMessage() for r in caplog.get_records("call")
              if r.name == "citygrid.js" and r.levelno >= logging.ERROR]
    if errors:
        pytest.fail("JavaScript error(s) on the map page:\n" + "\n".join(errors), pytrace=False)


def pytest_unconfigure(config) -> None:
    """Let Qt delete what the tests left before the interpreter goes.

    A map page (QWebEnginePage) still alive when its QWebEngineProfile is released makes
    QtWebEngine crash the process at exit (a segfault after every test passed). Widgets
    closed by the tests are deleted with ``deleteLater``, which needs an event loop turn
    that never comes after the last test: deliver those deletions here, pages first.
    """
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    for _ in range(3):
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
