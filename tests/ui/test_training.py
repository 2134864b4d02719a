"""The training look: a banner and a frame on the window and on every dialog meanwhile."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMargins
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTextEdit,
    QVBoxLayout,
)

from widgets.training import BANNER_NAME, FRAME_PX, TRAINING_COLOUR, TrainingFrame, banner_of

pytestmark = pytest.mark.gui
ORANGE = QColor(TRAINING_COLOUR)
WINDOW_STYLE = "QTextEdit { color: #123456; }"


@pytest.fixture
def window(qtbot) -> QMainWindow:
    win = QMainWindow()
    win.setObjectName("MainWindow")
    win.setStyleSheet(WINDOW_STYLE)
    for title in ("&File", "&Map", "&View"):
        win.menuBar().addMenu(title)
    win.setCentralWidget(QTextEdit("the map", win))
    qtbot.addWidget(win)
    win.resize(900, 500)
    with qtbot.waitExposed(win):
        win.show()
    return win


@pytest.fixture
def frame():
    training = TrainingFrame()
    yield training
    QApplication.instance().removeEventFilter(training)  # never leak into other tests


def dialog(qtbot, parent=None) -> QDialog:
    d = QDialog(parent)
    layout = QVBoxLayout(d)
    layout.addWidget(QLineEdit("Unit 7", d))
    layout.addWidget(QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, d))
    qtbot.addWidget(d)
    return d


def orange_pixels(image: QImage) -> int:
    hits = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            if image.pixelColor(x, y) == ORANGE:
                hits += 1
    return hits * 4


def test_banner_appears_above_the_menu_bar_and_goes_away(window, frame, qtbot) -> None:
    menu_top = window.menuBar().geometry().top()
    frame.set_training(window, True, "Typhoon Haikui")
    banner = banner_of(window)
    assert banner is not None and banner.isVisible()
    assert banner.text() == ("TRAINING — drill: Typhoon Haikui — nothing here touches live "
                             "data")
    assert banner.geometry().topLeft().isNull() and banner.width() == window.width()
    # the menu bar is still there, whole, just below the banner
    menu = window.menuBar()
    assert menu.isVisible() and [a.text() for a in menu.actions()] == ["&File", "&Map", "&View"]
    assert menu.geometry().top() >= banner.geometry().bottom() + 1
    assert window.contentsMargins() == QMargins(FRAME_PX, banner.height(), FRAME_PX, FRAME_PX)
    qtbot.wait(10)
    assert window.centralWidget().geometry().top() > banner.height()
    # resizing keeps the banner across the whole width
    window.resize(700, 400)
    qtbot.waitUntil(lambda: banner.width() == 700)

    frame.set_training(window, False)
    assert banner_of(window) is None
    assert window.findChild(QLabel, BANNER_NAME) is None
    assert window.contentsMargins() == QMargins()
    qtbot.wait(10)
    assert window.menuBar().geometry().top() == menu_top
    assert not frame.active


def test_frame_stylesheet_is_applied_and_restored(window, frame, qtbot) -> None:
    frame.set_training(window, True, "")
    style = window.styleSheet()
    assert style.startswith(WINDOW_STYLE)  # the window's own rules still hold
    assert f"#MainWindow {{ border: {FRAME_PX}px solid {TRAINING_COLOUR}; }}" in style
    assert banner_of(window).text() == "TRAINING — nothing here touches live data"
    frame.set_training(window, False)
    assert window.styleSheet() == WINDOW_STYLE and window.objectName() == "MainWindow"

    anonymous = QMainWindow()  # no object name: one is lent for the scope, then taken back
    qtbot.addWidget(anonymous)
    frame.set_training(anonymous, True, "x")
    assert anonymous.objectName() and f"#{anonymous.objectName()} " in anonymous.styleSheet()
    frame.set_training(anonymous, False)
    assert (anonymous.objectName(), anonymous.styleSheet()) == ("", "")


def test_the_training_colour_is_on_screen(window, frame, qtbot, tmp_path) -> None:
    plain = window.grab().toImage()
    assert orange_pixels(plain) == 0
    frame.set_training(window, True, "Flood drill")
    qtbot.wait(20)
    path = str(tmp_path / "training_window.png")  # under /tmp
    assert window.grab().save(path)
    image = QImage(path)
    # the banner strip is a solid band, the frame runs down both sides and along the bottom
    banner_h = banner_of(window).height()
    assert orange_pixels(image) >= 0.5 * banner_h * image.width()
    mid = image.height() // 2
    assert image.pixelColor(1, mid) == ORANGE
    assert image.pixelColor(image.width() - 2, mid) == ORANGE
    assert image.pixelColor(image.width() // 2, image.height() - 2) == ORANGE
    menu_y = window.menuBar().geometry().center().y()
    assert image.pixelColor(image.width() // 2, menu_y) != ORANGE  # the menu bar shows
    frame.set_training(window, False)
    qtbot.wait(20)
    assert orange_pixels(window.grab().toImage()) == 0


def test_a_dialog_shown_while_training_gets_the_frame(window, frame, qtbot) -> None:
    frame.set_training(window, True, "Gas leak")
    d = dialog(qtbot, window)
    with qtbot.waitExposed(d):
        d.show()
    banner = banner_of(d)
    assert banner is not None and "Gas leak" in banner.text()
    assert TRAINING_COLOUR in d.styleSheet()
    line_edit = d.findChild(QLineEdit)
    assert line_edit.geometry().top() > banner.geometry().bottom()  # nothing under the banner
    image = d.grab().toImage()
    assert image.pixelColor(1, image.height() // 2) == ORANGE
    assert orange_pixels(image) > banner.height() * image.width() // 3
    d.hide()
    # the drill ends while the dialog still exists: its frame goes too
    frame.set_training(window, False)
    assert banner_of(d) is None and d.styleSheet() == ""
    # and a dialog after the drill is plain
    later = dialog(qtbot, window)
    with qtbot.waitExposed(later):
        later.show()
    assert banner_of(later) is None and later.styleSheet() == ""


def test_dialog_open_when_training_starts_is_framed_and_restored(window, frame, qtbot) -> None:
    d = dialog(qtbot)
    with qtbot.waitExposed(d):
        d.show()
    size = d.size()
    frame.set_training(window, True, "Drill A")
    assert "Drill A" in banner_of(d).text()
    assert d.height() > size.height()  # grown to make room, not squeezed
    frame.set_training(window, True, "Drill B")  # a new drill: the text follows everywhere
    assert "Drill B" in banner_of(d).text() and "Drill B" in banner_of(window).text()
    frame.set_training(window, False)
    assert banner_of(d) is None and d.size() == size


def test_dialogs_are_watched_until_the_last_window_leaves_training(window, frame, qtbot
                                                                   ) -> None:
    other = QMainWindow()
    qtbot.addWidget(other)
    frame.set_training(window, True, "x")
    frame.set_training(other, True, "x")
    frame.set_training(window, False)
    assert frame.active and banner_of(other) is not None
    d = dialog(qtbot)
    with qtbot.waitExposed(d):
        d.show()
    assert banner_of(d) is not None
    d.hide()
    frame.set_training(other, False)
    assert not frame.active and banner_of(d) is None


def test_a_window_with_the_live_map_in_training_survives_dialogs(qtbot) -> None:
    """Regression: an application-wide event filter in Python crashed (segfault) a training
    window holding the map's QWebEngineView; dialogs are now framed without one."""
    from widgets.citymap import CityMapWidget

    win = QMainWindow()
    qtbot.addWidget(win)
    first = CityMapWidget()
    qtbot.addWidget(first)
    first.show()
    with qtbot.waitSignal(first.sig_map_ready, timeout=20_000):
        pass
    second = CityMapWidget()
    win.setCentralWidget(second)
    win.resize(800, 600)
    win.show()
    frame = TrainingFrame()
    frame.set_training(win, True, "map")
    with qtbot.waitSignal(second.sig_map_ready, timeout=20_000):
        pass
    dialog = QDialog(win)
    dialog.setLayout(QVBoxLayout())
    dialog.layout().addWidget(QLineEdit(dialog))
    dialog.show()
    qtbot.waitUntil(lambda: banner_of(dialog) is not None, timeout=2000)
    frame.set_training(win, False)
    assert banner_of(win) is None and banner_of(dialog) is None
    dialog.close()
    first.teardown()
    second.teardown()


