"""``main.py dept-layers`` and ``main.py reconcile`` end to end on a stored city: the files,
the PDF report (read back with pdftotext) and the figures line."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from console.cli import main

pytestmark = pytest.mark.gui  # the PDF is laid out by Qt


def test_generate_then_reconcile_with_records_and_a_proposal(tiny_city, tmp_path, capsys,
                                                             qapp) -> None:
    url = tiny_city.db.url
    dept = tmp_path / "dept"
    assert main(["dept-layers", "--db", url, "--out", str(dept), "--scale", "0.004",
                 "--events", "300", "--seed", "5"]) == 0
    made = capsys.readouterr().out
    assert "zongzhi-grids.gpkg" in made and "(generated)" in made
    out = tmp_path / "out"
    assert main(["reconcile", str(dept / "zongzhi-grids.gpkg"),
                 str(dept / "chengguan-grids.geojson"), "--datum", "chengguan=GCJ02",
                 "--records", f"zongzhi={dept / 'zongzhi-records.csv'}",
                 "--records", f"chengguan={dept / 'chengguan-records.csv'}",
                 "--db", url, "--out", str(out), "--propose"]) == 0
    printed = capsys.readouterr().out
    last = json.loads(printed.strip().splitlines()[-1])
    assert last["area_share_error_max"] <= 1e-9
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    unplaced = sum(r["unplaced"] for r in summary["records"].values())
    assert last["unplaced_records"] == unplaced > 0
    lines = (out / "unplaced.csv").read_text(encoding="utf-8").strip().splitlines()
    assert len(lines) - 1 == unplaced  # every one listed, with its reason
    assert "chengguan: " in printed and "datum GCJ02 (given)" in printed
    assert last["proposal"]["grids_after"] >= 1
    for name in ("reconciliation.gpkg", "crosswalk.csv", "rekeyed.csv", "proposed-grid.gpkg",
                 "reconciliation.pdf"):
        assert (out / name).stat().st_size > 0, name
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("poppler's pdftotext is not installed (scripts/system-deps.sh does)")
    text = subprocess.run([pdftotext, str(out / "reconciliation.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Generated demo data" in text and "zongzhi" in text and "Gini" in text


def test_bad_arguments_say_what_is_wrong(tiny_city, tmp_path, capsys) -> None:
    assert main(["reconcile", str(tmp_path / "missing.geojson"), "--db", tiny_city.db.url,
                 "--out", str(tmp_path / "o")]) == 1
    assert "no such file" in capsys.readouterr().err
    layer = tmp_path / "l.geojson"
    layer.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", '
                     '"properties": {"code": "A1"}, "geometry": {"type": "Polygon", '
                     '"coordinates": [[[112.98, 28.18], [112.99, 28.18], [112.99, 28.19], '
                     '[112.98, 28.18]]]}}]}', encoding="utf-8")
    assert main(["reconcile", str(layer), "--records", "nolayer=x.csv", "--db",
                 tiny_city.db.url, "--out", str(tmp_path / "o")]) == 2
    assert "--records names layer(s) nolayer" in capsys.readouterr().err
    assert main(["reconcile", str(layer), "--datum", "l", "--db", tiny_city.db.url,
                 "--out", str(tmp_path / "o")]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
