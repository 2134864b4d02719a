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


def test_text_size_steps_within_bounds_and_back_to_the_desktops(qtbot) -> None:
    from PySide6.QtWidgets import QMainWindow

    from console.settings import MAX_TEXT_PT as MAX_PT
    from console.settings import MIN_TEXT_PT
    from widgets.textsize import TextSizeMenu, apply_text_size

    app = QApplication.instance()
    before = app.font()
    window = QMainWindow()
    qtbot.addWidget(window)
    menu = TextSizeMenu(window, MIN_TEXT_PT, MAX_PT)
    chosen: list[int] = []
    menu.sig_text_size_changed.connect(chosen.append)
    menu.sig_text_size_changed.connect(lambda pt: apply_text_size(app, pt))
    desktop = round(app.font().pointSizeF())
    larger, smaller, default = menu.actions()
    try:
        larger.trigger()
        larger.trigger()
        assert chosen == [desktop + 1, desktop + 2]
        assert round(app.font().pointSizeF()) == desktop + 2
        for _ in range(40):
            larger.trigger()
        assert chosen[-1] == MAX_PT and round(app.font().pointSizeF()) == MAX_PT
        smaller.trigger()
        assert chosen[-1] == MAX_PT - 1
        default.trigger()
        assert chosen[-1] == 0 and round(app.font().pointSizeF()) == desktop
        assert [k.toString() for k in larger.shortcuts()] == ["Ctrl+=", "Ctrl++"]
    finally:
        app.setFont(before)


def test_a_text_size_out_of_bounds_in_the_settings_is_refused(tmp_path) -> None:
    import json

    from console.settings import Settings, load_settings

    assert Settings(text_size=16).validated().text_size == 16
    with pytest.raises(ValueError, match="text size"):
        Settings(text_size=99).validated()
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 2, "text_size": 3}))
    assert load_settings(path).text_size == 0  # the file kept aside, the defaults used
    assert (tmp_path / "settings.json.bad").exists()
