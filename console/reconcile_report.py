"""The reconciliation report: an A4 PDF with the figures, maps and the largest conflicts.

The figures come from the domain (:class:`models.reconcile.files.Reconciliation`); this
module draws the maps with QPainter (the unified grid in grey, each departmental layer in its
colour, the conflicts filled) and lays the page out with QTextDocument, as the drill report
does (:mod:`console.report`: fonts, page, searchable Chinese).
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import shapely
from PySide6.QtCore import QCoreApplication, QPointF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from console.report import FONT_FAMILIES, FONT_POINTS, MARGINS_MM, RESOLUTION_DPI, _searchable_cjk

translate = QCoreApplication.translate
LAYER_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
CONFLICT_COLOURS = {"claimed_twice": "#e6550d", "uncovered": "#000000",
                    "uncovered_by_layer": "#fdae6b", "crosses_community": "#756bb1"}
MAP_PX = (1800, 1300)
TOP_CONFLICTS = 25


class _Canvas:
    """Longitude/latitude onto an image, north up, with the aspect of the ground."""

    def __init__(self, bounds: tuple[float, float, float, float], size: tuple[int, int]) -> None:
        minx, miny, maxx, maxy = bounds
        kx = np.cos(np.radians((miny + maxy) / 2))
        w, h = size
        pad = 20
        self.scale = min((w - 2 * pad) / max((maxx - minx) * kx, 1e-9),
                         (h - 2 * pad) / max(maxy - miny, 1e-9))
        self.minx, self.maxy, self.kx, self.pad = minx, maxy, kx, pad

    def path(self, geom: shapely.Geometry) -> QPainterPath:
        path = QPainterPath()
        for poly in shapely.get_parts(geom):
            if poly.geom_type != "Polygon":
                continue
            for ring in (poly.exterior, *poly.interiors):
                xy = shapely.get_coordinates(ring)
                x = self.pad + (xy[:, 0] - self.minx) * self.kx * self.scale
                y = self.pad + (self.maxy - xy[:, 1]) * self.scale
                path.moveTo(QPointF(x[0], y[0]))
                for a, b in zip(x[1:], y[1:], strict=True):
                    path.lineTo(QPointF(a, b))
                path.closeSubpath()
        return path


def render_map(run, *, layer: str | None = None, size: tuple[int, int] = MAP_PX) -> QImage:  # noqa: ANN001
    """The unified grid, one departmental layer (or all) and the conflicts, as an image."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    city = shapely.union_all(run.unified.polygons)
    canvas = _Canvas(city.bounds, size)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    grey = QPen(QColor("#b0b7bf"))
    grey.setWidthF(0.6)
    p.setPen(grey)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for poly in run.unified.polygons:
        p.drawPath(canvas.path(poly))
    for n, dept in enumerate(run.layers):
        if layer is not None and dept.name != layer:
            continue
        pen = QPen(QColor(LAYER_COLOURS[n % len(LAYER_COLOURS)]))
        pen.setWidthF(1.0)
        p.setPen(pen)
        for g in dept.grids:
            p.drawPath(canvas.path(g.geometry))
    for c in run.conflicts:
        if layer is not None and c.layer not in ("", layer):
            continue
        colour = QColor(CONFLICT_COLOURS.get(c.kind, "#e6550d"))
        if c.kind == "crosses_community":  # a part of a grid: outlined, not filled
            pen = QPen(colour)
            pen.setWidthF(1.2)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
        else:
            colour.setAlpha(210)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(colour))
        p.drawPath(canvas.path(c.geometry))
    outline = QPen(QColor("#222222"))
    outline.setWidthF(2.0)
    p.setPen(outline)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(canvas.path(city))
    p.end()
    return image


def _t(text: str) -> str:
    return translate("reconcile_report", text)


