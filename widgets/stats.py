"""Statistics at a glance: open cases by category (pyqtgraph, updated in place)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from models.core.catalogue import CATEGORY_CODES
from widgets import labels

CATEGORY_COLOURS = {"party": "#c0392b", "city": "#2e86de", "security": "#8e44ad",
                    "environment": "#27ae60", "emergency": "#e67e22", "other": "#7f8c8d"}


class StatsPanel(QWidget):
    """A bar per category; the bars are created once and updated with setOpts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("bottom", self.tr("Open cases"))
        axis = self.plot.getAxis("left")
        axis.setTicks([[(i, labels.category(c)) for i, c in enumerate(CATEGORY_CODES)]])
        self.plot.getViewBox().invertY(True)  # first category on top, as in a list
        y = np.arange(len(CATEGORY_CODES))
        # horizontal bars: category names stay readable in a narrow dock
        self.bars = pg.BarGraphItem(x0=0, y=y, height=0.7, width=np.zeros(len(y)),
                                    brushes=[CATEGORY_COLOURS[c] for c in CATEGORY_CODES])
        self.plot.addItem(self.bars)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.plot, 1)

    def set_open_by_category(self, counts: Mapping[str, int], overdue: int) -> None:
        heights = np.array([counts.get(c, 0) for c in CATEGORY_CODES], dtype=float)
        self.bars.setOpts(width=heights)
        self.plot.setXRange(0, max(1.0, heights.max() * 1.1), padding=0)
        self.summary.setText(self.tr("Open: {0}   Overdue: {1}")
                             .format(f"{int(heights.sum()):,}", f"{overdue:,}"))

    def heights(self) -> list[float]:
        return [float(h) for h in self.bars.opts["width"]]
