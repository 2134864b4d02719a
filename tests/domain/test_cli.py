"""The command line: every command, its exit status and its messages.

The screenshot command needs Qt: tests/ui/test_cli_screenshot.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import run_cli as run


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    result = run("demo", "--db", url, env_dir=folder)
    assert result.returncode == 0, result.stderr
    assert "2798 grids" in result.stdout and "GENERATED" in result.stdout
    return url, folder


def test_demo_refuses_a_non_empty_database(demo_db) -> None:
    url, folder = demo_db
    result = run("demo", "--db", url, env_dir=folder)
    assert result.returncode == 1
    assert "not empty" in result.stderr


def test_export_validate_import_round_trip(demo_db, tmp_path) -> None:
    url, folder = demo_db
    for suffix in (".geojson", ".gpkg"):
        out = tmp_path / f"grids{suffix}"
        result = run("export-grids", str(out), "--db", url, env_dir=folder)
        assert result.returncode == 0, result.stderr
        assert "exported 2798 grids" in result.stdout
        result = run("validate-grids", str(out), "--db", url, env_dir=folder)
        assert (result.returncode, result.stdout.strip()) == (0, f"{out}: clean")
    result = run("import-grids", str(tmp_path / "grids.geojson"), "--db", url, env_dir=folder)
    assert result.returncode == 1 and "--replace" in result.stderr
    result = run("import-grids", str(tmp_path / "grids.geojson"), "--db", url, "--replace",
                 env_dir=folder)
    assert result.returncode == 0 and "0 new, 2798 replaced" in result.stdout


def test_validate_reports_problems_with_exit_1(tmp_path) -> None:
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "430103001001001", "kind": "basic"},
         "geometry": {"type": "Polygon", "coordinates": [[[112.98, 28.19], [112.99, 28.19],
                                                          [112.99, 28.18], [112.98, 28.18],
                                                          [112.98, 28.19]]]}},
        {"type": "Feature", "properties": {"code": "430103001001001", "kind": "basic"},
         "geometry": {"type": "Polygon", "coordinates": [[[112.985, 28.19], [112.995, 28.19],
                                                          [112.995, 28.18], [112.985, 28.18],
                                                          [112.985, 28.19]]]}}]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(layer), encoding="utf-8")
    result = run("validate-grids", str(path), env_dir=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("duplicate_code\t430103001001001") for line in lines)
    overlap = next(line for line in lines if line.startswith("overlap"))
    assert "m²" in overlap and " at 112.98" in overlap
    assert "2 problem(s)" in result.stderr


def test_bad_input_gives_a_clear_error(tmp_path) -> None:
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    result = run("validate-grids", str(empty), env_dir=tmp_path)
    assert result.returncode == 1 and "the file is empty" in result.stderr
    result = run("validate-grids", str(empty), "--datum", "BD09", env_dir=tmp_path)
    assert result.returncode == 1 and "unknown datum 'BD09'" in result.stderr
    result = run("export-grids", str(tmp_path / "x.geojson"), "--db", "nonsense://",
                 env_dir=tmp_path)
    assert result.returncode == 1 and "error:" in result.stderr
    result = run("no-such-command", env_dir=tmp_path)
    assert result.returncode == 2


def test_import_and_export_cases(demo_db, tmp_path) -> None:
    url, folder = demo_db
    csv_path = tmp_path / "cases.csv"
    csv_path.write_bytes(("subcategory,lon,lat,title,reporter_phone,reported_at\n"
                          "C05,112.985,28.195,路面破损,13800002222,2026-11-28T09:00:00+08:00\n"
                          ).encode("gbk"))
    result = run("import-cases", str(csv_path), "--db", url, env_dir=folder)
    assert result.returncode == 0 and "imported 1 cases" in result.stdout, result.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("subcategory,lon,lat,title\nC05,far,28.1,x\n", encoding="utf-8")
    result = run("import-cases", str(bad), "--db", url, env_dir=folder)
    assert result.returncode == 1 and "row 2: lon must be a number" in result.stderr
    out = tmp_path / "cases.json"
    result = run("export-cases", str(out), "--db", url, env_dir=folder)
    assert result.returncode == 0, result.stderr
    requests = json.loads(out.read_text(encoding="utf-8"))
    assert any(r["description"] == "路面破损" and r["x_reporter_phone"] == "138****2222"
               for r in requests)


def test_record_replay_and_compare_policies(demo_db, tmp_path) -> None:
    url, folder = demo_db
    scn = tmp_path / "tianxin.cgs"
    result = run("simulate", "--district", "430103", "--days", "3", "--seed", "7",
                 "--record", str(scn), "--db", url, env_dir=folder)
    assert result.returncode == 0, result.stderr
    recorded = json.loads(result.stdout.strip().splitlines()[-1])
    assert recorded["events"] > 500 and scn.exists()
    result = run("replay", str(scn), "--speed", "max", "--policy", "default-2026",
                 "--policy", "street-first", "--db", url, env_dir=folder)
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["events"] == recorded["events"]
    assert 0 < last["closed_on_time_rate"] <= 1 and last["mean_hours_to_close"] > 0
    assert last["replay_s"] > 0
    assert last["policies"]["default-2026"]["other_unit_than_recorded"] == 0
    assert last["policies"]["street-first"]["to_community"] == 0
    table = [line for line in result.stdout.splitlines() if "street-first" in line]
    assert table and "default-2026" in table[0]  # the side-by-side header
    # bad input: a clear error, exit code not 0
    result = run("replay", str(tmp_path / "none.cgs"), env_dir=folder)
    assert result.returncode != 0 and "no scenario file" in result.stderr
    result = run("simulate", "--days", "2", "--db", url, env_dir=folder)
    assert result.returncode != 0 and "--record" in result.stderr


def test_register_sensors(demo_db, tmp_path) -> None:
    url, folder = demo_db
    good = tmp_path / "sensors.json"
    good.write_text(json.dumps([{"id": "gas-x1", "kind": "gas", "lon": 112.98,
                                 "lat": 28.19}]), encoding="utf-8")
    result = run("register-sensors", str(good), "--db", url, env_dir=folder)
    assert result.returncode == 0 and "registered 1 sensor" in result.stdout, result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "x", "kind": "radar", "lon": 1, "lat": 2}]),
                   encoding="utf-8")
    result = run("register-sensors", str(bad), "--db", url, env_dir=folder)
    assert result.returncode != 0 and "unknown kind 'radar'" in result.stderr
