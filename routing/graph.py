"""The four-level escalation chain as a typed layer over a networkx directed graph.

Nodes are ``("grid", id)``, ``("unit", id)`` and ``("dept", id)``, each with ``kind``,
``level`` and ``code`` attributes. Edges carry ``kind``:

* ``escalate``: grid -> community -> street -> district -> city (one parent each);
* ``dispatch``: a unit -> its child units and its departments;
* ``transfer``: between departments of one unit;
* ``return``: a community -> its grids (closure goes back to the grid worker).

The graph is validated on load (:meth:`EscalationGraph.validate`) and the chain of every
grid is precomputed, so routing is dict and array lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from routing.errors import CyclicEscalation, MultipleParents, NoEscalationPath

LEVELS = ("community", "street", "district", "city")
LEVEL_INDEX = {level: i for i, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    level: str
    parent_id: int | None


@dataclass(frozen=True)
class DeptRow:
    id: int
    code: str
    name: str
    unit_id: int
    categories: tuple[str, ...]


class EscalationGraph:
    """The escalation chain of one city.

    Examples
    --------
    >>> units = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
    ...          UnitRow(3, "430103001", "street", 2), UnitRow(4, "430103001001", "community", 3)]
    >>> g = EscalationGraph(units, grids={10: 4}, departments=[])
    >>> g.chain(10)
    (4, 3, 2, 1)
    >>> g.parent(3), g.parent(1)
    (2, None)
    """

    def __init__(self, units: Iterable[UnitRow], grids: dict[int, int],
                 departments: Iterable[DeptRow]) -> None:
        self.units = {u.id: u for u in units}
        self.grid_community = dict(grids)
        self.departments = {d.id: d for d in departments}
        self.graph = nx.DiGraph()
        for u in self.units.values():
            self.graph.add_node(("unit", u.id), kind="unit", level=u.level, code=u.code)
        for gid, cid in self.grid_community.items():
            self.graph.add_node(("grid", gid), kind="grid", level="grid", code=str(gid))
            self.graph.add_edge(("grid", gid), ("unit", cid), kind="escalate")
            self.graph.add_edge(("unit", cid), ("grid", gid), kind="return")
        for u in self.units.values():
            if u.parent_id is not None:
                self.graph.add_edge(("unit", u.id), ("unit", u.parent_id), kind="escalate")
                self.graph.add_edge(("unit", u.parent_id), ("unit", u.id), kind="dispatch")
        by_unit: dict[int, list[DeptRow]] = {}
        for d in self.departments.values():
            self.graph.add_node(("dept", d.id), kind="dept", level=self.units[d.unit_id].level,
                                code=d.code)
            self.graph.add_edge(("unit", d.unit_id), ("dept", d.id), kind="dispatch")
            by_unit.setdefault(d.unit_id, []).append(d)
        for depts in by_unit.values():
            for a in depts:
                for b in depts:
                    if a.id != b.id:
                        self.graph.add_edge(("dept", a.id), ("dept", b.id), kind="transfer")
        self.depts_by_unit = by_unit
        self.validate()
        self._chains = {gid: self._walk(cid) for gid, cid in self.grid_community.items()}
        # the same chains as an array, for batch routing: row = grid index
        self.grid_ids = np.array(sorted(self._chains), dtype=np.int64)
        self.grid_row = {gid: i for i, gid in enumerate(self.grid_ids.tolist())}
        self.chain_matrix = np.array([self._chains[g] for g in self.grid_ids.tolist()],
                                     dtype=np.int64).reshape(-1, len(LEVELS))

    @classmethod
    def from_db(cls, db, actor=None) -> "EscalationGraph":  # noqa: ANN001
        """Build from the units, grids and departments stored in ``db``."""
        from sqlalchemy import select

        from models import audit
        from models.auth import Actor, Perm
        from models.schema import AdminUnit, Department, Grid

        actor = actor or Actor.system("routing")
        with audit.guarded(db, actor, Perm.GRID_READ, "routing.graph", "unit"):
            with db.read() as s:
                units = [UnitRow(i, c, lv.value, p) for i, c, lv, p in s.execute(
                    select(AdminUnit.id, AdminUnit.code, AdminUnit.level, AdminUnit.parent_id))]
                grids = dict(s.execute(select(Grid.id, Grid.community_id)).all())
                depts = [DeptRow(i, c, n, u, tuple(cats or ())) for i, c, n, u, cats in s.execute(
                    select(Department.id, Department.code, Department.name, Department.unit_id,
                           Department.categories))]
        return cls(units, grids, depts)

    # -- validation ----------------------------------------------------------------------
    def escalation_view(self) -> nx.DiGraph:
        return nx.subgraph_view(self.graph,
                                filter_edge=lambda a, b: self.graph[a][b]["kind"] == "escalate")

    def validate(self) -> None:
        """Raise a specific error unless escalation is a tree rooted at the city."""
        up = self.escalation_view()
        if not nx.is_directed_acyclic_graph(up):
            cycle = nx.find_cycle(up)
            raise CyclicEscalation("escalation edges form a cycle: " + " -> ".join(
                self.graph.nodes[a]["code"] for a, _ in cycle))
        for node in up.nodes:
            parents = list(up.successors(node))
            if len(parents) > 1:
                raise MultipleParents(f"{self.graph.nodes[node]['code']} escalates to "
                                      f"{len(parents)} units: " + ", ".join(
                                          self.graph.nodes[p]['code'] for p in parents))
        for u in self.units.values():
            if u.level not in LEVEL_INDEX:
                raise NoEscalationPath(f"unit {u.code} has an unknown level {u.level!r}")
            if u.parent_id is None and u.level != "city":
                raise NoEscalationPath(f"{u.level} {u.code} has no parent: it does not reach "
                                       "the city")
            if u.parent_id is not None and u.parent_id not in self.units:
                raise NoEscalationPath(f"{u.code}'s parent {u.parent_id} does not exist")
        for gid, cid in self.grid_community.items():
            if cid not in self.units or self.units[cid].level != "community":
                raise NoEscalationPath(f"grid {gid} does not belong to a community")

    def _walk(self, community_id: int) -> tuple[int, ...]:
        chain = [community_id]
        while (parent := self.units[chain[-1]].parent_id) is not None:
            chain.append(parent)
        levels = [self.units[u].level for u in chain]
        if levels != list(LEVELS):
            raise NoEscalationPath(f"the chain above community {self.units[community_id].code} "
                                   f"is {' -> '.join(levels)}, not community -> street -> "
                                   "district -> city")
        return tuple(chain)

    # -- lookups -------------------------------------------------------------------------
    def chain(self, grid_id: int) -> tuple[int, ...]:
        """Unit ids (community, street, district, city) above a grid."""
        try:
            return self._chains[grid_id]
        except KeyError:
            raise NoEscalationPath(f"grid {grid_id} is not in the escalation graph") from None

    def parent(self, unit_id: int) -> int | None:
        return self.units[unit_id].parent_id

    def unit_at(self, grid_id: int, level: str) -> int:
        return self.chain(grid_id)[LEVEL_INDEX[level]]

    def lowest_common_unit(self, grid_ids: Iterable[int]) -> int:
        """The lowest unit above all ``grid_ids`` (for a case that spans several grids)."""
        chains = [self.chain(g) for g in grid_ids]
        if not chains:
            raise NoEscalationPath("no grid given")
        for level in range(len(LEVELS)):
            if len({c[level] for c in chains}) == 1:
                return chains[0][level]
        raise NoEscalationPath("the grids do not share a city")

    def path(self, source, target, weight: Callable | None = None) -> list:  # noqa: ANN001
        """A path between two nodes; ``weight`` may hide edges by returning None (an
        unavailable department), as networkx's weight functions do."""
        try:
            return nx.shortest_path(self.graph, source, target, weight=weight)
        except nx.NetworkXNoPath:
            raise NoEscalationPath(f"no path from {source} to {target}") from None
