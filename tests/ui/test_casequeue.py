"""The case queue: columns from the database, vectorised filters and sorting, selection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import Qt

from models.cases.queue import load_case_table
from models.cases.service import CaseService, NewCase
from models.cases.table import STATUS_CODES, CaseTable
from models.core.auth import Actor
from models.storage.schema import StaffRole
from widgets.casequeue import CaseQueueWidget, QueueFilter, filter_mask

NOW = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def synthetic_table(n: int, seed: int = 1) -> CaseTable:
    rng = np.random.default_rng(seed)
    cats = ["party", "city", "security", "environment", "emergency", "other"]
    statuses = ["reported", "accepted", "dispatched", "handling", "verifying", "archived"]
    levels = [None, "community", "street", "district", "city"]
    districts = ["430102", "430103", "430104", "430105", "430111", "430112"]
    rows = []
    for i in range(n):
        reported = NOW - dt.timedelta(hours=float(rng.uniform(0, 72)))
        rows.append((i + 1, f"C{i + 1:08d}", f"case {i}", cats[rng.integers(6)], "C01",
                     statuses[rng.integers(6)], "normal", levels[rng.integers(5)],
                     districts[rng.integers(6)], f"430103001001{i % 999:03d}", reported,
                     reported + dt.timedelta(hours=float(rng.uniform(1, 48))),
                     112.98, 28.19))
    return CaseTable.from_rows(rows)


def test_filter_mask_matches_a_row_by_row_reference() -> None:
    table = synthetic_table(3000)
    flt = QueueFilter(categories=frozenset({"city"}), statuses=frozenset({"handling"}),
                      districts=frozenset({"430103"}), overdue_only=True)
    got = np.flatnonzero(filter_mask(table, flt, NOW))
    want = [i for i in range(len(table))
            if table.category[i] == 1 and STATUS_CODES[table.status[i]] == "handling"
            and table.district[i] == "430103" and table.deadline[i] < NOW.timestamp()]
    assert got.tolist() == want and len(want) > 0


def test_text_filter_and_levels() -> None:
    table = synthetic_table(500)
    got = np.flatnonzero(filter_mask(table, QueueFilter(text="C00000042"), NOW))
    assert got.tolist() == [41]
    unassigned = filter_mask(table, QueueFilter(levels=frozenset({""})), NOW)
    assert unassigned.sum() == (table.level == 0).sum() > 0


def test_street_column_is_optional_in_rows() -> None:
    without = synthetic_table(3)
    assert without.street.tolist() == ["", "", ""]
    row = (1, "C1", "t", "city", "C01", "reported", "normal", None, "430103",
           "430103001001001", NOW, None, 112.98, 28.19, NOW)
    table = CaseTable.from_rows([(*row, "430103001"), (*row, None)])
    assert table.street.tolist() == ["430103001", ""]
    assert table.district.tolist() == ["430103", "430103"]


def test_widget_sorts_filters_and_selects(qtbot) -> None:
    widget = CaseQueueWidget()
    qtbot.addWidget(widget)
    widget.open_only.setChecked(False)
    widget.set_table(synthetic_table(200))
    assert widget.model.rowCount() == 200
    widget.model.sort(0, Qt.SortOrder.AscendingOrder)
    assert widget.model.case_id_at(0) == 1
    widget.category.setCurrentIndex(widget.category.findData("emergency"))
    shown = {widget.model.case_id_at(r) for r in range(widget.model.rowCount())}
    assert shown and all(widget.model.table.category[cid - 1] == 4 for cid in shown)
    target = next(iter(shown))
    with qtbot.waitSignal(widget.sig_case_selected) as blocker:
        widget.view.selectRow(widget.model.row_of_case(target))
    assert blocker.args == [target]
    # selecting from code (map -> queue) does not echo the selection back
    with qtbot.assertNotEmitted(widget.sig_case_selected):
        assert widget.select_case(target, emit=False)


@pytest.mark.parametrize("role", [StaffRole.DISPATCHER])
def test_table_from_database(tiny_city, role) -> None:
    db = tiny_city.db
    svc = CaseService(db, Actor("d", role), locate=lambda lon, lat: tiny_city.grids[0])
    for i in range(3):
        svc.report(NewCase(channel="patrol", subcategory="C01", lon=112.981, lat=28.189,
                           title=f"vending {i}"))
    table = load_case_table(db, Actor("d", role))
    assert len(table) == 3
    assert set(table.district) == {"430103"}
    assert set(table.street) == {"430103001"}
    assert set(table.grid_code) == {tiny_city.grid_codes[0]}
    assert table.open_mask().all()


def test_deadline_states_from_the_database(tiny_city) -> None:
    db = tiny_city.db
    svc = CaseService(db, Actor("d", StaffRole.DISPATCHER), locate=lambda lon, lat: None)
    now = dt.datetime.now(dt.UTC)
    for minutes in (1, 13, 30):  # class A accept limit: 15 minutes
        svc.report(NewCase(channel="patrol", subcategory="C04", lon=112.981, lat=28.189,
                           title=f"{minutes} min", reported_at=now - dt.timedelta(minutes=minutes)))
    table = load_case_table(db, Actor("d", StaffRole.DISPATCHER))
    states = dict(zip(table.titles, table.deadline_states(now).tolist(), strict=True))
    assert states == {"1 min": 0, "13 min": 1, "30 min": 2}


def test_the_queue_opens_on_the_most_urgent_and_a_new_case_keeps_the_selection(qtbot) -> None:
    """Default order: overdue first, then by priority (urgent first), then the soonest
    deadline; a case reported since does not move the selected one (issue 17)."""
    now = dt.datetime.now(dt.UTC)

    def row(i: int, priority: str, due_h: float) -> tuple:
        return (i, f"C{i:08d}", f"case {i}", "city", "C01", "dispatched", priority, None,
                "430103", "430103001001001", now - dt.timedelta(hours=1),
                now + dt.timedelta(hours=due_h), 112.98, 28.19)

    rows = [row(1, "normal", 5.0), row(2, "urgent", 8.0), row(3, "normal", -1.0),
            row(4, "high", 2.0), row(5, "urgent", 1.0)]
    widget = CaseQueueWidget()
    qtbot.addWidget(widget)
    widget.set_table(CaseTable.from_rows(rows))
    order = [widget.model.case_id_at(r) for r in range(widget.model.rowCount())]
    assert order == [3, 5, 2, 4, 1]  # overdue; urgent by deadline; high; normal
    widget.select_case(4)
    widget.view.verticalScrollBar().setValue(0)
    # a new, less urgent case arrives: the selected case keeps its row
    widget.update_rows(CaseTable.from_rows([*rows, row(6, "low", 30.0)]), np.array([5]))
    assert widget.selected_case_id() == 4
    assert [widget.model.case_id_at(r) for r in range(6)] == [3, 5, 2, 4, 1, 6]


def test_numbers_are_shown_whole_and_districts_by_name(qtbot) -> None:
    widget = CaseQueueWidget()
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    widget.set_districts([("430103", "天心区")])
    now = dt.datetime.now(dt.UTC)
    widget.set_table(CaseTable.from_rows([(1, "C2026120400000584", "井盖缺损", "city", "C04",
                                           "reported", "normal", None, "430103",
                                           "430103001001001", now, now, 112.98, 28.19)]))
    model = widget.model
    assert model.data(model.index(0, 6)) == "天心区"
    assert model.data(model.index(0, 6), Qt.ItemDataRole.ToolTipRole) == "430103"
    m = widget.view.fontMetrics()
    assert widget.view.columnWidth(0) > m.horizontalAdvance("C2026120400000584")
    assert widget.view.columnWidth(5) > m.horizontalAdvance("430103001001001")
