"""What the user reads when the domain refuses something: a headline translated from the
error's stable ``code`` (:mod:`models.core.errors`, :mod:`routing.errors`), then the error's
own message (English, as the log and the command line have it).

>>> from models.core.errors import NotFoundError
>>> error_text(NotFoundError("no case C1"))
'Not found: no case C1'
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "messages"
# QT_TRANSLATE_NOOP returns its text; the stubs say object
HEADLINES = cast("dict[str, str]", {
    "error": QT_TRANSLATE_NOOP("messages", "Not done"),
    "invalid_input": QT_TRANSLATE_NOOP("messages", "Not valid"),
    "not_found": QT_TRANSLATE_NOOP("messages", "Not found"),
    "permission_denied": QT_TRANSLATE_NOOP("messages", "Not allowed for your role"),
    "conflict": QT_TRANSLATE_NOOP("messages", "Conflicts with what is stored"),
    "stale_version": QT_TRANSLATE_NOOP("messages", "Changed by someone else"),
    "claimed": QT_TRANSLATE_NOOP("messages", "Held by someone else"),
    "datum": QT_TRANSLATE_NOOP("messages", "Coordinate datum"),
    "grid_layer": QT_TRANSLATE_NOOP("messages", "Grid layer"),
    "illegal_transition": QT_TRANSLATE_NOOP("messages", "Not a step of the loop from here"),
    "calendar_file": QT_TRANSLATE_NOOP("messages", "Working calendar"),
    "routing": QT_TRANSLATE_NOOP("messages", "Routing"),
    "cyclic_escalation": QT_TRANSLATE_NOOP("messages", "Escalation chain has a cycle"),
    "multiple_parents": QT_TRANSLATE_NOOP("messages", "A unit has two parents"),
    "no_escalation_path": QT_TRANSLATE_NOOP("messages", "No level above"),
    "level_mismatch": QT_TRANSLATE_NOOP("messages", "Wrong level"),
    "escalation_limit": QT_TRANSLATE_NOOP("messages", "Escalation limit reached"),
    "not_in_graph": QT_TRANSLATE_NOOP("messages", "Unit not in the escalation chain"),
    "invalid_override": QT_TRANSLATE_NOOP("messages", "Override not allowed"),
    "policy": QT_TRANSLATE_NOOP("messages", "Routing policy"),
    "no_grid_worker": QT_TRANSLATE_NOOP("messages", "No grid worker"),
    "storage": QT_TRANSLATE_NOOP("messages", "The database is unavailable"),
})
NOTHING_WRITTEN = QT_TRANSLATE_NOOP("messages", "not confirmed ({0}); try again once it is "
                                                "back (nothing is applied twice)")


def error_text(exc: BaseException) -> str:
    """The headline of ``exc``'s code in the user's language, and its message."""
    if type(exc).__module__.startswith("sqlalchemy"):
        # the database failed (gone, locked, refused): its kind only, never the statement
        # or its values (they may hold a resident's phone)
        headline = QCoreApplication.translate(CONTEXT, HEADLINES["storage"])
        return f"{headline}: " + QCoreApplication.translate(
            CONTEXT, cast(str, NOTHING_WRITTEN)).format(type(exc).__name__)
    code = getattr(exc, "code", "error")
    headline = QCoreApplication.translate(CONTEXT, HEADLINES.get(code, HEADLINES["error"]))
    return f"{headline}: {exc}"
