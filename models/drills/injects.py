"""A drill's scripted events: :class:`DrillInject`, read from a JSON file by
:func:`load_injects` or taken from a recorded scenario by
:func:`injects_from_scenario`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

from models.cases.service import NewCase
from models.core.catalogue import Catalogue, load_catalogue
from models.core.enums import Channel
from models.core.errors import ValidationError
from models.core.privacy import mask_personal_data

INJECT_KEYS = ("at_offset_s", "subcategory", "lon", "lat", "title", "description", "channel")
_REQUIRED_KEYS = ("at_offset_s", "subcategory", "lon", "lat", "title")


@dataclass(frozen=True, slots=True)
class DrillInject:
    """One scripted event of a scenario: reported ``at_offset_s`` seconds after the start."""

    at_offset_s: float
    subcategory: str
    lon: float
    lat: float
    title: str
    description: str = ""
    channel: str = Channel.HOTLINE_12345.value
    # from a recorded scenario: where the case really went (the unit's code and level)
    recorded_unit: str = ""
    recorded_level: str = ""

    def new_case(self, at: dt.datetime) -> NewCase:
        """The event as a new case reported at ``at``."""
        # a drill database holds no resident's number, not even one written in a script
        return NewCase(channel=self.channel, subcategory=self.subcategory, lon=self.lon,
                       lat=self.lat, title=mask_personal_data(self.title),
                       description=mask_personal_data(self.description), reported_at=at)


def _inject_number(raw: object, key: str, low: float, high: float) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"{key} must be a number, got {raw!r}")
    if not math.isfinite(raw) or not low <= raw <= high:
        limits = f"{low:g} or more" if high == math.inf else f"between {low:g} and {high:g}"
        raise ValueError(f"{key} must be {limits}, got {raw!r}")
    return float(raw)


def _parse_inject(raw: object, catalogue: Catalogue) -> DrillInject:
    """One inject from its JSON object; ValueError says what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError(f"an inject is a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(INJECT_KEYS))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; an inject has "
                         f"{', '.join(INJECT_KEYS)}")
    missing = [k for k in _REQUIRED_KEYS if k not in raw]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    offset = _inject_number(raw["at_offset_s"], "at_offset_s", 0, math.inf)
    lon = _inject_number(raw["lon"], "lon", -180, 180)
    lat = _inject_number(raw["lat"], "lat", -90, 90)
    strings = {}
    for key in ("subcategory", "title", "description", "channel"):
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise ValueError(f"{key} must be a string, got {value!r}")
        strings[key] = value.strip()
    try:
        catalogue.subcategory(strings["subcategory"])
    except ValidationError as exc:
        raise ValueError(exc.message) from None
    if not strings["title"]:
        raise ValueError("title is empty")
    if len(strings["title"]) > 200:
        raise ValueError("title is longer than 200 characters")
    channel = strings["channel"] or Channel.HOTLINE_12345.value
    if channel not in {c.value for c in Channel}:
        raise ValueError(f"unknown channel {channel!r}; one of "
                         f"{', '.join(c.value for c in Channel)}")
    return DrillInject(offset, strings["subcategory"], lon, lat, strings["title"],
                       strings["description"], channel)


def load_injects(path: Path, *, catalogue: Catalogue | None = None) -> list[DrillInject]:
    """Read a scenario's injects: a JSON list of objects, each an inject.

    Keys of an inject: ``at_offset_s`` (seconds after the drill's start, >= 0),
    ``subcategory`` (a code of the catalogue), ``lon``, ``lat`` (WGS-84), ``title``, and
    optionally ``description`` and ``channel`` (default ``hotline_12345``). Injects are
    returned in file order.

    Raises
    ------
    ValidationError
        The file cannot be read or is not such a list; or some items are bad: the message
        names every bad item (1-based, with its title when it has one) and what is wrong,
        and ``problems`` holds (item number, message) pairs.
    """
    path = Path(path)
    if path.suffix == ".cgs":
        return injects_from_scenario(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"cannot read the inject file {path}: {exc.strerror or exc}",
                              path=str(path)) from None
    except UnicodeDecodeError:
        raise ValidationError(f"the inject file {path} is not UTF-8 text",
                              path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"the inject file {path} is not valid JSON: {exc.msg} at line "
                              f"{exc.lineno}, column {exc.colno}", path=str(path)) from None
    if not isinstance(doc, list):
        raise ValidationError(f"the inject file {path} must hold a JSON list of injects, "
                              f"not a {type(doc).__name__}", path=str(path))
    catalogue = catalogue or load_catalogue()
    injects, problems = [], []
    for n, raw in enumerate(doc, start=1):
        try:
            injects.append(_parse_inject(raw, catalogue))
        except ValueError as exc:
            title = raw.get("title") if isinstance(raw, dict) else None
            named = f"inject {n}" + (f" ({title.strip()!r})"
                                     if isinstance(title, str) and title.strip() else "")
            problems.append((n, f"{named}: {exc}"))
    if problems:
        raise ValidationError(f"{len(problems)} of {len(doc)} inject(s) in {path} are bad: "
                              + "; ".join(m for _, m in problems), path=str(path),
                              problems=problems)
    return injects


SCENARIO_TIME_SCALE = 60.0  # a recorded hour plays in a drill minute
SCENARIO_MAX_INJECTS = 60


def injects_from_scenario(path: Path, *, time_scale: float = SCENARIO_TIME_SCALE,
                          limit: int = SCENARIO_MAX_INJECTS) -> list[DrillInject]:
    """Injects from a recorded scenario (``.cgs``): its first ``limit`` reports, each at its
    recorded time from the scenario's first report, ``time_scale`` times faster, carrying
    the unit the case was really dispatched to, so the report can set the trainee's
    decision beside the recorded one.

    Raises
    ------
    ValidationError
        Not a scenario, or one without reports.
    """
    from models.scenarios.files import read_scenario

    scenario = read_scenario(Path(path))
    reports = [e for e in scenario.events if e["k"] == "report"][:limit]
    if not reports:
        raise ValidationError(f"the scenario {Path(path).name} has no reported case to inject",
                              path=str(path))
    dispatched: dict[object, tuple[str, str]] = {}
    wanted = {e["case"] for e in reports}
    for e in scenario.events:
        if e["k"] == "dispatch" and e.get("case") in wanted and e["case"] not in dispatched:
            dispatched[e["case"]] = (str(e.get("unit") or ""), str(e.get("level") or ""))
    t0 = reports[0]["t"]
    return [DrillInject((e["t"] - t0) / time_scale, e["sub"], float(e["lon"]), float(e["lat"]),
                        str(e.get("title") or e["sub"]),
                        channel=str(e.get("ch") or Channel.HOTLINE_12345.value),
                        recorded_unit=dispatched.get(e["case"], ("", ""))[0],
                        recorded_level=dispatched.get(e["case"], ("", ""))[1])
            for e in reports]


__all__ = ["DrillInject", "load_injects"]
