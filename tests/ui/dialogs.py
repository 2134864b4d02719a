"""Answer the real dialogs a console action opens, as a user would (QTest on the dialog).

Tests of actions that ask for a reason, a choice or a text used to replace the
controller's ``ask``; the dialogs themselves never ran, and a drill window whose dialogs
all failed went unnoticed. :class:`DialogAnswerer` waits for each modal dialog to show,
checks it (a drill's dialogs carry the training banner) and types the answer into it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QInputDialog, QLineEdit

from widgets.training import banner_of


def type_text(text: str) -> Callable[[QDialog], None]:
    """Type ``text`` into the dialog's line edit and press Enter."""
    def answer(dialog: QDialog) -> None:
        edit = dialog.findChild(QLineEdit)
        edit.selectAll()
        if text.isascii():
            QTest.keyClicks(edit, text)
        else:  # Chinese arrives from the input method as a committed string
            event = QInputMethodEvent()
            event.setCommitString(text)
            QApplication.sendEvent(edit, event)
        QTest.keyClick(edit, Qt.Key.Key_Return)
    return answer


def choose(item: str) -> Callable[[QDialog], None]:
    """Pick ``item`` in the dialog's list with the keyboard and press Enter."""
    def answer(dialog: QDialog) -> None:
        combo = dialog.findChild(QComboBox)
        index = combo.findText(item)
        offered = [combo.itemText(i) for i in range(combo.count())]
        assert index >= 0, f"{item!r} is not offered: {offered}"
        combo.setFocus()
        QTest.keyClick(combo, Qt.Key.Key_Home)
        for _ in range(index):
            QTest.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentText() == item
        QTest.keyClick(combo, Qt.Key.Key_Return)
    return answer


def cancel(dialog: QDialog) -> None:
    """Press Escape."""
    QTest.keyClick(dialog, Qt.Key.Key_Escape)


@dataclass
class DialogAnswerer:
    """Answers the next modal dialogs in turn; ``framed`` requires the training banner.

    Start it before the action that opens the dialogs; it polls for a visible modal
    dialog every 20 ms and stops when every answer is given.
    """

    answers: list[Callable[[QDialog], None]]
    framed: bool = False
    seen: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._poll)

    def start(self) -> DialogAnswerer:
        self._timer.start()
        return self

    @property
    def done(self) -> bool:
        return not self.answers

    def _poll(self) -> None:
        dialog = QApplication.activeModalWidget()
        if (not isinstance(dialog, QDialog) or not dialog.isVisible()
                or dialog.property("answered")):
            return
        if self.framed and banner_of(dialog) is None:
            return  # the training frame is put on within a quarter of a second
        dialog.setProperty("answered", True)
        self.seen.append({"title": dialog.windowTitle(),
                          "label": dialog.labelText() if isinstance(dialog, QInputDialog)
                          else "", "framed": banner_of(dialog) is not None})
        answer = self.answers.pop(0)
        if not self.answers:
            self._timer.stop()
        answer(dialog)
