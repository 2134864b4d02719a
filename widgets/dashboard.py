"""The dashboard: events per hour by category (live), open / overdue / closed rates, the
busiest districts and streets, staff utilisation. Curves and bars are created once and
updated in place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.core.catalogue import CATEGORY_CODES
from widgets import labels
from widgets.stats import CATEGORY_COLOURS

STREETS_SHOWN = 20  # the street ranking lists the busiest streets only
BUSY_COLOUR, STAFF_COLOUR = "#d9534f", "#5b9bd5"


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
        self.ranking = self._ranking_table(self.tr("District"))
        # the level names label the street column and the tabs (translated once, in labels)
        self.street_ranking = self._ranking_table(labels.level("street"))
        self.rankings = QTabWidget(self)
        self.rankings.addTab(self.ranking, labels.level("district"))
        self.rankings.addTab(self.street_ranking, labels.level("street"))

        self.staff_plot = pg.PlotWidget(self)
        self.staff_plot.setMenuEnabled(False)
        self.staff_plot.setMouseEnabled(x=False, y=False)
        self.staff_plot.hideButtons()
        self.staff_bars = pg.BarGraphItem(x=np.zeros(0), height=np.zeros(0), width=0.6,
                                          brush=STAFF_COLOUR)
        self.staff_plot.addItem(self.staff_bars)
        self._staff_states: tuple[str, ...] = ()

        lower = QHBoxLayout()
        lower.addWidget(self.rankings, 3)
        lower.addWidget(self.staff_plot, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(rates)
        layout.addWidget(self.plot, 2)
        layout.addLayout(lower, 1)

    def _ranking_table(self, unit_header: str) -> QTableWidget:
        table = QTableWidget(0, 3, self)
        table.setHorizontalHeaderLabels([unit_header, self.tr("Open"), self.tr("Overdue")])
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        return table

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
        """Districts as (name, open cases, overdue cases), in the order given."""
        _fill_ranking(self.ranking, rows)

    def set_street_ranking(self, rows: Sequence[tuple[str, int, int]]) -> None:
        """Streets as (name, open cases, overdue cases): the ``STREETS_SHOWN`` with the
        most open cases are listed, busiest first (ties keep the order given)."""
        ranked = sorted(rows, key=lambda r: -r[1])[:STREETS_SHOWN]
        _fill_ranking(self.street_ranking, ranked)

    def set_staff_utilisation(self, counts: Mapping[str, int]) -> None:
        """On-duty staff by duty state (e.g. ``{"on_duty": 40, "busy": 12}``), one bar per
        state in the order given; busy staff are drawn in red."""
        states = tuple(counts)
        self.staff_bars.setOpts(
            x=np.arange(len(states), dtype=float),
            height=np.array([counts[s] for s in states], dtype=float),
            brushes=[BUSY_COLOUR if s == "busy" else STAFF_COLOUR for s in states])
        if states != self._staff_states:  # the axis labels change only with the states
            self._staff_states = states
            self.staff_plot.getAxis("bottom").setTicks(
                [[(float(i), labels.duty(s)) for i, s in enumerate(states)]])

    def staff_values(self) -> dict[str, float]:
        """The bars as shown: state -> height."""
        heights = self.staff_bars.opts["height"]
        return {s: float(h) for s, h in zip(self._staff_states, heights, strict=True)}

    def curve_values(self, category: str) -> list[float]:
        return [float(v) for v in self.curves[category].yData]


def _fill_ranking(table: QTableWidget, rows: Sequence[tuple[str, int, int]]) -> None:
    table.setRowCount(len(rows))
    for r, (name, n_open, n_overdue) in enumerate(rows):
        for c, text in enumerate((name, f"{n_open:,}", f"{n_overdue:,}")):
            table.setItem(r, c, QTableWidgetItem(text))
