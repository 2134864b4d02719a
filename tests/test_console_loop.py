"""Working a case around the loop from the console's case detail."""

from __future__ import annotations

import pytest

from console.app import ConsoleController
from console.mainwindow import MainWindow
from models.auth import Actor
from models.cases import CaseService, NewCase
from models.schema import StaffRole

pytestmark = pytest.mark.gui


@pytest.fixture
def console(qtbot, tiny_city):
    dispatcher = Actor("调度", StaffRole.DISPATCHER, tiny_city.staff["dispatcher"])
    CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="hotline_12345", subcategory="C01", lon=112.981, lat=28.189,
                title="占道经营"))
    win = MainWindow(tiny_city.db.url)
    qtbot.addWidget(win)
    controller = ConsoleController(tiny_city.db, dispatcher, win, build_demo=False)
    answers: list[str] = []
    controller.ask = lambda kind, prompt, options: answers.pop(0) if answers else None
    win.show()
    with qtbot.waitSignal(controller.sig_ready, timeout=10_000):
        controller.start()
    win.queue.view.selectRow(0)
    yield win, controller, answers
    controller.runner.shutdown()


def press(win, name: str) -> None:
    button = win.detail.buttons[name]
    assert button.isVisible() and button.isEnabled(), name
    button.click()


def test_a_case_goes_around_the_loop(qtbot, console) -> None:
    win, controller, answers = console
    assert win.detail.fields["status"].text() == "Reported"
    assert not win.detail.buttons["dispatch"].isEnabled()
    assert not win.detail.buttons["escalate"].isVisible()  # a dispatcher does not escalate
    press(win, "accept")
    assert win.detail.fields["status"].text() == "Accepted"
    assert win.detail.countdown.isVisible()
    press(win, "dispatch")
    assert win.detail.fields["status"].text() == "Dispatched"
    assert any("policy default-2026" in win.detail.trace.item(i).text()
               for i in range(win.detail.trace.count()))
    press(win, "start")
    answers.append("摊位已清理")
    press(win, "feedback")
    press(win, "verify_pass")
    answers.append("4")
    press(win, "assess")
    assert win.detail.fields["status"].text() == "Assessed"
    assert win.detail.history.count() == 7


def test_a_shift_lead_escalates(qtbot, console) -> None:
    win, controller, answers = console
    press(win, "accept")
    press(win, "dispatch")
    controller.set_role("shift_lead")
    assert win.detail.buttons["escalate"].isVisible()
    answers.append("超期未处置")
    press(win, "escalate")
    case = controller.cases.get(win.detail.case_id)
    assert case.level == "district"  # class C city management starts at the street


def test_a_refused_action_says_why(qtbot, console, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    win, controller, answers = console
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    press(win, "reject")  # no reason given: cancelled, nothing changes
    assert shown == ["cancelled"]
    assert win.detail.fields["status"].text() == "Reported"


def test_detail_shows_chain_and_who_should_go(qtbot, console, tiny_city) -> None:
    win, controller, answers = console
    assert "Community 430103001001" in win.detail.fields["chain"].text()
    assert win.detail.recommended.count() == 3  # the grid's supervisor, manager, assistant
    assert "home grid is the case's grid" in win.detail.recommended.item(0).text()
    press(win, "accept")
    press(win, "dispatch")  # class C city management: the street, no single worker
    assert "[Street 430103001]" in win.detail.fields["chain"].text()


def test_staff_dock_shows_workload_by_community(qtbot, console) -> None:
    win, controller, answers = console
    assert win.staff.load.rowCount() == 1
    assert win.staff.load.item(0, 0).text() == "430103001001"
    assert "idle" in win.staff.load_caption.text()


def test_a_shift_lead_overrides_and_reassigns_in_bulk(qtbot, console, tiny_city) -> None:
    win, controller, answers = console
    press(win, "accept")
    press(win, "dispatch")  # -> street 430103001
    controller.set_role("shift_lead")
    answers.extend(["430103001001", "社区自行处置"])
    press(win, "override")
    case = controller.cases.get(win.detail.case_id)
    assert (case.level, case.assigned_unit_id) == ("community", tiny_city.community)
    assert any("override by" in win.detail.trace.item(i).text()
               for i in range(win.detail.trace.count()))
    moved = controller.reassign_bulk("430103001001", "430103001", "社区人手不足")
    assert moved == 1
    assert controller.cases.get(win.detail.case_id).level == "street"
    controller.set_role("dispatcher")
    with pytest.raises(Exception, match="only a shift lead"):
        controller.reassign_bulk("430103001", "430103001001", "x")
