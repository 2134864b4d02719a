"""The live map: ready, bridge round trip, clicks, pick mode, no network, JS errors surface."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from shapely.geometry import box, mapping

from widgets.citymap import BaseMap, CityMapWidget, build_page_html

pytestmark = pytest.mark.gui
CODES = [f"430103001001{i:03d}" for i in range(1, 5)]


def grid_fc() -> dict:
    cells = [box(112.98 + (i % 2) * 0.005, 28.185 - (i // 2) * 0.005,
                 112.985 + (i % 2) * 0.005, 28.19 - (i // 2) * 0.005) for i in range(4)]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(c),
         "properties": {"code": code, "kind": "basic", "dedicated_type": None,
                        "community_code": code[:12]}}
        for code, c in zip(CODES, cells, strict=True)]}


@pytest.fixture
def map_widget(qtbot):
    widget = CityMapWidget()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    widget.set_grids(grid_fc())  # queued until the page is ready
    with qtbot.waitSignal(widget.sig_map_ready, timeout=20_000):
        pass
    yield widget
    widget.teardown()


def test_page_has_no_network_url() -> None:
    html = build_page_html()
    assert "http://" not in html and "https://" not in html
    assert "citygrid://app/leaflet/leaflet.js" in html


def test_map_is_ready_and_makes_no_network_request(qtbot, map_widget) -> None:
    assert map_widget.ready
    with qtbot.waitSignal(map_widget.bridge.sig_stats, timeout=10_000) as blocker:
        map_widget.request_stats()
    assert '"grids":4' in blocker.args[0]
    assert map_widget.guard.blocked == []
    assert map_widget.js_errors == []


def test_bridge_round_trip(qtbot, map_widget) -> None:
    with qtbot.waitSignal(map_widget.bridge.sig_pong, timeout=10_000) as blocker:
        map_widget.ping("hello 你好")
    assert blocker.args == ["hello 你好"]


def test_staff_batch_is_painted_and_acknowledged(qtbot, map_widget) -> None:
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(112.97, 113.0, 10_000), rng.uniform(28.17, 28.2, 10_000)
    with qtbot.waitSignal(map_widget.sig_batch_painted, timeout=10_000,
                          check_params_cb=lambda kind, ms: kind == "staff"):
        map_widget.update_staff(lon, lat, ["manager"] * 10_000, np.ones(10_000, bool))
    assert map_widget.last_staff_roundtrip_ms < 5_000
    with qtbot.waitSignal(map_widget.bridge.sig_stats, timeout=10_000) as stats:
        map_widget.request_stats()
    assert '"staff":10000' in stats.args[0]


def test_grid_click_reaches_python(qtbot, map_widget) -> None:
    with qtbot.waitSignal(map_widget.sig_grid_clicked, timeout=10_000) as blocker:
        map_widget._call("clickGrid", CODES[2])
    assert blocker.args == [CODES[2]]


def test_a_case_span_is_outlined_and_cleared(qtbot, map_widget) -> None:
    import json

    def span() -> list[str]:
        with qtbot.waitSignal(map_widget.bridge.sig_stats, timeout=10_000) as stats:
            map_widget.request_stats()
        return json.loads(stats.args[0])["span"]

    map_widget.show_span([CODES[0], CODES[3], "430103009009009"])  # an unknown code: skipped
    assert span() == [CODES[0], CODES[3]]
    map_widget.show_span([CODES[1]])
    assert span() == [CODES[1]]
    map_widget.show_span([])
    assert span() == []
    assert map_widget.js_errors == []


def test_overlays_are_drawn_hidden_and_cleared(qtbot, map_widget) -> None:
    import json

    def overlays() -> dict:
        with qtbot.waitSignal(map_widget.bridge.sig_stats, timeout=10_000) as stats:
            map_widget.request_stats()
        return json.loads(stats.args[0])["overlays"]

    fc = grid_fc()
    map_widget.set_overlay("dept:zz", fc, "#4aa3ff", label="Departmental layer zz")
    map_widget.set_overlay("conflicts:claimed_twice", {"type": "FeatureCollection",
                                                       "features": fc["features"][:1]},
                           "#ff8c1a", fill=True)
    assert overlays() == {"dept:zz": {"n": 4, "shown": True},
                          "conflicts:claimed_twice": {"n": 1, "shown": True}}
    map_widget.show_overlay("dept:zz", False)
    assert overlays()["dept:zz"] == {"n": 4, "shown": False}
    map_widget.clear_overlay("dept:zz")
    assert list(overlays()) == ["conflicts:claimed_twice"]
    assert map_widget.js_errors == []


def test_pick_mode_gives_a_location(qtbot, map_widget) -> None:
    map_widget.set_pick_mode(True)
    with qtbot.waitSignal(map_widget.sig_location_picked, timeout=10_000) as blocker:
        map_widget._call("clickAt", {"lon": 112.9825, "lat": 28.1875})
    lon, lat = blocker.args
    assert (lon, lat) == pytest.approx((112.9825, 28.1875), abs=1e-6)


def test_measure_uses_geodesic_length(qtbot, map_widget) -> None:
    map_widget.start_measure()
    map_widget._call("clickAt", {"lon": 112.98, "lat": 28.19})
    with qtbot.waitSignal(map_widget.sig_distance_measured, timeout=10_000,
                          check_params_cb=lambda m: m > 0) as blocker:
        map_widget._call("clickAt", {"lon": 112.99, "lat": 28.19})
    assert blocker.args[0] == pytest.approx(981.5, abs=1.0)


def test_event_click_selects_the_case(qtbot, map_widget) -> None:
    map_widget.upsert_events([{"id": 42, "lon": 112.9825, "lat": 28.1875,
                               "category": "city", "priority": "high"}])
    map_widget.fly_to(112.9825, 28.1875, 16)
    qtbot.wait(1200)  # the fly animation
    with qtbot.waitSignal(map_widget.sig_event_clicked, timeout=10_000) as blocker:
        map_widget._call("clickAt", {"lon": 112.9825, "lat": 28.1875})
    assert blocker.args == [42]


def test_js_errors_are_reported(qtbot, map_widget, caplog) -> None:
    with caplog.at_level(logging.CRITICAL, logger="citygrid.js"):  # expected: keep quiet
        with qtbot.waitSignal(map_widget.sig_js_error, timeout=10_000) as blocker:
            map_widget._call("selfTest", "throw")
    assert "deliberate test error" in blocker.args[0]
    assert map_widget.js_errors
    map_widget.js_errors.clear()


def test_unknown_call_is_an_error_not_silence(qtbot, map_widget, caplog) -> None:
    with caplog.at_level(logging.CRITICAL, logger="citygrid.js"):
        with qtbot.waitSignal(map_widget.sig_js_error, timeout=10_000) as blocker:
            map_widget._call("noSuchFunction")
    assert "unknown map call noSuchFunction" in blocker.args[0]


def test_gcj02_base_map_shifts_overlays_and_says_so(qtbot) -> None:
    widget = CityMapWidget(base_map=BaseMap("xyz", url="http://tiles.intranet.local/{z}/{x}/{y}.png",
                                            datum="GCJ02"))
    qtbot.addWidget(widget)
    widget.show()
    with qtbot.waitSignal(widget.sig_map_ready, timeout=20_000):
        pass
    shifted = widget._shift_geojson(grid_fc())["features"][0]["geometry"]["coordinates"][0][0]
    original = grid_fc()["features"][0]["geometry"]["coordinates"][0][0]
    assert 0.002 < abs(shifted[0] - original[0]) < 0.01
    assert widget.guard.allowed_hosts == {"tiles.intranet.local"}
    widget.teardown()


def test_base_map_validation(tmp_path) -> None:
    with pytest.raises(ValueError, match="needs a URL"):
        BaseMap("xyz")
    with pytest.raises(ValueError, match="not found"):
        BaseMap("mbtiles", path=str(tmp_path / "none.mbtiles"))
    with pytest.raises(Exception, match="unknown datum"):
        BaseMap(datum="BD09")


def test_the_network_guard_blocks_and_records(qtbot, map_widget) -> None:
    """Proof that the guard works: a request the page tries is blocked and recorded."""
    map_widget._call("selfTest", "fetch")
    qtbot.waitUntil(lambda: bool(map_widget.guard.blocked), timeout=10_000)
    assert map_widget.guard.blocked == ["https://tile.openstreetmap.org/1/1/1.png"]
    map_widget.guard.blocked.clear()


def test_mbtiles_base_map_is_served_offline(qtbot, tmp_path) -> None:
    import sqlite3
    from contextlib import closing

    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage

    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    png = bytes(buf.data())
    path = tmp_path / "city.mbtiles"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE metadata (name text, value text)")
        conn.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, "
                     "tile_row integer, tile_data blob)")
        conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                         [(z, x, y, png) for z in range(8, 12) for x in range(2 ** z)
                          for y in range(2 ** z) if z < 9 or (abs(x - 2 ** z * 0.813) < 3)])
        conn.commit()
    from models.world.mbtiles import read_tile

    assert read_tile(path, 8, 208, 108) == png  # XYZ row 108 is TMS row 147 at z8
    assert read_tile(path, 30, 0, 0) is None
    widget = CityMapWidget(base_map=BaseMap("mbtiles", path=str(path)))
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    with qtbot.waitSignal(widget.sig_map_ready, timeout=20_000):
        pass
    widget.fly_to(112.98, 28.19, 8)
    blue = QColor("#336699")

    def tile_drawn() -> bool:
        shot = widget.grab().toImage()
        return any(shot.pixelColor(x, 150) == blue for x in range(0, 400, 10))

    # the tiles arrive once the page has flown there and fetched them (slower on a busy
    # machine): wait for them rather than for a fixed time
    qtbot.waitUntil(tile_drawn, timeout=20_000)
    assert widget.guard.blocked == [] and widget.js_errors == []
    widget.teardown()


def test_base_map_and_its_settings_follow_one_rule(tmp_path) -> None:
    from console.settings import BaseMapSettings

    for fields, message in [({"kind": "tms"}, "unknown base map kind"),
                            ({"kind": "xyz"}, "needs a URL"),
                            ({"datum": "BD09"}, "unknown datum")]:
        with pytest.raises(ValueError, match=message):
            BaseMap(**fields)
        with pytest.raises(ValueError, match=message):
            BaseMapSettings(**fields).validated()
    BaseMapSettings("mbtiles", path=str(tmp_path / "none.mbtiles")).validated()  # not there yet


def test_the_legend_names_every_layer_and_the_layer_list_stays_open(qtbot, map_widget
                                                                     ) -> None:
    """The legend shows grids (basic, dedicated), boundaries, the overdue ring and the chain
    line; the layer list is open (a list opened on hover unticked what a first click met)."""
    got: list = []
    map_widget.page.runJavaScript(
        "JSON.stringify([document.querySelector('.cg-legend').textContent,"
        " document.querySelectorAll('.leaflet-control-layers-expanded').length])",
        0, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)
    import json

    text, expanded = json.loads(got[0])
    for words in ("dedicated grid", "basic grid", "district", "street", "community",
                  "overdue case", "escalation chain", "专属网格"):
        assert words in text, words
    assert expanded == 1
