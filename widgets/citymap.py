"""The live grid map: a Leaflet page built once by folium, fed through one QWebChannel bridge.

* The page and its assets (local Leaflet from the xstatic packages, the console's own
  ``resources/web/*.js``) are served by a custom URL scheme ``citygrid://app/``; nothing is
  loaded from the network, and a request interceptor blocks and records anything that tries
  (a configured tile server's host excepted).
* Python -> JS: every call is ``citygrid.dispatch({"fn": ..., "args": ...})`` through the
  bridge's ``sig_js_call`` signal, JSON-encoded (never JS text built with ``str()``).
  Calls made before the page is ready are queued and sent when it says so.
* JS -> Python: the bridge's slots re-emit typed signals; callbacks after teardown are ignored.
* Staff positions travel as base64 little-endian Int32 micro-degrees ("latest wins": the
  next batch goes only after the previous one was painted).
* Categories, priorities and roles travel as small integers, their index in the
  vocabulary's code lists (:mod:`models.core.enums`); the page is given those lists and
  the palettes keyed by code (:func:`widgets.mapstyle.page_vocabulary`) once, in the page
  it is built with, and holds no list of its own.
* When the base map is GCJ-02, overlays are shifted to match here, in one place
  (:meth:`CityMapWidget._shift`); everything the widget receives is WGS-84.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import cast

import numpy as np
import xstatic.pkg.leaflet as xleaflet
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from models.core.enums import CATEGORY_CODES, PRIORITY_CODES, ROLE_CODES, Priority, StaffRole
from models.core.geo import Datum, from_storage, geodesic_distance_m
from widgets.basemap import check_base_map
from widgets.mapstyle import OFF_DUTY_FLAG, page_vocabulary

log = logging.getLogger(__name__)
js_log = logging.getLogger("citygrid.js")

SCHEME = b"citygrid"
PAGE_URL = QUrl("citygrid://app/map.html")
# the codes sent to the page: a code's index in the vocabulary's list
ROLE_INDEX = {r: i for i, r in enumerate(ROLE_CODES)}
CATEGORY_INDEX = {c: i for i, c in enumerate(CATEGORY_CODES)}
PRIORITY_INDEX = {p: i for i, p in enumerate(PRIORITY_CODES)}
# what an unknown value is drawn as: a centre role's colour, "other", normal size
_ROLE_DEFAULT = ROLE_INDEX[StaffRole.DISPATCHER]
_CATEGORY_DEFAULT = CATEGORY_INDEX["other"]
_PRIORITY_DEFAULT = PRIORITY_INDEX[Priority.NORMAL]
VOCABULARY_ID = "cg-vocabulary"


def register_url_scheme() -> None:
    """Register ``citygrid://``; must run once before the QApplication is created."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == SCHEME:
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme
                    | QWebEngineUrlScheme.Flag.LocalAccessAllowed
                    | QWebEngineUrlScheme.Flag.CorsEnabled)
    QWebEngineUrlScheme.registerScheme(scheme)


@dataclass(frozen=True)
class BaseMap:
    """A base map: none (the grid layer is the map), an XYZ/WMTS URL, or an MBTiles file."""

    kind: str = "none"  # none | xyz | wmts | mbtiles
    url: str = ""
    path: str = ""
    datum: str = "WGS84"
    attribution: str = ""
    min_zoom: int = 0
    max_zoom: int = 18

    def __post_init__(self) -> None:
        # the settings' rule, and here the MBTiles file must be there
        check_base_map(self.kind, self.url, self.path, self.datum)

    @property
    def tile_host(self) -> str | None:
        return QUrl(self.url.replace("{", "").replace("}", "")).host() or None \
            if self.kind in ("xyz", "wmts") else None

    def page_config(self) -> dict:
        url = {"none": "", "xyz": self.url, "wmts": self.url,
               "mbtiles": "citygrid://app/tiles/{z}/{x}/{y}"}[self.kind]
        return {"kind": self.kind, "url": url, "datum": Datum.parse(self.datum).value,
                "attribution": self.attribution, "min_zoom": self.min_zoom,
                "max_zoom": self.max_zoom}


