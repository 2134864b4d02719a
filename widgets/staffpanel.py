"""Staff of a grid (its 1+3+X) or of a unit, with role, duty status and contact."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, \
    QWidget

from models.records import StaffRecord
from widgets import labels


class StaffPanel(QWidget):
    """A table of :class:`StaffRecord` rows under a caption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(self.tr("Click a grid on the map to see its staff"), self)
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Role"),
                                              self.tr("Duty"), self.tr("Phone")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)

    def show_staff(self, caption: str, staff: Sequence[StaffRecord]) -> None:
        self.caption.setText(caption)
        order = {"supervisor": 0, "manager": 1, "assistant": 2, "volunteer": 3}
        rows = sorted(staff, key=lambda s: (order.get(s.role, 9), s.name))
        self.table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            for c, text in enumerate((s.name, labels.role(s.role), labels.duty(s.duty_status),
                                      s.phone)):
                self.table.setItem(r, c, QTableWidgetItem(text))
