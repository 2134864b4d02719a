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


def test_a_cancelled_action_changes_nothing_and_warns_nothing(qtbot, console,
                                                              monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    win, controller, answers = console
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    press(win, "reject")  # no reason given: cancelled, nothing changes
    assert shown == []
    assert "Cancelled" in win.statusBar().currentMessage()
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


def _add_departments(city) -> None:  # noqa: ANN001
    """City and district departments for emergencies and for public security."""
    from sqlalchemy import select

    from models.schema import AdminUnit, Department

    with city.db.write() as s:
        units = {u.code: u.id for u in s.scalars(select(AdminUnit))}
        for unit, suffix, cats in (("430100", "YJ", ["emergency"]), ("430100", "GA", ["security"]),
                                   ("430100", "CG", ["city"]),
                                   ("430103", "YJ", ["emergency"]), ("430103", "GA", ["security"])):
            s.add(Department(code=f"{unit}-{suffix}", name=suffix, unit_id=units[unit],
                             categories=cats))


def _fresh_router(controller):  # noqa: ANN001, ANN202
    from routing.graph import EscalationGraph
    from routing.policy import Router

    controller.router = None  # the departments came after the console started
    return Router(EscalationGraph.from_db(controller.db))


def test_escalate_and_deescalate_reach_the_routers_decision(qtbot, console, tiny_city) -> None:
    """Each case-detail action against the router's own answer for the same case: a fire
    lane (S06) escalated from the district goes to the city's emergency (fire) service, not
    the police; the trace names who acted; de-escalation goes back down the chain."""
    from models.loop import CaseLoop

    win, controller, answers = console
    _add_departments(tiny_city)
    router = _fresh_router(controller)
    lead = Actor("值班长", StaffRole.SHIFT_LEAD, tiny_city.staff["shift_lead"])
    case_id = CaseService(tiny_city.db, lead, locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="hotline_12345", subcategory="S06", lon=112.981, lat=28.189,
                title="消防通道堵塞")).case_ids[0]
    loop = CaseLoop(tiny_city.db, lead)
    loop.accept(case_id, expected_version=controller.cases.get(case_id).version)
    routed = router.route(tiny_city.grids[0], "S06")
    assert routed.level == "district"
    controller.set_role("shift_lead")
    controller.show_case(case_id)
    press(win, "dispatch")
    case = controller.cases.get(case_id)
    assert (case.assigned_unit_id, case.level) == (routed.unit_id, "district")
    answers.append("现场需要消防支队")
    press(win, "escalate")
    expected = router.escalate(routed, "现场需要消防支队", "security", who=controller.actor,
                               subcategory="S06")
    with tiny_city.db.read() as s:
        from models.schema import Case, Department

        row = s.get(Case, case_id)
        dept = s.get(Department, row.assigned_department_id)
    assert (row.assigned_unit_id, row.level) == (expected.unit_id, "city")
    assert row.assigned_department_id == expected.department_id
    assert dept.code == "430100-YJ"  # the fire service, not the city police
    trace = [win.detail.trace.item(i).text() for i in range(win.detail.trace.count())]
    assert any(f"by {controller.actor.name}" in line for line in trace), trace
    assert not any("by the system" in line for line in trace)
    # twice down: the district, then the street (the old console raised IllegalTransition)
    for level in ("district", "street"):
        answers.append("回到下级处置")
        press(win, "deescalate")
        assert controller.cases.get(case_id).level == level


def test_a_case_outside_every_grid_goes_to_the_district_containing_it(console, tiny_city) -> None:
    """As docs/CASES.md says: the district whose boundary contains the point, else the
    city smart centre; the console and the router agree."""
    from types import SimpleNamespace

    import shapely
    from sqlalchemy import select

    from models.schema import AdminUnit

    win, controller, answers = console
    with tiny_city.db.write() as s:
        district = s.scalars(select(AdminUnit).where(AdminUnit.code == "430103")).one()
        district.geometry = shapely.box(112.90, 28.10, 113.10, 28.30).wkb
        district_id = district.id
    off_grid = SimpleNamespace(id=0, grid_id=None, subcategory="C01", lon=112.95, lat=28.15)
    decision = controller._route(off_grid)
    assert decision.unit_id == district_id
    assert decision == controller._router().route(None, "C01", district_id=district_id)
    far = SimpleNamespace(id=0, grid_id=None, subcategory="C01", lon=116.4, lat=39.9)
    assert controller._route(far).level == "city"
