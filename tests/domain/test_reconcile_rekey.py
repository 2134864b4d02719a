"""Departmental records carried onto the unified grid: points by location, areas by share,
a person to one grid, and everything that cannot be placed reported with its reason."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from models.core.geo import Datum, wgs84_to_gcj02
from models.reconcile.crosswalk import build_crosswalk
from models.reconcile.rekey import Record, read_records, rekey
from tests.domain.test_reconcile_crosswalk import UNIFIED, X0, Y0, A, S

CODES = list(UNIFIED)
POLYS = list(UNIFIED.values())


def locate_many(lon, lat):
    out = []
    for x, y in zip(lon, lat, strict=True):
        p = shapely.Point(x, y)
        out.append(next((c for c, g in UNIFIED.items() if g.covers(p)), None))
    return out


def test_records_are_placed_or_reported() -> None:
    cw = build_crosswalk(A, CODES, POLYS)
    records = [
        Record("e1", "A", "event", "A1", X0 + 0.5 * S, Y0 + 0.5 * S, 1),     # in U00
        Record("e2", "A", "event", "A1", None, None, 1),                    # code only
        Record("e3", "A", "event", "A9", None, None, 1),                    # unknown code
        Record("e4", "A", "event", "A2", X0 + 2.3 * S, Y0 + 0.5 * S, 1),     # outside
        Record("p1", "A", "patrol", "A3", None, None, 9.0),                 # 9 h a week
        Record("s1", "A", "staff", "A1", None, None, 1),
    ]
    result = rekey(records, cw, locate_many)
    assert result.records == 6
    by_id: dict[str, list] = {}
    for p in result.placed:
        by_id.setdefault(p.record_id, []).append(p)
    assert [(p.grid_code, p.method) for p in by_id["e1"]] == [("U00", "location")]
    e2 = {p.grid_code: p.weight for p in by_id["e2"]}
    assert e2 == pytest.approx({"U00": 2 / 3, "U10": 1 / 3}, rel=1e-4)
    patrol = {p.grid_code: p.quantity for p in by_id["p1"]}
    assert patrol == pytest.approx({"U01": 5.0, "U11": 4.0}, rel=1e-4)
    assert sum(patrol.values()) == pytest.approx(9.0)
    (staff,) = by_id["s1"]
    assert (staff.grid_code, staff.method, staff.also) == ("U00", "largest_share", "U10")
    reasons = {u.record_id: u.reason for u in result.unplaced}
    assert reasons == {"e3": "code A9 is not in layer A",
                       "e4": f"{X0 + 2.3 * S:.6f},{Y0 + 0.5 * S:.6f} is outside every "
                             "unified grid"}
    assert result.placed_records() + len(result.unplaced) == result.records


def test_records_are_read_in_their_datum_with_bad_rows_reported(tmp_path) -> None:
    x, y = X0 + 0.5 * S, Y0 + 0.5 * S
    gx, gy = (float(v[0]) for v in wgs84_to_gcj02(np.array([x]), np.array([y])))
    path = tmp_path / "records.csv"
    path.write_text(
        "# generated\n"
        "record_id,layer,kind,dept_code,lon,lat,quantity,label\n"
        f"e1,A,event,A1,{gx:.8f},{gy:.8f},1,ok\n"
        "e2,A,event,A1,,,1,code only\n"
        "e3,A,meeting,A1,,,1,unknown kind\n"
        "e4,A,event,A1,east,28.1,1,bad place\n"
        "e5,A,patrol,A1,,,-3,bad quantity\n", encoding="utf-8")
    good, bad = read_records(path, Datum.GCJ02)
    assert [r.record_id for r in good] == ["e1", "e2"]
    assert good[0].lon == pytest.approx(x, abs=1e-6) and good[0].lat == pytest.approx(y, abs=1e-6)
    assert {u.record_id: u.reason.split(":")[0] for u in bad} == {
        "e3": "line 5", "e4": "line 6", "e5": "line 7"}
    assert "kind 'meeting'" in bad[0].reason


def test_a_long_field_is_refused_without_touching_the_csv_module(tmp_path) -> None:
    import csv

    limit = csv.field_size_limit()
    path = tmp_path / "records.csv"
    path.write_text("record_id,layer,kind,dept_code,lon,lat,quantity,label\n"
                    f"e1,A,event,A1,,,1,{'x' * 5000}\n"
                    "e2,A,event,A1,,,1,ok\n", encoding="utf-8")
    good, bad = read_records(path)
    assert [r.record_id for r in good] == ["e2"]
    assert bad[0].reason == "line 2: a field is longer than 4,096 characters"
    assert csv.field_size_limit() == limit  # process-wide: the case importer relies on it
