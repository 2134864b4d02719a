"""Who should go, read from the database: the inputs of :func:`routing.recommend.recommend`
for one case, built the same way for the console, the CLI, tests and the benchmark.

The case is ranked for the unit, level and department it is routed to: where it is now
when it has been dispatched (its assigned unit and department), else where the router
would send it (:meth:`routing.policy.Router.route` with its grid and subcategory).

Reading is split so a caller that ranks many cases reads the staff once
(:func:`read_staff_pool`) and the grid adjacency once (:func:`read_adjacency`), then calls
:func:`recommend_for_case` per case with them; every argument it is not given it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
from sqlalchemy import select

from models.cases.service import CaseService
from models.cases.spans import case_grids
from models.core.auth import Actor, Perm
from models.core.enums import ASSIGNABLE
from models.core.records import CaseRecord, RoutingDecision
from models.storage import audit
from models.storage.db import Database
from models.storage.schema import Case, Staff
from models.world.staff import StaffPositions, StaffService
from models.world.units import UnitService
from routing.policy import Router
from routing.recommend import Candidate, grid_adjacency, recommend

# a case in these states is still to be handled: someone may be sent (the vocabulary's set,
# under the name this module has always exported)
OPEN_STATUSES = ASSIGNABLE


@dataclass(frozen=True)
class StaffPool:
    """Every active staff member with a known position, as parallel columns."""

    ids: np.ndarray
    roles: tuple[str, ...]
    duty: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    home_grid: tuple[int | None, ...]
    unit: tuple[int | None, ...]
    department: tuple[int | None, ...]

    @classmethod
    def from_positions(cls, positions: StaffPositions,
                       departments: Mapping[int, int]) -> StaffPool:
        """The pool from :meth:`models.world.staff.StaffService.positions` (e.g. the console's
        snapshot) and each handler's department (staff id -> department id)."""
        return cls(positions.ids, positions.roles, positions.duty, positions.lon,
                   positions.lat, positions.home_grid, positions.unit,
                   tuple(departments.get(int(i)) for i in positions.ids.tolist()))


@dataclass(frozen=True)
class Recommendation:
    """Who should go for one case, and the routing decision they were ranked for."""

    decision: RoutingDecision
    candidates: tuple[Candidate, ...]


def read_staff_departments(db: Database, actor: Actor) -> dict[int, int]:
    """Staff id -> department id of every active staff member who belongs to one."""
    with audit.guarded(db, actor, Perm.STAFF_READ, "staff.list", "staff"):
        with db.read() as s:
            rows = s.execute(select(Staff.id, Staff.department_id)
                             .where(Staff.active.is_(True), Staff.department_id.is_not(None)))
            return {sid: dept for sid, dept in rows if dept is not None}  # none: the where


def read_staff_pool(db: Database, actor: Actor,
                    positions: StaffPositions | None = None) -> StaffPool:
    """The staff :func:`recommend_for_case` ranks: positions (read unless given) with
    departments (always read: a handler's department is not in the positions)."""
    positions = positions if positions is not None else StaffService(db, actor).positions()
    return StaffPool.from_positions(positions, read_staff_departments(db, actor))


def read_adjacency(db: Database, actor: Actor) -> nx.Graph:
    """The grid adjacency graph of the whole database (:func:`routing.recommend.grid_adjacency`)."""
    ids, _codes, polys = UnitService(db, actor).grid_geometries()
    return grid_adjacency(ids, polys)


def case_decision(db: Database, actor: Actor, router: Router,
                  case: CaseRecord) -> RoutingDecision:
    """Where ``case`` is handled: its assigned unit and department once dispatched, else
    the router's decision for its grid and subcategory.

    Raises
    ------
    models.core.errors.PermissionDenied
        The actor may not read cases.
    routing.errors.NotInGraph
        The case's grid or unit is not in the router's graph.
    """
    if case.assigned_unit_id is None:
        # a case marked as spanning several grids goes to their lowest common unit
        return router.route(list(case_grids(db, case.id)) or None, case.subcategory)
    with audit.guarded(db, actor, Perm.CASE_READ, "case.read", "case", case.id):
        with db.read() as s:
            dept = s.scalar(select(Case.assigned_department_id).where(Case.id == case.id))
    unit = router.graph.unit(case.assigned_unit_id)
    return RoutingDecision(unit.id, unit.code, unit.level, dept, None, router.policy.name,
                           (f"the case is with {router.graph.describe(unit.id)}",))


def recommend_for_case(db: Database, actor: Actor, case: CaseRecord, router: Router, *,
                       decision: RoutingDecision | None = None,
                       pool: StaffPool | None = None,
                       adjacency: nx.Graph | None = None,
                       workload: Mapping[int, int] | None = None,
                       limit: int = 5, purpose: str = "handle") -> Recommendation:
    """Rank staff for ``case`` at the unit, level and department it is routed to.

    Parameters
    ----------
    db, actor : Database, Actor
        Where to read from and as whom (reads staff and cases).
    case : CaseRecord
        The case; one that is closed, rejected or merged gets no candidates.
    router : Router
        Routes a case not yet dispatched (:func:`case_decision`).
    decision : RoutingDecision, optional
        Rank for this decision instead (e.g. the one about to be dispatched).
    pool, adjacency, workload : optional
        From :func:`read_staff_pool`, :func:`read_adjacency` and
        :meth:`models.cases.service.CaseService.workload_by_staff`; read when not given (pass them
        when ranking many cases).
    limit : int
        How many candidates.
    purpose : {"handle", "verify"}
        See :func:`routing.recommend.recommend`.

    Returns
    -------
    Recommendation
        The decision ranked for and the candidates, best first.
    """
    decision = decision or case_decision(db, actor, router, case)
    if case.status not in OPEN_STATUSES:
        return Recommendation(decision, ())
    pool = pool if pool is not None else read_staff_pool(db, actor)
    adjacency = adjacency if adjacency is not None else read_adjacency(db, actor)
    workload = workload if workload is not None else CaseService(db, actor).workload_by_staff()
    ranked = recommend(case.lon, case.lat, case.grid_id, decision.level,
                       staff_ids=pool.ids, roles=pool.roles, duty=pool.duty,
                       staff_lon=pool.lon, staff_lat=pool.lat, home_grid=pool.home_grid,
                       workload=workload, adjacency=adjacency, limit=limit,
                       department_id=decision.department_id,
                       staff_department=pool.department, unit_id=decision.unit_id,
                       staff_unit=pool.unit, purpose=purpose)
    return Recommendation(decision, tuple(ranked))


__all__ = ["OPEN_STATUSES", "Recommendation", "StaffPool", "case_decision", "read_adjacency",
           "read_staff_departments", "read_staff_pool", "recommend_for_case"]
