"""Every file importer fuzzed: CSV and Open311 cases, GeoJSON grids, snap reports, scenarios.

The property is the same for each: whatever the bytes, the importer either takes the file in
or refuses it with one of the project's own errors (:class:`models.core.errors.CityGridError`),
never a traceback of something else; a refused file writes nothing; memory stays bounded.
Examples are kept small and few so the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import resource
import shutil
import tempfile
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.core.errors import CityGridError
from models.intake.files import import_cases
from models.intake.snaps import SnapFolder
from models.scenarios.files import read_scenario
from models.storage.db import Database
from models.storage.schema import Case, Grid, Layer, QuarantineItem
from models.world.gridcheck import validate_grid_layer
from models.world.gridio import import_grids
from models.world.gridread import read_grid_layer
from tests.citykit import make_tiny_city

ADMIN = Actor.system("fuzz")
FEED = Actor.system("snaps", SystemRole.FEED)
FUZZ = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "150")),
                deadline=None, derandomize=__import__("os").environ.get("FUZZ_RANDOM") is None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MAX_GROWTH_MIB = 400  # over all the examples of one test


@cache
def _world() -> SimpleNamespace:
    """One SQLite city for all the examples (a fresh database per example would dominate
    the run time; every property compares counts before and after instead)."""
    folder = Path(tempfile.mkdtemp(prefix="citygrid-fuzz-"))
    db = Database.open(f"sqlite:///{folder / 'fuzz.sqlite3'}")
    city = make_tiny_city(db)
    city.folder = folder
    return city


def _counts(db: Database) -> tuple[int, ...]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (Case, Grid, Layer, QuarantineItem))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module", autouse=True)
def _bounded_memory():
    before = _peak_mib()
    yield
    assert _peak_mib() - before < MAX_GROWTH_MIB * 3


# -- building blocks -----------------------------------------------------------------------
junk_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "\x00", "C01", "Z99", "9e999", "NaN", "-inf", "1e30", "东", "\ufeff",
                     "13912345678", "2026-11-28T08:00:00+08:00", "9999-12-31T23:59:59+08:00",
                     "0001-01-01T00:00:00+00:00", "2026-11-28T08:00:00", '"', "\r\n"]))
lonish = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.floats(112.98, 112.99).map(repr), st.sampled_from(["0", "-74.0", "x"]))
latish = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.floats(28.18, 28.19).map(repr), st.sampled_from(["0", "40.7", ""]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | junk_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(junk_text, inner, max_size=3),
    max_leaves=8)


def _csv_row(values: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v
                    for v in values)


csv_rows = st.lists(st.tuples(st.sampled_from(["patrol", "resident", "x", ""]),
                              st.sampled_from(["C01", "E02", "Z99", ""]) | junk_text,
                              lonish, latish, junk_text, junk_text, junk_text),
                    min_size=0, max_size=6)


def _expect_all_or_nothing(db: Database, call) -> None:
    before = _counts(db)
    try:
        result = call()
    except CityGridError:
        assert _counts(db) == before  # refused: nothing written
        return
    after = _counts(db)
    assert after[0] - before[0] == result.imported and after[3] - before[3] == len(
        result.quarantined)


# -- the properties -----------------------------------------------------------------------
@FUZZ
@given(rows=csv_rows, header=st.sampled_from([
    "channel,subcategory,lon,lat,title,description,reported_at",
    "subcategory,lon,lat", "a,b,c", ""]), encoding=st.sampled_from(["utf-8", "gb18030"]),
       quarantine=st.booleans())
def test_csv_cases(rows, header, encoding, quarantine) -> None:
    world = _world()
    path = world.folder / "fuzz.csv"
    text = "\n".join([header, *(_csv_row(list(r)) for r in rows)]) + "\n"
    path.write_bytes(text.encode(encoding, "replace"))
    _expect_all_or_nothing(world.db, lambda: import_cases(world.db, ADMIN, path,
                                                          quarantine_invalid=quarantine))


request_items = st.fixed_dictionaries({}, optional={
    "service_code": st.sampled_from(["C03", "city_management"]) | junk_text,
    "lat": st.floats(28.18, 28.19) | json_values, "long": st.floats(112.98, 112.99) | json_values,
    "description": junk_text | json_values, "phone": junk_text | json_values,
    "requested_datetime": junk_text | json_values, "first_name": json_values,
    "address_string": json_values})


@FUZZ
@given(doc=st.one_of(st.lists(request_items | json_values, max_size=5),
                     st.dictionaries(st.just("requests"), st.lists(request_items, max_size=4)),
                     json_values),
       quarantine=st.booleans())
def test_open311_cases(doc, quarantine) -> None:
    world = _world()
    path = world.folder / "fuzz.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    _expect_all_or_nothing(world.db, lambda: import_cases(world.db, ADMIN, path,
                                                          quarantine_invalid=quarantine))


coordinate = st.one_of(st.floats(112.97, 113.0), st.floats(28.17, 28.2), st.floats(),
                       st.integers(-200, 200), junk_text)
position = st.lists(coordinate, min_size=0, max_size=3)
ring = st.lists(position, min_size=0, max_size=6)
grid_geometry = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "MultiPolygon", "Point"]),
                           "coordinates": st.lists(ring, max_size=2) | json_values}),
    st.builds(lambda x, y, w: {"type": "Polygon", "coordinates": [[
        [x, y], [x + w, y], [x + w, y + w], [x, y + w], [x, y]]]},
        st.floats(112.98, 112.99), st.floats(28.18, 28.19), st.floats(1e-4, 5e-3)),
    json_values)
grid_features = st.lists(st.fixed_dictionaries({
    "type": st.just("Feature"), "geometry": grid_geometry,
    "properties": st.fixed_dictionaries({}, optional={
        "code": st.sampled_from(["430103001001009", "430103001001001", "x"]) | junk_text,
        "kind": st.sampled_from(["basic", "dedicated", "z"]),
        "population": st.one_of(st.integers(), st.floats(), junk_text),
        "dedicated_type": st.sampled_from(["school", "x"]) | st.none()})}), max_size=4)


@FUZZ
@given(features=grid_features, extra=st.dictionaries(st.sampled_from(["datum", "crs"]),
                                                     junk_text, max_size=1),
       replace=st.booleans())
def test_geojson_grids(features, extra, replace) -> None:
    world = _world()
    path = world.folder / "fuzz.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}),
                    encoding="utf-8")
    with contextlib.suppress(CityGridError):
        validate_grid_layer(read_grid_layer(path))
    before = _counts(world.db)
    try:
        summary = import_grids(world.db, ADMIN, path, replace=replace)
    except CityGridError:
        assert _counts(world.db) == before
        return
    after = _counts(world.db)
    assert after[1] - before[1] == summary.inserted and after[2] == before[2] + 1


snap_payloads = st.fixed_dictionaries({}, optional={
    "subcategory": st.sampled_from(["C04", "Z99"]) | json_values,
    "lon": st.floats(112.98, 112.99) | json_values, "lat": st.floats(28.18, 28.19) | json_values,
    "title": junk_text | json_values, "description": junk_text | json_values,
    "phone": junk_text | json_values, "time": junk_text | json_values,
    "photos": st.lists(st.sampled_from(["a.png", "../a.png", "x.json", "gone.jpg", ""])
                       | json_values, max_size=3) | json_values})


@FUZZ
@given(payload=snap_payloads | json_values, raw=st.binary(max_size=64), as_text=st.booleans())
def test_snap_reports(payload, raw, as_text) -> None:
    world = _world()
    inbox = world.folder / "snaps"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir()
    (inbox / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + raw)
    (inbox / "r.json").write_bytes(raw if as_text else json.dumps(payload).encode())
    before = _counts(world.db)
    result = SnapFolder(world.db, FEED, inbox, settle_seconds=0.0).scan()
    after = _counts(world.db)
    # nothing lost: the report became a case or a quarantine entry, and left the folder
    assert (after[0] - before[0], after[3] - before[3]) == (result.imported, result.quarantined)
    assert result.imported + result.quarantined == 1
    assert not (inbox / "r.json").exists()


event = st.one_of(
    st.fixed_dictionaries({"t": st.floats(1.76e9, 1.77e9) | json_values,
                           "k": st.sampled_from(["report", "accept", "position", "action",
                                                 "verify", "??"]) | json_values},
                          optional={"case": st.integers(0, 3) | json_values,
                                    "s": st.sampled_from(["reported", "accepted", "x"]),
                                    "cat": st.sampled_from(["city", "nope"]),
                                    "sub": junk_text | json_values, "cls": junk_text,
                                    "lon": st.floats(112.9, 113.1) | json_values,
                                    "lat": st.floats(28.1, 28.3) | json_values,
                                    "staff": st.integers(0, 5) | json_values,
                                    "level": junk_text | json_values,
                                    "deadline": st.floats() | st.none()}),
    json_values)
header = st.fixed_dictionaries(
    {"format": st.sampled_from(["citygrid-scenario", "other"])},
    optional={"version": st.sampled_from([1, 2, "one", None, True]) | json_values,
              "name": junk_text | json_values, "start": st.floats() | json_values,
              "end": st.floats() | json_values, "seed": json_values})


@FUZZ
@given(head=header | json_values, events=st.lists(event, max_size=6),
       garbage=st.binary(max_size=40), cut=st.booleans())
def test_scenario_files(head, events, garbage, cut) -> None:
    from models.scenarios.replay import Replay

    world = _world()
    path = world.folder / "fuzz.cgs"
    lines = [json.dumps(head)] + [json.dumps(e) for e in events]
    data = gzip.compress(("\n".join(lines) + "\n").encode() + garbage, mtime=0)
    path.write_bytes(data[:len(data) // 2] if cut else data)
    try:
        scenario = read_scenario(path)
    except CityGridError:
        return
    Replay(scenario).run()  # what was read can be replayed
