"""Scenarios that need the routing: recording a simulated period (each case routed by a
policy), and comparing policies on a recorded scenario.

(:mod:`models` may not import :mod:`routing`; these build on both.)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from models.core.errors import ValidationError
from models.scenarios.files import ScenarioHeader, write_scenario
from models.scenarios.replay import Replay


def record_simulation(db, path: Path, *, district: str | None = None, days: float = 1.0,  # noqa: ANN001
                      seed: int = 2019, start: dt.datetime | None = None,
                      policy: str = "default-2026", surge: bool = False,
                      name: str = "") -> ScenarioHeader:
    """Simulate ``days`` of ``district`` (every district when None) and write the scenario.

    Events come from :func:`models.scenarios.eventplan.plan_events` (the report's rate and mix, the
    daily profile); each case is routed by the policy (:class:`routing.policy.Router`) and
    runs the loop with the simulator's delays (:data:`models.scenarios.simulator.STEP_DELAYS`): a
    verification fails now and then and the case is handled again; the grid worker who
    handles it rides there (a ``position`` event). A case the plan does not close
    (:attr:`models.scenarios.eventplan.PlannedEvent.closes`, 1.49 % as in the report) stays in
    handling: it has no feedback, verification or assessment. The database is only read
    (the grids, the escalation graph): nothing is written to it.
    """
    import shapely
    from sqlalchemy import select

    from models.core.catalogue import load_catalogue
    from models.core.workcalendar import load_calendar
    from models.core.worktime import step_deadline, total_hours
    from models.scenarios.eventplan import plan_events
    from models.scenarios.simulator import STEP_DELAYS, VERIFY_FAIL_RATE
    from models.storage.schema import Grid, GridKind
    from routing.graph import EscalationGraph
    from routing.policy import Router
    from routing.rules import load_policy

    if not days > 0:
        raise ValidationError("days must be positive")
    catalogue = load_catalogue()
    calendar = load_calendar()
    start = start or dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=days)
    with db.read() as s:
        q = select(Grid.id, Grid.code, Grid.geometry, Grid.population, Grid.kind).order_by(
            Grid.id)
        if district:
            q = q.where(Grid.code.startswith(district))
        rows = s.execute(q).all()
    if not rows:
        raise ValidationError(f"no grids in district {district!r}" if district
                              else "the database has no grids")
    grid_ids = np.array([r[0] for r in rows])
    codes = [r[1] for r in rows]
    polygons = shapely.from_wkb([r[2] for r in rows])
    weights = np.array([r[3] * (1.5 if r[4] is GridKind.DEDICATED else 1.0) for r in rows],
                       dtype=float)
    router = Router(EscalationGraph.from_db(db), load_policy(policy), catalogue)
    unit_code = {u.id: u.code for u in router.graph.units.values()}
    # the district's share of the city's events: Tianxin's rate per grid
    plan = list(plan_events(start, end, weights, seed=seed, surge=surge, catalogue=catalogue))
    rng = np.random.default_rng(seed + 1)
    n = len(plan)
    routed = router.route_batch(grid_ids[[e.grid_index for e in plan]] if n else
                                np.zeros(0, dtype=np.int64), [e.subcategory for e in plan])
    # a point inside each event's grid: uniform in its bounds, kept when inside
    bounds = shapely.bounds(polygons)
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    gi = np.array([e.grid_index for e in plan], dtype=np.int64)
    for _ in range(30):
        if not len(todo):
            break
        b = bounds[gi[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(polygons[gi[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    if len(todo):
        centres = shapely.get_coordinates(shapely.point_on_surface(polygons[gi[todo]]))
        lon[todo], lat[todo] = centres[:, 0], centres[:, 1]
    events: list[tuple[float, int, dict]] = []  # (t, order, event)
    from routing.graph import LEVELS as level_names
    order = 0
    for k, ev in enumerate(plan):
        sub = catalogue.subcategory(ev.subcategory)
        cls = sub.event_class
        t = ev.at.timestamp()
        case = k + 1
        deadline = step_deadline(ev.at, total_hours(sub.limits), sub.limits.basis, calendar)
        events.append((t, order, {
            "t": round(t, 3), "k": "report", "case": case, "sub": sub.code,
            "title": sub.name_zh,
            "cat": sub.category, "cls": cls, "ch": ev.channel, "grid": codes[ev.grid_index],
            "lon": round(float(lon[k]), 6), "lat": round(float(lat[k]), 6),
            "deadline": round(deadline.timestamp(), 3), "s": "reported"}))
        order += 1
        level = int(routed.levels[k])
        unit = unit_code.get(int(routed.unit_ids[k]), "")

        def step(name: str, status: str, minutes_mean: float, *, case_id: int = case,
                 **extra: object) -> None:
            nonlocal t, order
            t += float(rng.exponential(minutes_mean)) * 60
            events.append((t, order, {"t": round(t, 3), "k": name, "case": case_id, "s": status,
                                      **extra}))
            order += 1

        step("accept", "accepted", STEP_DELAYS["accept"][cls], by="dispatcher")
        step("dispatch", "dispatched", STEP_DELAYS["dispatch"][cls], by="dispatcher",
             level=level_names[level] if 0 <= level < len(level_names) else "city",
             unit=unit)
        step("start", "handling", STEP_DELAYS["start"][cls], by="handler")
        events.append((t + 1, order, {"t": round(t + 1, 3), "k": "position", "case": case,
                                      "staff": int(1 + rng.integers(3 * len(rows))),
                                      "lon": round(float(lon[k]), 6),
                                      "lat": round(float(lat[k]), 6)}))
        order += 1
        if not ev.closes:
            continue  # the handler never reports back: the case stays in handling
        while True:
            step("feedback", "verifying", STEP_DELAYS["feedback"][cls], by="handler")
            if rng.uniform() < VERIFY_FAIL_RATE:
                step("verify_fail", "handling", STEP_DELAYS["verify"][cls], by="grid_worker")
                continue
            step("verify", "archived", STEP_DELAYS["verify"][cls], by="grid_worker")
            break
        step("assess", "assessed", STEP_DELAYS["assess"][cls], by="shift_lead",
             score=int(rng.choice([3, 4, 5, 5, 5])))
    events.sort(key=lambda e: (e[0], e[1]))
    header = ScenarioHeader(name=name or f"simulated {days:g} d"
                            + (f" of {district}" if district else ""),
                            start=start.timestamp(), end=end.timestamp(), district=district,
                            seed=seed, policy=policy, catalogue=catalogue.version,
                            source="simulation")
    # events after the end (cases still running) are kept: the loop closes them
    write_scenario(path, header, (e[2] for e in events))
    return header



def compare_policies(replay: Replay, db, policies: list[str]) -> dict[str, dict]:  # noqa: ANN001
    """Route the scenario's cases again under each policy (the escalation graph of ``db``,
    whose grids the scenario names) and set the routing indicators side by side: the share
    of cases sent to each level, the share that would go to another unit than recorded, and
    the share handled by a department rather than the centre itself. The recorded times
    are not re-simulated: what changes with a policy is where each case goes."""
    from sqlalchemy import select

    from models.core.catalogue import load_catalogue
    from models.storage.schema import Grid
    from routing.graph import LEVELS, EscalationGraph
    from routing.policy import Router
    from routing.rules import load_policy

    with db.read() as s:
        grid_id = dict(s.execute(select(Grid.code, Grid.id)).all())
    graph = EscalationGraph.from_db(db)
    catalogue = load_catalogue()
    grids = np.array([grid_id.get(g, -1) for g in replay.grid], dtype=np.int64)
    code_of = {u.id: u.code for u in graph.units.values()}
    recorded_unit = np.empty(replay.n_cases, dtype=object)
    recorded_unit[:] = ""
    sel = np.flatnonzero(replay.ev_kind == "dispatch")
    recorded_unit[replay.ev_case[sel[::-1]]] = replay.ev_unit[sel[::-1]]
    has_recorded = recorded_unit != ""
    out: dict[str, dict] = {}
    for name in policies:
        router = Router(graph, load_policy(name), catalogue)
        routed = router.route_batch(grids, list(replay.subcategory))
        units = np.array([code_of.get(int(u), "") for u in routed.unit_ids], dtype=object)
        n = max(1, replay.n_cases)
        row = {f"to_{lv}": round(float((routed.levels == i).sum()) / n, 4)
               for i, lv in enumerate(LEVELS)}
        row["to_department"] = round(float((routed.department_ids >= 0).sum()) / n, 4)
        row["other_unit_than_recorded"] = round(
            float((units[has_recorded] != recorded_unit[has_recorded]).sum())
            / max(1, int(has_recorded.sum())), 4)
        out[name] = row
    return out



__all__ = ["compare_policies", "record_simulation"]
