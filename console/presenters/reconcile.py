"""The reconciliation view's presenter: departmental layers against the unified grid.

Reading the layers and building the crosswalk and the conflicts run on the task runner (a
plain function of :mod:`models.reconcile`); the result is shown in the view
(:class:`widgets.reconcile.ReconcileView`) and on the map as overlays: each departmental layer
in its colour, the conflicts filled by kind. A click on a grid of the map, while the view is
open, shows the crosswalk of that grid. "Write…" puts the GeoPackage, the CSVs and the PDF
report in a folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from shapely.geometry import mapping

from console.tasks import TaskRunner, TaskState
from models.core.auth import Actor
from models.core.errors import CityGridError
from models.reconcile.files import Reconciliation, UnifiedGrid, reconcile, write_outputs
from models.reconcile.layers import read_dept_layer
from models.storage.db import Database
from widgets.messages import error_text
from widgets.reconcile import ConflictRow, LayerRow, ReconcileView

if TYPE_CHECKING:
    from widgets.citymap import CityMapWidget

log = logging.getLogger(__name__)
LAYER_COLOURS = ("#4aa3ff", "#ff6b6b", "#6ee7a0", "#c59bff")
CONFLICT_COLOURS = {"claimed_twice": "#ff8c1a", "uncovered": "#ff2d55",
                    "uncovered_by_layer": "#ffd166", "crosses_community": "#b18cff"}
TASK, EXPORT = "reconcile", "reconcile-export"


def _fc(geoms: Sequence[shapely.Geometry], props: Sequence[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(g), "properties": p}
        for g, p in zip(geoms, props, strict=True)]}


def compute(db: Database, actor: Actor, paths: Sequence[str], state: TaskState
            ) -> Reconciliation:
    """Read the layers and reconcile them with the stored unified grid (off the GUI thread)."""
    layers = []
    for n, path in enumerate(paths):
        state.progress(f"reading {Path(path).name}", n / (len(paths) + 1))
        layers.append(read_dept_layer(path))
    state.progress("the crosswalk and the conflicts", len(paths) / (len(paths) + 1))
    unified = UnifiedGrid.from_db(db, actor)
    if not unified.codes:
        raise CityGridError("the database has no unified grid to reconcile against")
    return reconcile(layers, unified)


class ReconcilePresenter(QObject):
    """Connects the view, the map and the task runner for one window."""

    def __init__(self, db: Database, actor: Actor, view: ReconcileView, runner: TaskRunner,
                 *, map_widget: CityMapWidget | None = None, parent: QWidget | None = None,
                 is_shown: Callable[[], bool] = lambda: True) -> None:
        super().__init__(parent)
        self.db, self.actor, self.view, self.runner = db, actor, view, runner
        self.map = map_widget
        self.window = parent
        self.is_shown = is_shown
        self.result: Reconciliation | None = None
        view.sig_open_requested.connect(self._on_view_open_requested)
        view.sig_export_requested.connect(self._on_view_export_requested)
        view.sig_layer_toggled.connect(self._on_view_layer_toggled)
        view.sig_conflict_activated.connect(self._on_view_conflict_activated)

    # -- opening -------------------------------------------------------------------------
    @Slot()
    def _on_view_open_requested(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.window, self.tr("Departmental grid layers"), "",
            self.tr("Grid layers (*.geojson *.json *.gpkg *.shp)"))
        if paths:
            self.open_layers(paths)

    def open_layers(self, paths: Sequence[str]) -> None:
        """Reconcile the layers in ``paths`` with the unified grid (in the background)."""
        self.view.set_busy(self.tr("Reading {0} layer(s) and comparing them with the unified "
                                   "grid…").format(len(paths)))
        paths = list(paths)
        self.runner.submit(TASK, lambda state: compute(self.db, self.actor, paths, state),
                           on_done=self.show_result, on_failed=self._on_task_failed)

    def _on_task_failed(self, exc: BaseException) -> None:
        self.view.set_layers(self._layer_rows(), self.tr("Not done: {0}").format(exc))
        QMessageBox.warning(self.window, self.tr("Reconciliation"), error_text(exc))

    # -- showing -------------------------------------------------------------------------
    def _layer_rows(self) -> list[LayerRow]:
        if self.result is None:
            return []
        rows = []
        for n, layer in enumerate(self.result.layers):
            cw = self.result.crosswalks[layer.name]
            rows.append(LayerRow(layer.name, layer.department or "—", len(layer.grids),
                                 f"{layer.datum.value} ({layer.datum_source})",
                                 len(layer.problems), cw.many()[0], cw.area_share_error_max(),
                                 layer.generated, LAYER_COLOURS[n % len(LAYER_COLOURS)]))
        return rows

    def show_result(self, run: Reconciliation) -> None:
        self.result = run
        s = run.summary()
        counts = ", ".join(f"{n:,} {self.view.kind_text(k)}" for k, n in s["conflicts"].items())
        self.view.set_layers(self._layer_rows(), self.tr(
            "{0} layer(s) against {1:,} unified grids: {2}.").format(
                len(run.layers), len(run.unified.codes), counts or self.tr("no conflicts")))
        self.view.set_conflicts([ConflictRow(c.kind, c.layer, " ".join(c.codes), c.area_m2,
                                             c.lon, c.lat, c.sliver, c.message)
                                 for c in run.conflicts])
        if self.map is None:
            return
        for n, layer in enumerate(run.layers):
            self.map.set_overlay(f"dept:{layer.name}",
                                 _fc([g.geometry for g in layer.grids],
                                     [{"code": g.code} for g in layer.grids]),
                                 LAYER_COLOURS[n % len(LAYER_COLOURS)],
                                 label=self.tr("Departmental layer {0}").format(layer.name))
        by_kind: dict[str, list] = {}
        for c in run.conflicts:
            by_kind.setdefault(c.kind, []).append(c)
        for kind, items in by_kind.items():
            self.map.set_overlay(f"conflicts:{kind}",
                                 _fc([c.geometry for c in items],
                                     [{"kind": kind} for _ in items]),
                                 CONFLICT_COLOURS.get(kind, "#ff8c1a"),
                                 # a crossing is a part of a grid, not a hole or a double
                                 # claim: outlined, so the map under it stays readable
                                 fill=kind != "crosses_community",
                                 weight=1.5 if kind == "crosses_community" else 0.5,
                                 label=self.tr("Conflicts: {0}").format(
                                     self.view.kind_text(kind)))

    def show_grid(self, code: str) -> bool:
        """The crosswalk of one unified grid (a click on the map); False when there is
        nothing to show (no result, or the view is closed)."""
        if self.result is None or not self.is_shown():
            return False
        lines = []
        for layer in self.result.layers:
            for dept, share, m2 in self.result.crosswalks[layer.name].of_grid(code):
                if share >= 1e-6:
                    lines.append(self.tr("{0} {1}: {2:.1%} of the grid ({3:,.0f} m²)").format(
                        layer.name, dept, share, m2))
        title = self.tr("Grid {0} is made of {1} departmental grid(s):").format(
            code, len(lines)) if lines else self.tr(
            "Grid {0}: no departmental grid covers it").format(code)
        self.view.show_crosswalk(title, lines)
        return True

    @Slot(str, bool)
    def _on_view_layer_toggled(self, name: str, on: bool) -> None:
        if self.map is not None:
            self.map.show_overlay(f"dept:{name}", on)

    @Slot(int)
    def _on_view_conflict_activated(self, row: int) -> None:
        if self.result is None or not 0 <= row < len(self.result.conflicts):
            return
        c = self.result.conflicts[row]
        if self.map is not None:
            self.map.fly_to(c.lon, c.lat, 17)
            self.map.highlight_event(c.lon, c.lat)

    # -- writing -------------------------------------------------------------------------
    @Slot()
    def _on_view_export_requested(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window,
                                                  self.tr("Write the reconciliation into"))
        if folder:
            self.export(folder)

    def export(self, folder: str) -> None:
        """Write the GeoPackage and CSVs (in the background), then the PDF report."""
        if self.result is None:
            return
        run = self.result
        self.view.set_busy(self.tr("Writing the reconciliation into {0}…").format(folder))
        self.runner.submit(EXPORT, lambda state: (write_outputs(run, folder), folder),
                           on_done=self._write_report, on_failed=self._on_task_failed)

    def _write_report(self, result: tuple[dict[str, Path], str]) -> None:
        from console.reconcile_report import write_reconcile_report

        paths, folder = result
        pdf = write_reconcile_report(self.result, Path(folder) / "reconciliation.pdf")
        self.view.set_layers(self._layer_rows(), self.tr("Written: {0} and {1}").format(
            paths["gpkg"], pdf))
