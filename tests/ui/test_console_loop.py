"""Working a case around the loop from the console's case detail."""

from __future__ import annotations

import pytest

from models.cases.service import CaseService, NewCase
from models.core.auth import Actor
from models.storage.schema import StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui


@pytest.fixture
def console(start_console, tiny_city):
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0]).report(
        NewCase(channel="hotline_12345", subcategory="C01", lon=112.981, lat=28.189,
                title="占道经营"))
    answers: list[str] = []
    win, controller = start_console(
        tiny_city.db, dispatcher,
        ask=lambda kind, prompt, options: answers.pop(0) if answers else None)
    win.queue.view.selectRow(0)
    return win, controller, answers


def press(win, name: str) -> None:
    button = win.detail.buttons[name]
    assert button.isVisible() and button.isEnabled(), name
    button.click()


def test_a_case_goes_around_the_loop(qtbot, console) -> None:
    win, _controller, answers = console
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

    win, _controller, _answers = console
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    press(win, "reject")  # no reason given: cancelled, nothing changes
    assert shown == []
    assert "Cancelled" in win.statusBar().currentMessage()
    assert win.detail.fields["status"].text() == "Reported"


def test_cancelling_a_bulk_reassignment_warns_nothing(qtbot, console, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    win, controller, _answers = console
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    controller.ask = lambda kind, prompt, options: None  # the first question cancelled
    win.sig_bulk_reassign_requested.emit()
    assert shown == [] and "Cancelled" in win.statusBar().currentMessage()


def test_detail_shows_chain_and_who_should_go(qtbot, console, tiny_city) -> None:
    win, _controller, _answers = console
    assert "Community 社区01" in win.detail.fields["chain"].text()  # names, not codes
    # the grid's supervisor, manager and assistant, ranked on the runner's worker
    qtbot.waitUntil(lambda: win.detail.recommended.count() == 3, timeout=10_000)
    assert "home grid is the case's grid" in win.detail.recommended.item(0).text()
    press(win, "accept")
    press(win, "dispatch")  # class C city management: the street, no single worker
    assert "[Street 街道01]" in win.detail.fields["chain"].text()


def test_staff_dock_shows_workload_by_community(qtbot, console) -> None:
    win, _controller, _answers = console
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
    shown = controller.bulk_candidates("430103001001")
    done = controller.reassign_bulk(shown, "430103001", "社区人手不足")
    assert done.moved == (case.number,) and done.stale == ()
    assert controller.cases.get(win.detail.case_id).level == "street"
    controller.set_role("dispatcher")
    with pytest.raises(Exception, match="only a shift lead"):
        controller.bulk_candidates("430103001")
    with pytest.raises(Exception, match="only a shift lead"):
        controller.reassign_bulk(shown, "430103001001", "x")


def _add_departments(city) -> None:
    """City and district departments for emergencies and for public security."""
    from sqlalchemy import select

    from models.storage.schema import AdminUnit, Department

    with city.db.write() as s:
        units = {u.code: u.id for u in s.scalars(select(AdminUnit))}
        for unit, suffix, cats in (("430100", "YJ", ["emergency"]), ("430100", "GA", ["security"]),
                                   ("430100", "CG", ["city"]),
                                   ("430103", "YJ", ["emergency"]), ("430103", "GA", ["security"])):
            s.add(Department(code=f"{unit}-{suffix}", name=suffix, unit_id=units[unit],
                             categories=cats))


def _fresh_router(controller):
    from routing.graph import EscalationGraph
    from routing.policy import Router

    controller.indexes.reset()  # the departments came after the console started
    return Router(EscalationGraph.from_db(controller.db))


def test_escalate_and_deescalate_reach_the_routers_decision(qtbot, console, tiny_city) -> None:
    """Each case-detail action against the router's own answer for the same case: a fire
    lane (S06) escalated from the district goes to the city's emergency (fire) service, not
    the police; the trace names who acted; de-escalation goes back down the chain."""
    from models.cases.loop import CaseLoop

    win, controller, answers = console
    _add_departments(tiny_city)
    router = _fresh_router(controller)
    lead = city_actor(tiny_city, StaffRole.SHIFT_LEAD)
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
        from models.storage.schema import Case, Department

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

    from models.storage.schema import AdminUnit

    _win, controller, _answers = console
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


# -- stale screens (issue 11, section 4) ------------------------------------------------------
def _written(db, case_id: int, whole_audit: bool = True) -> tuple:
    """The case's row, its history and the whole audit trail (or the case's own rows)."""
    from sqlalchemy import select

    from models.storage.schema import AuditEntry, Case, CaseHistory

    with db.read() as s:
        c = s.get(Case, case_id)
        row = (c.status, c.version, c.assigned_unit_id, c.level, c.merged_into_id)
        history = tuple(s.scalars(select(CaseHistory.id).where(CaseHistory.case_id == case_id)))
        audit = select(AuditEntry.id).order_by(AuditEntry.id)
        if not whole_audit:
            audit = audit.where(AuditEntry.object_id == c.number)
        audit = tuple(s.scalars(audit))
    return row, history, audit


def _rival(tiny_city):
    """A second dispatcher at another console, acting on what they see there."""
    from models.cases.loop import CaseLoop

    return CaseLoop(tiny_city.db, Actor("调度二", StaffRole.DISPATCHER,
                                        tiny_city.staff["dispatcher"]))


def _warnings(monkeypatch) -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    return shown


def _stale_told(shown: list[str], number: str) -> bool:
    """Told once: the case, that nothing was written, what it is now and its last change
    (the fresh state, as the detail shows it again)."""
    return len(shown) == 1 and number in shown[0] and \
        "changed by someone else since you opened it" in shown[0] and \
        "\nNow: " in shown[0] and "\nLast change: " in shown[0]


def test_an_action_passes_the_version_the_detail_shows(qtbot, console, tiny_city) -> None:
    win, controller, _answers = console
    case_id = win.detail.case_id
    assert win.detail.shown_version == controller.cases.get(case_id).version
    press(win, "accept")
    assert win.detail.shown_version == controller.cases.get(case_id).version  # reloaded


def test_a_transfer_from_a_stale_screen_is_refused_and_the_case_reloaded(
        qtbot, console, tiny_city, monkeypatch) -> None:
    """The issue's two dispatchers: this console shows the case dispatched; the other
    dispatcher transfers it; a transfer from this (stale) screen is refused, nothing is
    written, and the detail reloads to show the other dispatcher's work."""
    win, controller, answers = console
    shown = _warnings(monkeypatch)
    case_id = win.detail.case_id
    press(win, "accept")
    press(win, "dispatch")  # -> the street
    seen = win.detail.shown_version
    rival = _rival(tiny_city)
    rival.transfer(case_id, controller._router().override(
        tiny_city.community, "city", "调度二", "社区自行处置"), "社区自行处置",
        expected_version=seen)
    before = _written(tiny_city.db, case_id)
    answers.append("换街道")
    press(win, "transfer")
    assert _stale_told(shown, controller.cases.get(case_id).number), shown
    assert _written(tiny_city.db, case_id) == before  # nothing written, not even audit
    assert controller.cases.get(case_id).assigned_unit_id == tiny_city.community
    assert win.detail.shown_version == seen + 1  # reloaded: the rival's version
    assert win.detail.history.item(win.detail.history.count() - 1).text().count("transfer")
    assert answers == ["换街道"]  # refused before asking for a reason
    # from the reloaded screen the action goes through
    press(win, "transfer")
    assert answers == [] and controller.cases.get(case_id).version == seen + 2


def test_a_change_made_while_the_dialog_is_open_is_refused_by_the_service(
        qtbot, console, tiny_city, monkeypatch) -> None:
    """The other dispatcher acts while this one types the reason: the version the detail
    showed reaches the loop, which refuses it."""
    win, controller, _answers = console
    shown = _warnings(monkeypatch)
    case_id = win.detail.case_id
    press(win, "accept")
    press(win, "dispatch")
    seen = win.detail.shown_version
    rival = _rival(tiny_city)
    ask = controller.ask
    state = {}

    def ask_while_the_rival_acts(kind, prompt, options):
        rival.request_escalation(case_id, "人手不够", expected_version=seen)
        state["before"] = _written(tiny_city.db, case_id)
        return "换街道"

    controller.ask = ask_while_the_rival_acts
    press(win, "transfer")
    controller.ask = ask
    assert _stale_told(shown, controller.cases.get(case_id).number), shown
    assert _written(tiny_city.db, case_id) == state["before"]
    assert win.detail.shown_version == seen + 1


def test_a_merge_from_a_stale_screen_is_refused(qtbot, console, tiny_city, monkeypatch) -> None:
    """Both versions the user saw: the duplicate's (the detail) and the original's (the
    offer); the original changed while the offer was open, so nothing is merged."""
    win, controller, _answers = console
    shown = _warnings(monkeypatch)
    original_id = win.detail.case_id
    dispatcher = controller.actor
    dup_id = CaseService(tiny_city.db, dispatcher, locate=lambda lon, lat: tiny_city.grids[0]
                         ).report(NewCase(channel="hotline_12345", subcategory="C01",
                                          lon=112.981, lat=28.189,
                                          title="占道经营")).case_ids[0]
    controller.show_case(dup_id)
    # the merge is offered once the worker found the likely original
    qtbot.waitUntil(lambda: win.detail.buttons["merge"].isVisible(), timeout=10_000)
    original = controller.cases.get(original_id)
    rival = _rival(tiny_city)
    ask = controller.ask
    state = {}

    def choose_while_the_rival_acts(kind, prompt, options):
        assert original.number in options
        rival.accept(original_id, expected_version=original.version)
        state["before"] = _written(tiny_city.db, original_id), _written(tiny_city.db, dup_id)
        return original.number

    controller.ask = choose_while_the_rival_acts
    press(win, "merge")
    controller.ask = ask
    assert _stale_told(shown, original.number), shown
    assert (_written(tiny_city.db, original_id), _written(tiny_city.db, dup_id)) == \
        state["before"]
    assert controller.cases.get(dup_id).status == "reported"


def test_a_bulk_reassignment_leaves_the_cases_changed_since_they_were_listed(
        qtbot, console, tiny_city, monkeypatch) -> None:
    win, controller, answers = console
    shown = _warnings(monkeypatch)
    svc = CaseService(tiny_city.db, controller.actor, locate=lambda lon, lat: tiny_city.grids[0])
    ids = [win.detail.case_id] + [
        svc.report(NewCase(channel="patrol", subcategory="C01", lon=112.981, lat=28.189,
                           title=f"占道经营 {n}")).case_ids[0] for n in range(3)]
    rival = _rival(tiny_city)
    router = controller._router()
    street = router.override(tiny_city.street, "city", "调度", "街道")
    for cid in ids:
        rival.accept(cid, expected_version=controller.cases.get(cid).version)
        rival.dispatch(cid, street, expected_version=controller.cases.get(cid).version)
    controller.set_role("shift_lead")
    street_code = router.graph.units[tiny_city.street].code
    community_code = router.graph.units[tiny_city.community].code
    # the lead lists the street's cases; then the other dispatcher moves one of them
    answers.extend([street_code])
    listed = {}
    ask = controller.ask

    def ask_and_meanwhile(kind, prompt, options):
        value = ask(kind, prompt, options)
        if "Move 4 case(s)" in prompt:
            changed = controller.cases.get(ids[1])
            rival.request_escalation(ids[1], "等一下", expected_version=changed.version)
            listed["before"] = _written(tiny_city.db, ids[1], whole_audit=False)
            listed["number"] = changed.number
        return value

    answers.extend([community_code, "街道人手不足"])
    controller.ask = ask_and_meanwhile
    controller.casework._on_window_bulk_reassign_requested()
    controller.ask = ask
    assert len(shown) == 1 and listed["number"] in shown[0] and "3 case(s) reassigned" in \
        shown[0], shown
    # left as it was: its row, its history, no audit row of its own
    assert _written(tiny_city.db, ids[1], whole_audit=False) == listed["before"]
    assert [controller.cases.get(c).assigned_unit_id for c in ids] == [
        tiny_city.community, tiny_city.street, tiny_city.community, tiny_city.community]


def test_a_hotline_merge_offer_uses_the_versions_it_offered(qtbot, console, tiny_city,
                                                            monkeypatch) -> None:
    """A new hotline case looks like an open one: the offer lists the open case as it was;
    changed while the offer is open, nothing is merged and the dispatcher is told; offered
    again and taken, the merge goes through."""
    win, controller, _answers = console
    shown = _warnings(monkeypatch)
    original_id = win.detail.case_id
    original = controller.cases.get(original_id)
    rival = _rival(tiny_city)

    def call() -> int:
        win.sig_hotline_requested.emit()
        form = controller.hotline
        form.caller.setText("王女士")
        form.phone.setText("13912345678")
        form.set_location(112.981, 28.189)
        form.description.setPlainText("门口占道经营")
        form.subcategory.setCurrentIndex(form.subcategory.findData("C01"))
        form._on_buttons_accepted()
        return controller.last_hotline.case_id

    def choose_while_the_rival_acts(kind, prompt, options):
        rival.accept(original_id, expected_version=original.version)
        return original.number

    controller.ask = choose_while_the_rival_acts
    dup_id = call()
    assert controller.last_hotline.duplicates == (original_id,)
    assert _stale_told(shown, original.number), shown
    assert controller.cases.get(dup_id).status == "reported"
    controller.ask = lambda kind, prompt, options: original.number
    again = call()
    assert controller.cases.get(again).status == "merged"
    assert _written(tiny_city.db, again)[0][4] == original_id  # merged into the original


def test_a_question_says_for_which_action_and_case_it_is_asked(qtbot, console) -> None:
    win, controller, _answers = console
    asked = []
    controller.ask = lambda title, prompt, options: asked.append((title, prompt)) or None
    press(win, "reject")
    number = win.detail.fields["number"].text()
    assert asked == [("Reject", f"Reason (Reject, case {number})")]
