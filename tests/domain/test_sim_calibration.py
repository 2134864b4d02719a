"""The simulated city against the report: a simulated year of Tianxin has the report's
category shares (within 0.2 points) and closure (within 0.5 points of 98.51 %),
subcategories follow their weights, weekdays and weekends differ."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from importlib import resources

import numpy as np
import pytest

import models.scenarios.democity
from models.core.catalogue import load_catalogue
from models.core.errors import ValidationError
from models.scenarios.eventplan import (
    CATEGORY_MIX,
    CHINA,
    CLOSURE_RATE,
    closure_share,
    load_calibration,
    monthly_mix,
    plan_events,
    rate_factor,
    subcategory_choices,
)

YEAR = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# the report: Tianxin 2019 (/work/shared/seed, docs DOMAIN.md)
REPORT = {"party": 3848, "city": 57840, "security": 20112, "environment": 3341,
          "emergency": 1979, "other": 8672}


@pytest.fixture(scope="module")
def year() -> list:
    """A simulated year of Tianxin: its 418 grids, equal weights."""
    return list(plan_events(YEAR, YEAR + dt.timedelta(days=365), np.ones(418), seed=1))


def test_the_mix_is_the_reports_and_there_is_one() -> None:
    total = sum(REPORT.values())
    assert total == 95_792
    assert pytest.approx({c: n / total for c, n in REPORT.items()}) == CATEGORY_MIX
    assert round(CATEGORY_MIX["emergency"] * 100, 2) == 2.07
    assert CLOSURE_RATE == 0.9851
    # the demo city's cases use the same mix, not a copy of it
    assert models.scenarios.democity.CATEGORY_MIX is CATEGORY_MIX


def test_a_simulated_year_of_tianxin_matches_the_report(year) -> None:
    assert abs(len(year) - 95_792) < 4 * np.sqrt(95_792)
    shares = monthly_mix(year)
    for category, n in REPORT.items():
        assert abs(shares[category] - n / 95_792) < 0.002, category
    # the closing decision, taken for each of the ~95,800 cases
    assert abs(closure_share(year) - 0.9851) < 0.005
    assert 0 < sum(not e.closes for e in year) < 0.03 * len(year)


def test_subcategories_follow_their_weights_not_uniform(year) -> None:
    weights = load_calibration().subcategory_weights
    for category, w in weights.items():
        mine = [e.subcategory for e in year if e.category == category]
        total = sum(w.values())
        for code, weight in w.items():
            share = mine.count(code) / len(mine)
            # binomial noise on at least ~1,900 draws: well under 4 points
            assert abs(share - weight / total) < 0.04, code
    emergency = [e.subcategory for e in year if e.category == "emergency"]
    assert emergency.count("M03") > 2.5 * emergency.count("M05")  # flooding vs health


def test_weekends_are_quieter_than_weekdays(year) -> None:
    days = np.array([e.at.astimezone(CHINA).weekday() for e in year])
    hours = np.array([e.at.astimezone(CHINA).hour for e in year])
    per_day = np.bincount(days, minlength=7) / 52
    assert per_day[5:].mean() < 0.8 * per_day[:5].mean()
    # and their day starts later: the share of a day's events from 7:00 to 8:59
    weekend = days >= 5
    rush = (hours >= 7) & (hours < 9)
    assert (rush & weekend).sum() / weekend.sum() < 0.85 * (rush & ~weekend).sum() / (
        ~weekend).sum()
    # the profiles keep the year's total: the mean rate factor over a week is 1
    week = [rate_factor(YEAR + dt.timedelta(hours=h)) for h in range(7 * 24)]
    assert np.mean(week) == pytest.approx(1.0, abs=0.01)
    monday_10 = dt.datetime(2026, 3, 2, 10, tzinfo=CHINA)
    sunday_10 = dt.datetime(2026, 3, 8, 10, tzinfo=CHINA)
    assert rate_factor(monday_10) != rate_factor(sunday_10)


def test_the_assumed_figures_are_marked_as_generated() -> None:
    doc = json.loads((resources.files("resources") / "simulator" / "tianxin-2019.json")
                     .read_text(encoding="utf-8"))
    for key in ("subcategory_weights", "weekly_profile", "hourly_profile"):
        assert doc[key]["generated"] is True and "ASSUMED" in doc[key]["source"]
    for key in ("category_counts", "closure_rate"):
        assert "generated" not in doc[key] and "report" in doc[key]["source"]
    assert doc["category_counts"]["counts"] == REPORT


def test_a_calibration_must_fit_the_catalogue() -> None:
    catalogue = load_catalogue()
    cal = load_calibration()
    cal.check(catalogue)
    codes, p = subcategory_choices(catalogue)["emergency"]
    assert codes == ["M01", "M02", "M03", "M04", "M05"]
    assert list(p) == pytest.approx([0.20, 0.15, 0.35, 0.20, 0.10])
    weights = {c: dict(w) for c, w in cal.subcategory_weights.items()}
    del weights["city"]["C04"]
    weights["party"]["X99"] = 1.0
    broken = dataclasses.replace(cal, subcategory_weights=weights)
    with pytest.raises(ValidationError) as err:
        broken.check(catalogue)
    assert "no weight for C04" in err.value.message
    assert "party: X99 not in the category" in err.value.message