def report_html(run, proposal=None) -> str:  # noqa: ANN001
    """The report's HTML (maps referenced as map-<n>.png resources)."""
    s = run.summary()
    e = html.escape
    title = _t('Reconciling the departments\u2019 grid layers')
    parts = [f"<h1>{e(title)}</h1>",
             f"<p>{e(_t('Unified grid'))}: {s['unified_grids']:,} {e(_t('grids'))}. "
             f"{e(_t('Computed'))} {e(s['computed_at'])}.</p>"]
    if any(L.generated for L in run.layers):
        parts.append(f"<p><b>{e(_t('Generated demo data: not real departmental layers.'))}"
                     "</b></p>")
    rows = "".join(
        f"<tr><td>{e(name)}</td><td>{e(v['department'])}</td><td>{v['grids']:,}</td>"
        f"<td>{e(v['datum'])} ({e(v['datum_source'])})</td><td>{v['problems']:,}</td>"
        f"<td>{v['crosswalk_rows']:,}</td><td>{v['split_over_several']:,}</td>"
        f"<td>{v['area_share_error_max']:.1e}</td></tr>" for name, v in s["layers"].items())
    head = "".join(f"<th>{e(_t(h))}</th>" for h in (
        "Layer", "Department", "Grids", "Datum", "Problems", "Crosswalk rows",
        "Split over several", "Share error"))
    parts.append(f"<h2>{e(_t('Layers'))}</h2><table border='1' cellspacing='0' "
                 f"cellpadding='3' width='100%'><tr>{head}</tr>{rows}</table>")
    parts.append(f"<h2>{e(_t('Conflicts'))}</h2><ul>" + "".join(
        f"<li>{e(_t(kind))}: {n:,} ({s['conflict_area_m2'][kind]:,.0f} m²)</li>"
        for kind, n in s["conflicts"].items()) + "</ul>")
    parts.append("<p><img src='map-0.png' width='640'></p>")
    top = sorted(run.conflicts, key=lambda c: -c.area_m2)[:TOP_CONFLICTS]
    if top:
        parts.append(f"<h3>{e(_t('The largest conflicts'))}</h3><table border='1' "
                     "cellspacing='0' cellpadding='2' width='100%'>" + "".join(
                         f"<tr><td>{e(_t(c.kind))}</td><td>{c.area_m2:,.0f} m²</td>"
                         f"<td>{c.lon:.5f}, {c.lat:.5f}</td><td>{e(c.message)}</td></tr>"
                         for c in top) + "</table>")
    for n, layer in enumerate(run.layers, start=1):
        parts.append(f"<h3>{e(layer.name)}</h3><p><img src='map-{n}.png' width='640'></p>")
    if s["records"]:
        parts.append(f"<h2>{e(_t('Records carried onto the unified grid'))}</h2><ul>"
                     + "".join(f"<li>{e(name)}: {r['read']:,} {e(_t('read'))}, "
                               f"{r['placed']:,} {e(_t('placed'))}, {r['unplaced']:,} "
                               f"{e(_t('not placed (listed in unplaced.csv)'))}</li>"
                               for name, r in s["records"].items()) + "</ul>")
    if proposal is not None:
        b, a = proposal.before, proposal.after
        parts.append(
            f"<h2>{e(_t('Proposed unified grid'))}</h2><table border='1' cellspacing='0' "
            f"cellpadding='3'><tr><th></th><th>{e(_t('today'))}</th><th>{e(_t('proposed'))}"
            f"</th></tr><tr><td>{e(_t('basic grids'))}</td><td>{b.n:,}</td><td>{a.n:,}</td>"
            f"</tr><tr><td>{e(_t('Gini of events per grid'))}</td><td>{b.gini:.3f}</td>"
            f"<td>{a.gini:.3f}</td></tr><tr><td>{e(_t('largest grid (events a year)'))}</td>"
            f"<td>{b.largest:,.0f}</td><td>{a.largest:,.0f}</td></tr><tr><td>"
            f"{e(_t('smallest grid (events a year)'))}</td><td>{b.smallest:,.0f}</td>"
            f"<td>{a.smallest:,.0f}</td></tr></table>"
            f"<p>{e(_t('Communities whose bounds cannot be met'))}: {len(proposal.unmet):,}"
            "</p>")
    return "\n".join(parts)


def write_reconcile_report(run, path: Path, *, proposal=None) -> Path:  # noqa: ANN001
    """Write the reconciliation report to ``path`` (A4 PDF). Needs a QGuiApplication."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("the reconciliation report is laid out by Qt: create a "
                           "QGuiApplication first")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.part{path.suffix}")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))
    writer.setTitle(_t("Reconciling the departments\u2019 grid layers"))
    writer.setCreator("CityGrid Console")
    doc = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(FONT_POINTS)
    doc.setDefaultFont(font)
    doc.documentLayout().setPaintDevice(writer)
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.setDocumentMargin(0)
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("map-0.png"),
                    render_map(run))
    for n, layer in enumerate(run.layers, start=1):
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"map-{n}.png"),
                        render_map(run, layer=layer.name))
    doc.setHtml(report_html(run, proposal))
    doc.print_(writer)
    del writer
    written = tmp.read_bytes() if tmp.is_file() else b""
    if not written:
        raise OSError(f"the report could not be written to {path}")
    tmp.write_bytes(_searchable_cjk(written))
    tmp.replace(path)
    return path
