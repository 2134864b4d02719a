"""The city simulator: a real day of the demo city, deterministic from a seed.

Events arrive as a Poisson process at the report's rate and mix (Tianxin 2019: 95,792 events
a year; city management 60 %, public security 21 %, property and other 9 %, party
building 4 %, environment 3.5 %, emergency 2 %), following a daily profile, placed in grids
by population (dedicated grids draw a little more). A surge multiplies the rate by ten.
Cases then move around the loop after realistic delays (accepted in minutes, handled in
hours by class, verified on site, assessed). (Staff patrols and the publishing of sensor
alerts and positions over MQTT are not simulated yet: staff keep their last positions.)

:func:`plan_events` is pure (no database): tests check the mix on a simulated month.
:class:`CitySimulator` feeds the plan through the intake service and advances cases with
the case loop, as the simulator's own actors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from models.catalogue import Catalogue, load_catalogue

TIANXIN_EVENTS_PER_YEAR = 95_792
TIANXIN_GRIDS = 418
CATEGORY_MIX = {"city": 0.60, "security": 0.21, "other": 0.09, "party": 0.04,
                "environment": 0.035, "emergency": 0.025}
CHANNEL_MIX = {"patrol": 0.45, "hotline_12345": 0.25, "snap": 0.15, "iot": 0.08,
               "resident": 0.05, "emergency": 0.02}
# share of a day's events in each hour (Asia/Shanghai): quiet at night, peaks mid-morning
# and late afternoon
HOURLY_PROFILE = np.array([0.4, 0.3, 0.2, 0.2, 0.2, 0.4, 0.8, 1.4, 2.0, 2.2, 2.1, 1.8,
                           1.4, 1.5, 1.9, 2.0, 2.0, 1.8, 1.5, 1.2, 1.0, 0.9, 0.7, 0.5])
HOURLY_PROFILE = HOURLY_PROFILE / HOURLY_PROFILE.mean()
CHINA = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class PlannedEvent:
    at: dt.datetime
    grid_index: int
    category: str
    subcategory: str
    channel: str


def events_per_hour(n_grids: int, surge: bool = False) -> float:
    """The city's mean event rate: Tianxin's rate per grid times the number of grids."""
    base = TIANXIN_EVENTS_PER_YEAR / TIANXIN_GRIDS * n_grids / (365 * 24)
    return base * (10 if surge else 1)


def plan_events(start: dt.datetime, end: dt.datetime, grid_weights: np.ndarray, *,
                seed: int = 2019, surge: bool = False,
                catalogue: Catalogue | None = None) -> Iterator[PlannedEvent]:
    """Events between ``start`` and ``end`` (a non-homogeneous Poisson process, hour by
    hour), deterministic from ``seed``."""
    catalogue = catalogue or load_catalogue()
    rng = np.random.default_rng(seed)
    by_cat = {c.code: [s.code for s in c.subcategories] for c in catalogue.categories}
    cats = list(CATEGORY_MIX)
    cat_p = np.array([CATEGORY_MIX[c] for c in cats])
    cat_p = cat_p / cat_p.sum()
    chans = list(CHANNEL_MIX)
    chan_p = np.array([CHANNEL_MIX[c] for c in chans])
    weights = np.asarray(grid_weights, dtype=float)
    weights = weights / weights.sum()
    rate = events_per_hour(len(weights), surge)
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        local = hour.astimezone(CHINA).hour
        n = rng.poisson(rate * HOURLY_PROFILE[local])
        offsets = np.sort(rng.uniform(0, 3600, n))
        grids = rng.choice(len(weights), n, p=weights)
        cat_draw = rng.choice(len(cats), n, p=cat_p)
        chan_draw = rng.choice(len(chans), n, p=chan_p)
        for k in range(n):
            at = hour + dt.timedelta(seconds=float(offsets[k]))
            if not start <= at < end:
                continue
            cat = cats[cat_draw[k]]
            subs = by_cat[cat]
            yield PlannedEvent(at, int(grids[k]), cat, subs[int(rng.integers(len(subs)))],
                               chans[chan_draw[k]])
        hour += dt.timedelta(hours=1)


# minutes until the next step, by class (mean of an exponential delay)
STEP_DELAYS = {
    "accept": {"A": 3, "B": 8, "C": 15, "D": 30},
    "dispatch": {"A": 5, "B": 15, "C": 30, "D": 60},
    "start": {"A": 10, "B": 30, "C": 60, "D": 120},
    "feedback": {"A": 90, "B": 300, "C": 900, "D": 1800},
    "verify": {"A": 30, "B": 60, "C": 120, "D": 240},
    "assess": {"A": 120, "B": 240, "C": 480, "D": 720},
}
VERIFY_FAIL_RATE = 0.05


class CitySimulator:
    """Drives the demo city: reports events and moves cases on around the loop.

    Parameters
    ----------
    db : Database
    seed : int
    start : datetime
        Simulated time at the start.
    surge : bool
        Ten times the normal event rate.
    """

    def __init__(self, db, *, seed: int = 2019, start: dt.datetime | None = None,  # noqa: ANN001
                 surge: bool = False) -> None:
        import shapely
        from sqlalchemy import select

        from models.auth import Actor, SystemRole
        from models.gridindex import GridIndex
        from models.intake import IntakeService
        from models.schema import Grid, GridKind

        self.db = db
        self.seed = seed
        self.now = start or dt.datetime.now(dt.UTC)
        self.surge = surge
        self.rng = np.random.default_rng(seed + 7)
        with db.read() as s:
            rows = s.execute(select(Grid.id, Grid.geometry, Grid.population, Grid.kind)
                             .order_by(Grid.id)).all()
        if not rows:
            from models.errors import ValidationError

            raise ValidationError("the database has no grids: build the demo city first")
        self.grid_ids = [r[0] for r in rows]
        self.polygons = shapely.from_wkb([r[1] for r in rows])
        self.weights = np.array([r[2] * (1.5 if r[3] is GridKind.DEDICATED else 1.0)
                                 for r in rows], dtype=float)
        self.index = GridIndex(self.grid_ids, self.polygons)
        self.feed = Actor.system("simulator-intake", SystemRole.FEED)
        self.admin = Actor.system("simulator")
        self.intake = IntakeService(db, self.feed, locate=self.index.locate,
                                    adapters={"sim": self._adapt})
        self.reported = 0
        self.advanced = 0
        self._due: list[tuple[dt.datetime, int, str]] = []  # (when, case id, next action)

    def _adapt(self, p):  # noqa: ANN001, ANN202
        from models.cases import NewCase

        return NewCase(**p)

    def _point_in(self, grid_index: int) -> tuple[float, float]:
        poly = self.polygons[grid_index]
        minx, miny, maxx, maxy = poly.bounds
        import shapely

        for _ in range(50):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                return float(x), float(y)
        p = poly.representative_point()
        return p.x, p.y

    def _delay(self, step: str, event_class: str) -> dt.timedelta:
        mean = STEP_DELAYS[step][event_class]
        return dt.timedelta(minutes=float(self.rng.exponential(mean)))

    def run_until(self, end: dt.datetime) -> dict[str, int]:
        """Advance simulated time to ``end``: report what happens, move cases on."""
        from models.catalogue import load_catalogue

        catalogue = load_catalogue()
        events = plan_events(self.now, end, self.weights, seed=self.seed + int(
            self.now.timestamp() // 3600), surge=self.surge, catalogue=catalogue)
        for ev in events:
            self._advance_cases(ev.at)
            lon, lat = self._point_in(ev.grid_index)
            sub = catalogue.subcategory(ev.subcategory)
            result = self.intake.submit("sim", {
                "channel": ev.channel, "subcategory": ev.subcategory, "lon": lon, "lat": lat,
                "title": sub.name_zh, "description": f"{sub.name_zh} ({sub.name_en})",
                "reported_at": ev.at})
            if result.case_id is not None:
                self.reported += 1
                self._due.append((ev.at + self._delay("accept", sub.event_class),
                                  result.case_id, "accept"))
        self._advance_cases(end)
        self.now = end
        return {"reported": self.reported, "advanced": self.advanced,
                "waiting": len(self._due)}

    def _advance_cases(self, until: dt.datetime) -> None:
        from models.errors import CityGridError
        from models.loop import CaseLoop
        from models.records import RoutingDecision

        self._due.sort()
        loop = CaseLoop(self.db, self.admin, now=lambda: self._clock)
        while self._due and self._due[0][0] <= until:
            when, case_id, action = self._due.pop(0)
            self._clock = when
            try:
                with self.db.read() as s:
                    from models.schema import Case

                    case = s.get(Case, case_id)
                    event_class, grid_id = case.event_class, case.grid_id
                nxt = None
                if action == "accept":
                    loop.accept(case_id)
                    nxt = "dispatch"
                elif action == "dispatch":
                    unit = grid_id or 0
                    loop.dispatch(case_id, RoutingDecision(
                        self._community_of(grid_id), "", "community", None, None, "simulator",
                        ("simulator: the grid's community handles it",)) if unit else
                        RoutingDecision(self._city(), "", "city", None, None, "simulator",
                                        ("simulator: outside every grid",)))
                    nxt = "start"
                elif action == "start":
                    loop.start(case_id)
                    nxt = "feedback"
                elif action == "feedback":
                    loop.feedback(case_id, "处置完毕 (simulated)")
                    nxt = "verify"
                elif action == "verify":
                    passed = self.rng.uniform() > VERIFY_FAIL_RATE
                    loop.verify(case_id, passed, "" if passed else "复查未通过 (simulated)")
                    nxt = "assess" if passed else "feedback"
                elif action == "assess":
                    loop.assess(case_id, True, int(self.rng.choice([3, 4, 5, 5, 5])))
                self.advanced += 1
                if nxt:
                    step = "verify" if nxt == "verify" else nxt
                    self._due.append((when + self._delay(step, event_class), case_id, nxt))
                    self._due.sort()
            except CityGridError:
                continue  # a dispatcher acted on it meanwhile: leave it to them

    def _community_of(self, grid_id: int) -> int:
        if not hasattr(self, "_communities"):
            from sqlalchemy import select

            from models.schema import Grid

            with self.db.read() as s:
                self._communities = dict(s.execute(select(Grid.id, Grid.community_id)).all())
        return self._communities[grid_id]

    def _city(self) -> int:
        from sqlalchemy import select

        from models.schema import AdminUnit, Level

        with self.db.read() as s:
            return s.scalar(select(AdminUnit.id).where(AdminUnit.level == Level.CITY))


def monthly_mix(events: list[PlannedEvent]) -> dict[str, float]:
    """Share of each category in ``events``."""
    n = len(events) or 1
    return {c: sum(1 for e in events if e.category == c) / n for c in CATEGORY_MIX}


__all__ = ["CitySimulator", "PlannedEvent", "plan_events", "events_per_hour", "monthly_mix"]
