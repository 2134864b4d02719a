"""The simulator's events, planned: when, where and what the demo city reports.

Events arrive as a Poisson process at the report's rate and mix (Tianxin 2019: 95,792 events
a year, 98.51 % of them closed; city management 60.38 %, public security 21.00 %, property and
other 9.05 %, party building 4.02 %, environment 3.49 %, emergency 2.07 %), following a daily
and a weekly profile, placed in grids by population (dedicated grids draw a little more). A
surge multiplies the rate by ten. The calibration is data: ``resources/simulator/
tianxin-2019.json`` holds the report's figures and, marked as generated, the assumed ones
(subcategory weights, the daily and weekly profiles).

:func:`plan_events` is pure (no database): tests check the mix and the closure on a
simulated year. :class:`models.scenarios.simulator.CitySimulator` feeds the plan to the
city.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np

from models.core.catalogue import CATEGORY_CODES, Catalogue, load_catalogue
from models.core.errors import ValidationError

CALIBRATION = "tianxin-2019"


@dataclass(frozen=True)
class Calibration:
    """What the simulated city is calibrated on (``resources/simulator/<name>.json``).

    ``category_counts`` (the report's year, in :data:`CATEGORY_MIX` order) and
    ``closure_rate`` are the report's figures; ``subcategory_weights``, ``weekly`` (Monday
    first) and ``hourly`` (weekday and weekend rows) are assumed and marked so in the file.
    """

    name: str
    grids: int
    category_counts: Mapping[str, int]
    closure_rate: float
    subcategory_weights: Mapping[str, Mapping[str, float]]
    weekly: np.ndarray   # 7 factors, mean 1
    hourly: np.ndarray   # (2, 24): weekday and weekend rows, each of mean 1

    @property
    def events_per_year(self) -> int:
        return sum(self.category_counts.values())

    def check(self, catalogue: Catalogue) -> None:
        """Every subcategory of ``catalogue`` has a weight, and no weight names another.

        Raises
        ------
        ValidationError
            Naming the subcategories missing or unknown.
        """
        problems = []
        for cat in catalogue.categories:
            mine = self.subcategory_weights.get(cat.code, {})
            codes = {s.code for s in cat.subcategories}
            if missing := sorted(codes - set(mine)):
                problems.append(f"no weight for {', '.join(missing)}")
            if unknown := sorted(set(mine) - codes):
                problems.append(f"{cat.code}: {', '.join(unknown)} not in the category")
        if problems:
            raise ValidationError(f"simulator calibration {self.name} does not fit catalogue "
                                  f"{catalogue.version}: " + "; ".join(problems))


def _profile(values: list, n: int, what: str) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    if a.shape != (n,) or not np.isfinite(a).all() or (a < 0).any() or not a.sum() > 0:
        raise ValidationError(f"{what}: {n} non-negative numbers expected")
    return a / a.mean()


@functools.cache
def load_calibration(name: str = CALIBRATION) -> Calibration:
    """Load a calibration shipped in ``resources/simulator``.

    Raises
    ------
    ValidationError
        A missing file, or a figure that is not what the format says.
    """
    path = resources.files("resources") / "simulator" / f"{name}.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        counts = {str(k): int(v) for k, v in doc["category_counts"]["counts"].items()}
        rate = float(doc["closure_rate"]["rate"])
        weights = {str(c): {str(k): float(v) for k, v in w.items()}
                   for c, w in doc["subcategory_weights"]["weights"].items()}
        weekly = _profile(doc["weekly_profile"]["days"], 7, "weekly_profile")
        hourly = np.stack([_profile(doc["hourly_profile"][k], 24, f"hourly_profile {k}")
                           for k in ("weekday", "weekend")])
        grids = int(doc["grids"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValidationError(f"simulator calibration {name}: {exc}") from None
    if set(counts) != set(CATEGORY_CODES) or min(counts.values()) < 1:
        raise ValidationError(f"simulator calibration {name}: a count for each of "
                              f"{', '.join(CATEGORY_CODES)} expected")
    if not 0 < rate <= 1 or grids < 1:
        raise ValidationError(f"simulator calibration {name}: closure rate in (0, 1] and "
                              "a positive number of grids expected")
    if any(not w or min(w.values()) < 0 or not sum(w.values()) > 0
           for w in weights.values()):
        raise ValidationError(f"simulator calibration {name}: subcategory weights must be "
                              "non-negative with a positive sum")
    return Calibration(name, grids, counts, rate, weights, weekly, hourly)


_CAL = load_calibration()
TIANXIN_EVENTS_PER_YEAR = _CAL.events_per_year
TIANXIN_GRIDS = _CAL.grids
# the report's category mix, the one calibrated mix (the demo city's cases use it too)
CATEGORY_MIX = {c: n / TIANXIN_EVENTS_PER_YEAR for c, n in _CAL.category_counts.items()}
CLOSURE_RATE = _CAL.closure_rate
CHANNEL_MIX = {"patrol": 0.45, "hotline_12345": 0.25, "snap": 0.15, "iot": 0.08,
               "resident": 0.05, "emergency": 0.02}
# share of a day's events in each hour (Asia/Shanghai), weekdays: quiet at night, peaks
# mid-morning and late afternoon; weekends have their own row (Calibration.hourly)
HOURLY_PROFILE = _CAL.hourly[0]
WEEKLY_PROFILE = _CAL.weekly
CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class PlannedEvent:
    """One event of the plan. ``closes`` is whether its case goes all the way round the
    loop (the report closes 98.51 %); a case that does not stays in handling."""

    at: dt.datetime
    grid_index: int
    category: str
    subcategory: str
    channel: str
    closes: bool = True


def events_per_hour(n_grids: int, surge: bool = False) -> float:
    """The city's mean event rate: Tianxin's rate per grid times the number of grids."""
    base = TIANXIN_EVENTS_PER_YEAR / TIANXIN_GRIDS * n_grids / (365 * 24)
    return base * (10 if surge else 1)


def rate_factor(at: dt.datetime) -> float:
    """The event rate at ``at`` relative to the mean: the hour of the day (weekday and
    weekend rows) times the day of the week, in Asia/Shanghai."""
    local = at.astimezone(CHINA)
    weekday = local.weekday()
    return float(_CAL.hourly[int(weekday >= 5), local.hour] * _CAL.weekly[weekday])


class _CategoryUrn:
    """Categories drawn without replacement from the report's year (refilled when empty):
    short periods look random, and a simulated year reproduces the report's shares almost
    exactly instead of within the noise of independent draws."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.full = np.array(list(_CAL.category_counts.values()), dtype=np.int64)
        self.left = self.full.copy()

    def draw(self, n: int) -> np.ndarray:
        counts = np.zeros(len(self.full), dtype=np.int64)
        while n > 0:
            if not self.left.sum():
                self.left = self.full.copy()
            take = min(n, int(self.left.sum()))
            got = self.rng.multivariate_hypergeometric(self.left, take)
            self.left -= got
            counts += got
            n -= take
        return self.rng.permutation(np.repeat(np.arange(len(self.full)), counts))


