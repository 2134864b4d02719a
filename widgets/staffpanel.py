"""Staff of a grid (its 1+3+X) or of a unit, with role, duty status and contact."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.core.records import StaffRecord
from widgets import labels


class StaffPanel(QWidget):
    """A grid's staff (:class:`StaffRecord` rows) and its open cases."""

    sig_case_selected = Signal(int)
    """The user clicked one of the grid's open cases."""

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
        self.cases_caption = QLabel(self)
        self.cases = QListWidget(self)
        self.cases.itemClicked.connect(self._on_cases_item_clicked)
        self.load_caption = QLabel(self)
        self.load = QTableWidget(0, 4, self)
        self.load.setHorizontalHeaderLabels([self.tr("Community"), self.tr("Staff"),
                                             self.tr("Open cases"), self.tr("Per person")])
        self.load.verticalHeader().hide()
        self.load.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.load.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.load.setSortingEnabled(True)
        self.load.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # the busiest first
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.cases_caption)
        layout.addWidget(self.cases, 1)
        layout.addWidget(self.load_caption)
        layout.addWidget(self.load, 2)

    def set_workload(self, rows: Sequence[tuple[str, int, int, float, str]],
                     shown: int = 12) -> None:
        """Workload by community: the busiest first; counts of overloaded and idle."""
        over = sum(1 for r in rows if r[4] == "overloaded")
        idle = sum(1 for r in rows if r[4] == "idle")
        self.load_caption.setText(self.tr("Workload by community: {0} overloaded, {1} idle")
                                  .format(over, idle))
        top = list(rows[:shown])
        self.load.setSortingEnabled(False)  # (filled unsorted, then sorted as the user chose)
        self.load.setRowCount(len(top))
        colours = {"overloaded": Qt.GlobalColor.red, "idle": Qt.GlobalColor.gray}
        for r, (code, staff, cases, per, state) in enumerate(top):
            for c, value in enumerate((code, staff, cases, round(per, 2))):
                item = QTableWidgetItem()
                # numbers as numbers: a click on the header sorts 10 after 9
                item.setData(Qt.ItemDataRole.DisplayRole, value)
                if state in colours:
                    item.setForeground(colours[state])
                self.load.setItem(r, c, item)
        self.load.setSortingEnabled(True)

    def show_staff(self, caption: str, staff: Sequence[StaffRecord],
                   open_cases: Sequence[tuple[int, str]] = ()) -> None:
        self.caption.setText(caption)
        self.cases_caption.setText(self.tr("Open cases here: {0}").format(len(open_cases)))
        self.cases.clear()
        for case_id, text in open_cases:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            self.cases.addItem(item)
        order = {"supervisor": 0, "manager": 1, "assistant": 2, "volunteer": 3}
        rows = sorted(staff, key=lambda s: (order.get(s.role, 9), s.name))
        self.table.setRowCount(len(rows))
        for r, s in enumerate(rows):
            for c, text in enumerate((s.name, labels.role(s.role), labels.duty(s.duty_status),
                                      s.phone)):
                self.table.setItem(r, c, QTableWidgetItem(text))

    @Slot(QListWidgetItem)
    def _on_cases_item_clicked(self, item: QListWidgetItem) -> None:
        self.sig_case_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))
