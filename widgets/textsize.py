"""View → Text size: larger or smaller text for the whole console (a control room reads at a
distance; the desktop's default is about 11 px).

The menu only says what the user chose (:attr:`TextSizeMenu.sig_text_size_changed`, a point
size, 0 for the desktop's own); the composition root applies it to the application
(:func:`apply_text_size`) and keeps it in the settings.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QWidget

_DEFAULT_PT: list[float] = []  # the desktop's size, read before the first change


def apply_text_size(app: QApplication, points: int) -> int:
    """Set the application's text to ``points`` (0: the desktop's own); the size in use."""
    font = app.font()
    if not _DEFAULT_PT:
        _DEFAULT_PT.append(font.pointSizeF())
    size = points or round(_DEFAULT_PT[0])
    font.setPointSizeF(float(points) if points else _DEFAULT_PT[0])
    app.setFont(font)
    return size


class TextSizeMenu(QMenu):
    """Larger (Ctrl+=), smaller (Ctrl+-) and the desktop's size (Ctrl+0), stepping within
    ``low`` to ``high`` points (the settings' bounds, given by the window)."""

    sig_text_size_changed = Signal(int)
    """The user chose this point size (0: the desktop's own)."""

    def __init__(self, window: QWidget, low: int, high: int) -> None:
        super().__init__(self.tr("&Text size"), window)
        self.low, self.high = low, high
        self.points = 0  # 0: the desktop's
        for text, keys, step in ((self.tr("&Larger"), ("Ctrl+=", "Ctrl++"), 1),
                                 (self.tr("&Smaller"), ("Ctrl+-",), -1),
                                 (self.tr("&Desktop's size"), ("Ctrl+0",), 0)):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(lambda _=False, d=step: self._step(d))
            self.addAction(action)
            window.addAction(action)  # the keys work with the menu bar hidden too

    def set_points(self, points: int) -> None:
        """The size in use (from the settings), without saying so."""
        self.points = points

    def _step(self, step: int) -> None:
        if step == 0:
            points = 0
        else:
            now = self.points or round(QApplication.font().pointSizeF())
            points = max(self.low, min(self.high, now + step))
        if points != self.points:
            self.points = points
            self.sig_text_size_changed.emit(points)


__all__ = ["TextSizeMenu", "apply_text_size"]
