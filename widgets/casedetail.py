"""Case detail: the selected case, its history and why it went where it went."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QListWidget,
    QVBoxLayout,
    QWidget,
)

from models.records import CaseRecord, HistoryRecord
from widgets import labels


class CaseDetailWidget(QWidget):
    """Shows one :class:`CaseRecord` and its :class:`HistoryRecord` rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_id: int | None = None
        self.title = QLabel(self.tr("No case selected"), self)
        self.title.setObjectName("caseTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, text in (("number", self.tr("Number")), ("status", self.tr("Status")),
                          ("category", self.tr("Category")), ("priority", self.tr("Priority")),
                          ("channel", self.tr("Channel")), ("address", self.tr("Address")),
                          ("reporter", self.tr("Reporter")), ("grid", self.tr("Grid")),
                          ("deadline", self.tr("Step deadline"))):
            label = QLabel(self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.fields[key] = label
            form.addRow(text, label)
        self.history = QListWidget(self)
        self.trace = QListWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("History"), self))
        layout.addWidget(self.history, 2)
        layout.addWidget(QLabel(self.tr("Routing trace"), self))
        layout.addWidget(self.trace, 1)

    def show_case(self, case: CaseRecord, history: Sequence[HistoryRecord],
                  grid_code: str = "", trace: Sequence[str] = ()) -> None:
        self.case_id = case.id
        self.title.setText(case.title)
        f = self.fields
        f["number"].setText(case.number)
        f["status"].setText(labels.status(case.status))
        f["category"].setText(f"{labels.category(case.category)} · {case.subcategory} · "
                              f"{self.tr('class')} {case.event_class}")
        f["priority"].setText(labels.priority(case.priority))
        f["channel"].setText(labels.channel(case.channel))
        f["address"].setText(case.address or f"{case.lon:.6f}, {case.lat:.6f}")
        f["reporter"].setText(" ".join(x for x in (case.reporter_name, case.reporter_phone) if x))
        f["grid"].setText(grid_code or self.tr("outside every grid"))
        f["deadline"].setText(case.step_deadline.astimezone().strftime("%Y-%m-%d %H:%M")
                              if case.step_deadline else "—")
        self.history.clear()
        for h in history:
            when = h.at.astimezone().strftime("%m-%d %H:%M:%S")
            moved = f"{labels.status(h.from_status)} → " if h.from_status else ""
            note = f" — {h.note}" if h.note else ""
            self.history.addItem(f"{when}  {h.action}  {moved}{labels.status(h.to_status)}  "
                                 f"({labels.role(h.actor_role)}){note}")
        self.trace.clear()
        self.trace.addItems(list(trace))

    def clear(self) -> None:
        self.case_id = None
        self.title.setText(self.tr("No case selected"))
        for label in self.fields.values():
            label.clear()
        self.history.clear()
        self.trace.clear()
