"""The routing decisions that policies make (with their reasons).

A policy (:mod:`routing.rules`) is an ordered list of rules in
``resources/routing/policy-*.json``; the first rule that matches a case (by subcategory, or
by class and category, or by class alone) names the lowest level able to handle it and who
handles it there: the department for a category (by default the case's own) or the unit's
centre itself. The case goes to the unit at that level above its grid; a case spanning several
grids goes to their lowest common unit if
that is higher; a case outside every grid goes to the district containing the point if the
caller knows it, else to the city centre.

Because rules are data, the same case can be routed again under another policy (replay
compares them). Every decision is a :class:`models.core.records.RoutingDecision` whose ``trace``
holds one English line per rule considered, e.g.::

    subcategory C04 (Missing or broken manhole cover) class A: policy default-2026 sends
        class A city management to level street (rule 4: class A -> street)
    grid 430103001001003 -> street 430103001 (坡子街街道)
    department 430103001-CG (城管执法中队) handles category city

Escalation moves exactly one level up (a deadline breach, or a handler's request with a
reason); a shift lead may also de-escalate one level down or override the unit. Closure
always returns the case to a grid worker of its grid (:meth:`Router.route_closure`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from models.core.auth import Actor, Perm, require
from models.core.catalogue import CATEGORY_CODES, Catalogue, Subcategory, load_catalogue
from models.core.errors import ValidationError
from models.core.records import RoutingDecision
from routing.errors import (
    EscalationLimitReached,
    InvalidOverride,
    NoGridWorker,
    NotInGraph,
)
from routing.graph import LEVEL_INDEX, LEVELS, EscalationGraph, dept_node, hide_unavailable
from routing.rules import CATEGORY_INDEX, Policy, Rule, load_policy

CENTRE_NAMES = {"community": "community grid station", "street": "street grid centre",
                "district": "district command centre", "city": "city smart centre"}


def _who(who: Actor | str | None, perm: Perm) -> str:
    """How a trace names the person acting; an :class:`Actor` must hold ``perm``."""
    if who is None:
        return "the system"
    if isinstance(who, Actor):
        require(who, perm)
        return f"{who.name} ({who.role.value})"
    return str(who)


def _reason(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidOverride(f"{what} needs a reason")
    return text


@dataclass(frozen=True)
class BatchRouting:
    """Where many cases go, as parallel arrays (row i is case i).

    ``levels`` index :data:`routing.graph.LEVELS`; ``department_ids`` is -1 where the
    unit's centre handles the case. The traces are not built: :meth:`Router.route` gives one
    case's decision with its reasons.
    """

    unit_ids: NDArray[np.int64]
    levels: NDArray[np.int8]
    department_ids: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.unit_ids)


class Router:
    """Routes cases over one escalation graph under one policy.

    Parameters
    ----------
    graph : EscalationGraph
    policy : Policy, optional
        Defaults to ``default-2026``.
    catalogue : Catalogue, optional
        Defaults to the newest shipped catalogue.
    unavailable : collection of int, optional
        Department ids to skip (no handler on duty; see
        :func:`routing.recommend.unavailable_departments`): they are hidden with
        :func:`routing.graph.hide_unavailable`, and another department of the same unit
        that handles the category takes the case, else the unit's centre.

    Raises
    ------
    PolicyError
        The policy leaves a subcategory of the catalogue without a rule.

    Examples
    --------
    >>> from routing.graph import DeptRow, UnitRow
    >>> units = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
    ...          UnitRow(3, "430103001", "street", 2),
    ...          UnitRow(4, "430103001001", "community", 3)]
    >>> depts = [DeptRow(5, "430103001-CG", "城管执法中队", 3, ("city",))]
    >>> router = Router(EscalationGraph(units, {10: 4}, depts,
    ...                                 grid_codes={10: "430103001001003"}))
    >>> d = router.route(10, "C05")  # damaged road surface, class B
    >>> d.unit_code, d.level, d.department_id
    ('430103001', 'street', 5)
    >>> print("\\n".join(d.trace))
    subcategory C05 (Damaged road surface) class B: policy default-2026 sends class B city
    management to level street (rule 5: class B -> street)
    grid 430103001001003 -> street 430103001
    department 430103001-CG (城管执法中队) handles category city
    """

    def __init__(self, graph: EscalationGraph, policy: Policy | None = None,
                 catalogue: Catalogue | None = None, *,
                 unavailable: Collection[int] = ()) -> None:
        self.graph = graph
        self.policy = policy or load_policy()
        self.catalogue = catalogue or load_catalogue()
        self.policy.check(self.catalogue)
        self.unavailable = frozenset(unavailable)
        self._weight = hide_unavailable(dept_node(d) for d in self.unavailable)
        self._category_names = {c.code: c.name_en.lower() for c in self.catalogue.categories}
        subs = self.catalogue.all_subcategories()
        self.subcategory_codes: tuple[str, ...] = tuple(s.code for s in subs)
        self.sub_index = {s.code: i for i, s in enumerate(subs)}
        self._rules = [self.policy.rule_for(s) for s in subs]
        # per subcategory: the policy's level, and the department category (-1: the centre)
        self.sub_level = np.array([LEVEL_INDEX[r.level] for _, r in self._rules],
                                  dtype=np.int64)
        self.sub_dept_category = np.array(
            [-1 if r.centre else CATEGORY_INDEX[r.department or s.category]
             for s, (_, r) in zip(subs, self._rules, strict=True)], dtype=np.int64)
        # per unit and category: the department that takes the case there (-1: the centre)
        self.dept_table = np.full((len(graph.unit_ids), len(CATEGORY_CODES)), -1,
                                  dtype=np.int64)
        for row, uid in enumerate(graph.unit_ids.tolist()):
            for col, cat in enumerate(CATEGORY_CODES):
                dept = graph.department_for(uid, cat, self._weight)
                if dept is not None:
                    self.dept_table[row, col] = dept.id

    def with_unavailable(self, unavailable: Collection[int]) -> Router:
        """The same router with another set of unavailable departments."""
        return Router(self.graph, self.policy, self.catalogue, unavailable=unavailable)

    # -- traces --------------------------------------------------------------------------
    def _rule_line(self, sub: Subcategory, index: int, rule: Rule) -> str:
        what = (f"subcategory {sub.code}" if rule.subcategory else
                f"class {sub.event_class} {self._category_names.get(sub.category, sub.category)}")
        return (f"subcategory {sub.code} ({sub.name_en}) class {sub.event_class}: policy "
                f"{self.policy.name} sends {what} to level {rule.level} "
                f"(rule {index + 1}: {rule.describe()})")

    def _handler(self, unit_id: int, category: str, rule: Rule | None = None
                 ) -> tuple[int | None, list[str]]:
        """The department of ``unit_id`` that takes a case, and the trace lines saying so."""
        unit = self.graph.unit(unit_id)
        centre = CENTRE_NAMES.get(unit.level, "centre")
        if rule is not None and rule.centre:
            return None, [f"the policy has the {centre} {unit.code} handle it itself, "
                          "without a department"]
        wanted = (rule.department if rule is not None and rule.department else None) or category
        lines = [f"department {d.code} ({d.name}) would handle category {wanted} but is "
                 "unavailable (no handler on duty)"
                 for d in self.graph.depts_by_unit.get(unit_id, [])
                 if d.id in self.unavailable and wanted in d.categories]
        dept = self.graph.department_for(unit_id, wanted, self._weight)
        if dept is None:
            lines.append(f"no {'available ' if lines else ''}department of {unit.level} "
                         f"{unit.code} handles category {wanted}: the {centre} handles it")
            return None, lines
        lines.append(f"department {dept.code} ({dept.name}) handles category {wanted}")
        return dept.id, lines

    def _rule_of(self, subcategory: str | None) -> Rule | None:
        if subcategory is None:
            return None
        return self._rules[self.sub_index[self.catalogue.subcategory(subcategory).code]][1]

    def _decision(self, unit_id: int, dept: int | None, trace: Iterable[str],
                  staff_id: int | None = None) -> RoutingDecision:
        unit = self.graph.unit(unit_id)
        return RoutingDecision(unit_id, unit.code, unit.level, dept, staff_id,
                               self.policy.name, tuple(trace))

    # -- decisions -----------------------------------------------------------------------
    def route(self, grid_ids: Sequence[int] | int | None, subcategory: str, *,
              district_id: int | None = None) -> RoutingDecision:
        """Where a new case goes, and why.

        Parameters
        ----------
        grid_ids : int, sequence of int or None
            The case's grid; several grids for a case that spans them; ``None`` (or empty)
            for a case outside every grid.
        subcategory : str
            The catalogue subcategory (gives class and category).
        district_id : int, optional
            For a case outside every grid: the district containing the point, if known.

        Raises
        ------
        ValidationError
            Unknown subcategory.
        NotInGraph
            A grid or the district is not in the graph.
        """
        sub = self.catalogue.subcategory(subcategory)
        index, rule = self._rules[self.sub_index[sub.code]]
        level = rule.level
        trace = [self._rule_line(sub, index, rule)]
        grids = [grid_ids] if isinstance(grid_ids, int) else list(grid_ids or [])
        if not grids:
            district = self.graph.unit(district_id) if district_id is not None else None
            if district is not None and district.level != "district":
                raise NotInGraph(f"unit {district.code} is a {district.level}, not a district")
            if district is None:
                unit_id = self.graph.city_id
                trace.append("the case lies outside every grid and no district is known to "
                             "contain it: the city smart centre takes it")
            elif LEVEL_INDEX[level] > LEVEL_INDEX["district"]:
                unit_id = self.graph.city_id
                trace.append(f"the case lies outside every grid, in district {district.code}; "
                             f"the policy's level is {level}: the city smart centre takes it")
            else:
                unit_id = district.id
                trace.append(f"the case lies outside every grid: it goes to district "
                             f"{district.code}{f' ({district.name})' if district.name else ''}"
                             ", which contains it")
        else:
            unit_id = self.graph.unit_at(grids[0], level)
            trace.append(f"grid {self.graph.grid_code(grids[0])} -> {self.graph.describe(unit_id)}")
            if len(grids) > 1:
                common = self.graph.lowest_common_unit(grids)
                common_level = self.graph.units[common].level
                if LEVEL_INDEX[common_level] > LEVEL_INDEX[level]:
                    trace.append(f"the case spans {len(grids)} grids whose lowest common unit "
                                 f"is {self.graph.describe(common)}: it goes there")
                    unit_id = common
                else:
                    trace.append(f"the case spans {len(grids)} grids, all within "
                                 f"{self.graph.describe(unit_id)}")
        dept, lines = self._handler(unit_id, sub.category, rule)
        return self._decision(unit_id, dept, (*trace, *lines))

    def escalate(self, decision: RoutingDecision, reason: str, category: str, *,
                 who: Actor | str | None = None, subcategory: str | None = None
                 ) -> RoutingDecision:
        """One level up from ``decision``: on a deadline breach, or at a handler's request.

        Parameters
        ----------
        decision : RoutingDecision
            Where the case is now.
        reason : str
            Why (required): "deadline breached", the handler's words ...
        category : str
            The case's category (picks the department one level up).
        who : Actor or str, optional
            Who escalates (an :class:`Actor` needs ``case.escalate``); default the system.
        subcategory : str, optional
            The case's subcategory, so a rule naming another department category (or the
            centre) applies one level up as well.

        Raises
        ------
        EscalationLimitReached
            The case is at the city centre already.
        InvalidOverride
            No reason given.
        PermissionDenied
            ``who`` may not escalate.
        """
        text = _reason(reason, "an escalation")
        by = _who(who, Perm.CASE_ESCALATE)
        parent = self.graph.parent(decision.unit_id)
        if parent is None:
            raise EscalationLimitReached(f"{decision.unit_code} is the city centre: there is no "
                                         "level above", direction="up")
        dept, lines = self._handler(parent, category, self._rule_of(subcategory))
        return self._decision(parent, dept, (
            *decision.trace, f"escalated from {decision.level} {decision.unit_code} to "
                             f"{self.graph.describe(parent)} by {by}: {text}", *lines))

    def deescalate(self, decision: RoutingDecision, grid_id: int | None, category: str,
                   reason: str, *, who: Actor | str | None = None,
                   subcategory: str | None = None) -> RoutingDecision:
        """One level down from ``decision``, towards the case's grid (a shift lead's call).

        Raises
        ------
        EscalationLimitReached
            The case is at its community already, or lies outside every grid and is at its
            district (there is no unit below to choose).
        InvalidOverride
            No reason given.
        PermissionDenied
            ``who`` may not override routing (``case.override``).
        """
        text = _reason(reason, "a de-escalation")
        by = _who(who, Perm.CASE_OVERRIDE)
        current = self.graph.unit(decision.unit_id)
        index = LEVEL_INDEX[current.level]
        if index == 0:
            raise EscalationLimitReached(f"{current.code} is a community: there is no level "
                                         "below", direction="down")
        if grid_id is None:
            raise EscalationLimitReached(f"the case lies outside every grid: there is no unit "
                                         f"below {current.level} {current.code} to send it to",
                                         direction="down")
        chain = self.graph.chain(grid_id)
        below = chain[index - 1]
        note = [] if chain[index] == current.id else [
            f"{current.level} {current.code} is not above grid "
            f"{self.graph.grid_code(grid_id)}: going down that grid's chain"]
        dept, lines = self._handler(below, category, self._rule_of(subcategory))
        return self._decision(below, dept, (
            *decision.trace, *note, f"de-escalated from {current.level} {current.code} to "
                                    f"{self.graph.describe(below)} by {by}: {text}", *lines))

    def override(self, unit_id: int, category: str, who: Actor | str, reason: str, *,
                 department_id: int | None = None, staff_id: int | None = None,
                 previous: RoutingDecision | None = None) -> RoutingDecision:
        """A shift lead's choice of unit (and optionally department and staff), recorded as
        such; the previous decision's trace is kept above it when given.

        Raises
        ------
        InvalidOverride
            No reason, or the department belongs to another unit.
        NotInGraph
            Unknown unit or department.
        PermissionDenied
            ``who`` is an :class:`Actor` who may not override routing.
        """
        text = _reason(reason, "an override")
        by = _who(who, Perm.CASE_OVERRIDE)
        unit = self.graph.unit(unit_id)
        head = f"override by {by}: {self.graph.describe(unit_id)} ({text})"
        if department_id is None:
            dept, lines = self._handler(unit_id, category)
        else:
            chosen = self.graph.departments.get(department_id)
            if chosen is None:
                raise NotInGraph(f"department {department_id} is not in the escalation graph")
            if chosen.unit_id != unit_id:
                raise InvalidOverride(f"department {chosen.code} belongs to "
                                      f"{self.graph.describe(chosen.unit_id)}, not to "
                                      f"{unit.level} {unit.code}")
            dept, lines = chosen.id, [f"department {chosen.code} ({chosen.name}) chosen by "
                                      f"{by}"]
        return self._decision(unit_id, dept, (*(previous.trace if previous else ()), head,
                                              *lines), staff_id)

    def route_closure(self, grid_id: int, grid_staff: Iterable[tuple[int, str, str]]
                      ) -> RoutingDecision:
        """Closure returns the case to a grid worker of its grid, who verifies on site.

        Parameters
        ----------
        grid_id : int
        grid_staff : iterable of (staff id, role, duty status)
            The staff whose home grid is ``grid_id``.

        Raises
        ------
        NoGridWorker
            The grid has no supervisor, manager or assistant who is not on leave.
        """
        staff = list(grid_staff)
        community = self.graph.unit_at(grid_id, "community")
        code = self.graph.grid_code(grid_id)
        sid = verifier_for(staff)
        if sid is None:
            raise NoGridWorker(f"grid {code} has no supervisor, manager or assistant to "
                               "verify the case (all absent or on leave)", grid=grid_id)
        role, duty = next((r, d) for s, r, d in staff if s == sid)
        return self._decision(community, None, (
            f"closure: the case returns to grid {code} for verification on site",
            f"grid {code} -> {self.graph.describe(community)}",
            f"grid worker {sid} ({role}, {duty.replace('_', ' ')}) verifies: the on-duty "
            "manager first, else the assistant, else the supervisor"), sid)

    # -- many cases at once --------------------------------------------------------------
    def encode_subcategories(self, codes: Sequence[str] | ArrayLike) -> NDArray[np.int64]:
        """Subcategory codes as indices into :attr:`subcategory_codes` (integer input is
        checked and passed through).

        Raises
        ------
        ValidationError
            A code is not in the catalogue.
        """
        arr = np.asarray(codes)
        if arr.dtype.kind in "iu":
            out = arr.astype(np.int64, copy=False)
            if out.size and (np.min(out) < 0 or np.max(out) >= len(self.subcategory_codes)):
                raise ValidationError("subcategory index out of range")
            return out
        index = self.sub_index
        out = np.array([index.get(c, -1) for c in arr.tolist()], dtype=np.int64)
        if (out < 0).any():
            bad = sorted({str(c) for c, i in zip(arr.tolist(), out.tolist(), strict=True)
                          if i < 0})
            raise ValidationError(f"unknown subcategories in catalogue {self.catalogue.version}"
                                  f": {', '.join(bad[:10])}", field="subcategory")
        return out

    def route_batch(self, grid_ids: ArrayLike, subcategories: Sequence[str] | ArrayLike, *,
                    district_ids: ArrayLike | None = None) -> BatchRouting:
        """Route many new cases at once with the precomputed chains and lookup tables; the
        same answers as :meth:`route` for single-grid cases, without the traces.

        Parameters
        ----------
        grid_ids : array of int
            Each case's grid id; -1 for a case outside every grid.
        subcategories : sequence of str, or array of int
            Codes, or indices into :attr:`subcategory_codes` (faster: no dict lookups).
        district_ids : array of int, optional
            For cases outside every grid, the district containing them (-1 unknown).

        Raises
        ------
        NotInGraph
            A grid id is not in the graph.
        ValidationError
            An unknown subcategory.
        """
        g = self.graph
        grid = np.asarray(grid_ids, dtype=np.int64)
        sub = self.encode_subcategories(subcategories)
        if grid.shape != sub.shape:
            raise ValidationError(f"{grid.size} grid ids but {sub.size} subcategories")
        level = self.sub_level[sub]
        inside = grid >= 0
        rows = np.full(grid.shape, -1, dtype=np.int64)
        known = inside & (grid < len(g.grid_lookup))
        rows[known] = g.grid_lookup[grid[known]]
        if (inside & (rows < 0)).any():
            bad = np.unique(grid[inside & (rows < 0)])[:10].tolist()
            raise NotInGraph(f"grids not in the escalation graph: {bad}")
        if inside.all():
            units = g.chain_matrix[rows, level]
        else:
            units = np.full(grid.shape, g.city_id, dtype=np.int64)
            units[inside] = g.chain_matrix[rows[inside], level[inside]]
            if district_ids is not None:
                district = np.asarray(district_ids, dtype=np.int64)
                to_district = (~inside) & (district >= 0) & (level <= LEVEL_INDEX["district"])
                units[to_district] = district[to_district]
        unit_rows = g.unit_lookup[units]
        cat = self.sub_dept_category[sub]
        depts = np.where(cat >= 0, self.dept_table[unit_rows, np.maximum(cat, 0)], -1)
        return BatchRouting(units, g.unit_level[unit_rows], depts)


def verifier_for(grid_staff: Iterable[tuple[int, str, str]]) -> int | None:
    """The grid worker who verifies a closed case on site, given (staff id, role, duty
    status) of the grid's staff: on duty before busy before off duty, and within each the
    manager, else the assistant, else the supervisor. Staff on leave and volunteers are
    never chosen; ``None`` when nobody is left.

    >>> verifier_for([(1, "supervisor", "on_duty"), (2, "manager", "off_duty"),
    ...               (3, "assistant", "on_duty")])
    3
    >>> verifier_for([(1, "manager", "leave"), (2, "volunteer", "on_duty")]) is None
    True
    """
    role_rank = {"manager": 0, "assistant": 1, "supervisor": 2}
    duty_rank = {"on_duty": 0, "busy": 1, "off_duty": 2}
    ranked = [(duty_rank[duty], role_rank[role], sid) for sid, role, duty in grid_staff
              if role in role_rank and duty in duty_rank]
    return min(ranked)[2] if ranked else None


__all__ = ["CENTRE_NAMES", "LEVELS", "BatchRouting", "Router", "verifier_for"]
