"""The dark theme: what can be done and what cannot look different (issue 17)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QPushButton

pytestmark = pytest.mark.gui


def _pixels(widget) -> np.ndarray:
    img = widget.grab().toImage()
    return np.array([[img.pixelColor(x, y).lightness() for x in range(img.width())]
                     for y in range(img.height())], dtype=float)


def test_a_disabled_button_looks_unlike_an_enabled_one(qtbot) -> None:
    import pyqtgraph as pg

    from console.theme import apply_theme

    app = QApplication.instance()
    before = (app.styleSheet(), app.style().name(), pg.getConfigOption("background"),
              pg.getConfigOption("foreground"))
    apply_theme(app, dark=True)
    try:
        enabled, disabled = QPushButton("Dispatch"), QPushButton("Dispatch")
        disabled.setEnabled(False)
        for b in (enabled, disabled):
            qtbot.addWidget(b)
            b.resize(140, 34)
            b.show()
        on, off = _pixels(enabled), _pixels(disabled)
        # the face of the button (its centre), and its text (the brightest pixels)
        assert on[10:24, 10:130].mean() - off[10:24, 10:130].mean() > 8
        assert np.percentile(on, 99) - np.percentile(off, 99) > 60
    finally:  # the rest of the session as it was
        app.setStyleSheet(before[0])
        app.setStyle(before[1])
        pg.setConfigOptions(background=before[2], foreground=before[3])
