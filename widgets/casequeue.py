"""The case queue: a model/view over :class:`models.cases.queue.CaseTable` with sorting and filters.

Filtering and sorting are numpy operations on the table's columns, not per-row Python
callbacks (QSortFilterProxyModel would call back 100,000 times), so 100,000 rows filter in
a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.cases.table import LEVEL_CODES, PRIORITY_CODES, STATUS_CODES, CaseTable
from models.core.catalogue import CATEGORY_CODES
from widgets import labels

Index = QModelIndex | QPersistentModelIndex
# the invalid index, the default parent of rowCount/columnCount (one instance, as a default was)
_ROOT = QModelIndex()
OVERDUE_BRUSH = QBrush(QColor("#d9534f"))


@dataclass(frozen=True)
class QueueFilter:
    """What the dispatcher wants to see; empty sets mean "all"."""

    categories: frozenset[str] = field(default_factory=frozenset)
    statuses: frozenset[str] = field(default_factory=frozenset)
    levels: frozenset[str] = field(default_factory=frozenset)
    districts: frozenset[str] = field(default_factory=frozenset)
    overdue_only: bool = False
    open_only: bool = False
    text: str = ""


def filter_mask(table: CaseTable, flt: QueueFilter, now: dt.datetime) -> np.ndarray:
    """Boolean mask of the rows of ``table`` that pass ``flt`` (vectorised)."""
    mask = np.ones(len(table), dtype=bool)
    if flt.categories:
        mask &= np.isin(table.category, [CATEGORY_CODES.index(c) for c in flt.categories])
    if flt.statuses:
        mask &= np.isin(table.status, [STATUS_CODES.index(s) for s in flt.statuses])
    if flt.levels:
        mask &= np.isin(table.level, [LEVEL_CODES.index(lv) for lv in flt.levels])
    if flt.districts:
        mask &= np.isin(table.district, list(flt.districts))
    if flt.open_only:
        mask &= table.open_mask()
    if flt.overdue_only:
        mask &= table.overdue_mask(now)
    if flt.text:
        needle = flt.text.strip().lower()
        idx = np.flatnonzero(mask)
        hits = [i for i in idx if needle in table.numbers[i].lower()
                or needle in table.titles[i].lower() or needle in table.grid_code[i]]
        mask = np.zeros(len(table), dtype=bool)
        mask[hits] = True
    return mask


def _key(table: CaseTable, column: str, overdue: np.ndarray | None = None) -> np.ndarray:
    """A column of ``table`` to sort by (the holders of a table read without them: none).

    The deadline column sorts by urgency: overdue first (``overdue``, a mask), then by
    priority (urgent first), then by the deadline (the soonest first; none last)."""
    if column == "deadline":
        late = np.zeros(len(table), bool) if overdue is None else overdue
        # one float: 1e13 per overdue step, 1e11 per priority step, the deadline's seconds
        return ((~late) * 1e13 + (len(PRIORITY_CODES) - 1 - table.priority) * 1e11
                + table.deadline)
    values = getattr(table, column)
    return values if values is not None else np.full(len(table), "", dtype=object)


class CaseQueueModel(QAbstractTableModel):
    """Rows of the case table that pass the filter, in the chosen order."""

    COLUMNS = cast("tuple[str, ...]", (  # QT_TRANSLATE_NOOP returns its text (stubs: object)
        QT_TRANSLATE_NOOP("CaseQueueModel", "Number"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Status"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Category"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Priority"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Title"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Grid"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "District"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Reported"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Deadline"),
        QT_TRANSLATE_NOOP("CaseQueueModel", "Held by"),
    ))
    SORT_KEYS = ("ids", "status", "category", "priority", "titles", "grid_code", "district",
                 "reported_at", "deadline", "claimed_by")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table = CaseTable.from_rows([])
        self.filter = QueueFilter()
        self._rows = np.zeros(0, dtype=np.int64)  # indices into self.table
        # the most urgent first (the deadline column: overdue, priority, deadline), so new
        # cases do not push the one being worked on down the list every few seconds
        self._sort: tuple[int, Qt.SortOrder] = (8, Qt.SortOrder.AscendingOrder)
        self._now = dt.datetime.now(dt.UTC)
        self._clock: dt.datetime | None = None  # the time the table shows (None: now)
        self._overdue = np.zeros(0, dtype=bool)
        self.district_names: dict[str, str] = {}  # code -> name, for the district column

    # -- data in -------------------------------------------------------------------------
    def set_table(self, table: CaseTable, now: dt.datetime | None = None) -> None:
        """Show ``table``; overdue is judged at ``now`` (a replay's clock), else the time
        of each filtering."""
        self.beginResetModel()
        self.table = table
        self._clock = now
        self._apply()
        self.endResetModel()

    def update_rows(self, table: CaseTable, changed: np.ndarray) -> bool:
        """Show ``table``, which differs from the one shown only in the ``changed`` rows
        (patched or added at the end): when none of them enters or leaves the filter or moves
        in the order, the model repaints just those rows and returns True; otherwise it
        filters and sorts again (a reset) and returns False."""
        changed = np.asarray(changed, dtype=np.intp)
        old = self.table
        same = (self._clock is None and len(table) == len(old) and len(changed) > 0
                and bool(np.all(changed < len(old))))
        if same:
            now = self._now
            was = np.isin(changed, self._rows)
            passes = filter_mask(table.take(changed), self.filter, now)
            column = self.SORT_KEYS[self._sort[0]]
            late = table.take(changed).overdue_mask(now)
            before = _key(old, column, self._overdue)[changed]
            after = _key(table.take(changed), column, late)
            same = bool(np.array_equal(was, passes)) and all(
                a == b or (a != a and b != b) for a, b in zip(before, after, strict=True))
        if not same:
            self.set_table(table, self._clock)
            return False
        self.table = table
        self._overdue[changed] = table.take(changed).overdue_mask(self._now)
        for i in changed[np.isin(changed, self._rows)]:
            row = int(np.flatnonzero(self._rows == i)[0])
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        return True

    def set_filter(self, flt: QueueFilter) -> None:
        self.beginResetModel()
        self.filter = flt
        self._apply()
        self.endResetModel()

    def _apply(self) -> None:
        self._now = self._clock or dt.datetime.now(dt.UTC)
        self._overdue = self.table.overdue_mask(self._now)
        rows = np.flatnonzero(filter_mask(self.table, self.filter, self._now))
        column, order = self._sort
        key = _key(self.table, self.SORT_KEYS[column], self._overdue)[rows]
        if key.dtype == object:
            key = key.astype(str)
        ordering = np.argsort(key, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            ordering = ordering[::-1]
        self._rows = rows[ordering]

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply()
        self.layoutChanged.emit()

    # -- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        i = int(self._rows[index.row()])
        t = self.table
        if role == Qt.ItemDataRole.DisplayRole:
            c = index.column()
            if c == 0:
                return t.numbers[i]
            if c == 1:
                return labels.status(STATUS_CODES[t.status[i]])
            if c == 2:
                return labels.category(CATEGORY_CODES[t.category[i]])
            if c == 3:
                return labels.priority(PRIORITY_CODES[t.priority[i]])
            if c == 4:
                return t.titles[i]
            if c == 5:
                return t.grid_code[i]
            if c == 6:
                return self.district_names.get(t.district[i], t.district[i])
            if c in (7, 8):
                secs = t.reported_at[i] if c == 7 else t.deadline[i]
                if np.isnan(secs):
                    return ""
                return dt.datetime.fromtimestamp(secs).strftime("%m-%d %H:%M")
            if c == 9:
                return self._holder(i)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 9 and self._holder(i):
            return self.tr("Held by {0}").format(self._holder(i))
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 6:
            return t.district[i]  # the code beside the name
        if role == Qt.ItemDataRole.ForegroundRole and self._overdue[i]:
            return OVERDUE_BRUSH
        if role == Qt.ItemDataRole.UserRole:
            return int(t.ids[i])
        return None

    def _holder(self, i: int) -> str:
        """Who holds the case of table row ``i`` now ("" nobody, or the claim ran out)."""
        t = self.table
        if t.claimed_by is None or not t.claimed_by[i]:
            return ""
        until = t.claim_until[i] if t.claim_until is not None else np.nan
        return "" if until < dt.datetime.now(dt.UTC).timestamp() else str(t.claimed_by[i])

    def case_id_at(self, row: int) -> int:
        return int(self.table.ids[self._rows[row]])

    def row_of_case(self, case_id: int) -> int | None:
        hits = np.flatnonzero(self.table.ids[self._rows] == case_id)
        return int(hits[0]) if len(hits) else None


class CaseQueueWidget(QWidget):
    """Filter bar over the case table."""

    sig_case_selected = Signal(int)
    """The dispatcher selected the case with this id in the queue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseQueueModel(self)
        self._quiet = False  # selection made by code (sync from the map): do not echo it
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(8, Qt.SortOrder.AscendingOrder)  # the most urgent first
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.fit_columns()

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Filter by number, title or grid"))
        self.search.setClearButtonEnabled(True)
        self.category = self._combo(self.tr("All categories"),
                                    [(c, labels.category(c)) for c in CATEGORY_CODES])
        self.status = self._combo(self.tr("All statuses"),
                                  [(s, labels.status(s)) for s in STATUS_CODES])
        self.level = self._combo(self.tr("All levels"),
                                 [(lv, labels.level(lv)) for lv in LEVEL_CODES])
        self.district = self._combo(self.tr("All districts"), [])
        self.open_only = QCheckBox(self.tr("Open"), self)
        self.open_only.setChecked(True)
        self.overdue = QCheckBox(self.tr("Overdue"), self)
        bar = QHBoxLayout()
        for w in (self.search, self.category, self.status, self.level, self.district,
                  self.open_only, self.overdue):
            bar.addWidget(w)
        bar.setStretch(0, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        # the queue lists a window of closed cases; the older ones are a search away
        self.older = QLabel(self)
        self.older.hide()
        layout.addWidget(self.older)
        self.search.textChanged.connect(self._on_filter_changed)
        for combo in (self.category, self.status, self.level, self.district):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.open_only.toggled.connect(self._on_filter_changed)
        self.overdue.toggled.connect(self._on_filter_changed)
        self._on_filter_changed()

    def _combo(self, all_text: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(all_text, None)
        for code, text in items:
            combo.addItem(text, code)
        return combo

    def fit_columns(self) -> None:
        """The columns whose texts have one length (numbers, codes, times) as wide as that
        text in the current font: a case number is never cut short."""
        m = self.view.fontMetrics()
        pad = m.averageCharWidth() * 3
        for column, widest in ((0, "C2026120400000000"), (5, "430102001001001"),
                               (7, "00-00 00:00"), (8, "00-00 00:00")):
            self.view.setColumnWidth(column, m.horizontalAdvance(widest) + pad)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:  # View → Text size
            self.fit_columns()
        super().changeEvent(event)

    def set_districts(self, districts: list[tuple[str, str]]) -> None:
        self.model.district_names = dict(districts)  # the district column shows names
        self.district.blockSignals(True)
        while self.district.count() > 1:
            self.district.removeItem(1)
        for code, name in districts:
            self.district.addItem(f"{name} {code}", code)
        self.district.blockSignals(False)

    def current_filter(self) -> QueueFilter:
        def one(combo: QComboBox) -> frozenset[str]:
            code = combo.currentData()
            return frozenset() if code is None else frozenset({code})

        return QueueFilter(categories=one(self.category), statuses=one(self.status),
                           levels=one(self.level), districts=one(self.district),
                           overdue_only=self.overdue.isChecked(),
                           open_only=self.open_only.isChecked(), text=self.search.text())

    def set_table(self, table: CaseTable, now: dt.datetime | None = None) -> None:
        selected = self.selected_case_id()
        self.model.set_table(table, now)
        self.older.setVisible(table.closed_beyond > 0)
        self.older.setText(self.tr("Older closed cases: {0} (not listed: the search box, "
                                   "Ctrl+F, finds them by number, title or grid)").format(
                                       table.closed_beyond))
        if selected is not None:
            self.select_case(selected, emit=False)

    def update_rows(self, table: CaseTable, changed: np.ndarray) -> None:
        """Show ``table`` after a change record: only its ``changed`` rows are redrawn when
        the filter and the order allow (see :meth:`CaseQueueModel.update_rows`)."""
        selected = self.selected_case_id()
        if not self.model.update_rows(table, changed) and selected is not None:
            self.select_case(selected, emit=False)

    @Slot()
    def _on_filter_changed(self) -> None:
        self.model.set_filter(self.current_filter())

    def selected_case_id(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.case_id_at(rows[0].row()) if rows else None

    def select_case(self, case_id: int, *, emit: bool = True) -> bool:
        """Select (and scroll to) a case; False when the filter hides it."""
        row = self.model.row_of_case(case_id)
        if row is None:
            return False
        self._quiet = not emit
        try:
            self.view.selectRow(row)
        finally:
            self._quiet = False
        self.view.scrollTo(self.model.index(row, 0))
        return True

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, selected: QItemSelection, _deselected: QItemSelection
                              ) -> None:
        if selected.indexes() and not self._quiet:
            self.sig_case_selected.emit(self.model.case_id_at(selected.indexes()[0].row()))
