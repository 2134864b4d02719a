"""The console's quarantine dock: an audited "Show phone" for roles with contact rights."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import func, select

from models.intake.service import IntakeService
from models.storage.schema import AuditEntry, StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui


def _contact_reads(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)
                        .where(AuditEntry.action == "contact.read"))


def test_show_phone_reveals_one_item_and_audits_it(qtbot, start_console, tiny_city) -> None:
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    result = IntakeService(tiny_city.db, dispatcher).submit(
        "hotline_12345", {"subcategory": "NOPE", "lon": 112.981, "lat": 28.189,
                          "title": "噪声", "reporter_phone": "13912345678"})
    assert result.quarantine_id is not None
    win, controller = start_console(tiny_city.db, dispatcher)
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, _: kind == "quarantine"):
        controller.refresh_quarantine()
    q = win.quarantine
    assert "13912345678" not in q.editor.toPlainText()
    assert "139****5678" in q.editor.toPlainText()
    before = _contact_reads(tiny_city.db)
    assert q.reveal.isVisibleTo(win)
    QTest.mouseClick(q.reveal, Qt.MouseButton.LeftButton)
    assert "13912345678" in q.editor.toPlainText()
    assert _contact_reads(tiny_city.db) == before + 1
    # a role without contact rights has no such button
    controller.set_role("trainer")
    assert not q.reveal.isVisibleTo(win)
