"""The alert list: overdue and urgent cases that need a dispatcher's eye."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget


class AlertList(QWidget):
    """Alerts as (case id, text, severity) triples, severity ``overdue`` or ``warning``
    (past 80 % of the step's time); clicking one selects its case."""

    sig_case_selected = Signal(int)
    """The user clicked the alert of the case with this id."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemClicked.connect(self._on_item_activated)

    def set_alerts(self, alerts: Sequence[tuple[int, str, str]]) -> None:
        self.list.clear()
        for case_id, text, severity in alerts:
            item = QListWidgetItem(("⚠ " if severity == "overdue" else "● ") + text)
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            item.setForeground(Qt.GlobalColor.red if severity == "overdue"
                               else Qt.GlobalColor.darkYellow)
            self.list.addItem(item)

    @Slot(QListWidgetItem)
    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.sig_case_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))