def build_page_html() -> str:
    """The map page, built once by folium with local Leaflet and no http(s) URL."""
    import folium

    m = folium.Map(location=[28.2, 112.95], zoom_start=11, tiles=None, prefer_canvas=True,
                   max_zoom=19, min_zoom=7, control_scale=False, zoom_control=True,
                   double_click_zoom=False)
    # folium's template pulls Leaflet, jQuery and Bootstrap from CDNs: use local Leaflet only
    m.default_js = [("leaflet", "citygrid://app/leaflet/leaflet.js"),
                    ("qwebchannel", "qrc:///qtwebchannel/qwebchannel.js"),
                    ("citygrid", "citygrid://app/web/citygrid.js")]
    m.default_css = [("leaflet_css", "citygrid://app/leaflet/leaflet.css"),
                     ("citygrid_css", "citygrid://app/web/citygrid.css")]
    from branca.element import Element, Figure

    # a folium map's root is the Figure folium made for it; branca types get_root() as Element
    root = cast("Figure", m.get_root())
    # folium declares the map variable in a later script block: attach once the page loaded
    root.script.add_child(Element(
        f"window.addEventListener(\"load\", () => window.citygrid.attach({m.get_name()}));"))
    html = root.render()
    if "http://" in html or "https://" in html:
        raise RuntimeError("the map page refers to the network; folium's template changed")
    # the vocabulary, as data the page parses when it attaches (after folium's templating,
    # which would read braces as its own; "</" escaped so no text can close the element)
    vocabulary = json.dumps(page_vocabulary(), separators=(",", ":")).replace("</", "<\\/")
    if html.count("</head>") != 1:
        raise RuntimeError("the map page has no single head; folium's template changed")
    return html.replace("</head>", f'<script type="application/json" id="{VOCABULARY_ID}">'
                                   f"{vocabulary}</script>\n</head>")


class SchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves the page, Leaflet, the console's JS/CSS and MBTiles tiles."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.page_html = build_page_html().encode("utf-8")
        self.mbtiles: Path | None = None
        self._web = resources.files("resources") / "web"
        self._leaflet = Path(xleaflet.BASE_DIR)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        path = job.requestUrl().path().lstrip("/")
        try:
            body, mime = self._resolve(path)
        except (FileNotFoundError, ValueError, IsADirectoryError):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        buf = QBuffer(job)
        buf.setData(QByteArray(body))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime.encode(), buf)

    def _resolve(self, path: str) -> tuple[bytes, str]:
        if path == "map.html":
            return self.page_html, "text/html"
        if path.startswith("leaflet/"):
            target = (self._leaflet / path.removeprefix("leaflet/")).resolve()
            if self._leaflet.resolve() not in target.parents:
                raise ValueError(path)
            return target.read_bytes(), mimetypes.guess_type(target.name)[0] or "text/plain"
        if path.startswith("web/"):
            name = path.removeprefix("web/")
            if "/" in name or name.startswith("."):
                raise ValueError(path)
            return (self._web / name).read_bytes(), mimetypes.guess_type(name)[0] or "text/plain"
        if path.startswith("tiles/") and self.mbtiles is not None:
            from models.world.mbtiles import read_tile

            z, x, y = (int(v) for v in path.removeprefix("tiles/").split("/")[:3])
            data = read_tile(self.mbtiles, z, x, y)
            if data is None:
                raise FileNotFoundError(path)
            return data, "image/png" if data[:4] == b"\x89PNG" else "image/jpeg"
        raise FileNotFoundError(path)


class NetworkGuard(QWebEngineUrlRequestInterceptor):
    """Blocks and records every network request the page makes (except the tile host)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.allowed_hosts: set[str] = set()
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.scheme() in ("http", "https", "ws", "wss", "ftp"):
            if url.host() in self.allowed_hosts:
                return
            self.blocked.append(url.toString())
            log.warning("blocked a network request from the map page: %s", url.toString())
            info.block(True)


class MapPage(QWebEnginePage):
    """Routes the page's console messages to Python logging; errors are counted."""

    sig_js_error = Signal(str)
    """The page logged an error (console.error or an uncaught exception)."""

    def javaScriptConsoleMessage(self, level: QWebEnginePage.JavaScriptConsoleMessageLevel,
                                 message: str, line: int, source: str) -> None:
        text = f"{message} ({source}:{line})"
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            js_log.error(text)
            self.sig_js_error.emit(text)
        elif level == QWebEnginePage.JavaScriptConsoleMessageLevel.WarningMessageLevel:
            js_log.warning(text)
        else:
            js_log.info(text)


