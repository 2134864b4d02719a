"""The dashboard: events per hour by category (live), open / overdue / closed rates, the
busiest districts, staff utilisation. Curves are created once and updated in place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.catalogue import CATEGORY_CODES
from widgets import labels
from widgets.stats import CATEGORY_COLOURS


class Dashboard(QWidget):
    """Live indicators of the city's caseload."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(self)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setLabel("left", self.tr("Events per hour"))
        self.plot.setLabel("bottom", self.tr("Hours ago"))
        self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        x = np.arange(-23, 1)
        # 1 px cosmetic pens: wide antialiased pens cost 17x (perf_limits.md)
        self.curves = {c: self.plot.plot(x, np.zeros(24), name=labels.category(c),
                                         pen=pg.mkPen(CATEGORY_COLOURS[c], width=1))
                       for c in CATEGORY_CODES}
        self.rates = {key: QLabel(self) for key in ("open", "overdue", "closed", "staff")}
        rates = QGridLayout()
        for n, (key, text) in enumerate((("open", self.tr("Open")),
                                         ("overdue", self.tr("Overdue rate")),
                                         ("closed", self.tr("Closed, of 24 h intake")),
                                         ("staff", self.tr("Staff busy")))):
            rates.addWidget(QLabel(text, self), 0, n)
            rates.addWidget(self.rates[key], 1, n)
        self.ranking = QTableWidget(0, 3, self)
        self.ranking.setHorizontalHeaderLabels([self.tr("District"), self.tr("Open"),
                                                self.tr("Overdue")])
        self.ranking.verticalHeader().hide()
        self.ranking.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.ranking.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(rates)
        layout.addWidget(self.plot, 2)
        layout.addWidget(self.ranking, 1)

    def set_hourly(self, counts: Mapping[str, Sequence[int]]) -> None:
        """Events per hour for the last 24 hours (oldest first), by category."""
        x = np.arange(-23, 1)
        for c, curve in self.curves.items():
            curve.setData(x, np.asarray(counts.get(c, np.zeros(24)), dtype=float))

    def set_rates(self, open_cases: int, overdue: int, closed_24h: int, staff_busy: float
                  ) -> None:
        self.rates["open"].setText(f"{open_cases:,}")
        self.rates["overdue"].setText(f"{overdue / open_cases:.0%}" if open_cases else "–")
        self.rates["closed"].setText(f"{closed_24h:,}")
        self.rates["staff"].setText(f"{staff_busy:.0%}")

    def set_ranking(self, rows: Sequence[tuple[str, int, int]]) -> None:
        self.ranking.setRowCount(len(rows))
        for r, (name, n_open, n_overdue) in enumerate(rows):
            for c, text in enumerate((name, f"{n_open:,}", f"{n_overdue:,}")):
                self.ranking.setItem(r, c, QTableWidgetItem(text))

    def curve_values(self, category: str) -> list[float]:
        return [float(v) for v in self.curves[category].yData]
