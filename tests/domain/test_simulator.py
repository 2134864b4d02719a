"""The city simulator: the report's mix, the daily profile, surges, and a living city."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import func, select

from models.scenarios.eventplan import CATEGORY_MIX, events_per_hour, monthly_mix, plan_events
from models.scenarios.simulator import CitySimulator
from tests.factories import copy_demo_city

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def test_a_month_reproduces_the_mix_within_two_points() -> None:
    events = list(plan_events(START, START + dt.timedelta(days=30), np.ones(418), seed=7))
    # Tianxin: 95,792 a year, so about 7,870 in 30 days
    assert abs(len(events) - 95_792 * 30 / 365) < 3 * np.sqrt(95_792 * 30 / 365)
    for category, share in monthly_mix(events).items():
        assert abs(share - CATEGORY_MIX[category]) < 0.02, category


def test_deterministic_and_daily_profile() -> None:
    a = list(plan_events(START, START + dt.timedelta(days=2), np.ones(100), seed=1))
    b = list(plan_events(START, START + dt.timedelta(days=2), np.ones(100), seed=1))
    assert a == b
    hours = np.bincount([e.at.astimezone(dt.timezone(dt.timedelta(hours=8))).hour
                         for e in list(plan_events(START, START + dt.timedelta(days=30),
                                                   np.ones(418), seed=2))], minlength=24)
    assert hours[10] > 4 * hours[3]  # mid-morning against the small hours


def test_surge_is_ten_times_the_rate() -> None:
    assert events_per_hour(418, surge=True) == pytest.approx(10 * events_per_hour(418))
    assert events_per_hour(418) == pytest.approx(95_792 / (365 * 24))


@pytest.mark.slow
def test_the_demo_city_lives(demo_city_file, tmp_path) -> None:
    db = copy_demo_city(demo_city_file[0], tmp_path / "sim.sqlite3")
    sim = CitySimulator(db, seed=3, start=dt.datetime(2026, 3, 4, 1, tzinfo=dt.UTC))
    stats = sim.run_until(sim.now + dt.timedelta(hours=6))
    from models.storage.schema import Case, CaseStatus

    with db.read() as s:
        by_status = dict(s.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    assert stats["reported"] == sum(by_status.values()) > 200
    # cases move on: some are already verified and archived or assessed
    assert by_status.get(CaseStatus.ARCHIVED, 0) + by_status.get(CaseStatus.ASSESSED, 0) > 0
    assert stats["advanced"] > stats["reported"]
    db.dispose()