class MapBridge(QObject):
    """The one object shared with the page. Slots take plain values or JSON strings."""

    sig_js_call = Signal(str)
    """A call for the page: JSON ``{"fn": name, "args": ...}`` (JS listens to this)."""

    sig_page_ready = Signal()
    sig_grid_clicked = Signal(str)
    sig_event_clicked = Signal(int)
    sig_location_picked = Signal(float, float)
    sig_measured = Signal(str)
    sig_batch_painted = Signal(str, float)
    sig_js_error = Signal(str)
    sig_pong = Signal(str)
    sig_stats = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.alive = True

    @Slot()
    def pageReady(self) -> None:
        if self.alive:
            self.sig_page_ready.emit()

    @Slot(str)
    def gridClicked(self, code: str) -> None:
        if self.alive and isinstance(code, str) and code.isdigit() and len(code) == 15:
            self.sig_grid_clicked.emit(code)

    @Slot(int)
    def eventClicked(self, case_id: int) -> None:
        if self.alive:
            self.sig_event_clicked.emit(int(case_id))

    @Slot(float, float)
    def locationPicked(self, lon: float, lat: float) -> None:
        if self.alive and -180 <= lon <= 180 and -90 <= lat <= 90:
            self.sig_location_picked.emit(float(lon), float(lat))

    @Slot(str)
    def measured(self, points_json: str) -> None:
        if self.alive:
            self.sig_measured.emit(points_json)

    @Slot(str, float)
    def batchPainted(self, kind: str, ms: float) -> None:
        if self.alive:
            self.sig_batch_painted.emit(kind, float(ms))

    @Slot(str)
    def jsError(self, text: str) -> None:
        js_log.error("uncaught: %s", text)
        if self.alive:
            self.sig_js_error.emit(text)

    @Slot(str)
    def pong(self, token: str) -> None:
        if self.alive:
            self.sig_pong.emit(token)

    @Slot(str)
    def stats(self, text: str) -> None:
        if self.alive:
            self.sig_stats.emit(text)


