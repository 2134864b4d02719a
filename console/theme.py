"""Light and dark themes (the dark one is the control-room default)."""

from __future__ import annotations

from importlib import resources

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication


def apply_theme(app: QApplication, dark: bool) -> None:
    """Apply the Fusion style with the dark style sheet, or the platform's light look."""
    app.setStyle("Fusion")
    if dark:
        qss = (resources.files("resources") / "styles" / "dark.qss").read_text(encoding="utf-8")
        app.setStyleSheet(qss)
        pg.setConfigOptions(background="#171b20", foreground="#aeb8c4")
    else:
        app.setStyleSheet("")
        pg.setConfigOptions(background="w", foreground="k")
