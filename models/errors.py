"""Typed errors of the domain.

Every error carries a stable ``code`` the UI maps to translated text, and an English
``message`` for logs and the command line. Raising one of these means nothing was written.
"""

from __future__ import annotations


class CityGridError(Exception):
    """Base of every error the domain raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class ValidationError(CityGridError):
    """Input that does not describe a valid object (bad code, missing field, bad geometry)."""

    code = "invalid_input"


class NotFoundError(CityGridError):
    """The object named does not exist."""

    code = "not_found"


class PermissionDenied(CityGridError):
    """The acting user's role does not allow this action."""

    code = "permission_denied"


class ConflictError(CityGridError):
    """The write conflicts with what is stored (duplicate code, stale version, non-empty db)."""

    code = "conflict"


class DatumError(ValidationError):
    """A coordinate datum is unknown, mislabelled or cannot be converted."""

    code = "datum"


class GridLayerError(ValidationError):
    """A grid layer file cannot be read or imported; ``problems`` lists what is wrong."""

    code = "grid_layer"

    def __init__(self, message: str, problems: list | None = None, **details: object) -> None:
        super().__init__(message, **details)
        self.problems = list(problems or [])


class IllegalTransition(CityGridError):
    """A case cannot move from its current step by this action."""

    code = "illegal_transition"
