"""Where the console keeps the user's files, without importing the database layer.

:func:`data_dir` is the one answer to "where is the user data directory": the database,
the settings, the drills and the installed working calendars live under it. It imports
only ``platformdirs``, so Qt-free modules that widgets may reach (``models.core.workcalendar``
through ``models.cases.table``) can use it without pulling in SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "CityGridConsole"


def data_dir() -> Path:
    """Where the console keeps its data (``$CITYGRID_DATA_DIR`` overrides the platform's).

    The platform's is ``platformdirs.user_data_dir("CityGridConsole")``: on Linux
    ``$XDG_DATA_HOME/CityGridConsole`` (``~/.local/share/CityGridConsole``). Created on
    first use.
    """
    override = os.environ.get("CITYGRID_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    path.mkdir(parents=True, exist_ok=True)
    return path
