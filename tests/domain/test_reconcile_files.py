"""A whole reconciliation on generated departmental layers over a stored city: the layers
read back in their datums, the crosswalk, the conflicts, the re-keyed records, and the
files (the GeoPackage opened with GDAL's ogrinfo, as QGIS would)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pytest
import shapely

from models.core.geo import Datum
from models.reconcile.files import UnifiedGrid, reconcile, write_outputs
from models.reconcile.layers import generate_dept_layers, read_dept_layer
from models.reconcile.rekey import read_records


@pytest.fixture
def generated(tiny_city, tmp_path):
    unified = UnifiedGrid.from_db(tiny_city.db)
    districts = {"430103": shapely.union_all(unified.polygons)}
    files = generate_dept_layers(districts, tmp_path / "dept", seed=3, scale=0.004,
                                 events_per_layer=300)
    return unified, files, tmp_path


def test_generated_layers_read_back_in_their_own_datum(generated) -> None:
    unified, files, _ = generated
    zongzhi, chengguan = (read_dept_layer(p) for p in files.layers)
    assert (zongzhi.datum, zongzhi.datum_source) == (Datum.CGCS2000, "declared")
    assert zongzhi.department.startswith("综治") and chengguan.department.startswith("城管")
    # the GCJ-02 layer says nothing of its datum; over a 1 km city it cannot be detected
    # from the district outline either: it must be given
    assert chengguan.datum_source == "assumed"
    chengguan = read_dept_layer(files.layers[1], datum=Datum.GCJ02)
    city = shapely.union_all(unified.polygons)
    for layer in (zongzhi, chengguan):
        assert layer.generated  # every generated file says so
        covered = shapely.union_all([g.geometry for g in layer.grids])
        # back in WGS-84, each layer lies over the city (not 500 m off)
        assert covered.intersection(city).area > 0.8 * city.area
        assert all(c.startswith(("ZZ430103", "CG-TX-")) for c in layer.codes)


def test_a_whole_run_and_its_files(generated) -> None:
    unified, files, tmp = generated
    layers = [read_dept_layer(files.layers[0]),
              read_dept_layer(files.layers[1], datum=Datum.GCJ02)]
    records, bad = {}, []
    for layer, path in zip(layers, files.records, strict=True):
        good, unreadable = read_records(path, layer.datum)
        records[layer.name] = good
        bad += unreadable
    run = reconcile(layers, unified, records, bad)
    for layer in layers:
        cw = run.crosswalks[layer.name]
        assert cw.area_share_error_max() <= 1e-9
        result = run.rekeyed[layer.name]
        # nothing lost: each record is placed or reported
        assert result.placed_records() + len(result.unplaced) == result.records
        reasons = {u.reason.split(" ")[0] for u in result.unplaced}
        assert reasons <= {"code", "grid"} | {r for r in reasons if "," in r}
        assert any("is not in layer" in u.reason for u in result.unplaced)
    assert bad == []
    kinds = {c.kind for c in run.conflicts}
    assert {"claimed_twice", "uncovered_by_layer"} <= kinds
    paths = write_outputs(run, tmp / "out")
    summary = json.loads(paths["summary"].read_text(encoding="utf-8"))
    assert summary["layers"]["zongzhi"]["datum_source"] == "declared"
    assert summary["records"]["zongzhi"]["read"] == len(records["zongzhi"])
    with paths["crosswalk"].open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(cw) for cw in run.crosswalks.values())
    assert not list((tmp / "out").glob("*.part*"))
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("GDAL's ogrinfo is not installed (scripts/system-deps.sh installs it)")
    listing = subprocess.run([ogrinfo, "-ro", "-q", str(paths["gpkg"])], check=True,
                             capture_output=True, text=True).stdout
    for name in ("unified_grid", "dept_zongzhi", "dept_chengguan", "conflicts", "crosswalk",
                 "provenance"):
        assert name in listing, listing
    conflicts = subprocess.run([ogrinfo, "-ro", "-so", str(paths["gpkg"]), "conflicts"],
                               check=True, capture_output=True, text=True).stdout
    assert f"Feature Count: {len(run.conflicts)}" in conflicts
    assert "EPSG" in conflicts and "4326" in conflicts


@pytest.mark.slow
def test_the_demo_layers_at_full_size(demo_city_file, tmp_path) -> None:
    """The report's sizes over the demo city: datums read back as written, shares exact,
    every defect planted in the records found, the four kinds of conflict present."""
    from tests.factories import copy_demo_city

    db = copy_demo_city(demo_city_file[0], tmp_path / "demo.sqlite3")
    unified = UnifiedGrid.from_db(db)
    from models.core.auth import Actor
    from models.world.units import UnitService

    districts = UnitService(db, Actor.system("test")).unit_geometries("district")
    made = generate_dept_layers(districts, tmp_path / "dept", seed=2019, events_per_layer=2000)
    layers = [read_dept_layer(p) for p in made.layers]
    assert [(L.name, len(L.grids), L.datum, L.datum_source) for L in layers] == [
        ("zongzhi", 2056, Datum.CGCS2000, "declared"),
        ("chengguan", 2515, Datum.GCJ02, "detected")]
    records = {L.name: read_records(p, L.datum)[0]
               for L, p in zip(layers, made.records, strict=True)}
    run = reconcile(layers, unified, records)
    for layer in layers:
        assert run.crosswalks[layer.name].area_share_error_max() <= 1e-9
        reasons = [u.reason for u in run.rekeyed[layer.name].unplaced]
        # 0.5 % unknown codes and 0.5 % outside the city, of 2,000 events: 10 and 10
        assert sum("is not in layer" in r for r in reasons) == 10
        assert sum("outside every unified grid" in r for r in reasons) == 10
        assert len(reasons) == 20
    assert {c.kind for c in run.conflicts} == {"claimed_twice", "uncovered",
                                               "uncovered_by_layer", "crosses_community"}
    db.dispose()


@pytest.mark.parametrize("epsg", [4490, None])
def test_a_shapefile_layer_with_or_without_its_prj(tmp_path, epsg) -> None:
    """A Shapefile is read through GDAL: its .prj names the datum; without one the datum
    is detected from the outline (here a layer of GCJ-02 grids over a real district)."""
    import numpy as np
    import pyogrio.raw

    from models.scenarios.tessellate import load_district_boundary

    tianxin = load_district_boundary("430103")  # WGS-84
    cells = [c for c in shapely.get_parts(shapely.intersection(
        shapely.box(*tianxin.bounds).buffer(0.01),
        tianxin)) if c.geom_type == "Polygon"]
    declared = Datum.CGCS2000 if epsg else Datum.GCJ02
    from models.core.geo import transform_geometry

    drawn = cells if epsg else [transform_geometry(c, Datum.WGS84, Datum.GCJ02) for c in cells]
    path = tmp_path / "layer.shp"
    import warnings

    with warnings.catch_warnings():  # no .prj on purpose: GDAL says so
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        pyogrio.raw.write(path, geometry=np.array(shapely.to_wkb(drawn), dtype=object),
                          fields=["GRIDCODE"], field_data=[np.array([f"TX{i:03d}" for i in
                                                                     range(len(drawn))],
                                                                    dtype=object)],
                          geometry_type="Polygon", crs=f"EPSG:{epsg}" if epsg else None,
                          driver="ESRI Shapefile")
    assert (tmp_path / "layer.prj").exists() == bool(epsg)
    layer = read_dept_layer(path, code_field="GRIDCODE")
    assert (layer.datum, layer.datum_source) == (declared,
                                                 "declared" if epsg else "detected")
    assert layer.codes[0] == "TX000"
    back = shapely.union_all([g.geometry for g in layer.grids])
    # back in WGS-84 either way: it lies on the district, not 500 m off
    assert back.symmetric_difference(tianxin).area < 0.01 * tianxin.area
