"""Marking the grids a case spans: the picker beside the map, map clicks that tick grids,
the span outlined on the map, and the mark itself through the case desk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from models.cases.spans import case_grids
from models.core.errors import CityGridError
from widgets.messages import error_text

if TYPE_CHECKING:
    from widgets.spanpicker import GridChoice, SpanPicker


class SpanPresenter(QObject):
    """The span picker of one window (at most one open at a time)."""

    def __init__(self, controller) -> None:  # noqa: ANN001
        super().__init__(controller.window)
        self.c = controller
        self.picker: SpanPicker | None = None  # while a span is marked

    def _grid_choice(self, code: str) -> GridChoice | None:
        """A grid as the picker lists it: code, name and community by name."""
        from widgets.spanpicker import GridChoice

        try:
            grid = self.c.units.grid_by_code(code)
        except CityGridError:
            return None
        community = self.c._router().graph.units.get(grid.community_id)
        name = grid.name or code[-3:]
        if community is None:
            return GridChoice(grid.id, code, self.tr("grid {0} ({1})").format(name, code))
        return GridChoice(grid.id, code, self.tr("grid {0} ({1}), {2}").format(
            name, code, community.name or community.code))

    def _describe(self, grid_ids: list[int], subcategory: str) -> str:
        """Where a case spanning ``grid_ids`` goes (the router's answer, in words)."""
        if not grid_ids:
            return self.tr("Tick at least one grid")
        router = self.c._router()
        decision = router.route(grid_ids, subcategory)
        return self.tr("{0} grid(s): the case goes to {1}").format(
            len(grid_ids), router.graph.describe(decision.unit_id))

    def take_grid_click(self, code: str) -> bool:
        """A grid clicked on the map while the picker is open ticks or unticks it."""
        if self.picker is None or not self.picker.isVisible():
            return False
        choice = self._grid_choice(code)
        if choice is not None:
            self.picker.toggle(choice)
        return True

    def show_on_map(self, case_id: int) -> None:
        """Outline the grids the shown case spans (nothing when it lies in one)."""
        if self.c.map is None:
            return
        grids = case_grids(self.c.db, case_id)
        codes = self.c._router().graph.grid_codes
        self.c.map.show_span([codes[g] for g in grids if g in codes] if len(grids) > 1
                             else [])

    def open(self, case_id: int) -> None:
        """Let the dispatcher tick the grids the case spans (beside the map, not modal); OK
        marks them through the desk at the version the picker was opened on."""
        from widgets.spanpicker import SpanPicker

        c = self.c
        case = c.cases.get(case_id)
        version = case.version
        graph = c._router().graph
        grids = case_grids(c.db, case_id)
        codes = graph.grid_codes
        own = self._grid_choice(codes[case.grid_id]) if case.grid_id in codes else None
        adjacency = c.adjacency()
        near = set(adjacency[case.grid_id]) if case.grid_id in adjacency else set()
        listed = [x for g in sorted(near | set(grids))
                  if g in codes and (x := self._grid_choice(codes[g]))]
        if self.picker is not None:
            self.picker.close()
        picker = SpanPicker(case.number, own, listed, set(grids),
                            lambda ids: self._describe(ids, case.subcategory), c.window)
        if c.map is not None:
            picker.sig_selection_changed.connect(c.map.show_span)
            c.map.show_span([x.code for x in picker.selected()])

        def done(result: int) -> None:
            self.picker = None
            if result != picker.DialogCode.Accepted:
                c.window.statusBar().showMessage(self.tr("Cancelled: nothing changed"), 4000)
                c.show_case(case_id)
                return
            try:
                changes = c.desk.mark_span(case_id, picker.selected_ids(),
                                           picker.note.text().strip(), version)
            except CityGridError as exc:
                QMessageBox.warning(c.window, self.tr("Not done"), error_text(exc))
                return
            after = c.cases.get(case_id)
            message = self.tr("Span of {0} marked").format(case.number)
            if after.assigned_unit_id is not None:
                routed = c.desk.route(after)
                if routed.unit_id != after.assigned_unit_id:
                    message = self.tr("Span of {0} marked: it now belongs to {1}; transfer it "
                                      "to send it there").format(
                        case.number, graph.describe(routed.unit_id))
            c.window.statusBar().showMessage(message, 8000)
            c.show_case(case_id)
            c.apply_changes(changes)
        picker.finished.connect(done)
        self.picker = picker
        picker.show()  # not open(): that makes it window-modal and the map unclickable
