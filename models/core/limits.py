"""What a live feed may send: the limits and range checks applied when a message is parsed,
and how a failed write is told apart from a bad item.

The feeds (:mod:`models.intake.mqtt`), the IoT adapter (:mod:`models.world.sensors`), the staff
positions (:mod:`models.world.staff`) and the quarantine retry (:mod:`models.intake.service`)
share these, so an item refused on arrival is refused the same way when a dispatcher retries it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

from models.core.errors import ValidationError

# a message larger than this is not parsed: an excerpt, its size and its hash are kept
MAX_PAYLOAD_BYTES = 64 * 1024
# what is kept of a payload that is too large or unreadable (characters)
EXCERPT_CHARS = 2000
# JSON nesting a payload may have (ours are flat objects; a deep one is an attack)
MAX_JSON_DEPTH = 16
# a clock ahead of ours by more than this is wrong, not early
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
# nothing the city's feeds report happened before the grid system existed
CITY_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# ids are stored as 32-bit integers on PostgreSQL
MAX_ID = 2**31 - 1
# a position this far outside the bounding box of the stored districts and grids is refused
# (about a kilometre: staff on the city's edge, a GPS fix slightly off)
EXTENT_MARGIN_DEG = 0.01
# a short text field of a feed (an alert's kind)
MAX_KIND_CHARS = 40


def short(value: object, limit: int = 60) -> str:
    """A value as shown in a reason: its repr, cut to ``limit`` characters.

    >>> short("x" * 100, 10)
    "'xxxxxxxx…"
    """
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def check_time(value: object, field: str, now: dt.datetime) -> dt.datetime:
    """An ISO 8601 time with a time zone, not before :data:`CITY_EPOCH` and not after
    ``now`` by more than :data:`MAX_CLOCK_SKEW`.

    >>> now = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)
    >>> check_time("2026-11-28T17:00:00+08:00", "time", now).isoformat()
    '2026-11-28T09:00:00+00:00'
    >>> check_time("9999-12-31T00:00:00Z", "time", now)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    models.core.errors.ValidationError: time '9999-12-31T00:00:00Z' is in the future ...
    """
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be an ISO 8601 text, got {short(value)}",
                              field=field)
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{field} is not an ISO 8601 time: {short(value)}",
                              field=field) from None
    if when.tzinfo is None:
        raise ValidationError(f"{field} needs a time zone (e.g. +08:00)", field=field)
    try:
        utc = when.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+08:00 and the like
        raise ValidationError(f"{field} {short(value)} is out of range", field=field) from None
    if utc > now + MAX_CLOCK_SKEW:
        minutes = int(MAX_CLOCK_SKEW.total_seconds() // 60)
        raise ValidationError(f"{field} {short(value)} is in the future (more than "
                              f"{minutes} min ahead)", field=field)
    if utc < CITY_EPOCH:
        raise ValidationError(f"{field} {short(value)} is before {CITY_EPOCH:%Y-%m-%d}",
                              field=field)
    return utc


def check_number(payload: Mapping, key: str) -> float:
    """A finite number (a JSON number, or a short numeric text as some producers send);
    never a boolean."""
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or (
            isinstance(value, str) and len(value) > 40):
        raise ValidationError(f"{key} must be a number, got {short(value)}", field=key)
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(f"{key} must be a number, got {short(value)}", field=key) from None
    except OverflowError:  # an integer with hundreds of digits
        raise ValidationError(f"{key} is out of range", field=key) from None
    if not math.isfinite(number):
        raise ValidationError(f"{key} must be finite", field=key)
    return number


def json_depth(value: object, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep ``value`` nests (counted up to ``limit + 1``, without recursion).

    >>> json_depth({"a": [1, {"b": 2}]}), json_depth(1)
    (3, 0)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict)
                                                  else item))
    return deepest


def excerpt(data: bytes) -> dict:
    """What the quarantine keeps of a payload it cannot keep whole: the first
    :data:`EXCERPT_CHARS` characters, the size and the SHA-256 of the bytes."""
    return {"excerpt": data[:EXCERPT_CHARS * 4].decode("utf-8", "replace")[:EXCERPT_CHARS]
            .replace("\x00", "\ufffd"),
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@dataclass(frozen=True, slots=True)
class CityExtent:
    """The bounding box of the city (its districts and grids), with a margin."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        """
        >>> CityExtent(112.0, 28.0, 113.0, 29.0).contains(-74.0, 40.7)
        False
        """
        return (self.min_lon - EXTENT_MARGIN_DEG <= lon <= self.max_lon + EXTENT_MARGIN_DEG
                and self.min_lat - EXTENT_MARGIN_DEG <= lat <= self.max_lat + EXTENT_MARGIN_DEG)


def is_transient(exc: BaseException) -> bool:
    """True for a failure of the database itself (locked, busy, connection lost): the item
    is not at fault and is tried again later; False for an item the database refuses."""
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (sa.OperationalError, sa.InterfaceError, sa.TimeoutError,
                            sa.DisconnectionError))


def storage_reason(exc: BaseException) -> str:
    """A one-line reason for an item the database refused, without the statement or its
    parameters (they may hold a resident's phone)."""
    from sqlalchemy import exc as sa

    inner = exc.orig if isinstance(exc, sa.DBAPIError) and exc.orig is not None else exc
    first = (str(inner).strip().splitlines() or [""])[0][:200]
    return f"the database refused it ({type(inner).__name__}: {first})" if first else \
        f"the database refused it ({type(inner).__name__})"


__all__ = ["CITY_EPOCH", "EXCERPT_CHARS", "EXTENT_MARGIN_DEG", "MAX_CLOCK_SKEW", "MAX_ID",
           "MAX_JSON_DEPTH", "MAX_KIND_CHARS", "MAX_PAYLOAD_BYTES", "CityExtent",
           "check_number", "check_time", "excerpt", "is_transient",
           "json_depth", "short", "storage_reason"]
