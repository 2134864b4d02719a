"""Errors of the escalation graph and routing."""

from __future__ import annotations

from models.errors import CityGridError


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
    """A grid or unit does not reach the city, or there is no level above."""

    code = "no_escalation_path"


class PolicyError(RoutingError):
    """A routing policy is malformed or has no rule for a case."""

    code = "policy"
