"""The crosswalk and the conflicts on small layers drawn by hand (known answers)."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box

from models.core.geo import Datum
from models.reconcile.crosswalk import build_crosswalk, find_conflicts
from models.reconcile.layers import DeptGrid, DeptLayer

X0, Y0, S = 112.9, 28.1, 0.01


def cell(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A lon/lat box in steps of S, densified so its edges follow the parallels."""
    return shapely.segmentize(box(X0 + x0 * S, Y0 + y0 * S, X0 + x1 * S, Y0 + y1 * S), S / 50)


UNIFIED = {"U00": cell(0, 0, 1, 1), "U10": cell(1, 0, 2, 1),
           "U01": cell(0, 1, 1, 2), "U11": cell(1, 1, 2, 2)}
COMMUNITIES = {"C1": cell(0, 0, 1, 2), "C2": cell(1, 0, 2, 2)}


def layer(name: str, grids: dict[str, shapely.Polygon]) -> DeptLayer:
    return DeptLayer(name, f"dept {name}", f"{name}.geojson", "0" * 64, Datum.WGS84, "given",
                     tuple(DeptGrid(c, g) for c, g in grids.items()))


A = layer("A", {"A1": cell(0, 0, 1.5, 1),        # all of U00, half of U10
                "A2": cell(1.4, 0, 2.5, 1),      # overlaps A1; half of it outside the city
                "A3": cell(0, 1, 1.8, 2)})       # leaves a strip of U11 out
B = layer("B", {"B1": cell(0, 0, 1, 2)})        # the left column only


def shares(rows) -> dict[str, float]:
    """Shares above hairlines: edges that meet leave pieces of a few cm² once projected."""
    return {code: share for code, share, _m2 in rows if share > 1e-6}


def test_shares_of_each_departmental_grid() -> None:
    cw = build_crosswalk(A, list(UNIFIED), list(UNIFIED.values()))
    a1 = shares(cw.of_dept("A1"))
    assert a1 == pytest.approx({"U00": 2 / 3, "U10": 1 / 3}, rel=1e-4)
    assert shares(cw.of_dept("A2")) == pytest.approx({"U10": 1.0})
    assert cw.coverage("A2") == pytest.approx(0.6 / 1.1, rel=1e-4)  # the rest is outside
    a3 = shares(cw.of_dept("A3"))
    assert a3 == pytest.approx({"U01": 1 / 1.8, "U11": 0.8 / 1.8}, rel=1e-4)
    # many to one: U10 is made of A1 and A2 (they overlap on a tenth of it)
    u10 = shares(cw.of_grid("U10"))
    assert u10 == pytest.approx({"A1": 0.5, "A2": 0.6}, rel=1e-4)
    assert cw.area_share_error_max() <= 1e-9
    assert cw.many() == (2, 1)  # A1 and A3 are split; only U10 is made of several
    assert cw.provenance["layer"] == "A" and "WGS84" in cw.provenance["datum"]


def test_areas_are_measured_on_the_ground() -> None:
    cw = build_crosswalk(B, list(UNIFIED), list(UNIFIED.values()))
    from models.core.geo import geodesic_area_m2

    for code, share, m2 in cw.of_dept("B1"):
        if share < 1e-6:
            continue  # a hairline along an edge
        assert m2 == pytest.approx(geodesic_area_m2(UNIFIED[code]), rel=1e-5)


def test_conflicts_with_their_place_and_area() -> None:
    city = shapely.union_all(list(UNIFIED.values()))
    found = find_conflicts([A, B], city, COMMUNITIES)
    kinds = {(c.kind, c.layer, c.codes[:2]) for c in found}
    assert ("claimed_twice", "A", ("A1", "A2")) in kinds
    twice = next(c for c in found if c.kind == "claimed_twice")
    strip = cell(1.4, 0, 1.5, 1)
    from models.core.geo import geodesic_area_m2

    assert twice.area_m2 == pytest.approx(geodesic_area_m2(strip), rel=1e-4)
    assert strip.covers(shapely.Point(twice.lon, twice.lat))
    assert not twice.sliver and "both claim" in twice.message
    # the strip of U11 A leaves out, and the right column B leaves out
    by_layer = {c.layer: c for c in found if c.kind == "uncovered_by_layer"}
    assert by_layer["A"].area_m2 == pytest.approx(geodesic_area_m2(cell(1.8, 1, 2, 2)), rel=1e-4)
    assert by_layer["B"].area_m2 == pytest.approx(geodesic_area_m2(cell(1, 0, 2, 2)), rel=1e-4)
    # nobody covers the strip
    (nobody,) = [c for c in found if c.kind == "uncovered"]
    assert nobody.area_m2 == pytest.approx(geodesic_area_m2(cell(1.8, 1, 2, 2)), rel=1e-4)
    assert "no department covers it" in nobody.message
    # A1, A3 cross from C1 into C2; A2 lies in C2 (and outside the city); B1 stays in C1
    crossing = {c.codes[0]: c for c in found if c.kind == "crosses_community"}
    assert set(crossing) == {"A1", "A3"}
    assert crossing["A1"].codes[1:] == ("C1", "C2")
    assert crossing["A1"].area_m2 == pytest.approx(geodesic_area_m2(cell(1, 0, 1.5, 1)),
                                                   rel=1e-4)
    assert "crosses a community" in crossing["A1"].message


def test_a_sliver_is_marked() -> None:
    thin = layer("T", {"T1": cell(0, 0, 1.0001, 1), "T2": cell(1, 0, 2, 1)})
    city = shapely.union_all([UNIFIED["U00"], UNIFIED["U10"]])
    (twice,) = [c for c in find_conflicts([thin], city, {}) if c.kind == "claimed_twice"]
    assert twice.sliver and twice.area_m2 < 200
