"""Errors of the escalation graph and routing.

Each carries a stable ``code`` (the UI maps it to translated text) and an English message
that names the units involved, so a log line is enough to find the bad row.
"""

from __future__ import annotations

from models.core.errors import CityGridError


class RoutingError(CityGridError):
    """The escalation chain or a routing policy cannot serve the request."""

    code = "routing"


class CyclicEscalation(RoutingError):
    """Escalation edges form a cycle: a unit would escalate to itself."""

    code = "cyclic_escalation"


class MultipleParents(RoutingError):
    """A unit escalates to more than one parent."""

    code = "multiple_parents"


class NoEscalationPath(RoutingError):
    """A grid or unit does not reach the city, or there is no path between two nodes once
    unavailable ones are hidden."""

    code = "no_escalation_path"


class LevelMismatch(NoEscalationPath):
    """A unit's level is unknown, or its parent is not exactly one level above it (a
    community under a district): its chain does not run community -> street -> district ->
    city."""

    code = "level_mismatch"


class EscalationLimitReached(NoEscalationPath):
    """There is no level above the city centre (escalation) or below the community
    (de-escalation)."""

    code = "escalation_limit"


class NotInGraph(RoutingError):
    """A grid, unit or department id the escalation graph does not hold."""

    code = "not_in_graph"


class InvalidOverride(RoutingError):
    """An override or re-routing without a reason, or naming a department of another unit."""

    code = "invalid_override"


class PolicyError(RoutingError):
    """A routing policy is malformed or has no rule for a case."""

    code = "policy"


class NoGridWorker(RoutingError):
    """A grid has no supervisor, manager or assistant (off leave) to verify a closed case."""

    code = "no_grid_worker"
