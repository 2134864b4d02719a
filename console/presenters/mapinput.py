"""What the user does on the map: a click on a grid (the span picker's, the reconciliation
view's, else the grid's staff), on a case marker, a picked location (the grid there, the
hotline form's position), a measured distance; and flying to the selected case.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication


class MapInputPresenter(QObject):
    """The map's signals of one window, answered through the shell ``c``."""

    def __init__(self, controller, map_widget) -> None:  # noqa: ANN001
        super().__init__(controller.window)
        self.c, self.map = controller, map_widget
        self.picked_location: tuple[float, float, str] | None = None
        w = controller.window
        w.sig_fly_to_selected_requested.connect(self._on_window_fly_to_selected_requested)
        if map_widget is None:
            return
        map_widget.sig_grid_clicked.connect(self._on_map_grid_clicked)
        map_widget.sig_event_clicked.connect(self._on_map_event_clicked)
        map_widget.sig_distance_measured.connect(self._on_map_distance_measured)
        w.sig_measure_requested.connect(map_widget.start_measure)
        w.sig_pick_location_requested.connect(self._on_window_pick_location_requested)
        map_widget.sig_location_picked.connect(self._on_map_location_picked)

    def _case_point(self, case_id: int) -> tuple[float, float] | None:
        snap = self.c.snapshot
        if snap is None:
            return None
        hits = np.flatnonzero(snap.table.ids == case_id)
        if not len(hits):
            return None
        return float(snap.table.lon[hits[0]]), float(snap.table.lat[hits[0]])

    def fly_to_case(self, case_id: int) -> None:
        point = self._case_point(case_id) if self.map is not None else None
        if point is not None:
            self.map.fly_to(*point, 17)
            self.map.highlight_event(*point)

    @Slot()
    def _on_window_fly_to_selected_requested(self) -> None:
        case_id = self.c.window.queue.selected_case_id()
        if case_id is not None:
            self.fly_to_case(case_id)

    @Slot(str)
    def _on_map_grid_clicked(self, code: str) -> None:
        c = self.c
        if c.spans.take_grid_click(code):  # the span picker is open: it ticks the grid
            return
        if c.reconcile.show_grid(code):  # the reconciliation view is open: its crosswalk
            return
        c.show_grid(code)

    @Slot(int)
    def _on_map_event_clicked(self, case_id: int) -> None:
        self.c.window.queue.select_case(case_id, emit=False)
        self.c.show_case(case_id)
        point = self._case_point(case_id)
        if point is not None:
            self.map.highlight_event(*point)

    @Slot()
    def _on_window_pick_location_requested(self) -> None:
        self.map.set_pick_mode(True)
        self.c.window.statusBar().showMessage(self.tr("Click the map to place the location"))

    @Slot(float, float)
    def _on_map_location_picked(self, lon: float, lat: float) -> None:
        """Show where the dispatcher clicked: coordinates and the grid there."""
        c = self.c
        grid_id = c.indexes.grid_index().locate(lon, lat)
        code = ""
        if grid_id is not None:
            code = next((g.code for g in c.units.grids() if g.id == grid_id), "")
        self.picked_location = (lon, lat, code)
        c.calls.set_location(lon, lat)
        QApplication.clipboard().setText(f"{lon:.6f},{lat:.6f}")
        c.window.statusBar().showMessage(
            self.tr("Location {0:.6f}, {1:.6f} in grid {2} (copied)").format(
                lon, lat, code or self.tr("outside every grid")), 15000)

    @Slot(float)
    def _on_map_distance_measured(self, metres: float) -> None:
        self.c.window.statusBar().showMessage(self.distance_text(metres))

    def distance_text(self, metres: float) -> str:
        """A measured distance as a map reads it: metres below a kilometre, else km."""
        if metres < 1000:
            return self.tr("Distance: {0} m (double-click to finish)").format(f"{metres:,.0f}")
        km = metres / 1000
        return self.tr("Distance: {0} km (double-click to finish)").format(
            f"{km:,.2f}" if km < 10 else f"{km:,.1f}")
