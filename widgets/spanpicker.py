"""The dialog in which a dispatcher marks the grids a case spans.

It stays open beside the map (not modal): the neighbouring grids of the case's own grid are
listed to tick, and a click on any grid of the map ticks or unticks it. As the selection
changes, the dialog shows where the case would go (the lowest common unit, worked out by the
controller's ``describe`` callback, which needs no database) and says so in
:attr:`sig_selection_changed` for the map to highlight the grids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True, slots=True)
class GridChoice:
    """One grid the dispatcher may tick: its id, code and a readable label."""

    id: int
    code: str
    label: str


class SpanPicker(QDialog):
    """Tick the grids a case spans; OK marks them (the controller does the writing)."""

    #: the codes of the ticked grids, whenever the selection changes (for the map)
    sig_selection_changed = Signal(list)

    def __init__(self, case_number: str, own: GridChoice | None,
                 neighbours: Sequence[GridChoice], marked: set[int],
                 describe: Callable[[list[int]], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("spanPicker")
        self.setWindowTitle(self.tr("Grids case {0} spans").format(case_number))
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setMinimumWidth(520)  # grid, code and community by name, without cutting
        self._describe = describe
        self._own = own
        self.list = QListWidget()
        self.list.setObjectName("spanGrids")
        self.where = QLabel()
        self.where.setObjectName("spanRoutesTo")
        self.where.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Why (optional): e.g. the cave-in crosses the road"))
        hint = QLabel(self.tr("Tick the grids the case reaches, or click them on the map. "
                              "Its own grid is always included."))
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Mark span"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (hint, self.list, self.where, self.note, self.buttons):
            layout.addWidget(w)
        if own is not None:
            item = self._add(own, True)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable
                          & ~Qt.ItemFlag.ItemIsEnabled)
            item.setText(self.tr("{0} (the case's own grid)").format(own.label))
        for choice in neighbours:
            if own is None or choice.id != own.id:
                self._add(choice, choice.id in marked)
        self.list.itemChanged.connect(self._changed)
        self._changed()

    def _add(self, choice: GridChoice, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem(choice.label)
        item.setData(Qt.ItemDataRole.UserRole, choice)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.list.addItem(item)
        return item

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def selected(self) -> list[GridChoice]:
        """The ticked grids, the case's own first."""
        return [it.data(Qt.ItemDataRole.UserRole) for it in self._items()
                if it.checkState() == Qt.CheckState.Checked]

    def selected_ids(self) -> list[int]:
        return [c.id for c in self.selected()]

    def toggle(self, choice: GridChoice) -> None:
        """A click on the map: tick a grid not listed yet, else flip it (never the own grid)."""
        if self._own is not None and choice.id == self._own.id:
            return
        for it in self._items():
            if it.data(Qt.ItemDataRole.UserRole).id == choice.id:
                it.setCheckState(Qt.CheckState.Unchecked
                                 if it.checkState() == Qt.CheckState.Checked
                                 else Qt.CheckState.Checked)
                return
        self._add(choice, True)
        self._changed()

    def _changed(self, *_: object) -> None:
        ids = self.selected_ids()
        self.where.setText(self._describe(ids))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(ids))
        self.sig_selection_changed.emit([c.code for c in self.selected()])
