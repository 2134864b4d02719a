"""The reconciliation view in the console: open the departmental layers, see the layers and
the conflicts, click a grid for its crosswalk, write the files and the report."""

from __future__ import annotations

import json

import pytest
import shapely

from models.reconcile.files import UnifiedGrid
from models.reconcile.layers import generate_dept_layers
from models.storage.schema import StaffRole
from tests.factories import city_actor

pytestmark = pytest.mark.gui


class FakeMap:
    """Records the overlays and the flights the presenter asks the map for."""

    def __init__(self) -> None:
        self.overlays: dict[str, tuple[int, str, bool]] = {}
        self.shown: dict[str, bool] = {}
        self.flights: list[tuple[float, float]] = []

    def set_overlay(self, name, fc, colour, *, fill=False, weight=1.0, label=""):
        json.dumps(fc)  # what goes to the page must be JSON
        self.overlays[name] = (len(fc["features"]), colour, fill)

    def show_overlay(self, name, on):
        self.shown[name] = on

    def fly_to(self, lon, lat, zoom=None):
        self.flights.append((lon, lat))

    def highlight_event(self, lon, lat):
        pass


@pytest.fixture
def console(start_console, tiny_city, tmp_path):
    unified = UnifiedGrid.from_db(tiny_city.db)
    made = generate_dept_layers({"430103": shapely.union_all(unified.polygons)},
                                tmp_path / "dept", seed=3, scale=0.004, events_per_layer=50)
    lead = city_actor(tiny_city, StaffRole.SHIFT_LEAD)
    win, controller = start_console(tiny_city.db, lead)
    fake = FakeMap()
    controller.reconcile.map = fake
    return win, controller, made, fake, tiny_city


def test_layers_conflicts_and_the_crosswalk_of_a_clicked_grid(qtbot, console, tmp_path):
    win, controller, made, fake, city = console
    view = win.reconcile
    win.docks["reconcile"].show()
    win.docks["reconcile"].raise_()
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=20_000,
                          check_params_cb=lambda kind, _: kind == "reconcile"):
        controller.reconcile.open_layers([str(p) for p in made.layers])
    assert view.layers.rowCount() == 2
    names = [view.layers.item(r, 0).text() for r in range(2)]
    assert names == ["zongzhi (generated)", "chengguan (generated)"]
    assert view.layers.item(0, 3).text() == "CGCS2000 (declared)"
    assert view.conflicts.rowCount() == len(controller.reconcile.result.conflicts) > 0
    assert set(fake.overlays) >= {"dept:zongzhi", "dept:chengguan", "conflicts:claimed_twice"}
    assert fake.overlays["conflicts:claimed_twice"][2] is True  # conflicts are filled
    # untick a layer: hidden on the map
    view.layers.item(1, 0).setCheckState(view.layers.item(1, 0).checkState().Unchecked)
    assert fake.shown == {"dept:chengguan": False}
    # filter by kind, then choose a conflict: the map flies there
    view.kind.setCurrentIndex(view.kind.findData("claimed_twice"))
    shown = view.visible_conflicts()
    assert shown and all(controller.reconcile.result.conflicts[r].kind == "claimed_twice"
                         for r in shown)
    view.conflicts.itemActivated.emit(view.conflicts.item(shown[0], 0))
    c = controller.reconcile.result.conflicts[shown[0]]
    assert fake.flights == [(c.lon, c.lat)]
    # a click on a grid of the map shows its crosswalk (not the staff of the grid)
    controller._on_map_grid_clicked(city.grid_codes[0])
    assert view.crosswalk_title.text().startswith(f"Grid {city.grid_codes[0]} is made of")
    assert view.crosswalk.count() >= 2  # both layers cover it
    assert "% of the grid" in view.crosswalk.item(0).text()
    # write the files and the report
    out = tmp_path / "out"
    with qtbot.waitSignal(controller.runner.sig_task_finished, timeout=20_000,
                          check_params_cb=lambda kind, _: kind == "reconcile-export"):
        controller.reconcile.export(str(out))
    assert (out / "reconciliation.gpkg").is_file() and (out / "reconciliation.pdf").is_file()
    assert "Written" in view.status.text()


def test_a_grid_click_with_the_view_closed_shows_the_grid_as_before(qtbot, console) -> None:
    win, controller, _made, _fake, city = console
    assert not win.reconcile.isVisible()
    controller._on_map_grid_clicked(city.grid_codes[0])
    assert city.grid_codes[0] in win.staff.caption.text()
