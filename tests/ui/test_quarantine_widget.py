"""The quarantine view: inspect an item, fix its payload, retry or discard it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from models.core.records import QuarantineRecord
from widgets.quarantine import QuarantineWidget

T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def record(qid: int, channel: str = "hotline_12345", reason: str = "lon must be a number",
           **payload) -> QuarantineRecord:
    return QuarantineRecord(qid, channel, T + dt.timedelta(minutes=qid), reason, "pending",
                            "hotline form", payload or {"lon": "east", "lat": 28.19,
                                                        "description": "井盖丢了"})


@pytest.fixture
def widget(qtbot) -> QuarantineWidget:
    w = QuarantineWidget()
    qtbot.addWidget(w)
    w.set_items([record(7), record(9, "snap", "no subcategory", lon=1)])
    return w


def test_lists_the_items_and_shows_the_first_payload(widget) -> None:
    t = widget.table
    assert t.rowCount() == 2
    assert [t.horizontalHeaderItem(c).text() for c in range(4)] == [
        "Received", "Channel", "Reason", "Source"]
    assert t.item(0, 0).text() == (T + dt.timedelta(minutes=7)).astimezone().strftime(
        "%Y-%m-%d %H:%M")
    assert (t.item(0, 1).text(), t.item(0, 2).text(), t.item(0, 3).text()) == (
        "12345 hotline", "lon must be a number", "hotline form")
    assert t.item(1, 1).text() == "Snap report"
    assert widget.selected_id() == 7
    assert json.loads(widget.editor.toPlainText()) == record(7).payload
    assert "\n  " in widget.editor.toPlainText() and "井盖丢了" in widget.editor.toPlainText()
    assert "2" in widget.count.text()


def test_selecting_an_item_shows_its_payload(widget) -> None:
    widget.table.selectRow(1)
    assert widget.selected_id() == 9
    assert json.loads(widget.editor.toPlainText()) == {"lon": 1}


def test_retry_as_received_and_as_edited(widget, qtbot) -> None:
    with qtbot.waitSignal(widget.sig_retry_requested) as blocker:
        qtbot.mouseClick(widget.retry, Qt.MouseButton.LeftButton)
    assert blocker.args == [7, None]
    fixed = {"lon": 112.9812, "lat": 28.19, "description": "井盖丢了"}
    widget.editor.setPlainText(json.dumps(fixed, ensure_ascii=False))
    with qtbot.waitSignal(widget.sig_retry_requested) as blocker:
        qtbot.mouseClick(widget.retry_edited, Qt.MouseButton.LeftButton)
    assert blocker.args == [7, fixed]
    assert widget.error.isHidden()


@pytest.mark.parametrize("text, message", [('{"lon": 112.98,', "Not valid JSON"),
                                           ("[1, 2]", "JSON object")])
def test_invalid_json_shows_an_error_and_emits_nothing(widget, qtbot, text, message) -> None:
    widget.editor.setPlainText(text)
    with qtbot.assertNotEmitted(widget.sig_retry_requested):
        qtbot.mouseClick(widget.retry_edited, Qt.MouseButton.LeftButton)
    assert not widget.error.isHidden() and message in widget.error.text()
    widget.editor.setPlainText("{}")  # editing clears the error
    assert widget.error.isHidden()


def test_refresh_keeps_the_selection_and_the_edits(widget) -> None:
    widget.table.selectRow(1)
    widget.editor.setPlainText('{"lon": 112.98}')
    widget.set_items([record(3), record(7), record(9, "snap", "still bad", lon=1)])
    assert widget.selected_id() == 9
    assert widget.editor.toPlainText() == '{"lon": 112.98}'
    assert widget.table.item(2, 2).text() == "still bad"
    widget.set_items([record(3)])  # item 9 went through: the first item is shown
    assert widget.selected_id() == 3
    assert json.loads(widget.editor.toPlainText()) == record(3).payload


def test_empty_quarantine_disables_the_actions(widget) -> None:
    widget.set_items([])
    assert widget.selected_id() is None and widget.editor.toPlainText() == ""
    assert not any(b.isEnabled() for b in (widget.retry, widget.retry_edited, widget.discard))


def test_discard_asks_for_a_reason(widget, qtbot, monkeypatch) -> None:
    answers = iter([("  spam call  ", True), ("", True), ("whatever", False)])
    asked: list[str] = []

    def get_text(parent, title, label, *args, **kwargs):
        asked.append(label)
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    widget.table.selectRow(1)
    with qtbot.waitSignal(widget.sig_discard_requested) as blocker:
        qtbot.mouseClick(widget.discard, Qt.MouseButton.LeftButton)
    assert blocker.args == [9, "spam call"] and asked
    with qtbot.assertNotEmitted(widget.sig_discard_requested):
        qtbot.mouseClick(widget.discard, Qt.MouseButton.LeftButton)  # no reason given
    assert "why" in widget.error.text().lower()
    with qtbot.assertNotEmitted(widget.sig_discard_requested):
        qtbot.mouseClick(widget.discard, Qt.MouseButton.LeftButton)  # cancelled


def test_show_result(widget) -> None:
    widget.show_result("Still not registered: lat must be finite")
    assert widget.result.text() == "Still not registered: lat must be finite"


@pytest.mark.parametrize("channel, payload", [
    ("iot", {"topic": "citygrid/iot/ghost-1/alert", "sensor_id": "ghost-1", "kind": "smoke"}),
    ("staff_position", {"topic": "citygrid/staff/7/position", "staff_id": "7", "lon": "far",
                        "lat": 28.19}),
])
def test_iot_and_position_items_can_be_retried(qtbot, channel, payload) -> None:
    w = QuarantineWidget()
    qtbot.addWidget(w)
    w.set_items([record(4, channel, "bad", **payload)])
    assert w.retry.isEnabled() and w.retry_edited.isEnabled()
    with qtbot.waitSignal(w.sig_retry_requested) as blocker:
        qtbot.mouseClick(w.retry_edited, Qt.MouseButton.LeftButton)
    assert blocker.args == [4, payload]


def test_show_phone_asks_for_the_item_and_shows_it_unmasked(qtbot) -> None:
    w = QuarantineWidget()
    qtbot.addWidget(w)
    masked = record(5, "snap", "no subcategory", phone="138****5678", lon="east")
    w.set_items([masked, record(6)])
    assert w.reveal.isEnabled()
    with qtbot.waitSignal(w.sig_reveal_requested) as blocker:
        qtbot.mouseClick(w.reveal, Qt.MouseButton.LeftButton)
    assert blocker.args == [5]
    # an edit is kept: only the phone still shown masked is replaced
    w.editor.setPlainText(json.dumps({"phone": "138****5678", "lon": 112.98}))
    w.show_revealed(record(5, "snap", "no subcategory", phone="13812345678", lon="east"))
    assert json.loads(w.editor.toPlainText()) == {"phone": "13812345678", "lon": 112.98}
    assert not w.reveal.isEnabled()
    w.table.selectRow(1)  # an item without a phone: nothing to show
    assert not w.reveal.isEnabled()
