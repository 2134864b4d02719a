"""Marking the grids a case spans from the console: the picker beside the map, map clicks
that tick grids, and dispatch by the grids' lowest common unit (the router's answer)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from models.cases.service import CaseService, NewCase
from models.cases.spans import case_grids
from models.storage.schema import StaffRole
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.citykit import add_second_street
from tests.factories import city_actor

pytestmark = pytest.mark.gui


class FakeMap:
    """Records what the controller asks the map to outline."""

    def __init__(self) -> None:
        self.spans: list[list[str]] = []
        self.paths: list[tuple] = []

    def show_path(self, *args) -> None:
        self.paths.append(args)

    def show_span(self, codes) -> None:
        self.spans.append(list(codes))


@pytest.fixture
def console(start_console, tiny_city):
    add_second_street(tiny_city)
    dispatcher = city_actor(tiny_city, StaffRole.DISPATCHER)
    case_id = CaseService(tiny_city.db, dispatcher,
                          locate=lambda lon, lat: tiny_city.grids[1]).report(
        NewCase(channel="patrol", subcategory="O04", lon=112.986, lat=28.189,
                title="路面塌陷")).case_ids[0]
    win, controller = start_console(tiny_city.db, dispatcher,
                                    ask=lambda kind, prompt, options: None)
    controller.show_case(case_id)
    return win, controller, tiny_city, case_id


def ok(picker):
    return picker.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_dispatcher_marks_a_span_and_dispatch_goes_to_the_common_unit(qtbot, console):
    win, controller, city, case_id = console
    win.detail.buttons["accept"].click()
    button = win.detail.buttons["mark_span"]
    assert button.isVisible() and button.isEnabled()
    button.click()
    picker = controller.span_picker
    assert picker is not None and picker.isVisible() and not picker.isModal()
    # its own grid is ticked and fixed; its neighbours in the block are offered by name
    labels = [picker.list.item(i).text() for i in range(picker.list.count())]
    assert labels[0].endswith("(the case's own grid)") and "社区01" in labels[0]
    assert len(labels) == 3  # grid 2 touches grids 1 and 4 along an edge
    assert "the case goes to community 430103001001" in picker.where.text()
    # a click on the map ticks the other street's grid, which is not a neighbour
    controller._on_map_grid_clicked("430103002001001")
    assert picker.selected_ids() == [city.grids[1], city.grid2]
    assert "2 grid(s): the case goes to district 430103" in picker.where.text()
    picker.note.setText("塌陷横跨道路")
    ok(picker).click()
    assert controller.span_picker is None
    assert case_grids(city.db, case_id) == (city.grids[1], city.grid2)
    win.detail.buttons["dispatch"].click()
    case = controller.cases.get(case_id)
    router = Router(EscalationGraph.from_db(city.db))
    expected = router.route([city.grids[1], city.grid2], "O04")
    assert (case.status, case.assigned_unit_id) == ("dispatched", expected.unit_id)
    assert expected.unit_id == city.district


def test_map_clicks_untick_and_cancel_changes_nothing(qtbot, console) -> None:
    win, controller, city, case_id = console
    fake = FakeMap()
    controller.map = fake
    controller.open_span_picker(case_id)
    picker = controller.span_picker
    assert fake.spans[-1] == [city.grid_codes[1]]
    controller._on_map_grid_clicked(city.grid_codes[0])
    assert fake.spans[-1] == [city.grid_codes[1], city.grid_codes[0]]
    controller._on_map_grid_clicked(city.grid_codes[0])  # a second click unticks it
    controller._on_map_grid_clicked(city.grid_codes[1])  # its own grid stays
    assert picker.selected_ids() == [city.grids[1]]
    picker.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert case_grids(city.db, case_id) == (city.grids[1],)
    assert "Cancelled" in win.statusBar().currentMessage()
    assert fake.spans[-1] == []  # the case is shown again, with no span outlined


def test_a_span_marked_after_dispatch_says_where_it_now_belongs(qtbot, console) -> None:
    win, controller, city, case_id = console
    win.detail.buttons["accept"].click()
    win.detail.buttons["dispatch"].click()
    assert controller.cases.get(case_id).assigned_unit_id == city.community
    controller.open_span_picker(case_id)
    picker = controller.span_picker
    controller._on_map_grid_clicked("430103002001001")
    item = picker.list.item(picker.list.count() - 1)
    assert item.checkState() == Qt.CheckState.Checked
    ok(picker).click()
    assert "now belongs to district 430103" in win.statusBar().currentMessage()
    win.detail.buttons["transfer"].click()  # asks a reason: none given, nothing changes
    assert controller.cases.get(case_id).assigned_unit_id == city.community
