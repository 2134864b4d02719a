"""Datums: the GCJ-02 transform, its inverse, labels and geodesic measures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.core.errors import DatumError
from models.core.geo import (
    Datum,
    from_storage,
    gcj02_to_wgs84,
    geodesic_area_m2,
    geodesic_distance_m,
    to_storage,
    wgs84_to_gcj02,
)


def test_forward_transform_matches_the_published_reference() -> None:
    # the widely used reference value of the algorithm (e.g. wandergis/coordtransform)
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert (float(lon), float(lat)) == pytest.approx((116.41024449916938, 39.91640428150164),
                                                     abs=1e-12)


def test_round_trip_better_than_a_centimetre_across_china() -> None:
    rng = np.random.default_rng(0)
    lon = rng.uniform(73.6, 134.7, 200_000)
    lat = rng.uniform(18.2, 53.5, 200_000)
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    error_m = geodesic_distance_m(lon, lat, back_lon, back_lat)
    assert error_m.max() < 0.01
    # and the inverse really inverts: forward(inverse(g)) == g
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    flon, flat = wgs84_to_gcj02(wlon, wlat)
    assert geodesic_distance_m(glon, glat, flon, flat).max() < 0.01


@settings(max_examples=300, deadline=None)
@given(st.floats(111.5, 114.5), st.floats(27.0, 29.5))
def test_round_trip_property_around_changsha(lon: float, lat: float) -> None:
    blon, blat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert float(geodesic_distance_m(lon, lat, blon, blat)) < 0.01


def test_offset_is_a_few_hundred_metres_in_changsha() -> None:
    lon, lat = wgs84_to_gcj02(112.98, 28.2)
    assert 300 < float(geodesic_distance_m(112.98, 28.2, lon, lat)) < 800


def test_outside_china_nothing_moves() -> None:
    assert tuple(map(float, wgs84_to_gcj02(2.35, 48.85))) == (2.35, 48.85)
    assert tuple(map(float, gcj02_to_wgs84(-74.0, 40.7))) == (-74.0, 40.7)


def test_non_finite_coordinates_are_refused() -> None:
    with pytest.raises(DatumError, match="finite"):
        gcj02_to_wgs84([112.9, math.nan], [28.1, 28.2])


def test_storage_is_wgs84_and_cgcs2000_is_not_shifted() -> None:
    assert tuple(map(float, to_storage(112.9, 28.1, Datum.CGCS2000))) == (112.9, 28.1)
    lon, lat = from_storage(*to_storage(112.9, 28.1, Datum.GCJ02), Datum.GCJ02)
    assert (float(lon), float(lat)) == pytest.approx((112.9, 28.1), abs=1e-9)


@pytest.mark.parametrize("text, datum", [("wgs-84", Datum.WGS84), ("EPSG:4326", Datum.WGS84),
                                         ("epsg:4490", Datum.CGCS2000), ("gcj02", Datum.GCJ02),
                                         ("GCJ-02", Datum.GCJ02)])
def test_datum_names(text: str, datum: Datum) -> None:
    assert Datum.parse(text) is datum


def test_unknown_datum_is_never_guessed() -> None:
    with pytest.raises(DatumError, match="unknown datum 'BD09'"):
        Datum.parse("BD09")


def test_geodesic_area_of_a_known_square() -> None:
    from shapely.geometry import box

    # 0.01 x 0.01 degrees at the equator: about 1,113 m x 1,106 m
    assert geodesic_area_m2(box(0, 0, 0.01, 0.01)) == pytest.approx(1_230_918, rel=1e-3)
