"""The window's search box and a grid's staff: a grid code, a case number (in the queue,
else of the whole history), a district (the queue filtered to it), a community, a staff
member, else the titles of every case
(older history on demand, read on a worker thread and listed with the open work).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Slot

from models.cases.queue import search_cases
from models.cases.table import CaseTable
from models.core.errors import CityGridError
from widgets.messages import error_text

HISTORY_PAGE = 500  # cases a search of the whole history lists
KIND = "history-search"


class SearchPresenter(QObject):
    """Answers the search box of one window (the shell is ``c``: its services, snapshot)."""

    def __init__(self, controller) -> None:  # noqa: ANN001 (console.app.ConsoleController)
        super().__init__(controller.window)
        self.c = controller
        controller.window.sig_search_requested.connect(self._on_window_search_requested)

    def show_grid(self, code: str) -> None:
        """The grid's staff and open cases in the staff dock, the grid outlined on the map."""
        c = self.c
        try:
            grid = c.units.grid_by_code(code)
        except CityGridError as exc:
            c.window.statusBar().showMessage(error_text(exc), 5000)
            return
        staff = c.staff.list(grid_id=grid.id)
        kind = self.tr("dedicated") if grid.kind == "dedicated" else self.tr("basic")
        open_cases: list[tuple[int, str]] = []
        if c.snapshot is not None:
            t = c.snapshot.table
            rows = np.flatnonzero((t.grid_code == grid.code) & t.open_mask())
            open_cases = [(int(t.ids[i]), f"{t.numbers[i]} {t.titles[i]}") for i in rows]
        c.window.staff.show_staff(
            self.tr("Grid {0} ({1}), community {2}").format(grid.code, kind,
                                                           grid.community_code), staff,
            open_cases)
        c.window.docks["staff"].raise_()
        if c.map is not None:
            c.map.highlight_grid(grid.code)

    def show_district(self, code: str, name: str) -> None:
        """The queue filtered to the district's cases (its district filter set)."""
        c = self.c
        queue = c.window.queue
        k = queue.district.findData(code)
        if k >= 0:
            queue.district.setCurrentIndex(k)  # (filters the queue at once)
        c.window.docks["queue"].show()
        c.window.docks["queue"].raise_()
        c.window.statusBar().showMessage(self.tr("{0} ({1}): {2} case(s) in the queue").format(
            name, code, queue.model.rowCount()), 8000)

    def show_person_on_map(self, person) -> None:  # noqa: ANN001 (a StaffRecord)
        """The person's last position ringed on the map and their home grid outlined."""
        c = self.c
        if c.map is None:
            return
        if person.home_grid_id is not None:
            code = next((g.code for g in c.units.grids() if g.id == person.home_grid_id), None)
            if code is not None:
                c.map.highlight_grid(code)
        if person.lon is not None and person.lat is not None:
            c.map.highlight_event(person.lon, person.lat)
            c.map.fly_to(person.lon, person.lat)

    @Slot(str)
    def _on_window_search_requested(self, text: str) -> None:
        """A grid code, a case number, a staff name or a community name or code."""
        c = self.c
        text = text.strip()
        if text.isdigit() and len(text) == 15:
            self.show_grid(text)
            return
        if c.snapshot is not None and text.upper().startswith("C"):
            hits = (c.snapshot.table.numbers == text.upper()).nonzero()[0]
            if len(hits):
                case_id = int(c.snapshot.table.ids[hits[0]])
                c.window.queue.select_case(case_id, emit=False)
                c.show_case(case_id)
                return
            if c.replay is None:
                # a case closed before the queue's window: the number's index finds it
                older = search_cases(c.db, c.actor, number=text, limit=1)
                if len(older):
                    c.show_case(int(older.ids[0]))
                    c.window.statusBar().showMessage(
                        self.tr("{0} is an older closed case (not in the queue)").format(
                            older.numbers[0]), 8000)
                    return
        district = next((u for u in c.units.units("district")
                         if text in (u.code, u.name, u.name_en)), None)
        if district is not None:
            self.show_district(district.code, district.name)
            return
        units = [u for u in c.units.units("community") if text in (u.code, u.name)]
        if units:
            grids = [g for g in c.units.grids() if g.community_id == units[0].id]
            if grids:
                self.show_grid(grids[0].code)
            return
        staff = [s for s in c.staff.list() if text == s.name or text == s.code]
        if staff:
            c.window.staff.show_staff(self.tr("Staff matching “{0}”").format(text), staff)
            c.window.docks["staff"].raise_()
            self.show_person_on_map(staff[0])
            return
        snap = c.snapshot
        if c.replay is None and snap is not None and snap.table.closed_beyond:
            # older history on demand: titles and grids of every case, on a worker thread
            db, actor = c.db, c.actor
            c.runner.submit(KIND, lambda state: search_cases(
                db, actor, text=text, limit=HISTORY_PAGE),
                on_done=lambda page: self.show_history_page(text, page))
            return
        c.window.statusBar().showMessage(self.tr("Nothing found for “{0}”").format(text), 5000)

    def show_history_page(self, text: str, page: CaseTable) -> None:
        """Cases of any age found by a search: listed in the queue with the open work (until
        the next refresh), the filter set to the search."""
        c = self.c
        if not len(page) or c.snapshot is None:
            c.window.statusBar().showMessage(
                self.tr("Nothing found for “{0}”").format(text), 5000)
            return
        live = c.snapshot.table
        page = page.take(np.flatnonzero(~np.isin(page.ids, live.ids)))
        queue = c.window.queue
        queue.set_table(CaseTable.concat([live, page], closed_beyond=live.closed_beyond))
        queue.open_only.setChecked(False)
        queue.search.setText(text)
        c.window.statusBar().showMessage(
            self.tr("{0} case(s) of the whole history match “{1}”").format(len(page), text),
            8000)
