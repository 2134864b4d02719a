"""The case detail's audited "Reveal contact": shown only to roles with contact rights, one
contact.read audit row per reveal and none per refresh."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import func, select

from models.cases.service import CaseService, NewCase
from models.core.auth import Actor
from models.storage.schema import AuditEntry, StaffRole
from tests.factories import city_actor
from widgets.casedetail import CaseDetailWidget

pytestmark = pytest.mark.gui
PHONE = "13812345678"


def _contact_reads(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "contact.read"))


def test_the_widget_asks_for_the_shown_case_and_keeps_the_number_for_it(qtbot,
                                                                        tiny_city) -> None:
    case_id = CaseService(tiny_city.db, Actor("d", StaffRole.DISPATCHER)).report(NewCase(
        "hotline_12345", "C04", 112.9875, 28.1825, "井盖", reporter_name="张三",
        reporter_phone=PHONE)).case_ids[0]
    case = CaseService(tiny_city.db, Actor("d", StaffRole.DISPATCHER)).get(case_id)
    detail = CaseDetailWidget()
    qtbot.addWidget(detail)
    detail.show()
    detail.show_case(case, [])
    assert not detail.reveal.isVisible()  # not allowed until the controller says so
    detail.set_contact_reveal_allowed(True)
    assert detail.reveal.isVisible() and detail.fields["reporter"].text() == "张三 138****5678"
    with qtbot.waitSignal(detail.sig_contact_reveal_requested) as blocker:
        QTest.mouseClick(detail.reveal, Qt.MouseButton.LeftButton)
    assert blocker.args == [case_id]
    detail.show_revealed_contact(case_id + 1, "13900000000")  # late answer for another case
    assert detail.fields["reporter"].text() == "张三 138****5678"
    detail.show_revealed_contact(case_id, PHONE)
    assert detail.fields["reporter"].text() == f"张三 {PHONE}"
    detail.show_case(case, [])  # a refresh keeps what was revealed
    assert detail.fields["reporter"].text() == f"张三 {PHONE}"
    assert not detail.reveal.isEnabled()
    detail.set_contact_reveal_allowed(False)
    assert detail.fields["reporter"].text() == "张三 138****5678"
    assert not detail.reveal.isVisible()


def test_reveal_contact_in_the_console_is_audited_once(start_console, tiny_city) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    case_id = CaseService(tiny_city.db, dispatcher).report(NewCase(
        "hotline_12345", "C04", 112.9875, 28.1825, f"井盖 回电{PHONE}", reporter_name="张三",
        reporter_phone=PHONE)).case_ids[0]
    win, controller = start_console(tiny_city.db, dispatcher)
    detail = win.detail
    controller.show_case(case_id)
    assert detail.fields["reporter"].text() == "张三 138****5678"
    assert detail.reveal.isVisibleTo(win)
    assert _contact_reads(tiny_city.db) == 0
    QTest.mouseClick(detail.reveal, Qt.MouseButton.LeftButton)
    assert detail.fields["reporter"].text() == f"张三 {PHONE}"
    for _ in range(3):  # refreshes of the shown case
        controller.show_case(case_id)
    assert detail.fields["reporter"].text() == f"张三 {PHONE}"
    assert _contact_reads(tiny_city.db) == 1
    controller.set_role("trainer")  # no contact rights: masked, no button
    assert not detail.reveal.isVisibleTo(win)
    assert detail.fields["reporter"].text() == "张三 138****5678"
    assert detail.title.text() == "井盖 回电138****5678"
    assert _contact_reads(tiny_city.db) == 1
