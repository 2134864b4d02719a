"""Fuzzing the MQTT feeds' parse and apply path: whatever arrives (arbitrary JSON, bytes,
huge or deeply nested payloads, odd numbers, NaN and infinities, any date), nothing raises,
nothing is half-written, the backlog drains, and every message ends as exactly one case,
position or quarantine entry."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models.intake.mqtt import MqttFeeds
from models.storage.schema import Case, CaseHistory, CaseReport, QuarantineItem
from models.world.sensors import Sensor

NOW = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
SMOKE = Sensor("smoke-01", 112.9821, 28.1879, "M01", "烟感 1 号")

odd_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
    st.sampled_from([112.9821, 28.1879, 0, -0.0, 1e308, -1e-308, True, None]),
    st.text(max_size=8))
times = st.one_of(
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30),
                 timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)),
                                            dt.timezone(dt.timedelta(hours=-14))]))
    .map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # naive
    st.sampled_from(["2026-11-28T17:59:00+08:00", "9999-12-31T23:59:59Z", "yesterday", ""]),
    odd_numbers)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), odd_numbers, st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=4), max_leaves=12)
alert_payloads = st.fixed_dictionaries({}, optional={
    "kind": st.one_of(st.sampled_from(["smoke", "smo\x00ke", "x" * 50]), json_values),
    "value": odd_numbers, "time": times, "extra": json_values})
position_payloads = st.fixed_dictionaries({}, optional={
    "lon": st.one_of(st.floats(112.97, 112.995), odd_numbers),
    "lat": st.one_of(st.floats(28.175, 28.195), odd_numbers), "time": times,
    "extra": json_values})


def encode(payload: object) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def messages(staff_ids: list[int]):
    topic_ids = st.one_of(st.sampled_from([str(i) for i in staff_ids]),
                          st.sampled_from(["0", "-1", "99999999999", "abc", "٣", ""]))
    raw = st.one_of(
        st.binary(max_size=200),
        json_values.map(encode),
        st.integers(1, 40_000).map(lambda n: b"[" * n + b"]" * n),     # deep nesting
        st.sampled_from([b"{" + b'"a":' * 1 + b"1" * 5000 + b"}",      # a 5000-digit number
                         b'{"lon": NaN, "lat": Infinity}',
                         b'{"kind": "' + b"x" * 70_000 + b'"}']))      # over the size limit
    alert = st.tuples(st.sampled_from(["smoke-01", "ghost", "x" * 41]),
                      st.one_of(alert_payloads.map(encode), raw)).map(
        lambda t: (f"fz/iot/{t[0]}/alert", t[1]))
    position = st.tuples(topic_ids, st.one_of(position_payloads.map(encode), raw)).map(
        lambda t: (f"fz/staff/{t[0]}/position", t[1]))
    return st.lists(st.one_of(alert, position), min_size=1, max_size=8)


def _count(db, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table))


def test_whatever_arrives_ends_as_a_case_a_position_or_a_quarantine_entry(tiny_city) -> None:
    db = tiny_city.db

    @settings(max_examples=150, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(messages(list(tiny_city.staff.values())))
    def check(batch: list[tuple[str, bytes]]) -> None:
        feeds = MqttFeeds(db, prefix="fz", sensors={SMOKE.sensor_id: SMOKE},
                          locate=lambda lon, lat: tiny_city.grids[0], now=lambda: NOW,
                          sleep=lambda s: None)
        cases, kept = _count(db, Case), _count(db, QuarantineItem)
        for topic, data in batch:
            feeds.receive(topic, data)
        feeds.flush()
        assert feeds.backlog == 0 and feeds.received == len(batch)
        made, quarantined = _count(db, Case) - cases, _count(db, QuarantineItem) - kept
        assert (made, quarantined) == (len(feeds.cases_created), len(feeds.quarantined))
        alerts = sum("/iot/" in t for t, _ in batch)
        positions_kept = sum(1 for t, _ in batch if "/staff/" in t)
        # every alert is a case, a quarantine entry or a redelivery (its key is stored: an
        # alert sent twice, here or in an earlier example); every position moved someone
        # or waits
        assert made <= alerts and made + quarantined + feeds.redelivered <= len(batch)
        assert made + quarantined + feeds.redelivered >= alerts
        assert quarantined - (alerts - made) <= positions_kept
        # nothing half-written: each case has its report and its first history row
        assert _count(db, CaseReport) == _count(db, Case) == _count(db, CaseHistory)
        with db.read() as s:  # the quarantine holds no payload over the size limit
            assert (s.scalar(select(func.max(func.length(QuarantineItem.payload)))) or 0) \
                < 70_000

    check()
