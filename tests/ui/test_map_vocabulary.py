"""The map page's vocabulary comes from Python: the codes and palettes it is given are
models.core.enums' and widgets.mapstyle's, it draws with them, and citygrid.js holds no list
of categories, priorities or roles of its own."""

from __future__ import annotations

import json
import re
from importlib import resources

import numpy as np
import pytest

from models.core.enums import CATEGORY_CODES, PRIORITY_CODES, ROLE_CODES, StaffRole
from widgets import mapstyle
from widgets.citymap import VOCABULARY_ID, CityMapWidget, build_page_html

CENTRE = (112.9825, 28.1875)


def page_json(html: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{VOCABULARY_ID}">(.*?)</script>',
                      html, re.S)
    assert found, "the page carries no vocabulary"
    return json.loads(found.group(1))


def citygrid_js() -> str:
    return (resources.files("resources") / "web" / "citygrid.js").read_text(encoding="utf-8")


def test_the_page_is_built_with_the_python_vocabulary() -> None:
    vocab = page_json(build_page_html())
    assert vocab == mapstyle.page_vocabulary()
    assert vocab["category"] == list(CATEGORY_CODES)
    assert vocab["priority"] == list(PRIORITY_CODES)
    assert vocab["role"] == list(ROLE_CODES)
    assert vocab["category_colours"] == dict(mapstyle.CATEGORY_COLOURS)
    assert vocab["priority_radius"] == {str(k): v for k, v in mapstyle.PRIORITY_RADIUS.items()}
    assert vocab["role_colours"] == {str(k): list(v) for k, v in mapstyle.ROLE_COLOURS.items()}
    assert len(ROLE_CODES) <= vocab["off_duty_flag"]  # a role code never sets the flag


def test_citygrid_js_holds_no_vocabulary_of_its_own() -> None:
    js = citygrid_js()
    for code in (*CATEGORY_CODES, *PRIORITY_CODES, *ROLE_CODES):
        assert f'"{code}"' not in js and f"'{code}'" not in js, code
    for colour in mapstyle.CATEGORY_COLOURS.values():
        assert colour.lower() not in js.lower(), colour
    for r, g, b in mapstyle.ROLE_COLOURS.values():
        assert not re.search(rf"\[\s*{r}\s*,\s*{g}\s*,\s*{b}\s*\]", js), (r, g, b)
    for label in (*mapstyle.CATEGORY_LEGEND.values(), *mapstyle.ROLE_LEGEND.values()):
        assert label not in js, label
    # no positional table and no code compared or masked by a number
    assert not re.search(r"(CATEGORY|PRIORITY|ROLE)\w*\s*=\s*\[", js)
    assert not re.search(r"new Array\(\d", js)
    assert not re.search(r"priority\s*[<>]=?\s*\d", js)
    assert not re.search(r"code\s*&\s*\d", js)


@pytest.fixture
def map_widget(qtbot):
    widget = CityMapWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    with qtbot.waitSignal(widget.sig_map_ready, timeout=20_000):
        pass
    widget.fly_to(*CENTRE, 17)
    qtbot.wait(1200)  # the fly animation
    yield widget
    widget.teardown()


def run_js(qtbot, widget: CityMapWidget, script: str):
    result = []
    widget.page.runJavaScript(script, 0, result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return result[0]


@pytest.mark.gui
def test_the_page_reads_the_vocabulary_it_was_given(qtbot, map_widget) -> None:
    text = run_js(qtbot, map_widget, "JSON.stringify(window.citygrid.vocabulary)")
    assert json.loads(text) == mapstyle.page_vocabulary()
    assert map_widget.js_errors == []


def centre_colour(qtbot, widget: CityMapWidget, kind: str, send) -> tuple[int, int, int]:
    with qtbot.waitSignal(widget.sig_batch_painted, timeout=10_000,
                          check_params_cb=lambda k, ms: k == kind):
        send()
    qtbot.wait(100)
    image = widget.grab().toImage()
    c = image.pixelColor(image.width() // 2, image.height() // 2)
    return c.red(), c.green(), c.blue()


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 3


@pytest.mark.gui
def test_events_and_staff_are_drawn_in_the_python_palette(qtbot, map_widget) -> None:
    for category in CATEGORY_CODES:  # one event at the centre, its category changed
        got = centre_colour(qtbot, map_widget, "events", lambda c=category: (
            map_widget.upsert_events([{"id": 1, "lon": CENTRE[0], "lat": CENTRE[1],
                                       "category": c, "priority": "urgent"}])))
        assert close(got, hex_rgb(mapstyle.CATEGORY_COLOURS[category])), (category, got)
    with qtbot.waitSignal(map_widget.sig_batch_painted, timeout=10_000):
        map_widget.remove_events([1])
    for role in (StaffRole.SUPERVISOR, StaffRole.VOLUNTEER, StaffRole.AUDITOR,
                 StaffRole.HANDLER):
        got = centre_colour(qtbot, map_widget, "staff", lambda r=role: map_widget.update_staff(
            np.array([CENTRE[0]]), np.array([CENTRE[1]]), [r], np.ones(1, bool)))
        assert close(got, mapstyle.ROLE_COLOURS[role]), (role, got)
    assert map_widget.js_errors == []
