"""The four-level escalation chain as a typed layer over a networkx directed graph.

Nodes are ``("grid", id)``, ``("unit", id)`` and ``("dept", id)`` (see :func:`grid_node`,
:func:`unit_node`, :func:`dept_node`), each with ``kind``, ``level``, ``code`` and ``name``
attributes; a grid's level is ``"grid"``, a department's is its unit's. Edges carry
``kind``:

* ``escalate``: grid -> community -> street -> district -> city (exactly one parent each);
* ``dispatch``: a unit -> its child units and its departments;
* ``transfer``: between departments of one unit;
* ``return``: a community -> its grids (closure goes back to the grid worker to verify).

The graph is validated on load (:meth:`EscalationGraph.validate`): escalation edges are
acyclic, every unit and grid has exactly one parent exactly one level up, and so every grid
reaches the one city. The chain of every grid is then precomputed, as a dict
(:attr:`EscalationGraph.chains`) and as an array for batch routing, so routing is dict and
array lookups rather than graph searches (about a hundred times faster than
``nx.shortest_path``; see ``benchmarks/routing.py``).

Availability is a networkx weight function that hides edges (:func:`hide_unavailable`): an
off-duty department is skipped exactly as ``nx.shortest_path`` skips an edge whose weight
is ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from routing.errors import (
    CyclicEscalation,
    LevelMismatch,
    MultipleParents,
    NoEscalationPath,
    NotInGraph,
)

LEVELS = ("community", "street", "district", "city")
LEVEL_INDEX = {level: i for i, level in enumerate(LEVELS)}
EDGE_KINDS = ("escalate", "dispatch", "transfer", "return")

Node = tuple[str, int]
WeightFunction = Callable[[Hashable, Hashable, dict], float | None]


@dataclass(frozen=True)
class UnitRow:
    """One administrative unit as the graph needs it."""

    id: int
    code: str
    level: str
    parent_id: int | None
    name: str = ""


@dataclass(frozen=True)
class DeptRow:
    """One functional department: the unit it belongs to and the categories it handles."""

    id: int
    code: str
    name: str
    unit_id: int
    categories: tuple[str, ...]


def grid_node(grid_id: int) -> Node:
    """The graph node of a grid.

    >>> grid_node(7)
    ('grid', 7)
    """
    return ("grid", grid_id)


def unit_node(unit_id: int) -> Node:
    """The graph node of an administrative unit (its grid or command centre)."""
    return ("unit", unit_id)


def dept_node(dept_id: int) -> Node:
    """The graph node of a department."""
    return ("dept", dept_id)


def hide_unavailable(unavailable: Iterable[Hashable] = (), *,
                     kinds: Collection[str] | None = None) -> WeightFunction:
    """A networkx weight function that hides every edge into or out of an unavailable node
    and, when ``kinds`` is given, every edge of another kind.

    networkx treats an edge whose weight function returns ``None`` as absent, so the same
    function serves ``nx.shortest_path``, :meth:`EscalationGraph.path` and
    :meth:`EscalationGraph.department_for`.

    Parameters
    ----------
    unavailable : iterable of nodes
        Nodes to hide, e.g. ``dept_node(d)`` for a department with no handler on duty.
    kinds : collection of str, optional
        Edge kinds that stay visible (default: all of :data:`EDGE_KINDS`).

    Examples
    --------
    A street with two departments that both handle city management; the squad is off duty:

    >>> g = nx.DiGraph()
    >>> g.add_edge(unit_node(1), dept_node(10), kind="dispatch")
    >>> g.add_edge(unit_node(1), dept_node(11), kind="dispatch")
    >>> g.add_edge(dept_node(10), dept_node(11), kind="transfer")
    >>> off_duty = hide_unavailable([dept_node(10)])
    >>> nx.shortest_path(g, unit_node(1), dept_node(11), weight=off_duty)
    [('unit', 1), ('dept', 11)]
    >>> nx.has_path(g, unit_node(1), dept_node(10))
    True
    >>> nx.shortest_path(g, unit_node(1), dept_node(10), weight=off_duty)
    Traceback (most recent call last):
    ...
    networkx.exception.NetworkXNoPath: No path between ('unit', 1) and ('dept', 10).
    """
    hidden = frozenset(unavailable)
    visible = frozenset(kinds) if kinds is not None else None

    def weight(u: Hashable, v: Hashable, data: dict) -> float | None:
        if u in hidden or v in hidden:
            return None
        if visible is not None and data.get("kind") not in visible:
            return None
        return 1.0

    return weight


class EscalationGraph:
    """The escalation chain of one city, validated, with every grid's chain precomputed.

    Parameters
    ----------
    units : iterable of UnitRow
        Every administrative unit: one city, its districts, streets and communities.
    grids : mapping of int to int
        Grid id -> id of its community.
    departments : iterable of DeptRow
        The functional departments of the units.
    grid_codes : mapping of int to str, optional
        Grid id -> 15-digit code, for node labels and rule traces.

    Raises
    ------
    CyclicEscalation
        Escalation edges form a cycle.
    MultipleParents
        A unit is listed twice with different parents, or escalates to two units.
    LevelMismatch
        A unit has an unknown level, or its parent is not exactly one level up.
    NoEscalationPath
        A unit or grid does not reach the city (no parent, a parent that does not exist, a
        grid outside every community, a department of a unit that does not exist), or the
        graph has no city or more than one.

    Examples
    --------
    >>> units = [UnitRow(1, "430100", "city", None), UnitRow(2, "430103", "district", 1),
    ...          UnitRow(3, "430103001", "street", 2), UnitRow(4, "430103001001", "community", 3)]
    >>> g = EscalationGraph(units, grids={10: 4}, departments=[])
    >>> g.chain(10)
    (4, 3, 2, 1)
    >>> g.chains[10]
    (10, 4, 3, 2, 1)
    >>> g.parent(3), g.parent(1)
    (2, None)
    >>> g.graph.nodes[unit_node(3)]["level"], g.graph.nodes[grid_node(10)]["kind"]
    ('street', 'grid')

    A community filed directly under the district is refused, with the reason:

    >>> EscalationGraph(units + [UnitRow(5, "430103000001", "community", 2)], {}, [])
    Traceback (most recent call last):
    ...
    routing.errors.LevelMismatch: community 430103000001 escalates to district 430103, \
