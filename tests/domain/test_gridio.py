"""Grid layers in and out: bad input is refused clearly, problems are found, nothing is
half-written, exports open in GDAL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import func, select

from models.core.auth import Actor
from models.core.errors import ConflictError, GridLayerError, PermissionDenied
from models.core.geo import Datum, geodesic_area_m2, transform_geometry
from models.storage.schema import Grid, Layer, StaffRole
from models.world.gridcheck import validate_file, validate_grid_layer
from models.world.gridio import export_grids, import_grids
from models.world.gridread import read_grid_layer

ADMIN = Actor.system("test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
LON0, LAT0, STEP = 112.98, 28.19, 0.005
COMMUNITY = "430103001001"


def cell(col: int, row: int) -> shapely.Polygon:
    return box(LON0 + col * STEP, LAT0 - (row + 1) * STEP, LON0 + (col + 1) * STEP,
               LAT0 - row * STEP)


def feature(code: str, geom, **props) -> dict:
    gj = geom if isinstance(geom, dict) else mapping(geom)
    return {"type": "Feature", "geometry": gj,
            "properties": {"code": code, "kind": "basic", **props}}


def write(path: Path, features: list[dict], **extra) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}),
                    encoding="utf-8")
    return path


def block(n: int = 3) -> list[dict]:
    """n x n square grids numbered west to east, north to south."""
    return [feature(f"{COMMUNITY}{r * n + c + 1:03d}", cell(c, r))
            for r in range(n) for c in range(n)]


def kinds(problems) -> list[str]:
    return sorted(p.kind for p in problems)


# -- reading: files that cannot be used ----------------------------------------------------
@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ("   \n", "empty"),
    ("{not json", "not valid JSON"),
    ('{"type": "FeatureCollection", "features": []}', "no features"),
    ('{"type": "Topology"}', "FeatureCollection"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
     '{"type": "Polygon", "coordinates": [[[112.9, 28.1], [NaN, 28.1], [112.9, 28.2], '
     '[112.9, 28.1]]]}, "properties": {"code": "430103001001001"}}]}', "NaN"),
])
def test_unusable_files_are_refused(tmp_path, content, message) -> None:
    path = tmp_path / "layer.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GridLayerError, match=message):
        read_grid_layer(path)


def test_crs_member_is_refused_with_advice(tmp_path) -> None:
    path = write(tmp_path / "l.geojson", block(1),
                 crs={"type": "name", "properties": {"name": "EPSG:4326"}})
    with pytest.raises(GridLayerError, match=r"RFC 7946.*datum"):
        read_grid_layer(path)


def test_oversized_file_is_refused_before_parsing(tmp_path) -> None:
    path = tmp_path / "huge.geojson"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # 50 MB (sparse): never parsed
    with pytest.raises(GridLayerError, match=r"52\.4 MB, over the 42 MB limit"):
        read_grid_layer(path)


def test_unknown_format_and_missing_file(tmp_path) -> None:
    (tmp_path / "x.kml").write_text("x")
    with pytest.raises(GridLayerError, match="unknown format"):
        read_grid_layer(tmp_path / "x.kml")
    (tmp_path / "x.shp").write_text("x")  # a Shapefile is read through GDAL: it says why not
    with pytest.raises(GridLayerError, match="cannot read as Shapefile"):
        read_grid_layer(tmp_path / "x.shp")
    with pytest.raises(GridLayerError, match="no such file"):
        read_grid_layer(tmp_path / "missing.geojson")


# -- reading: problems of single grids ------------------------------------------------------
def test_open_ring_is_a_problem(tmp_path) -> None:
    ring = [list(c) for c in cell(0, 0).exterior.coords][:-1]  # drop the closing position
    path = write(tmp_path / "l.geojson",
                 [feature(f"{COMMUNITY}001", {"type": "Polygon", "coordinates": [ring]})])
    assert kinds(validate_file(path)) == ["open_ring"]


def test_swapped_axes_are_recognised(tmp_path) -> None:
    ring = [[y, x] for x, y in cell(0, 0).exterior.coords]
    path = write(tmp_path / "l.geojson",
                 [feature(f"{COMMUNITY}001", {"type": "Polygon", "coordinates": [ring]})])
    problems = validate_file(path)
    assert kinds(problems) == ["swapped_axes"]
    assert "[longitude, latitude]" in problems[0].message


def test_gcj02_declared_as_wgs84_is_detected(tmp_path) -> None:
    """A layer following the GCJ-02 Tianxin boundary but claiming WGS-84 is refused."""
    raw = Path(__file__).parents[2] / "resources" / "data" / "changsha" / "430103.geojson"
    gcj = shapely.geometry.shape(json.loads(raw.read_text(encoding="utf-8"))).geoms[0]
    path = write(tmp_path / "l.geojson", [feature("430103001001001", gcj)])
    with pytest.raises(GridLayerError, match=r"looks like GCJ-02.*--datum GCJ02"):
        read_grid_layer(path)
    layer = read_grid_layer(path, datum=Datum.GCJ02)  # declared right: converted
    moved = shapely.hausdorff_distance(layer.features[0].geometry, gcj)
    assert 0.002 < moved < 0.01
    assert layer.datum is Datum.GCJ02
    # the same, declared in the file itself
    declared = write(tmp_path / "d.geojson", [feature("430103001001001", gcj)], datum="GCJ02")
    assert read_grid_layer(declared).datum is Datum.GCJ02
    with pytest.raises(GridLayerError, match="says its datum is GCJ02"):
        read_grid_layer(declared, datum=Datum.WGS84)


def test_gcj02_round_trip_through_the_datum(tmp_path) -> None:
    wgs = cell(1, 1)
    gcj = transform_geometry(wgs, Datum.WGS84, Datum.GCJ02)
    path = write(tmp_path / "l.geojson", [feature(f"{COMMUNITY}001", gcj)], datum="GCJ02")
    back = read_grid_layer(path).features[0].geometry
    assert shapely.hausdorff_distance(back, wgs) < 1e-9  # well under 1 mm


# -- validation ----------------------------------------------------------------------------
def test_clean_layer_has_no_problem(tmp_path) -> None:
    assert validate_file(write(tmp_path / "l.geojson", block(3))) == []


def test_overlap_gap_self_intersection_and_codes(tmp_path) -> None:
    feats = block(3)
    del feats[4]  # the centre: a gap inside the outline
    feats[0]["geometry"] = mapping(cell(0, 0).union(box(LON0 + STEP, LAT0 - 0.002,
                                                        LON0 + STEP + 0.001, LAT0)))  # overlap
    bowtie = {"type": "Polygon", "coordinates": [[[113.1, 28.0], [113.11, 28.01],
                                                  [113.11, 28.0], [113.1, 28.01],
                                                  [113.1, 28.0]]]}
    feats.append(feature(f"{COMMUNITY}020", bowtie))
    feats.append(feature(f"{COMMUNITY}002", cell(5, 5)))  # duplicate of feats[1]
    feats.append(feature("4301030010010", cell(6, 6)))  # 13 digits
    feats.append(feature(f"{COMMUNITY}030", cell(7, 7), kind="dedicated"))  # no type
    problems = validate_grid_layer(read_grid_layer(write(tmp_path / "l.geojson", feats)))
    assert kinds(problems) == ["bad_kind", "duplicate_code", "gap", "malformed_code",
                               "overlap", "self_intersection"]
    overlap = next(p for p in problems if p.kind == "overlap")
    assert overlap.codes == (f"{COMMUNITY}001", f"{COMMUNITY}002")
    assert overlap.area_m2 == pytest.approx(0.001 * 0.002 * 111_320 * 0.881 * 110_574, rel=0.02)
    gap = next(p for p in problems if p.kind == "gap")
    assert gap.area_m2 == pytest.approx(geodesic_area_m2(cell(1, 1)), rel=1e-6)
    assert gap.location is not None and cell(1, 1).contains(shapely.Point(gap.location))


def test_grid_outside_its_community(tmp_path) -> None:
    layer = read_grid_layer(write(tmp_path / "l.geojson", block(2)))
    parent = shapely.union_all([cell(0, 0), cell(1, 0), cell(0, 1)])  # misses cell (1, 1)
    problems = validate_grid_layer(layer, parents={COMMUNITY: parent})
    assert [(p.kind, p.codes) for p in problems] == [("outside_parent", (f"{COMMUNITY}004",))]


# -- import --------------------------------------------------------------------------------
def _grid_and_layer_counts(db) -> tuple[int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Grid)),
                s.scalar(select(func.count()).select_from(Layer)))


def test_import_refuses_problems_and_writes_nothing(tmp_path, tiny_city) -> None:
    db = tiny_city.db
    before = _grid_and_layer_counts(db)
    feats = block(2)
    feats[1]["geometry"] = mapping(cell(0, 0))  # overlaps feats[0]
    with pytest.raises(GridLayerError, match="nothing was imported") as info:
        import_grids(db, ADMIN, write(tmp_path / "l.geojson", feats), replace=True)
    assert "overlap" in kinds(info.value.problems)
    assert _grid_and_layer_counts(db) == before


def test_import_needs_known_communities_and_replace(tmp_path, tiny_city) -> None:
    db = tiny_city.db
    path = write(tmp_path / "l.geojson", block(2))
    with pytest.raises(ConflictError, match="--replace"):
        import_grids(db, ADMIN, path)
    summary = import_grids(db, ADMIN, path, replace=True)
    assert (summary.inserted, summary.updated, summary.source_datum) == (0, 4, "WGS84")
    stranger = write(tmp_path / "s.geojson", [feature("430103009009001", cell(0, 0))])
    with pytest.raises(GridLayerError) as info:
        import_grids(db, ADMIN, stranger)
    assert "communities not in the database: 430103009009" in info.value.problems[-1].message


def test_import_is_for_admins_only(tmp_path, tiny_city) -> None:
    with pytest.raises(PermissionDenied):
        import_grids(tiny_city.db, Actor("d", StaffRole.DISPATCHER),
                     write(tmp_path / "l.geojson", block(2)), replace=True)


# -- export --------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_export_round_trip(tmp_path, tiny_city, suffix) -> None:
    db = tiny_city.db
    out = tmp_path / f"grids{suffix}"
    assert export_grids(db, ADMIN, out) == 4
    layer = read_grid_layer(out)
    assert [f.code for f in layer.features] == tiny_city.grid_codes
    for f in layer.features:
        assert shapely.hausdorff_distance(f.geometry, tiny_city.cells[f.code]) < 1e-7
        assert shapely.is_ccw(f.geometry.exterior)  # RFC 7946 winding
    assert validate_file(out, db=db) == []
    summary = import_grids(db, ADMIN, out, replace=True)
    assert summary.updated == 4
    if suffix == ".geojson":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert "crs" not in doc
        assert set(doc["features"][0]["properties"]) >= {
            "code", "kind", "dedicated_type", "community_code", "district_code"}
        assert doc["features"][0]["properties"]["district_code"] == "430103"


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_exports_open_in_ogrinfo(tmp_path, tiny_city, suffix) -> None:
    if shutil.which("ogrinfo") is None:
        if IN_CI:
            pytest.fail("GDAL's ogrinfo is required under CI (Debian package gdal-bin)")
        pytest.skip("GDAL's ogrinfo is not installed (Debian package gdal-bin)")
    out = tmp_path / f"grids{suffix}"
    export_grids(tiny_city.db, ADMIN, out)
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(out)], capture_output=True,
                          text=True, timeout=60)
    assert info.returncode == 0, info.stderr
    assert "Feature Count: 4" in info.stdout
    for name in ("code", "kind", "dedicated_type", "community_code", "district_code"):
        assert f"{name}:" in info.stdout
    assert "WGS 84" in info.stdout


def test_failed_export_leaves_no_file(tmp_path, tiny_city, monkeypatch) -> None:
    import models.world.gridio as gridio

    def broken(path: Path, rows) -> None:
        path.write_text('{"type": "FeatureCollection", "feat')  # half-written, then fail
        raise OSError("disk full")

    monkeypatch.setattr(gridio, "_write_geojson", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(OSError, match="disk full"):
        export_grids(tiny_city.db, ADMIN, folder / "grids.geojson")
    assert list(folder.iterdir()) == []  # neither the target nor a temporary file


# -- imports that can't hurt (issue 11) ----------------------------------------------------
from models.world.gridread import MAX_VERTICES_PER_GRID, read_boundary  # noqa: E402


@pytest.mark.parametrize("population", [1e30, 1e400, -5, 2.5, True, "1e30", [1]])
def test_a_population_out_of_range_is_a_problem(tmp_path, population) -> None:
    features = block(2)
    features[0]["properties"]["population"] = population
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features})
                    .replace("Infinity", "1e400"), encoding="utf-8")
    problems = validate_grid_layer(read_grid_layer(path))
    assert kinds(problems) == ["bad_population"]
    assert "whole number from 0 to 5,000,000" in problems[0].message


def test_a_population_of_1e30_is_not_imported(tmp_path, tiny_city) -> None:
    features = [feature("430103001001009", cell(5, 5), population=1e30)]
    path = write(tmp_path / "p.geojson", features)
    with pytest.raises(GridLayerError) as info:
        import_grids(tiny_city.db, ADMIN, path)
    assert "bad_population" in kinds(info.value.problems)
    assert _grid_and_layer_counts(tiny_city.db) == (4, 0)


def test_a_grid_of_too_many_vertices_is_refused(tmp_path) -> None:
    ring = shapely.Point(112.985, 28.185).buffer(0.002, quad_segs=MAX_VERTICES_PER_GRID // 4 + 1)
    path = write(tmp_path / "v.geojson", [feature("430103001001001", ring)])
    problems = validate_grid_layer(read_grid_layer(path))
    assert kinds(problems) == ["too_many_vertices"]
    assert f"at most {MAX_VERTICES_PER_GRID:,}" in problems[0].message


def test_a_grid_overlapping_the_stored_grids_is_not_imported(tmp_path, tiny_city) -> None:
    # across the corner of the four stored cells, under a new code
    intruder = shapely.box(112.9825, 28.1825, 112.9875, 28.1875)
    path = write(tmp_path / "o.geojson", [feature("430103001001009", intruder)])
    with pytest.raises(GridLayerError) as info:
        import_grids(tiny_city.db, ADMIN, path)
    found = [p for p in info.value.problems if p.kind == "overlap_stored"]
    assert sorted(p.codes[1] for p in found) == sorted(tiny_city.grid_codes)
    assert all(p.codes[0] == "430103001001009" and p.area_m2 > 1000 for p in found)
    assert _grid_and_layer_counts(tiny_city.db) == (4, 0)
    # the same layer under the stored codes, with --replace, is a replacement, not an overlap
    same = write(tmp_path / "same.geojson", [feature(c, g) for c, g in tiny_city.cells.items()])
    assert import_grids(tiny_city.db, ADMIN, same, replace=True).updated == 4


def test_a_grid_missing_at_the_outer_edge_is_a_gap(tmp_path, tiny_city) -> None:
    codes = tiny_city.grid_codes
    whole = write(tmp_path / "whole.geojson", [feature(c, tiny_city.cells[c]) for c in codes])
    assert validate_file(whole, db=tiny_city.db) == []
    missing = write(tmp_path / "three.geojson",
                    [feature(c, tiny_city.cells[c]) for c in codes[:3]])
    assert validate_file(missing) == []  # alone, nothing says the corner is missing
    gaps = [p for p in validate_file(missing, db=tiny_city.db) if p.kind == "gap"]
    assert {p.message.split(" of ")[1].split(" at ")[0] for p in gaps} == {
        "community 430103001001", "district 430103"}
    hole = tiny_city.cells[codes[3]]
    for p in gaps:
        assert p.area_m2 == pytest.approx(geodesic_area_m2(hole), rel=1e-3)
        assert hole.contains(shapely.Point(p.location))


def test_a_boundary_file_is_what_must_be_covered(tmp_path, tiny_city) -> None:
    codes = tiny_city.grid_codes
    missing = write(tmp_path / "three.geojson",
                    [feature(c, tiny_city.cells[c]) for c in codes[:3]])
    outline = shapely.union_all(list(tiny_city.cells.values()))
    boundary = tmp_path / "b.geojson"
    boundary.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "430103001001"},
         "geometry": shapely.geometry.mapping(outline)}]}), encoding="utf-8")
    (gap,) = validate_file(missing, boundary=read_boundary(boundary))
    assert gap.kind == "gap" and "boundary 430103001001" in gap.message
    assert tiny_city.cells[codes[3]].contains(shapely.Point(gap.location))
