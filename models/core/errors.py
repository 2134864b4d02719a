"""Typed errors of the domain.

Every error carries a stable ``code`` and an English ``message`` (with its parameters in
``details``) for logs and the command line. The console shows the code's headline in the
user's language, then the message (``widgets.messages.error_text``). Raising one of these
means nothing was written.
"""

from __future__ import annotations

import datetime as dt


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


class StaleVersionError(ConflictError):
    """A case action named a version of the case that is no longer the stored one: someone
    else changed the case since the user (or the caller) read it. Nothing was written.

    ``case`` is the case's number, ``expected`` the version the caller saw, ``actual`` the
    stored one (None when a concurrent writer got in between the check and the write).
    """

    code = "stale_version"

    def __init__(self, case: str, expected: int, actual: int | None) -> None:
        now = f"version {actual} now" if actual is not None else "a newer version now"
        super().__init__(f"case {case} was changed by someone else: {now}, not version "
                         f"{expected} as seen", case=case, expected=expected, actual=actual)
        self.case, self.expected, self.actual = case, expected, actual


class ClaimedError(ConflictError):
    """The case is held by someone else (a claim, :mod:`models.cases.claims`) whose claim has
    not run out: nothing was written. ``case`` is the case's number, ``holder`` the name of
    who holds it, ``until`` when the claim runs out (UTC)."""

    code = "claimed"

    def __init__(self, case: str, holder: str, until: dt.datetime | None) -> None:
        when = f" until {until:%H:%M} UTC" if until is not None else ""
        super().__init__(f"case {case} is held by {holder}{when}", case=case, holder=holder,
                         until=until)
        self.case, self.holder, self.until = case, holder, until


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
