"""The live simulator: it dispatches each case where the router sends it, leaves the cases
the report would not close in handling, and adopts only the IoT cases of its own alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models.core.auth import Actor, SystemRole
from models.intake.service import IntakeService
from models.scenarios.simulator import CitySimulator
from models.storage.db import Database
from models.storage.schema import Case, CaseStatus
from models.world.gridindex import GridIndex
from models.world.sensors import Sensor, SensorService
from models.world.staff import StaffService
from routing.graph import EscalationGraph
from routing.policy import Router
from tests.factories import copy_demo_city

T = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo(demo_city_file, tmp_path_factory):
    db = copy_demo_city(demo_city_file[0], tmp_path_factory.mktemp("live") / "demo.sqlite3")
    yield db
    db.dispose()


@pytest.mark.slow
def test_live_cases_go_where_the_router_sends_them(demo) -> None:
    router = Router(EscalationGraph.from_db(demo))
    # the module's database is shared: look only at the cases this run reports
    with demo.read() as s:
        before = s.scalar(select(func.max(Case.id))) or 0
    sim = CitySimulator(demo, seed=3, start=dt.datetime(2026, 3, 4, 1, tzinfo=dt.UTC),
                        surge=True, router=router)
    sim.run_until(sim.now + dt.timedelta(hours=1))
    with demo.read() as s:
        rows = s.execute(select(Case.id, Case.grid_id, Case.subcategory, Case.event_class,
                                Case.category, Case.assigned_unit_id, Case.level,
                                Case.assigned_department_id, Case.status).where(
            Case.assigned_unit_id.is_not(None), Case.id > before)).all()
    assert len(rows) > 300
    levels = {}
    for r in rows:
        want = router.route(r.grid_id, r.subcategory)
        assert (r.assigned_unit_id, r.level, r.assigned_department_id) == (
            want.unit_id, want.level, want.department_id), r
        levels.setdefault((r.event_class, r.category), set()).add(r.level)
    # class A emergencies go to the district command centre, not the grid's community
    assert levels[("A", "emergency")] == {"district"}
    # district and street cases are no longer sent to communities
    assert {"street", "district", "community"} <= set().union(*levels.values())
    # the cases the report would not close stay in handling: nothing more is planned
    open_ended = [r for r in rows if r.id in sim._open_ended]
    assert open_ended and all(r.status in (CaseStatus.DISPATCHED, CaseStatus.HANDLING)
                              for r in open_ended)
    planned = {case for _, case, action in sim._due if action in ("feedback", "verify")}
    assert not planned & sim._open_ended


class InProcessFeeds:
    """A publisher whose alerts reach the intake's IoT channel at once, as the MQTT feeds
    take them in (:meth:`models.intake.mqtt.MqttFeeds._apply_alerts`); positions go to the staff
    service."""

    def __init__(self, db: Database) -> None:
        feed = Actor.system("feed", SystemRole.FEED)
        self.intake = IntakeService(db, feed, locate=GridIndex.from_db(db).locate)
        self.staff = StaffService(db, feed)

    def alert(self, sensor_id: str, kind: str, value: float, at: dt.datetime) -> None:
        (result,) = self.intake.submit_many("iot", [{
            "sensor_id": sensor_id, "kind": kind, "value": value, "time": at.isoformat()}])
        assert result.case_id is not None, result.reason

    def positions(self, fixes) -> None:
        self.staff.update_positions(fixes)


def test_the_simulator_adopts_its_own_alerts_only(tiny_city) -> None:
    db = tiny_city.db
    SensorService(db, Actor.system("test-admin")).register(
        [Sensor(f"smoke-{k}", 112.9825 + 0.005 * (k % 2), 28.1875 - 0.005 * (k // 2), "M01",
                kind="smoke", grid_id=g) for k, g in enumerate(tiny_city.grids)]
        + [Sensor("real-1", 112.9851, 28.1851, "M02", kind="gas")])  # a real sensor
    feeds = InProcessFeeds(db)
    start = T - dt.timedelta(days=6)
    sim = CitySimulator(db, seed=11, start=start, surge=True, publisher=feeds)
    # a real sensor reports while the simulator runs
    feeds.alert("real-1", "gas", 0.9, start + dt.timedelta(hours=1))
    sim.run_until(start + dt.timedelta(days=7))
    stats = sim.run_until(start + dt.timedelta(days=8))  # the last alerts are taken in
    assert stats["alerts_published"] >= 8
    with db.read() as s:
        iot = s.execute(select(Case.title, Case.status).where(Case.channel == "iot")).all()
    real = [status for title, status in iot if title.startswith("real-1")]
    own = [status for title, status in iot if not title.startswith("real-1")]
    # the real sensor's case waits for a dispatcher; the simulator's own moved on
    assert real == [CaseStatus.REPORTED]
    assert len(own) == stats["alerts_published"]
    assert CaseStatus.REPORTED not in own
    assert not sim._published  # every published alert was seen as a case


@pytest.mark.slow
def test_the_simulate_command_dispatches_by_the_policy_given(demo, capsys) -> None:
    from console.cli import main

    assert main(["simulate", "--hours", "1", "--surge", "--policy", "street-first",
                 "--db", demo.url]) == 0
    assert "events reported" in capsys.readouterr().out
    with demo.read() as s:
        levels = s.execute(select(Case.level).where(
            Case.routing_policy == "street-first")).scalars().all()
    # street-first sends nothing to a community (default-2026 sends class C/D there). The
    # hour simulated starts now, so its volume follows the time of day (80 dispatched cases
    # in a surge hour after midnight in Changsha, hundreds at noon): a floor, not a count
    assert len(levels) >= 10 and "community" not in levels