def subcategory_choices(catalogue: Catalogue | None = None
                        ) -> dict[str, tuple[list[str], np.ndarray]]:
    """For each category of ``catalogue``: its subcategory codes and the probability of
    each (the calibration's weights, normalised).

    Raises
    ------
    ValidationError
        The calibration does not fit the catalogue.
    """
    catalogue = catalogue or load_catalogue()
    _CAL.check(catalogue)
    out = {}
    for c in catalogue.categories:
        codes = [s.code for s in c.subcategories]
        w = np.array([_CAL.subcategory_weights[c.code][code] for code in codes])
        out[c.code] = (codes, w / w.sum())
    return out


def plan_events(start: dt.datetime, end: dt.datetime, grid_weights: np.ndarray, *,
                seed: int = 2019, surge: bool = False,
                catalogue: Catalogue | None = None) -> Iterator[PlannedEvent]:
    """Events between ``start`` and ``end`` (a non-homogeneous Poisson process, hour by
    hour, on the daily and weekly profile), deterministic from ``seed``.

    Categories follow the report's year (:data:`CATEGORY_MIX`, drawn without replacement
    from its counts); subcategories the calibration's weights; ``closes`` is true for
    :data:`CLOSURE_RATE` of the events.
    """
    choices = subcategory_choices(catalogue)
    rng = np.random.default_rng(seed)
    cats = list(_CAL.category_counts)
    urn = _CategoryUrn(rng)
    chans = list(CHANNEL_MIX)
    chan_p = np.array([CHANNEL_MIX[c] for c in chans])
    weights = np.asarray(grid_weights, dtype=float)
    weights = weights / weights.sum()
    rate = events_per_hour(len(weights), surge)
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        n = rng.poisson(rate * rate_factor(hour))
        offsets = np.sort(rng.uniform(0, 3600, n))
        grids = rng.choice(len(weights), n, p=weights)
        cat_draw = urn.draw(n)
        chan_draw = rng.choice(len(chans), n, p=chan_p)
        closes = rng.uniform(size=n) < CLOSURE_RATE
        sub_draw = np.empty(n, dtype=np.int64)
        for i, cat in enumerate(cats):
            mine = np.flatnonzero(cat_draw == i)
            if len(mine):
                codes, p = choices[cat]
                sub_draw[mine] = rng.choice(len(codes), len(mine), p=p)
        for k in range(n):
            at = hour + dt.timedelta(seconds=float(offsets[k]))
            if not start <= at < end:
                continue
            cat = cats[cat_draw[k]]
            yield PlannedEvent(at, int(grids[k]), cat, choices[cat][0][sub_draw[k]],
                               chans[chan_draw[k]], bool(closes[k]))
        hour += dt.timedelta(hours=1)


def monthly_mix(events: list[PlannedEvent]) -> dict[str, float]:
    """Share of each category in ``events``."""
    n = len(events) or 1
    return {c: sum(1 for e in events if e.category == c) / n for c in CATEGORY_MIX}


def closure_share(events: list[PlannedEvent]) -> float:
    """Share of ``events`` whose case closes."""
    return sum(e.closes for e in events) / (len(events) or 1)


__all__ = ["CATEGORY_MIX", "CLOSURE_RATE", "Calibration", "PlannedEvent", "closure_share",
           "events_per_hour", "load_calibration", "monthly_mix", "plan_events", "rate_factor",
           "subcategory_choices"]