skipping a level: community -> district (the chain must run community -> street -> \
district -> city)
    """

    def __init__(self, units: Iterable[UnitRow], grids: Mapping[int, int],
                 departments: Iterable[DeptRow], *,
                 grid_codes: Mapping[int, str] | None = None) -> None:
        self.units: dict[int, UnitRow] = {}
        twice: list[tuple[UnitRow, UnitRow]] = []
        for u in units:
            seen = self.units.get(u.id)
            if seen is not None and seen.parent_id != u.parent_id:
                twice.append((seen, u))
            self.units.setdefault(u.id, u)
        if twice:
            a, b = twice[0]
            raise MultipleParents(
                f"{a.level} {a.code} is listed with two parents: "
                f"{self._unit_text(a.parent_id)} and {self._unit_text(b.parent_id)}",
                unit=a.code)
        self.grid_community = dict(grids)
        self.grid_codes = dict(grid_codes or {})
        self.departments = {d.id: d for d in departments}
        self._check_references()
        self.graph = nx.DiGraph()
        for u in self.units.values():
            self.graph.add_node(unit_node(u.id), kind="unit", level=u.level, code=u.code,
                                name=u.name)
        for gid, cid in self.grid_community.items():
            self.graph.add_node(grid_node(gid), kind="grid", level="grid",
                                code=self.grid_codes.get(gid, str(gid)), name="")
            self.graph.add_edge(grid_node(gid), unit_node(cid), kind="escalate")
            self.graph.add_edge(unit_node(cid), grid_node(gid), kind="return")
        for u in self.units.values():
            if u.parent_id is not None:
                self.graph.add_edge(unit_node(u.id), unit_node(u.parent_id), kind="escalate")
                self.graph.add_edge(unit_node(u.parent_id), unit_node(u.id), kind="dispatch")
        by_unit: dict[int, list[DeptRow]] = {}
        for d in self.departments.values():
            self.graph.add_node(dept_node(d.id), kind="dept",
                                level=self.units[d.unit_id].level, code=d.code, name=d.name,
                                unit_id=d.unit_id, categories=tuple(d.categories))
            self.graph.add_edge(unit_node(d.unit_id), dept_node(d.id), kind="dispatch")
            by_unit.setdefault(d.unit_id, []).append(d)
        for depts in by_unit.values():
            for one in depts:
                for other in depts:
                    if one.id != other.id:
                        self.graph.add_edge(dept_node(one.id), dept_node(other.id),
                                            kind="transfer")
        self.depts_by_unit = by_unit
        self.validate()
        self.city_id = next(u.id for u in self.units.values() if u.level == "city")
        self._chains = {gid: self._walk(cid) for gid, cid in self.grid_community.items()}
        #: grid id -> (grid, community, street, district, city): the whole chain, one lookup
        self.chains: dict[int, tuple[int, int, int, int, int]] = {
            gid: (gid, *chain) for gid, chain in self._chains.items()}
        self._build_arrays()

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_db(cls, db, actor=None) -> EscalationGraph:  # noqa: ANN001
        """Build from the units, grids and departments stored in ``db`` (one short read).

        Parameters
        ----------
        db : models.storage.db.Database
        actor : models.core.auth.Actor, optional
            Who reads (needs ``grid.read``); by default the system.
        """
        from sqlalchemy import select

        from models.core.auth import Actor, Perm
        from models.storage import audit
        from models.storage.schema import AdminUnit, Department, Grid

        actor = actor or Actor.system("routing")
        with audit.guarded(db, actor, Perm.GRID_READ, "routing.graph", "unit"):
            with db.read() as s:
                units = [UnitRow(i, c, lv.value, p, n) for i, c, lv, p, n in s.execute(
                    select(AdminUnit.id, AdminUnit.code, AdminUnit.level, AdminUnit.parent_id,
                           AdminUnit.name))]
                grid_rows = s.execute(select(Grid.id, Grid.community_id, Grid.code)).all()
                depts = [DeptRow(i, c, n, u, tuple(cats or ())) for i, c, n, u, cats in s.execute(
                    select(Department.id, Department.code, Department.name, Department.unit_id,
                           Department.categories))]
        return cls(units, {g: c for g, c, _ in grid_rows}, depts,
                   grid_codes={g: code for g, _, code in grid_rows})

    def _unit_text(self, unit_id: int | None) -> str:
        u = self.units.get(unit_id) if unit_id is not None else None
        return f"{u.level} {u.code}" if u else f"unit {unit_id}"

    def _check_references(self) -> None:
        """Every parent, community and department unit named must exist."""
        for u in self.units.values():
            if u.parent_id == u.id:
                raise CyclicEscalation(f"escalation edges form a cycle: {u.level} {u.code} is "
                                       "its own parent", cycle=[u.code, u.code])
            if u.parent_id is not None and u.parent_id not in self.units:
                raise NoEscalationPath(f"{u.level} {u.code}'s parent {u.parent_id} does not "
                                       "exist: it does not reach the city", unit=u.code)
        for gid, cid in self.grid_community.items():
            if cid not in self.units:
                raise NoEscalationPath(f"grid {self.grid_codes.get(gid, gid)} does not belong "
                                       f"to a community: unit {cid} does not exist", grid=gid)
        for d in self.departments.values():
            if d.unit_id not in self.units:
                raise NoEscalationPath(f"department {d.code} belongs to unit {d.unit_id}, "
                                       "which does not exist", department=d.code)

    # -- validation ----------------------------------------------------------------------
    def escalation_view(self) -> nx.DiGraph:
        """The graph restricted to its ``escalate`` edges (a read-only view)."""
        return nx.subgraph_view(self.graph,
                                filter_edge=lambda a, b: self.graph[a][b]["kind"] == "escalate")

    def escalation_tree(self) -> nx.DiGraph:
        """The ``escalate`` edges copied into a plain graph (every node kept): traversals on
        it run several times faster than on :meth:`escalation_view`'s filtered view."""
        tree = nx.DiGraph()
        tree.add_nodes_from(self.graph.nodes(data=True))
        tree.add_edges_from((a, b) for a, b, kind in self.graph.edges(data="kind")
                            if kind == "escalate")
        return tree

    def _label(self, node: Node) -> str:
        data = self.graph.nodes[node]
        kind = data.get("kind")
        what = "department" if kind == "dept" else "grid" if kind == "grid" else \
            data.get("level", "?")
        return f"{what} {data.get('code', node)}"

    def validate(self) -> None:
        """Raise a specific error unless escalation is a tree of the four levels rooted at
        the one city (see the class's Raises section)."""
        nodes = self.graph.nodes
        for _node, data in nodes(data=True):
            if data.get("kind") == "unit" and data.get("level") not in LEVEL_INDEX:
                raise LevelMismatch(f"unit {data.get('code')} has an unknown level "
                                    f"{data.get('level')!r}; the levels are "
                                    f"{', '.join(LEVELS)}", unit=data.get("code"))
        up = self.escalation_tree()
        try:
            cycle = nx.find_cycle(up)
        except nx.NetworkXNoCycle:
            cycle = None
        if cycle:
            names = [nodes[a]["code"] for a, _ in cycle] + [nodes[cycle[0][0]]["code"]]
            raise CyclicEscalation("escalation edges form a cycle: " + " -> ".join(names),
                                   cycle=names)
        for node in up.nodes:
            parents = list(up.successors(node))
            if len(parents) > 1:
                raise MultipleParents(f"{nodes[node]['code']} escalates to {len(parents)} "
                                      "units: " + ", ".join(self._label(p) for p in parents),
                                      node=nodes[node]["code"])
        cities = [n for n, d in nodes(data=True) if d.get("kind") == "unit"
                  and d.get("level") == "city"]
        if len(cities) != 1:
            raise NoEscalationPath(
                f"the graph has {len(cities)} city units"
                + (f" ({', '.join(nodes[c]['code'] for c in cities)})" if cities else "")
                + ": escalation needs exactly one city at the top")
        for node, data in nodes(data=True):
            kind = data.get("kind")
            if kind == "dept":
                continue
            parents = list(up.successors(node))
            if not parents:
                if data.get("level") == "city":
                    continue
                raise NoEscalationPath(f"{self._label(node)} has no parent: it does not reach "
                                       "the city", node=data.get("code"))
            parent = nodes[parents[0]]
            if kind == "grid":
                if parent.get("level") != "community":
                    raise NoEscalationPath(f"grid {data['code']} does not belong to a "
                                           f"community: its parent is {self._label(parents[0])}",
                                           grid=data["code"])
                continue
            level, plevel = data["level"], parent.get("level")
            expected = LEVELS[LEVEL_INDEX[level] + 1] if level != "city" else None
            if plevel == expected:
                continue
            if expected and plevel in LEVEL_INDEX and LEVEL_INDEX[plevel] > LEVEL_INDEX[expected]:
                why = (f"skipping a level: {level} -> {plevel} (the chain must run "
                       f"{' -> '.join(LEVELS)})")
            elif expected:
                why = f"but a {level} must escalate to a {expected}"
            else:
                why = "but the city is the top and escalates to nothing"
            raise LevelMismatch(f"{self._label(node)} escalates to {self._label(parents[0])}, "
                                + why, node=data["code"])

    def _walk(self, community_id: int) -> tuple[int, int, int, int]:
        chain = [community_id]
        while (parent := self.units[chain[-1]].parent_id) is not None:
            chain.append(parent)
        return tuple(chain)  # type: ignore[return-value]  # validated: four levels

    def _build_arrays(self) -> None:
        """Chains and levels as arrays indexed by row, with id -> row lookup arrays."""
        self.grid_ids = np.array(sorted(self._chains), dtype=np.int64)
        self.grid_row = {gid: i for i, gid in enumerate(self.grid_ids.tolist())}
        self.chain_matrix = np.array([self._chains[g] for g in self.grid_ids.tolist()],
                                     dtype=np.int64).reshape(-1, len(LEVELS))
        self.grid_lookup = np.full(int(np.max(self.grid_ids, initial=-1)) + 1, -1, dtype=np.int64)
        self.grid_lookup[self.grid_ids] = np.arange(len(self.grid_ids))
        self.unit_ids = np.array(sorted(self.units), dtype=np.int64)
        self.unit_lookup = np.full(int(np.max(self.unit_ids, initial=-1)) + 1, -1, dtype=np.int64)
        self.unit_lookup[self.unit_ids] = np.arange(len(self.unit_ids))
        self.unit_level = np.array([LEVEL_INDEX[self.units[u].level]
                                    for u in self.unit_ids.tolist()], dtype=np.int8)

    # -- lookups -------------------------------------------------------------------------
    def chain(self, grid_id: int) -> tuple[int, ...]:
        """Unit ids (community, street, district, city) above a grid: one dict lookup.

        Raises
        ------
        NotInGraph
            The grid is not in the graph.
        """
        try:
            return self._chains[grid_id]
        except KeyError:
            raise NotInGraph(f"grid {grid_id} is not in the escalation graph",
                             grid=grid_id) from None

    def unit(self, unit_id: int) -> UnitRow:
        """The unit ``unit_id``; :class:`NotInGraph` if the graph has none."""
        try:
            return self.units[unit_id]
        except KeyError:
            raise NotInGraph(f"unit {unit_id} is not in the escalation graph",
                             unit=unit_id) from None

    def parent(self, unit_id: int) -> int | None:
        """The unit one level up (``None`` for the city)."""
        return self.unit(unit_id).parent_id

    def unit_at(self, grid_id: int, level: str) -> int:
        """The unit of ``level`` above a grid."""
        return self.chain(grid_id)[LEVEL_INDEX[level]]

    def grid_code(self, grid_id: int) -> str:
        """A grid's code (its id as text when the graph was built without codes)."""
        return self.grid_codes.get(grid_id, str(grid_id))

    def describe(self, unit_id: int) -> str:
        """``"street 430103001 (坡子街街道)"``: how traces name a unit."""
        u = self.unit(unit_id)
        return f"{u.level} {u.code}" + (f" ({u.name})" if u.name else "")

    def lowest_common_unit(self, grid_ids: Iterable[int]) -> int:
        """The lowest unit above all ``grid_ids`` (for a case that spans several grids).

        >>> units = [UnitRow(1, "C", "city", None), UnitRow(2, "D", "district", 1),
        ...          UnitRow(3, "S1", "street", 2), UnitRow(4, "S2", "street", 2),
        ...          UnitRow(5, "K1", "community", 3), UnitRow(6, "K2", "community", 4)]
        >>> g = EscalationGraph(units, {10: 5, 11: 5, 12: 6}, [])
        >>> g.lowest_common_unit([10, 11]), g.lowest_common_unit([10, 12])
        (5, 2)
        """
        chains = [self.chain(g) for g in grid_ids]
        if not chains:
            raise NoEscalationPath("no grid given")
        for level in range(len(LEVELS)):
            if len({c[level] for c in chains}) == 1:
                return chains[0][level]
        raise NoEscalationPath("the grids do not share a city")

    def department_for(self, unit_id: int, category: str,
                       weight: WeightFunction | None = None) -> DeptRow | None:
        """The department of ``unit_id`` that handles ``category``, reached by a dispatch
        edge that ``weight`` does not hide; the most specialised one (fewest categories,
        then lowest id) when several do. ``None`` when no visible department handles it.

        >>> units = [UnitRow(1, "C", "city", None)]
        >>> depts = [DeptRow(7, "C-ZZ", "综治办", 1, ("security", "party")),
        ...          DeptRow(8, "C-GA", "公安局", 1, ("security",))]
        >>> g = EscalationGraph(units, {}, depts)
        >>> g.department_for(1, "security").code
        'C-GA'
        >>> g.department_for(1, "security", hide_unavailable([dept_node(8)])).code
        'C-ZZ'
        >>> g.department_for(1, "environment") is None
        True
        """
        source = unit_node(self.unit(unit_id).id)
        best: DeptRow | None = None
        for target, data in self.graph[source].items():
            if data.get("kind") != "dispatch" or target[0] != "dept":
                continue
            dept = self.departments[target[1]]
            if category not in dept.categories:
                continue
            if weight is not None and weight(source, target, data) is None:
                continue
            if best is None or (len(dept.categories), dept.id) < (len(best.categories),
                                                                   best.id):
                best = dept
        return best

    def path(self, source, target, weight: WeightFunction | None = None) -> list:  # noqa: ANN001
        """A shortest path between two nodes; ``weight`` may hide edges by returning None
        (an unavailable department), as networkx's weight functions do.

        Raises
        ------
        NoEscalationPath
            No path once hidden edges are left out.
        NotInGraph
            A node is not in the graph.
        """
        for node in (source, target):
            if node not in self.graph:
                raise NotInGraph(f"{node} is not in the escalation graph")
        try:
            return nx.shortest_path(self.graph, source, target, weight=weight)
        except nx.NetworkXNoPath:
            raise NoEscalationPath(f"no path from {self._label(source)} to "
                                   f"{self._label(target)}") from None


__all__ = [
    "EDGE_KINDS",
    "LEVELS",
    "LEVEL_INDEX",
    "DeptRow",
    "EscalationGraph",
    "UnitRow",
    "dept_node",
    "grid_node",
    "hide_unavailable",
    "unit_node",
]
