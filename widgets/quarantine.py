"""The intake quarantine: items that could not become cases, kept with their reasons.

A dispatcher inspects an item, fixes its payload in a JSON editor if need be, and asks for a
retry, or discards it with a reason. Any channel can be retried: hotline, snap, IoT alerts and
staff positions. Residents' phones arrive masked; **Show phone** asks the controller for the
item unmasked (an audited read), which comes back through
:meth:`QuarantineWidget.show_revealed`. The widget never reaches the database: the controller
gives it :class:`models.core.records.QuarantineRecord` rows and acts on its signals, then reports
the outcome with :meth:`QuarantineWidget.show_result`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.core.records import QuarantineRecord
from widgets import labels

# the payload keys holding residents' phones: models.intake.service.PHONE_KEYS (widgets may not
# import the intake service, which reaches the database)
PHONE_KEYS = ("phone", "reporter_phone")


class QuarantineWidget(QWidget):
    """The pending quarantine items, the selected item's payload, retry and discard."""

    sig_retry_requested = Signal(int, object)
    """Retry the quarantine item with this id: with the payload as edited (a dict), or as
    stored when the payload is None."""

    sig_discard_requested = Signal(int, str)
    """Discard the quarantine item with this id, for the reason the dispatcher gave."""

    sig_reveal_requested = Signal(int)
    """Show the quarantine item with this id with its phones unmasked (an audited read,
    for roles with contact rights); answered by :meth:`show_revealed`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._records: dict[int, QuarantineRecord] = {}
        self._shown_id: int | None = None  # the item whose payload the editor holds
        self._populating = False

        self.count = QLabel(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Received"), self.tr("Channel"),
                                              self.tr("Reason"), self.tr("Source")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)

        self.editor = QPlainTextEdit(self)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlaceholderText(self.tr("Select an item to see what arrived"))
        self.editor.textChanged.connect(self._on_editor_text_changed)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9534f;")
        self.error.hide()
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.retry = QPushButton(self.tr("Retry"), self)
        self.retry.setToolTip(self.tr("Try the item again as it was received"))
        self.retry_edited = QPushButton(self.tr("Retry as edited"), self)
        self.retry_edited.setToolTip(self.tr("Try the item again with the payload in the editor"))
        self.discard = QPushButton(self.tr("Discard…"), self)
        self.reveal = QPushButton(self.tr("Show phone"), self)
        self.reveal.setToolTip(self.tr("Show the caller's phone unmasked (the read is "
                                       "recorded in the audit trail)"))
        self.reveal.clicked.connect(self._on_reveal_clicked)
        self.retry.clicked.connect(self._on_retry_clicked)
        self.retry_edited.clicked.connect(self._on_retry_edited_clicked)
        self.discard.clicked.connect(self._on_discard_clicked)
        # two rows: the dock stays narrow enough for the main window on a small screen
        buttons = QGridLayout()
        buttons.addWidget(self.retry, 0, 0)
        buttons.addWidget(self.retry_edited, 0, 1)
        buttons.addWidget(self.reveal, 1, 0)
        buttons.addWidget(self.discard, 1, 1)
        buttons.setColumnStretch(2, 1)

        below = QWidget(self)
        lower = QVBoxLayout(below)
        lower.setContentsMargins(0, 0, 0, 0)
        lower.addWidget(self.editor, 1)
        lower.addWidget(self.error)
        lower.addLayout(buttons)
        lower.addWidget(self.result)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(below)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.count)
        layout.addWidget(split, 1)
        self.set_items([])

    # -- data in -------------------------------------------------------------------------
    def set_items(self, records: Sequence[QuarantineRecord]) -> None:
        """Show these items (oldest first). The selected item stays selected, with any
        edits in the editor, while it is still in the list; otherwise the first is."""
        keep = self.selected_id()
        self._records = {r.id: r for r in records}
        self._populating = True
        try:
            self.table.clearSelection()
            self.table.setRowCount(len(records))
            for row, r in enumerate(records):
                received = r.received_at.astimezone().strftime("%Y-%m-%d %H:%M")
                for column, text in enumerate((received, labels.channel(r.channel),
                                               r.reason, r.source)):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, r.id)
                    if column == 2:
                        item.setToolTip(r.reason)
                    self.table.setItem(row, column, item)
            rows = [n for n, r in enumerate(records) if r.id == keep] or ([0] if records else [])
            if rows:
                self.table.selectRow(rows[0])
        finally:
            self._populating = False
        self.count.setText(self.tr("{0} item(s) waiting").format(len(records)))
        self._show_selected()

    def show_revealed(self, record: QuarantineRecord) -> None:
        """Put the unmasked phones of ``record`` into the editor: the whole payload when the
        dispatcher has not edited it, else only the phones still shown masked."""
        if record.id not in self._records or not isinstance(record.payload, dict):
            return
        shown = self._records[record.id]
        self._records[record.id] = record
        if record.id != self._shown_id:
            return
        try:
            edited = json.loads(self.editor.toPlainText())
        except json.JSONDecodeError:
            return  # a half-typed edit: leave it; the retry keeps the stored phones anyway
        if edited == shown.payload:
            edited = record.payload
        elif isinstance(edited, dict) and isinstance(shown.payload, dict):
            for key in PHONE_KEYS:
                if key in edited and edited[key] == shown.payload.get(key):
                    edited[key] = record.payload.get(key)
        self.editor.setPlainText(json.dumps(edited, ensure_ascii=False, indent=2))
        self._update_reveal()

    def show_result(self, text: str) -> None:
        """Say what became of the last retry or discard (e.g. the new reason)."""
        self.result.setText(text)

    # -- state ---------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        assert item is not None  # set_items fills every cell of a row
        return int(item.data(Qt.ItemDataRole.UserRole))

    def select_item(self, quarantine_id: int) -> bool:
        """Select an item by id; False when it is not listed."""
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            assert item is not None  # set_items fills every cell of a row
            if item.data(Qt.ItemDataRole.UserRole) == quarantine_id:
                self.table.selectRow(row)
                return True
        return False

    def edited_payload(self) -> dict | None:
        """The payload in the editor, or None (with the error shown) when it is not a JSON
        object."""
        try:
            payload = json.loads(self.editor.toPlainText())
        except json.JSONDecodeError as exc:
            self._show_error(self.tr("Not valid JSON: {0} (line {1}, column {2})")
                             .format(exc.msg, exc.lineno, exc.colno))
            return None
        if not isinstance(payload, dict):
            self._show_error(self.tr("The payload must be a JSON object: {...}"))
            return None
        return payload

    def _show_selected(self) -> None:
        qid = self.selected_id()
        for w in (self.retry, self.retry_edited, self.discard, self.editor):
            w.setEnabled(qid is not None)
        if qid == self._shown_id:
            self._update_reveal()
            return  # the same item (after a refresh): keep the dispatcher's edits
        self._shown_id = qid
        record = self._records.get(qid) if qid is not None else None
        self.editor.setPlainText("" if record is None else
                                 json.dumps(record.payload, ensure_ascii=False, indent=2))
        self._clear_error()
        self._update_reveal()

    def _update_reveal(self) -> None:
        """Show phone: only while the shown item holds a masked phone."""
        record = self._records.get(self._shown_id) if self._shown_id is not None else None
        payload = record.payload if record is not None else None
        self.reveal.setEnabled(isinstance(payload, dict) and any(
            isinstance(payload.get(k), str) and "*" in payload[k] for k in PHONE_KEYS))

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    # -- handlers ------------------------------------------------------------------------
    @Slot()
    def _on_table_selection_changed(self) -> None:
        if not self._populating:
            self._show_selected()

    @Slot()
    def _on_editor_text_changed(self) -> None:
        self._clear_error()

    @Slot()
    def _on_retry_clicked(self) -> None:
        qid = self.selected_id()
        if qid is not None:
            self.sig_retry_requested.emit(qid, None)

    @Slot()
    def _on_retry_edited_clicked(self) -> None:
        qid = self.selected_id()
        if qid is None:
            return
        payload = self.edited_payload()
        if payload is not None:
            self.sig_retry_requested.emit(qid, payload)

    @Slot()
    def _on_reveal_clicked(self) -> None:
        if self._shown_id is not None:
            self.sig_reveal_requested.emit(self._shown_id)

    @Slot()
    def _on_discard_clicked(self) -> None:
        qid = self.selected_id()
        if qid is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("Discard the item"),
                                          self.tr("Why is this item discarded?"))
        if not ok:
            return
        if not reason.strip():
            self._show_error(self.tr("Say why the item is discarded; it was kept."))
            return
        self.sig_discard_requested.emit(qid, reason.strip())
