"""Claims and the emergency's acknowledgement between two seats on one database: what one
seat claims or acknowledges, the other sees (through the change log)."""

from __future__ import annotations

import pytest

from models.cases.claims import ClaimService
from models.cases.service import CaseService, NewCase
from models.core.auth import Actor
from models.storage.schema import Case, StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui


def report(city, sub: str, title: str, channel: str = "hotline_12345") -> int:
    return CaseService(city.db, city_actor(city, StaffRole.DISPATCHER),
                       locate=lambda lon, lat: city.grids[0]).report(
        NewCase(channel=channel, subcategory=sub, lon=112.981, lat=28.189,
                title=title)).case_ids[0]


@pytest.fixture
def seats(start_console, tiny_city):
    """Two dispatchers' consoles on one database, with one reported case."""
    case_id = report(tiny_city, "C01", "占道经营")
    first = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    second = start_console(tiny_city.db, Actor("调度乙", StaffRole.DISPATCHER))
    return first, second, case_id


def holder_in_queue(win, case_id: int) -> str:
    model = win.queue.model
    row = model.row_of_case(case_id)
    return "" if row is None else model.data(model.index(row, 9))


def test_claiming_shows_who_holds_the_case_on_every_seat(qtbot, seats, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    (win, _controller), (win2, controller2), case_id = seats
    win.queue.select_case(case_id)
    assert not win.detail.fields["holder"].isVisible()  # nobody holds it
    assert win.detail.claim.isVisible() and win.detail.claim.isEnabled()
    assert not win.detail.release.isEnabled()
    win.detail.claim.click()
    assert win.detail.fields["holder"].isVisible()
    assert win.detail.fields["holder"].text().startswith("Held by 调度 until ")
    assert win.detail.release.isEnabled()
    assert holder_in_queue(win, case_id) == "调度"
    # the other seat: the queue's marker comes with the change log
    qtbot.waitUntil(lambda: holder_in_queue(win2, case_id) == "调度", timeout=10_000)
    win2.queue.select_case(case_id)
    assert win2.detail.fields["holder"].text().startswith("Held by 调度 until ")
    assert not win2.detail.claim.isEnabled() and not win2.detail.release.isEnabled()
    assert not win2.detail.buttons["accept"].isEnabled()  # another seat works it
    # asked anyway (a screen behind the claim): refused, saying by whom, nothing written
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    win2.detail.sig_action_requested.emit("accept")
    assert len(shown) == 1 and shown[0].startswith("Held by someone else: ")
    assert "held by 调度 until" in shown[0]
    assert controller2.cases.get(case_id).status == "reported"
    # released: the second seat may work it
    win.detail.release.click()
    assert not win.detail.fields["holder"].isVisible()
    qtbot.waitUntil(lambda: holder_in_queue(win2, case_id) == "", timeout=10_000)
    controller2.show_case(case_id)  # (the detail shows the case as it was read)
    win2.detail.buttons["accept"].click()
    assert win2.detail.fields["status"].text() == "Accepted"
    assert win2.detail.fields["holder"].text().startswith("Held by 调度乙 until ")
    assert shown == [shown[0]]


def test_switching_role_releases_the_users_claims(qtbot, seats) -> None:
    (win, controller), _second, case_id = seats
    win.queue.select_case(case_id)
    win.detail.claim.click()
    assert controller.desk.claims.held_by(case_id) is not None
    controller.set_role("shift_lead")
    assert controller.desk.claims.held_by(case_id) is None
    assert not win.detail.fields["holder"].isVisible()


def test_an_acknowledged_emergency_stops_ringing_on_every_seat(qtbot, seats, tiny_city
                                                               ) -> None:
    (win, _controller), (win2, controller2), _case = seats
    fire = report(tiny_city, "M02", "燃气泄漏", channel="emergency")
    qtbot.waitUntil(lambda: win.alerts.ringing and win2.alerts.ringing, timeout=10_000)
    win.alerts.ack.click()
    assert not win.alerts.ringing
    # the acknowledgement is written to the case, and the other seat's alarm stops
    qtbot.waitUntil(lambda: not win2.alerts.ringing, timeout=10_000)
    with tiny_city.db.read() as s:
        case = s.get(Case, fire)
        assert case is not None and case.acknowledged_by == "调度"
    assert fire not in controller2.acknowledged  # silenced by the case row, not locally
    with qtbot.waitSignal(controller2.runner.sig_task_finished, timeout=10_000,
                          check_params_cb=lambda kind, result: kind == "snapshot"):
        controller2.refresh()
    assert not win2.alerts.ringing  # a whole read again: still acknowledged


def test_a_claim_taken_elsewhere_refuses_the_claim_button(qtbot, seats, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    (win, controller), _second, case_id = seats
    win.queue.select_case(case_id)
    ClaimService(controller.db, Actor("调度丙", StaffRole.DISPATCHER)).claim(case_id)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    win.detail.claim.click()  # the screen still showed the case free
    assert len(shown) == 1 and "held by 调度丙" in shown[0]
    assert win.detail.fields["holder"].text().startswith("Held by 调度丙 until ")


def test_the_case_on_screen_follows_a_claim_made_elsewhere(qtbot, seats) -> None:
    """The second seat shows the case; the first claims it: the second seat's detail says
    who holds it and greys its actions, without a click (the change log redraws it)."""
    (win, _controller), (win2, _controller2), case_id = seats
    win2.queue.select_case(case_id)
    assert win2.detail.buttons["accept"].isEnabled()
    win.queue.select_case(case_id)
    win.detail.claim.click()
    qtbot.waitUntil(lambda: win2.detail.fields["holder"].isVisible(), timeout=10_000)
    assert win2.detail.fields["holder"].text().startswith("Held by 调度 until ")
    assert not win2.detail.buttons["accept"].isEnabled()


def test_a_shift_lead_shortens_the_claim_timeout(qtbot, start_console, tiny_city,
                                                 monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    lead_win, lead = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.SHIFT_LEAD))
    answers = iter(["five", "5"])
    lead.ask = lambda kind, prompt, options: next(answers)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warned.append(a[2]))
    lead_win.sig_claim_timeout_requested.emit()  # "five": refused, nothing set
    assert warned == ["Not a whole number of minutes: five"]
    lead_win.sig_claim_timeout_requested.emit()
    assert ClaimService(tiny_city.db, lead.actor).timeout_minutes() == 5
    assert "5 minutes" in lead_win.statusBar().currentMessage()
    # a dispatcher may not
    win, controller = start_console(tiny_city.db, city_actor(tiny_city, StaffRole.DISPATCHER))
    controller.ask = lambda *a: "1"
    win.sig_claim_timeout_requested.emit()
    assert "Only a shift lead" in win.statusBar().currentMessage()
    assert ClaimService(tiny_city.db, lead.actor).timeout_minutes() == 5
