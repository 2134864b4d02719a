"""The reconciliation view: the departmental layers, their conflicts, and the crosswalk of a
grid clicked on the map.

It displays what the presenter (:mod:`console.presenters.reconcile`) gives it, as plain rows,
and says what the user asks for through its signals; it never reads a file or the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from PySide6.QtGui import QColor

# QT_TRANSLATE_NOOP returns its text; the stubs say object
KIND_TEXT = cast("dict[str, str]", {
    "claimed_twice": QT_TRANSLATE_NOOP("ReconcileView", "claimed twice"),
    "uncovered": QT_TRANSLATE_NOOP("ReconcileView", "no department covers it"),
    "uncovered_by_layer": QT_TRANSLATE_NOOP("ReconcileView", "left out by a layer"),
    "crosses_community": QT_TRANSLATE_NOOP("ReconcileView", "crosses a community"),
})


@dataclass(frozen=True, slots=True)
class LayerRow:
    name: str
    department: str
    grids: int
    datum: str
    problems: int
    split: int
    share_error: float
    generated: bool
    colour: str


@dataclass(frozen=True, slots=True)
class ConflictRow:
    kind: str
    layer: str
    codes: str
    area_m2: float
    lon: float
    lat: float
    sliver: bool
    message: str


class ReconcileView(QWidget):
    """Layers, conflicts and the crosswalk of one grid."""

    #: the user asks to open departmental layer files
    sig_open_requested = Signal()
    #: the user asks to write the GeoPackage, the CSVs and the PDF report
    sig_export_requested = Signal()
    #: a layer is shown (True) or hidden on the map
    sig_layer_toggled = Signal(str, bool)
    #: a conflict is chosen (its row in :meth:`set_conflicts`' list)
    sig_conflict_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconcileView")
        self.open_button = QPushButton(self.tr("Open departmental layers…"), self)
        self.open_button.clicked.connect(self.sig_open_requested)
        self.export_button = QPushButton(self.tr("Write GeoPackage, CSV and report…"), self)
        self.export_button.clicked.connect(self.sig_export_requested)
        self.export_button.setEnabled(False)
        self.status = QLabel(self.tr("Open the departments' grid layers (GeoJSON, GeoPackage "
                                     "or Shapefile) to compare them with the unified grid."),
                             self)
        self.status.setWordWrap(True)
        self.layers = QTableWidget(0, 7, self)
        self.layers.setObjectName("reconcileLayers")
        self.layers.setHorizontalHeaderLabels([
            self.tr("Layer"), self.tr("Department"), self.tr("Grids"), self.tr("Datum"),
            self.tr("Problems"), self.tr("Split"), self.tr("Share error")])
        self.layers.verticalHeader().hide()
        self.layers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.layers.itemChanged.connect(self._on_layers_item_changed)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("All conflicts"), "")
        for key, text in KIND_TEXT.items():
            self.kind.addItem(self.tr(text), key)
        self.kind.currentIndexChanged.connect(self._apply_filter)
        self.conflicts = QTableWidget(0, 4, self)
        self.conflicts.setObjectName("reconcileConflicts")
        self.conflicts.setHorizontalHeaderLabels([
            self.tr("Conflict"), self.tr("Layer"), self.tr("Area m²"), self.tr("Grids")])
        self.conflicts.verticalHeader().hide()
        self.conflicts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.conflicts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.conflicts.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch)
        self.conflicts.itemActivated.connect(self._on_conflicts_item_activated)
        self.conflicts.currentCellChanged.connect(self._on_conflicts_current_cell_changed)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.crosswalk_title = QLabel(self.tr("Click a grid on the map to see which "
                                              "departmental grids it is made of."), self)
        self.crosswalk_title.setWordWrap(True)
        self.crosswalk = QListWidget(self)
        self.crosswalk.setObjectName("reconcileCrosswalk")
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.layers, 2)
        layout.addWidget(self.kind)
        layout.addWidget(self.conflicts, 4)
        layout.addWidget(self.detail)
        layout.addWidget(self.crosswalk_title)
        layout.addWidget(self.crosswalk, 2)
        self._conflicts: list[ConflictRow] = []

    def kind_text(self, kind: str) -> str:
        return self.tr(KIND_TEXT.get(kind, kind))

    def set_busy(self, text: str) -> None:
        self.status.setText(text)
        self.open_button.setEnabled(False)

    def set_layers(self, rows: Sequence[LayerRow], summary: str) -> None:
        self.open_button.setEnabled(True)
        self.export_button.setEnabled(bool(rows))
        self.status.setText(summary)
        self.layers.blockSignals(True)
        self.layers.setRowCount(len(rows))
        for r, row in enumerate(rows):
            name = QTableWidgetItem(row.name + (" " + self.tr("(generated)")
                                                if row.generated else ""))
            name.setData(Qt.ItemDataRole.UserRole, row.name)
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked)
            name.setForeground(Qt.GlobalColor.white)
            name.setBackground(_colour(row.colour))
            self.layers.setItem(r, 0, name)
            for c, value in enumerate((row.department, f"{row.grids:,}", row.datum,
                                       f"{row.problems:,}", f"{row.split:,}",
                                       f"{row.share_error:.0e}"), start=1):
                self.layers.setItem(r, c, QTableWidgetItem(value))
        self.layers.resizeColumnsToContents()
        self.layers.blockSignals(False)

    def set_conflicts(self, rows: Sequence[ConflictRow]) -> None:
        self._conflicts = list(rows)
        self.conflicts.setRowCount(len(rows))
        for r, row in enumerate(rows):
            kind = QTableWidgetItem(self.kind_text(row.kind)
                                    + (" · " + self.tr("sliver") if row.sliver else ""))
            kind.setData(Qt.ItemDataRole.UserRole, r)
            self.conflicts.setItem(r, 0, kind)
            self.conflicts.setItem(r, 1, QTableWidgetItem(row.layer or self.tr("every layer")))
            area = QTableWidgetItem(f"{row.area_m2:,.0f}")
            area.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.conflicts.setItem(r, 2, area)
            self.conflicts.setItem(r, 3, QTableWidgetItem(row.codes))
        self.conflicts.resizeColumnsToContents()
        self._apply_filter()

    def visible_conflicts(self) -> list[int]:
        return [r for r in range(self.conflicts.rowCount()) if not self.conflicts.isRowHidden(r)]

    def show_crosswalk(self, title: str, lines: Sequence[str]) -> None:
        self.crosswalk_title.setText(title)
        self.crosswalk.clear()
        self.crosswalk.addItems(list(lines))

    @Slot()
    def _apply_filter(self, *_: object) -> None:
        want = self.kind.currentData()
        for r, row in enumerate(self._conflicts):
            self.conflicts.setRowHidden(r, bool(want) and row.kind != want)

    @Slot(QTableWidgetItem)
    def _on_layers_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:
            self.sig_layer_toggled.emit(item.data(Qt.ItemDataRole.UserRole),
                                        item.checkState() == Qt.CheckState.Checked)

    @Slot(QTableWidgetItem)
    def _on_conflicts_item_activated(self, item: QTableWidgetItem) -> None:
        self.sig_conflict_activated.emit(item.row())

    @Slot(int, int, int, int)
    def _on_conflicts_current_cell_changed(self, row: int, *_: int) -> None:
        if 0 <= row < len(self._conflicts):
            self.detail.setText(self._conflicts[row].message)


def _colour(name: str) -> QColor:
    from PySide6.QtGui import QColor

    return QColor(name)
