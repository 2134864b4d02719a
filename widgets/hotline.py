"""The 12345 hotline form: caller, phone, address, a click on the map, a category
suggested from the words of the call, and a warning when a likely duplicate is open."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class HotlineForm(QDialog):
    """Takes a call down. The controller gives the subcategories and the suggester and
    decides what becomes of the call (the form never reaches the database)."""

    sig_pick_requested = Signal()
    """The dispatcher wants to place the call's location by clicking the map."""

    sig_submitted = Signal(dict)
    """The dispatcher submitted the call (the payload of the hotline adapter)."""

    def __init__(self, subcategories: Sequence[tuple[str, str]],
                 suggest: Callable[[str], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("12345 hotline call"))
        self._suggest = suggest
        self.caller = QLineEdit(self)
        self.phone = QLineEdit(self)
        self.phone.setPlaceholderText("138xxxxxxxx")
        self.address = QLineEdit(self)
        self.lon = QDoubleSpinBox(self)
        self.lat = QDoubleSpinBox(self)
        for box, low, high in ((self.lon, 73.0, 136.0), (self.lat, 3.0, 54.0)):
            box.setDecimals(6)
            box.setRange(low, high)
        self.lon.setValue(112.98)
        self.lat.setValue(28.19)
        pick = QPushButton(self.tr("Pick on the map"), self)
        pick.clicked.connect(self.sig_pick_requested)
        where = QHBoxLayout()
        where.addWidget(self.lon)
        where.addWidget(self.lat)
        where.addWidget(pick)
        self.description = QPlainTextEdit(self)
        self.description.textChanged.connect(self._on_description_text_changed)
        self.subcategory = QComboBox(self)
        for code, name in subcategories:
            self.subcategory.addItem(f"{code} {name}", code)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #e0a040;")
        form = QFormLayout()
        form.addRow(self.tr("Caller"), self.caller)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Location"), where)
        form.addRow(self.tr("What happened"), self.description)
        form.addRow(self.tr("Subcategory"), self.subcategory)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.warning)
        layout.addWidget(buttons)

    @Slot()
    def _on_description_text_changed(self) -> None:
        code = self._suggest(self.description.toPlainText())
        if code is None:
            self.hint.clear()
            return
        index = self.subcategory.findData(code)
        if index >= 0:
            self.subcategory.setCurrentIndex(index)
            self.hint.setText(self.tr("Suggested from the description: {0}")
                              .format(self.subcategory.currentText()))

    def set_location(self, lon: float, lat: float) -> None:
        self.lon.setValue(lon)
        self.lat.setValue(lat)

    def show_warning(self, text: str) -> None:
        self.warning.setText(text)

    def payload(self) -> dict:
        text = self.description.toPlainText().strip()
        return {"caller": self.caller.text().strip(), "phone": self.phone.text().strip(),
                "address": self.address.text().strip(), "lon": self.lon.value(),
                "lat": self.lat.value(), "description": text, "title": text[:40],
                "subcategory": self.subcategory.currentData()}

    @Slot()
    def _on_buttons_accepted(self) -> None:
        self.sig_submitted.emit(self.payload())
