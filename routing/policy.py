"""Routing policies as data, and the routing decisions they make (with their reasons).

A policy is an ordered list of rules in ``resources/routing/policy-*.json``; the first rule
whose class and category match a case names the level that handles it. The case goes to the
unit at that level above its grid (or, for a case spanning several grids, to the lowest
unit above all of them if that is higher), and to the unit's department for the category.
Every decision carries a trace: one line per rule considered.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from models.catalogue import Catalogue, load_catalogue
from models.records import RoutingDecision
from routing.errors import NoEscalationPath, PolicyError
from routing.graph import LEVEL_INDEX, LEVELS, EscalationGraph


@dataclass(frozen=True)
class Rule:
    level: str
    event_class: str | None = None
    category: str | None = None

    def matches(self, event_class: str, category: str) -> bool:
        return (self.event_class in (None, event_class)
                and self.category in (None, category))

    def describe(self) -> str:
        what = " ".join(x for x in (f"class {self.event_class}" if self.event_class else "",
                                    self.category or "") if x) or "any case"
        return f"{what} -> {self.level}"


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]

    def level_for(self, event_class: str, category: str) -> tuple[str, list[str]]:
        trace = []
        for rule in self.rules:
            if rule.matches(event_class, category):
                trace.append(f"policy {self.name}: rule '{rule.describe()}' matches class "
                             f"{event_class} {category}")
                return rule.level, trace
        raise PolicyError(f"policy {self.name} has no rule for class {event_class} {category}")


def parse_policy(doc: dict) -> Policy:
    try:
        rules = tuple(Rule(r["level"], r.get("class"), r.get("category")) for r in doc["rules"])
        name = str(doc["policy"])
    except (KeyError, TypeError) as exc:
        raise PolicyError(f"malformed routing policy: {exc!r}") from None
    for r in rules:
        if r.level not in LEVEL_INDEX:
            raise PolicyError(f"policy {name}: unknown level {r.level!r}")
    return Policy(name, rules)


@functools.cache
def load_policy(name: str = "default-2026") -> Policy:
    path = resources.files("resources") / "routing" / f"policy-{name}.json"
    if not path.is_file():
        raise PolicyError(f"no routing policy {name!r}")
    return parse_policy(json.loads(path.read_text(encoding="utf-8")))


class Router:
    """Routes cases over one escalation graph under one policy."""

    def __init__(self, graph: EscalationGraph, policy: Policy | None = None,
                 catalogue: Catalogue | None = None) -> None:
        self.graph = graph
        self.policy = policy or load_policy()
        self.catalogue = catalogue or load_catalogue()
        subs = self.catalogue.all_subcategories()
        self.sub_index = {s.code: i for i, s in enumerate(subs)}
        # the level of every subcategory under this policy, for batch routing
        self.sub_level = np.array([LEVEL_INDEX[self.policy.level_for(s.event_class,
                                                                     s.category)[0]]
                                   for s in subs], dtype=np.int64)

    def _department(self, unit_id: int, category: str) -> tuple[int | None, str]:
        for d in self.graph.depts_by_unit.get(unit_id, []):
            if category in d.categories:
                return d.id, f"department {d.code} ({d.name}) handles {category}"
        return None, f"no department of unit {self.graph.units[unit_id].code} lists " \
                     f"{category}: the unit's grid centre handles it"

    def route(self, grid_ids: list[int] | int | None, subcategory: str) -> RoutingDecision:
        """Where a new case goes, and why."""
        sub = self.catalogue.subcategory(subcategory)
        level, trace = self.policy.level_for(sub.event_class, sub.category)
        trace.insert(0, f"subcategory {sub.code} ({sub.name_en}) is class {sub.event_class}, "
                        f"category {sub.category}")
        grids = [grid_ids] if isinstance(grid_ids, int) else list(grid_ids or [])
        if not grids:
            city = next(u for u in self.graph.units.values() if u.level == "city")
            trace.append("the location lies outside every grid: the city centre takes it")
            unit_id = city.id
            level = "city"
        else:
            unit_id = self.graph.unit_at(grids[0], level)
            trace.append(f"grid {grids[0]} -> {level} {self.graph.units[unit_id].code}")
            if len(grids) > 1:
                common = self.graph.lowest_common_unit(grids)
                common_level = self.graph.units[common].level
                if LEVEL_INDEX[common_level] > LEVEL_INDEX[level]:
                    trace.append(f"the case spans {len(grids)} grids whose lowest common unit "
                                 f"is {common_level} {self.graph.units[common].code}")
                    unit_id, level = common, common_level
                else:
                    trace.append(f"the case spans {len(grids)} grids, all within "
                                 f"{level} {self.graph.units[unit_id].code}")
        dept, why = self._department(unit_id, sub.category)
        trace.append(why)
        return RoutingDecision(unit_id, self.graph.units[unit_id].code, level, dept, None,
                               self.policy.name, tuple(trace))

    def escalate(self, decision: RoutingDecision, reason: str, category: str
                 ) -> RoutingDecision:
        """One level up from ``decision`` (a deadline breach or a handler's request)."""
        parent = self.graph.parent(decision.unit_id)
        if parent is None:
            raise NoEscalationPath(f"{decision.unit_code} is the city centre: there is no "
                                   "level above")
        unit = self.graph.units[parent]
        dept, why = self._department(parent, category)
        trace = (*decision.trace, f"escalated from {decision.level} {decision.unit_code} to "
                                  f"{unit.level} {unit.code}: {reason}", why)
        return RoutingDecision(parent, unit.code, unit.level, dept, None, self.policy.name,
                               trace)

    def override(self, unit_id: int, category: str, who: str, reason: str
                 ) -> RoutingDecision:
        """A shift lead's choice of unit, recorded as such."""
        unit = self.graph.units[unit_id]
        dept, why = self._department(unit_id, category)
        return RoutingDecision(unit_id, unit.code, unit.level, dept, None, self.policy.name,
                               (f"override by {who}: {unit.level} {unit.code} ({reason})", why))

    def route_batch(self, grid_rows: np.ndarray, sub_rows: np.ndarray) -> np.ndarray:
        """Unit ids for many cases at once: grid rows of ``graph.chain_matrix`` and indices
        into the catalogue's subcategories (see :attr:`sub_index`)."""
        return self.graph.chain_matrix[grid_rows, self.sub_level[sub_rows]]


def verifier_for(grid_staff: list[tuple[int, str, str]]) -> int | None:
    """The grid worker who verifies a closed case on site: the on-duty manager, else the
    assistant, else the supervisor (given (staff id, role, duty status) of the grid).

    >>> verifier_for([(1, "supervisor", "on_duty"), (2, "manager", "off_duty"),
    ...               (3, "assistant", "on_duty")])
    3
    """
    order = {"manager": 0, "assistant": 1, "supervisor": 2}
    on = [(order[r], sid) for sid, r, duty in grid_staff
          if r in order and duty in ("on_duty", "busy")]
    if on:
        return min(on)[1]
    anyone = [(order[r], sid) for sid, r, _ in grid_staff if r in order]
    return min(anyone)[1] if anyone else None


__all__ = ["Policy", "Router", "Rule", "load_policy", "parse_policy", "verifier_for", "LEVELS"]


def escalate_overdue(db, router: Router, now=None) -> list[int]:  # noqa: ANN001
    """Escalate every dispatched or handling case past its step deadline one level up
    (the deadline-breach rule), as the system. Returns the ids escalated.

    Cases already at the city centre stay where they are (there is no level above).
    """
    import datetime as dt

    from sqlalchemy import select

    from models.auth import Actor
    from models.errors import CityGridError
    from models.loop import CaseLoop
    from models.records import RoutingDecision
    from models.schema import Case, CaseStatus

    now = now or dt.datetime.now(dt.UTC)
    with db.read() as s:
        rows = s.execute(select(Case.id, Case.assigned_unit_id, Case.category, Case.level)
                         .where(Case.status.in_([CaseStatus.DISPATCHED, CaseStatus.HANDLING]),
                                Case.step_deadline < now, Case.assigned_unit_id.is_not(None),
                                Case.level != "city")).all()
    loop = CaseLoop(db, Actor.system("deadline-watch"), now=lambda: now)
    done = []
    for case_id, unit_id, category, level in rows:
        unit = router.graph.units.get(unit_id)
        if unit is None:
            continue
        current = RoutingDecision(unit_id, unit.code, unit.level, None, None,
                                  router.policy.name, ())
        try:
            up = router.escalate(current, "deadline breached", category)
            loop.escalate(case_id, up, "deadline breached: escalated one level up")
            done.append(case_id)
        except CityGridError:
            continue  # changed meanwhile, or nowhere to go: the board shows it
    return done
