"""Routing: where a case goes, why, and who should go.

* :mod:`routing.graph`: the escalation graph (grid -> community -> street -> district ->
  city, with departments), a typed layer over networkx, validated on load, with every
  grid's chain precomputed; availability as a weight function that hides edges.
* :mod:`routing.rules`: routing policies as data (``resources/routing/policy-*.json``).
* :mod:`routing.policy`: the :class:`~routing.policy.Router` and its decisions with their
  rule traces: routing, escalation, de-escalation, override, closure, and batch routing.
* :mod:`routing.overdue`: the deadline watch, escalating overdue cases one level up.
* :mod:`routing.recommend`: the ranked, explained "who should go", grid adjacency and unit
  workload.
* :mod:`routing.errors`: the typed errors.

Like :mod:`models`, nothing here imports Qt or any UI module (import-linter checks it).
The submodules are imported on demand, so ``import routing`` stays cheap.
"""
