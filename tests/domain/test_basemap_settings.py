"""One rule for a base map: the settings file is checked with the map's own check
(widgets.basemap.check_base_map), except that an MBTiles file need not be there yet."""

from __future__ import annotations

import json

import pytest

from console.settings import BaseMapSettings, Settings, load_settings
from widgets.basemap import check_base_map

BAD = [
    ({"kind": "tms"}, "unknown base map kind"),
    ({"kind": "xyz"}, "needs a URL"),
    ({"kind": "wmts", "url": ""}, "needs a URL"),
    ({"datum": "BD09"}, "unknown datum"),
    ({"datum": 4326}, "must be text"),
    ({"kind": "xyz", "url": 7}, "must be text"),
]


@pytest.mark.parametrize(("fields", "message"), BAD)
def test_settings_and_map_refuse_the_same_base_maps(fields, message) -> None:
    spec = {"kind": "none", "url": "", "path": "", "datum": "WGS84", **fields}
    with pytest.raises(ValueError, match=message):
        check_base_map(spec["kind"], spec["url"], spec["path"], spec["datum"])
    with pytest.raises(ValueError, match=message):
        BaseMapSettings(**spec).validated()
    with pytest.raises(ValueError, match=message):
        Settings(base_map=BaseMapSettings(**spec)).validated()


@pytest.mark.parametrize(("fields", "message"), BAD)
def test_a_settings_file_with_a_bad_base_map_is_kept_aside(tmp_path, fields, message) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 2, "theme": "light", "base_map": fields}))
    assert load_settings(path) == Settings()
    assert path.with_suffix(".json.bad").exists() and not path.exists()


def test_an_mbtiles_file_not_there_yet_is_a_valid_setting(tmp_path) -> None:
    missing = str(tmp_path / "city.mbtiles")
    settings = BaseMapSettings(kind="mbtiles", path=missing)
    assert settings.validated() is settings
    with pytest.raises(ValueError, match="MBTiles file not found"):  # the map needs it
        check_base_map("mbtiles", "", missing, "WGS84")
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 2, "base_map": {"kind": "mbtiles",
                                                           "path": missing}}))
    assert load_settings(path).base_map == settings


@pytest.mark.parametrize("datum", ["WGS84", "gcj-02", "EPSG:4490"])
def test_good_base_maps_pass_both(datum) -> None:
    check_base_map("xyz", "http://tiles.intranet.local/{z}/{x}/{y}.png", "", datum)
    BaseMapSettings("xyz", "http://tiles.intranet.local/{z}/{x}/{y}.png", "", datum).validated()
