"""Help → Keyboard shortcuts: every shortcut of the window, read from its actions.

The list is made from the actions themselves (their menu, their text, their shortcut as the
platform writes it), so it never drifts from what the keys do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def _plain(text: str) -> str:
    """A menu text without its mnemonic ampersands and trailing ellipsis."""
    return text.replace("&&", "\x00").replace("&", "").replace("\x00", "&").rstrip("…")


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every action of ``window`` with a shortcut: the menus'
    actions under their menu's name, then the window's others (the docks' keys)."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for a in menu.actions():
            sub = a.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} › {_plain(a.text())}")
            elif not a.isSeparator() and not a.shortcut().isEmpty() and id(a) not in seen:
                seen.add(id(a))
                rows.append((path, _plain(a.text()), a.shortcut().toString(
                    QKeySequence.SequenceFormat.NativeText)))

    for top in window.menuBar().actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub, _plain(top.text()))
    for a in window.findChildren(QAction):
        if id(a) not in seen and not a.shortcut().isEmpty() and a.text():
            seen.add(id(a))
            rows.append(("", _plain(a.text()), a.shortcut().toString(
                QKeySequence.SequenceFormat.NativeText)))
    return rows


class ShortcutsDialog(QDialog):
    """The window's shortcuts in a table, with a filter box."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter: an action or a key"))
        self.filter.setClearButtonEnabled(True)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Menu"), self.tr("Action"),
                                              self.tr("Keys")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        rows = shortcut_rows(window)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.resize(620, 560)

    def _row(self, r: int) -> tuple[str, str, str]:
        menu, action, keys = (self.table.item(r, c) for c in range(3))
        return tuple(x.text() if x is not None else ""  # type: ignore[return-value]
                     for x in (menu, action, keys))

    def _on_filter_text_changed(self, text: str) -> None:
        needle = text.casefold().strip()
        for r in range(self.table.rowCount()):
            hay = " ".join(self._row(r)).casefold()
            self.table.setRowHidden(r, bool(needle) and needle not in hay)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        return [self._row(r) for r in range(self.table.rowCount())
                if not self.table.isRowHidden(r)]




def open_shortcuts(window: QMainWindow) -> ShortcutsDialog:
    """Show the dialog (not modal: the keys can be tried while it is open)."""
    dialog = ShortcutsDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


__all__ = ["ShortcutsDialog", "open_shortcuts", "shortcut_rows"]