def test_a_framed_dialog_made_by_qt_survives_its_python_wrappers_being_collected(qtbot) -> None:
    """QInputDialog.getText makes its dialog in C++; once the Python wrappers of the dialog
    and its banner are collected, Qt calls back into a new wrapper of the banner. The old
    banner kept its state in Python attributes and raised AttributeError ('host') on every
    event: every dialog of a drill window then did nothing."""
    import gc

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog, QMainWindow

    from widgets.training import apply_training_frame, banner_of, remove_training_frame

    host = QMainWindow()
    qtbot.addWidget(host)
    host.show()
    seen = {}

    def frame() -> None:
        dialog = QApplication.activeModalWidget()
        apply_training_frame(dialog, "TRAINING")
        del dialog
        gc.collect()  # the wrappers go; the C++ dialog and banner stay
        QTimer.singleShot(20, resize)

    def resize() -> None:
        dialog = QApplication.activeModalWidget()
        dialog.resize(dialog.width() + 60, dialog.height())  # the banner follows
        banner = banner_of(dialog)
        seen["widths"] = (banner.width(), dialog.width())
        remove_training_frame(dialog)
        seen["after"] = (banner_of(dialog), dialog.objectName())
        dialog.findChild(QLineEdit).setText("ok")
        dialog.accept()

    from PySide6.QtWidgets import QLineEdit

    def give_up() -> None:  # the broken banner never lets ``resize`` finish: fail, not hang
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            dialog.reject()

    QTimer.singleShot(50, frame)
    QTimer.singleShot(5000, give_up)
    text, ok = QInputDialog.getText(host, "Reason", "Why?")
    assert (text, ok) == ("ok", True)
    assert seen["widths"][0] == seen["widths"][1]
    assert seen["after"] == (None, "")