class CityMapWidget(QWidget):
    """The console's map. Everything it is given is WGS-84 and plain data."""

    sig_map_ready = Signal()
    """The page loaded, Leaflet and the bridge are up; queued calls have been sent."""

    sig_grid_clicked = Signal(str)
    """The user clicked the grid with this code."""

    sig_event_clicked = Signal(int)
    """The user clicked the event of the case with this id."""

    sig_location_picked = Signal(float, float)
    """In pick mode, the user clicked this location (lon, lat, WGS-84)."""

    sig_distance_measured = Signal(float)
    """The measured line is now this long (metres, on the ellipsoid)."""

    sig_batch_painted = Signal(str, float)
    """A batch of this kind was applied and painted; JS-side milliseconds."""

    sig_js_error = Signal(str)
    """The page reported an error."""

    def __init__(self, parent: QWidget | None = None, *, base_map: BaseMap | None = None,
                 profile: QWebEngineProfile | None = None) -> None:
        super().__init__(parent)
        self.base_map = base_map or BaseMap()
        self.ready = False
        self.js_errors: list[str] = []
        self._pending: list[str] = []
        self._staff_in_flight = False
        self._staff_latest: str | None = None
        self._staff_sent_at = 0.0
        self.last_staff_roundtrip_ms = float("nan")
        # The view (and with it the page) is created before the profile: children are
        # destroyed in creation order, and a page must go before its profile.
        self.view = QWebEngineView(self)
        # Own off-the-record profile: no cache or cookies on disk, and its own guard.
        self.profile = profile or QWebEngineProfile(self)
        self.guard = NetworkGuard(self)
        self.profile.setUrlRequestInterceptor(self.guard)
        self.scheme_handler = SchemeHandler(self)
        self.profile.installUrlSchemeHandler(SCHEME, self.scheme_handler)
        self.page = MapPage(self.profile, self.view)
        self.view.setPage(self.page)
        self.bridge = MapBridge(self)
        self.channel = QWebChannel(self.page)
        self.channel.registerObject("bridge", self.bridge)
        self.page.setWebChannel(self.channel)
        self.page.sig_js_error.connect(self._on_page_js_error)
        b = self.bridge
        b.sig_page_ready.connect(self._on_bridge_page_ready)
        b.sig_grid_clicked.connect(self.sig_grid_clicked)
        b.sig_event_clicked.connect(self.sig_event_clicked)
        b.sig_location_picked.connect(self._on_bridge_location_picked)
        b.sig_measured.connect(self._on_bridge_measured)
        b.sig_batch_painted.connect(self._on_bridge_batch_painted)
        b.sig_js_error.connect(self._on_page_js_error)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.set_base_map(self.base_map)
        self.view.load(PAGE_URL)

    # -- plumbing ------------------------------------------------------------------------
    def _call(self, fn: str, args: object = None) -> None:
        message = json.dumps({"fn": fn, "args": args}, ensure_ascii=False,
                             separators=(",", ":"))
        if self.ready:
            self.bridge.sig_js_call.emit(message)
        else:
            self._pending.append(message)

    @Slot()
    def _on_bridge_page_ready(self) -> None:
        self.ready = True
        pending, self._pending = self._pending, []
        for message in pending:
            self.bridge.sig_js_call.emit(message)
        self._send_staff()  # a staff batch that waited for the page
        self.sig_map_ready.emit()

    @Slot(str)
    def _on_page_js_error(self, text: str) -> None:
        self.js_errors.append(text)
        self.sig_js_error.emit(text)

    def teardown(self) -> None:
        """Stop listening to the page (late callbacks are ignored from here on)."""
        self.bridge.alive = False
        self.ready = False

    # -- datum ---------------------------------------------------------------------------
    @property
    def display_datum(self) -> Datum:
        return Datum.parse(self.base_map.datum)

    def _shift(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """WGS-84 in, the base map's datum out (the only place overlays are shifted)."""
        return from_storage(lon, lat, self.display_datum)

    def _shift_geojson(self, fc: dict) -> dict:
        if self.display_datum is not Datum.GCJ02:
            return fc
        import shapely

        def move(coords: np.ndarray) -> np.ndarray:
            lon, lat = self._shift(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        out = dict(fc)
        out["features"] = []
        for f in fc["features"]:
            geom = shapely.geometry.shape(f["geometry"])
            g2 = json.loads(shapely.to_geojson(shapely.transform(geom, move)))
            out["features"].append({**f, "geometry": g2})
        return out

    # -- the API -------------------------------------------------------------------------
    def set_base_map(self, base_map: BaseMap) -> None:
        self.base_map = base_map
        self.guard.allowed_hosts = {base_map.tile_host} if base_map.tile_host else set()
        self.scheme_handler.mbtiles = Path(base_map.path) if base_map.kind == "mbtiles" else None
        self._call("setBaseMap", base_map.page_config())

    def set_grids(self, feature_collection: dict) -> None:
        """The grid layer (features with code, kind, dedicated_type, community_code)."""
        self._call("setGrids", self._shift_geojson(feature_collection))

    def set_boundaries(self, level: str, feature_collection: dict) -> None:
        """Boundary lines of one level: district, street or community."""
        if level not in ("district", "street", "community"):
            raise ValueError(f"unknown boundary level {level!r}")
        self._call("setBoundaries", {"level": level,
                                     "fc": self._shift_geojson(feature_collection)})

    def update_staff(self, lon: np.ndarray, lat: np.ndarray, roles: Sequence[str] | np.ndarray,
                     on_duty: np.ndarray) -> None:
        """Move every staff marker (latest wins: intermediate batches are dropped).

        ``roles`` are role names, or a uint8 array of role codes (indexes into
        :data:`models.core.enums.ROLE_CODES`)."""
        lon, lat = self._shift(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        codes = np.asarray([ROLE_INDEX.get(r, _ROLE_DEFAULT) for r in roles], dtype=np.uint8) \
            if not isinstance(roles, np.ndarray) or roles.dtype != np.uint8 else roles.copy()
        codes[~np.asarray(on_duty, dtype=bool)] |= OFF_DUTY_FLAG
        self._staff_latest = json.dumps({"fn": "setStaff", "args": {
            "lon": base64.b64encode(np.round(lon * 1e6).astype("<i4").tobytes()).decode(),
            "lat": base64.b64encode(np.round(lat * 1e6).astype("<i4").tobytes()).decode(),
            "codes": base64.b64encode(codes.tobytes()).decode()}})
        self._send_staff()

    def _send_staff(self) -> None:
        if self._staff_in_flight or self._staff_latest is None or not self.ready:
            return
        message, self._staff_latest = self._staff_latest, None
        self._staff_in_flight = True
        self._staff_sent_at = time.perf_counter()
        self.bridge.sig_js_call.emit(message)

    @Slot(str, float)
    def _on_bridge_batch_painted(self, kind: str, ms: float) -> None:
        if kind == "staff":
            self.last_staff_roundtrip_ms = (time.perf_counter() - self._staff_sent_at) * 1000
            self._staff_in_flight = False
            self._send_staff()
        self.sig_batch_painted.emit(kind, ms)

    def upsert_events(self, events: Sequence[dict]) -> None:
        """Add or move events: dicts with id, lon, lat, category, priority, overdue."""
        if not events:
            return
        lon = np.array([e["lon"] for e in events], dtype=float)
        lat = np.array([e["lat"] for e in events], dtype=float)
        lon, lat = self._shift(lon, lat)
        self._call("upsertEvents", [
            {"id": int(e["id"]), "lon": round(float(x), 6), "lat": round(float(y), 6),
             "category": CATEGORY_INDEX.get(e.get("category", ""), _CATEGORY_DEFAULT),
             "priority": PRIORITY_INDEX.get(e.get("priority", "normal"), _PRIORITY_DEFAULT),
             "overdue": bool(e.get("overdue", False))}
            for e, x, y in zip(events, lon, lat, strict=True)])

    def remove_events(self, ids: Sequence[int]) -> None:
        if ids:
            self._call("removeEvents", [int(i) for i in ids])

    def set_open_counts(self, counts: dict[str, int]) -> None:
        """Open cases per grid code (the choropleth)."""
        self._call("setOpenCounts", {str(k): int(v) for k, v in counts.items()})

    def add_heat_points(self, lon: np.ndarray, lat: np.ndarray, keep: int = 5000) -> None:
        lon, lat = self._shift(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        self._call("addHeat", {"lon": np.round(lon, 6).tolist(), "lat": np.round(lat, 6).tolist(),
                               "keep": keep})

    def fly_to(self, lon: float, lat: float, zoom: int | None = None) -> None:
        x, y = self._shift(np.array([lon]), np.array([lat]))
        self._call("flyTo", {"lon": float(x[0]), "lat": float(y[0]), "zoom": zoom})

    def highlight_event(self, lon: float, lat: float) -> None:
        x, y = self._shift(np.array([lon]), np.array([lat]))
        self._call("highlightEvent", {"lon": float(x[0]), "lat": float(y[0])})

    def show_path(self, points: Sequence[tuple[float, float]], labels: Sequence[str],
                  current: int) -> None:
        """Draw a case's chain: its location, then the centre of each level above it."""
        arr = np.asarray(points, dtype=float).reshape(-1, 2)
        lon, lat = self._shift(arr[:, 0], arr[:, 1])
        self._call("showPath", {"points": np.round(np.column_stack([lon, lat]), 6).tolist(),
                                "labels": list(labels), "current": int(current)})

    def highlight_grid(self, code: str) -> None:
        self._call("highlightGrid", code)

    def set_overlay(self, name: str, feature_collection: dict, colour: str, *,
                    fill: bool = False, weight: float = 1.0, label: str = "") -> None:
        """Draw a named layer of polygons (WGS-84 GeoJSON) over the grids, replacing the one
        of that name; it appears in the layer control as ``label``."""
        self._call("setOverlay", {"name": name, "fc": self._shift_geojson(feature_collection),
                                  "colour": colour, "fill": bool(fill),
                                  "weight": float(weight), "label": label or name})

    def show_overlay(self, name: str, on: bool) -> None:
        self._call("showOverlay", {"name": name, "on": bool(on)})

    def clear_overlay(self, name: str) -> None:
        self._call("clearOverlay", name)

    def show_span(self, codes: Sequence[str]) -> None:
        """Outline the grids a case spans (an empty list clears the outline)."""
        self._call("showSpan", [str(c) for c in codes])

    def set_pick_mode(self, on: bool) -> None:
        self._call("setPickMode", bool(on))

    def start_measure(self) -> None:
        self._call("startMeasure")

    def ping(self, token: str) -> None:
        self._call("ping", token)

    def request_stats(self) -> None:
        self._call("stats")

    @Slot(float, float)
    def _on_bridge_location_picked(self, lon: float, lat: float) -> None:
        if self.display_datum is Datum.GCJ02:  # back to WGS-84 for the domain
            from models.core.geo import gcj02_to_wgs84

            x, y = gcj02_to_wgs84(lon, lat)
            lon, lat = float(x), float(y)
        self.sig_location_picked.emit(lon, lat)

    @Slot(str)
    def _on_bridge_measured(self, points_json: str) -> None:
        try:
            pts = np.asarray(json.loads(points_json), dtype=float).reshape(-1, 2)
        except (ValueError, TypeError):
            return
        if len(pts) < 2:
            self.sig_distance_measured.emit(0.0)
            return
        d = geodesic_distance_m(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
        self.sig_distance_measured.emit(float(np.sum(d)))
