"""The escalation board: open and overdue cases by the level handling them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from widgets import labels

LEVEL_ROWS = ("", "community", "street", "district", "city")
# QT_TRANSLATE_NOOP returns its text; the stubs say object
HEADERS = cast("tuple[str, ...]", (QT_TRANSLATE_NOOP("EscalationBoard", "Level"),
                                   QT_TRANSLATE_NOOP("EscalationBoard", "Open"),
                                   QT_TRANSLATE_NOOP("EscalationBoard", "Overdue")))


class EscalationBoard(QWidget):
    """Counts per level (unassigned, community, street, district, city): open and overdue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 4)
        for col, text in enumerate(HEADERS):
            head = QLabel(f"<b>{self.tr(text)}</b>", self)
            grid.addWidget(head, 0, col)
        self.cells: dict[str, tuple[QLabel, QLabel]] = {}
        for row, level in enumerate(LEVEL_ROWS, start=1):
            grid.addWidget(QLabel(labels.level(level), self), row, 0)
            open_label, overdue_label = QLabel("0", self), QLabel("0", self)
            grid.addWidget(open_label, row, 1)
            grid.addWidget(overdue_label, row, 2)
            self.cells[level] = (open_label, overdue_label)
        grid.setRowStretch(len(LEVEL_ROWS) + 1, 1)

    def set_counts(self, open_by_level: Mapping[str, int], overdue_by_level: Mapping[str, int]
                   ) -> None:
        for level, (open_label, overdue_label) in self.cells.items():
            open_label.setText(f"{open_by_level.get(level, 0):,}")
            n = overdue_by_level.get(level, 0)
            overdue_label.setText(f"<span style='color:#d9534f'>{n:,}</span>" if n else "0")
