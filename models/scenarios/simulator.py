"""The city simulator: a real day of the demo city, deterministic from a seed.

The events come from :func:`models.scenarios.eventplan.plan_events` (the report's rate, mix
and profiles). Cases then move around the loop after realistic delays (accepted in minutes,
handled in hours by class, verified on site, assessed); the 1.49 % that the report does not
close stay in handling (the handler started and never reported back). On-duty grid workers
patrol their grids on foot and ride to the cases they handle. With a broker configured,
sensor alerts and staff positions are published over MQTT like real sources; without one
they go to the services directly.

:class:`CitySimulator` feeds the plan through the intake service and advances cases with the
case loop, as the simulator's own actors, dispatching each case where the router sends it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import numpy as np

from models.scenarios.eventplan import plan_events

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


WALK_M_S = 1.2   # a grid worker on patrol
RIDE_M_S = 4.0   # on the way to an assignment (e-bike)
BURST_S = 60.0   # events of one simulated minute go to the intake together
# a published alert not taken in by the feeds within this (simulated) time is forgotten
ALERT_MEMORY = dt.timedelta(days=1)


class CaseRouter(Protocol):
    """What the simulator needs of a router (:class:`routing.policy.Router`): where a new
    case goes. (:mod:`models` may not import :mod:`routing`: the caller passes one.)"""

    def route(self, grid_ids, subcategory: str, *, district_id=None):  # noqa: ANN001, ANN201
        ...


class CitySimulator:
    """Drives the demo city: reports events, moves cases on around the loop, and moves the
    on-duty grid workers (patrolling their grids, riding to their assignments).

    Parameters
    ----------
    db : Database
    seed : int
    start : datetime
        Simulated time at the start.
    surge : bool
        Ten times the normal event rate.
    publisher : models.intake.mqtt.MqttPublisher, optional
        When given (a broker is configured), sensor alerts and staff positions are
        published over MQTT like real sources, and the console's feeds take them in;
        otherwise they go to the intake and staff services directly. Only the cases made
        from the simulator's own alerts join its loop: a real sensor's case is left to the
        dispatchers.
    router : routing.policy.Router, optional
        Where each case is dispatched (the unit, level and department the policy names,
        as a dispatcher would). Without one (tests of the staff side only) every case goes
        to its grid's community.
    """

    def __init__(self, db, *, seed: int = 2019, start: dt.datetime | None = None,  # noqa: ANN001
                 surge: bool = False, publisher=None,  # noqa: ANN001
                 router: CaseRouter | None = None) -> None:
        import shapely
        from sqlalchemy import select

        from models.core.auth import Actor, SystemRole
        from models.intake.service import IntakeService
        from models.storage.schema import DutyStatus, Grid, GridKind, Sensor, Staff, StaffRole
        from models.world.gridindex import GridIndex
        from models.world.staff import StaffService

        self.db = db
        self.seed = seed
        self.now = start or dt.datetime.now(dt.UTC)
        self.started = self.now
        self.surge = surge
        self.publisher = publisher
        self.router = router
        self.rng = np.random.default_rng(seed + 7)
        with db.read() as s:
            rows = s.execute(select(Grid.id, Grid.geometry, Grid.population, Grid.kind)
                             .order_by(Grid.id)).all()
            staff = s.execute(select(Staff.id, Staff.home_grid_id, Staff.last_lon,
                                     Staff.last_lat).where(
                Staff.active.is_(True), Staff.home_grid_id.is_not(None),
                Staff.duty_status.in_([DutyStatus.ON_DUTY, DutyStatus.BUSY]),
                Staff.role.in_([StaffRole.SUPERVISOR, StaffRole.MANAGER, StaffRole.ASSISTANT,
                                StaffRole.VOLUNTEER])).order_by(Staff.id)).all()
            sensors = s.execute(select(Sensor.id, Sensor.grid_id, Sensor.kind, Sensor.lon,
                                       Sensor.lat).where(Sensor.active.is_(True))).all()
        if not rows:
            from models.core.errors import ValidationError

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
        self.staff_service = StaffService(db, self.feed)
        self.duty_service = StaffService(db, self.admin)
        grid_pos = {g: k for k, g in enumerate(self.grid_ids)}
        # the on-duty grid workers, as columns
        self.staff_ids = np.array([r[0] for r in staff], dtype=np.int64)
        self.staff_grid = np.array([grid_pos.get(r[1], 0) for r in staff], dtype=np.int64)
        centroids = shapely.get_coordinates(shapely.point_on_surface(self.polygons))
        self.staff_lon = np.array([r[2] if r[2] is not None else centroids[grid_pos[r[1]]][0]
                                   for r in staff], dtype=float)
        self.staff_lat = np.array([r[3] if r[3] is not None else centroids[grid_pos[r[1]]][1]
                                   for r in staff], dtype=float)
        self.staff_target = np.full((len(staff), 2), np.nan)  # where an assignment is
        self.staff_case = np.zeros(len(staff), dtype=np.int64)  # 0: on patrol
        self._heading = self.rng.uniform(0, 2 * np.pi, len(staff))
        self.sensors_by_grid: dict[int, list[tuple[str, str]]] = {}
        self.sensor_place: dict[str, tuple[float, float]] = {}
        for sid, gid, kind, lon, lat in sensors:
            if gid is not None:
                self.sensors_by_grid.setdefault(gid, []).append((sid, kind))
                self.sensor_place[sid] = (lon, lat)
        self.reported = 0
        self.advanced = 0
        self.published_alerts = 0
        self.position_fixes = 0
        self._due: list[tuple[dt.datetime, int, str]] = []  # (when, case id, next action)
        self._tracked: set[int] = set()
        self._open_ended: set[int] = set()  # cases that will not close (the report's 1.49 %)
        # the alerts published and not yet seen as cases: (time, lon, lat) -> closes
        self._published: dict[tuple[dt.datetime, float, float], bool] = {}
        self._clock = self.now

    def _adapt(self, p):  # noqa: ANN001, ANN202
        from models.cases.service import NewCase

        return NewCase(**p)

    def _point_in(self, grid_index: int) -> tuple[float, float]:
        import shapely

        poly = self.polygons[grid_index]
        minx, miny, maxx, maxy = poly.bounds
        for _ in range(50):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            if shapely.contains_xy(poly, x, y):
                return float(x), float(y)
        p = poly.representative_point()
        return p.x, p.y

    def _delay(self, step: str, event_class: str) -> dt.timedelta:
        mean = STEP_DELAYS[step][event_class]
        return dt.timedelta(minutes=float(self.rng.exponential(mean)))

    def _schedule(self, when: dt.datetime, case_id: int, action: str) -> None:
        import bisect

        bisect.insort(self._due, (when, case_id, action))

    def run_until(self, end: dt.datetime) -> dict[str, int]:
        """Advance simulated time to ``end``: report what happens, move cases on, move
        staff (their positions are reported once, at ``end``)."""
        from models.core.catalogue import load_catalogue

        catalogue = load_catalogue()
        events = plan_events(self.now, end, self.weights, seed=self.seed + int(
            self.now.timestamp() // 3600), surge=self.surge, catalogue=catalogue)
        burst: list = []
        for ev in events:
            if burst and (ev.at - burst[0].at).total_seconds() >= BURST_S:
                self._report(burst, catalogue)
                burst = []
            if not burst:
                self._advance_cases(ev.at)
            burst.append(ev)
        if burst:
            self._report(burst, catalogue)
        self._adopt_feed_cases(end)
        self._advance_cases(end)
        self._move_staff(end)
        self.now = end
        return {"reported": self.reported, "advanced": self.advanced,
                "waiting": len(self._due), "alerts_published": self.published_alerts,
                "position_fixes": self.position_fixes}

    def _report(self, burst: list, catalogue) -> None:  # noqa: ANN001
        """One simulated minute of events: sensor alerts over MQTT when a broker is
        configured and the grid has a sensor; everything else through the intake."""
        payloads, whens = [], []
        for ev in burst:
            gid = self.grid_ids[ev.grid_index]
            if self.publisher is not None and ev.channel == "iot" and \
                    self.sensors_by_grid.get(gid):
                sensors = self.sensors_by_grid[gid]
                sid, kind = sensors[int(self.rng.integers(len(sensors)))]
                self.publisher.alert(sid, kind, round(float(self.rng.uniform(0.5, 1.0)), 2),
                                     ev.at)
                self.published_alerts += 1
                self._published[(ev.at, *self.sensor_place[sid])] = ev.closes
                continue
            lon, lat = self._point_in(ev.grid_index)
            sub = catalogue.subcategory(ev.subcategory)
            payloads.append({
                "channel": ev.channel, "subcategory": ev.subcategory, "lon": lon, "lat": lat,
                "title": sub.name_zh, "description": f"{sub.name_zh} ({sub.name_en})",
                "reported_at": ev.at})
            whens.append((ev.at, sub.event_class, ev.closes))
        for result, (at, event_class, closes) in zip(self.intake.submit_many("sim", payloads),
                                                     whens, strict=True):
            if result.case_id is not None:
                self.reported += 1
                self._tracked.add(result.case_id)
                if not closes:
                    self._open_ended.add(result.case_id)
                self._schedule(at + self._delay("accept", event_class), result.case_id,
                               "accept")

    def _adopt_feed_cases(self, end: dt.datetime) -> None:
        """Cases the feeds made from the simulator's own published alerts join the loop:
        an IoT case is the simulator's when its time and place are those of an alert it
        published (a case at a sensor's place carries the alert's time). Real sensors'
        cases are the dispatchers' to handle."""
        if self.publisher is None or not self._published:
            return
        from sqlalchemy import select

        from models.storage.schema import Case, CaseStatus, Channel

        with self.db.read() as s:
            rows = s.execute(select(Case.id, Case.reported_at, Case.event_class, Case.lon,
                                    Case.lat).where(
                Case.status == CaseStatus.REPORTED, Case.channel == Channel.IOT,
                Case.reported_at >= min(k[0] for k in self._published))).all()
        for case_id, at, event_class, lon, lat in rows:
            closes = self._published.pop((at, lon, lat), None)
            if closes is None or case_id in self._tracked:
                continue
            self._tracked.add(case_id)
            if not closes:
                self._open_ended.add(case_id)
            self.reported += 1
            self._schedule(max(at, self._clock) + self._delay("accept", event_class),
                           case_id, "accept")
        # an alert the feeds refused (or merged) never becomes a case: forget it
        for key in [k for k in self._published if k[0] < end - ALERT_MEMORY]:
            del self._published[key]

    def _advance_cases(self, until: dt.datetime) -> None:
        from models.cases.loop import CaseLoop
        from models.core.errors import CityGridError
        from models.storage.schema import Case

        loop = CaseLoop(self.db, self.admin, now=lambda: self._clock)
        while self._due and self._due[0][0] <= until:
            when, case_id, action = self._due.pop(0)
            self._clock = when
            try:
                with self.db.read() as s:
                    case = s.get(Case, case_id)
                    event_class, grid_id = case.event_class, case.grid_id
                    subcategory = case.subcategory
                    where = (case.lon, case.lat)
                    # the version acted on: the one just read (a dispatcher's later change
                    # refuses the step as stale)
                    v = case.version
                nxt = None
                if action == "accept":
                    loop.accept(case_id, expected_version=v)
                    nxt = "dispatch"
                elif action == "dispatch":
                    loop.dispatch(case_id, self._route(grid_id, subcategory),
                                  expected_version=v)
                    nxt = "start"
                elif action == "start":
                    loop.start(case_id, expected_version=v)
                    self._send_worker(case_id, grid_id, where)
                    # a case the report would not close stays in handling
                    nxt = None if case_id in self._open_ended else "feedback"
                elif action == "feedback":
                    loop.feedback(case_id, "处置完毕 (simulated)", expected_version=v)
                    self._release_worker(case_id)
                    nxt = "verify"
                elif action == "verify":
                    passed = self.rng.uniform() > VERIFY_FAIL_RATE
                    loop.verify(case_id, passed, "" if passed else "复查未通过 (simulated)",
                                expected_version=v)
                    nxt = "assess" if passed else "feedback"
                elif action == "assess":
                    loop.assess(case_id, True, int(self.rng.choice([3, 4, 5, 5, 5])),
                                expected_version=v)
                    self._tracked.discard(case_id)
                self.advanced += 1
                if nxt:
                    self._schedule(when + self._delay(nxt, event_class), case_id, nxt)
            except CityGridError:
                self._release_worker(case_id)
                continue  # a dispatcher acted on it meanwhile: leave it to them

    # -- staff -----------------------------------------------------------------------------
    def _send_worker(self, case_id: int, grid_id: int | None, where: tuple[float, float]
                     ) -> None:
        """The nearest free on-duty worker of the case's grid rides to it."""
        if grid_id is None or not len(self.staff_ids):
            return
        k = self._grid_pos().get(grid_id, -1)
        free = np.flatnonzero((self.staff_grid == k) & (self.staff_case == 0))
        if not len(free):
            return
        d = np.hypot(self.staff_lon[free] - where[0], self.staff_lat[free] - where[1])
        i = free[int(np.argmin(d))]
        self.staff_case[i] = case_id
        self.staff_target[i] = where
        self.duty_service.set_duty(int(self.staff_ids[i]), "busy")

    def _release_worker(self, case_id: int) -> None:
        for i in np.flatnonzero(self.staff_case == case_id):
            self.staff_case[i] = 0
            self.staff_target[i] = np.nan
            self.duty_service.set_duty(int(self.staff_ids[i]), "on_duty")

    def _grid_pos(self) -> dict[int, int]:
        if not hasattr(self, "_grid_pos_cache"):
            self._grid_pos_cache = {g: k for k, g in enumerate(self.grid_ids)}
        return self._grid_pos_cache

    def _move_staff(self, end: dt.datetime) -> None:
        """Patrol: a walk inside the home grid, turning at its edge; assigned: ride
        straight to the case and stay there. One position fix per person at ``end``."""
        import shapely

        from models.world.staff import PositionFix

        n = len(self.staff_ids)
        if not n:
            return
        seconds = max(0.0, (end - self.now).total_seconds())
        if seconds == 0:
            return
        k = 111_320.0
        coslat = np.cos(np.radians(self.staff_lat))
        # assigned: towards the target
        going = ~np.isnan(self.staff_target[:, 0])
        if going.any():
            dx = (self.staff_target[going, 0] - self.staff_lon[going]) * k * coslat[going]
            dy = (self.staff_target[going, 1] - self.staff_lat[going]) * k
            dist = np.hypot(dx, dy)
            step = np.minimum(1.0, RIDE_M_S * seconds / np.maximum(dist, 1e-9))
            self.staff_lon[going] += (self.staff_target[going, 0] - self.staff_lon[going]) * step
            self.staff_lat[going] += (self.staff_target[going, 1] - self.staff_lat[going]) * step
        # patrol: a step along the heading (at most 10 minutes' walk); outside the grid,
        # turn round and stay put this time
        walk = ~going
        self._heading[walk] += self.rng.normal(0, 0.6, int(walk.sum()))
        metres = WALK_M_S * min(seconds, 600.0)
        nlon = self.staff_lon[walk] + np.cos(self._heading[walk]) * metres / (k * coslat[walk])
        nlat = self.staff_lat[walk] + np.sin(self._heading[walk]) * metres / k
        inside = shapely.contains_xy(self.polygons[self.staff_grid[walk]], nlon, nlat)
        idx = np.flatnonzero(walk)
        self.staff_lon[idx[inside]] = nlon[inside]
        self.staff_lat[idx[inside]] = nlat[inside]
        self._heading[idx[~inside]] += np.pi
        fixes = [PositionFix(int(i), float(x), float(y), end) for i, x, y in
                 zip(self.staff_ids, self.staff_lon, self.staff_lat, strict=True)]
        if self.publisher is not None:
            self.publisher.positions(fixes)
        else:
            self.staff_service.update_positions(fixes)
        self.position_fixes += len(fixes)

    def _route(self, grid_id: int | None, subcategory: str):  # noqa: ANN202
        """Where the case goes: the router's decision (as a dispatcher would take it);
        without a router, the grid's community (the city centre outside every grid)."""
        from models.core.records import RoutingDecision

        if self.router is not None:
            return self.router.route(grid_id, subcategory)
        if grid_id is None:
            return RoutingDecision(self._city(), "", "city", None, None, "simulator",
                                   ("simulator: outside every grid",))
        return RoutingDecision(self._community_of(grid_id), "", "community", None, None,
                               "simulator", ("simulator: the grid's community handles it",))

    def _community_of(self, grid_id: int) -> int:
        if not hasattr(self, "_communities"):
            from sqlalchemy import select

            from models.storage.schema import Grid

            with self.db.read() as s:
                self._communities = dict(s.execute(select(Grid.id, Grid.community_id)).all())
        return self._communities[grid_id]

    def _city(self) -> int:
        from sqlalchemy import select

        from models.storage.schema import AdminUnit, Level

        with self.db.read() as s:
            return s.scalar(select(AdminUnit.id).where(AdminUnit.level == Level.CITY))


__all__ = ["CaseRouter", "CitySimulator"]
