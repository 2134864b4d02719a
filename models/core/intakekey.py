"""Idempotency keys of incoming items: one alert delivered twice is one case.

A broker delivers a QoS 1 message at least once: again after a reconnect, and once to every
console or service subscribed. Each IoT alert therefore carries a key, stored with its case
in ``case_.intake_key`` under a UNIQUE index (:data:`KEY_INDEX`); an item whose key is
already stored is a redelivery, not a new case
(:meth:`models.intake.service.IntakeService.submit_many`).

The key of an alert (:func:`alert_key`), at most :data:`MAX_KEY_CHARS` characters:

* ``iot/<sensor id>/<kind>/<time>``, the time in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``
  (``2026-11-28T09:00:00+08:00`` and ``2026-11-28T01:00:00Z`` are one instant, one key);
  a second alert of one sensor and kind at the same instant is the same alert, whatever
  its value;
* an alert without a time: ``iot/<sensor id>/<kind>/sha256:<hex>``, the SHA-256 of the
  payload's canonical JSON (sorted keys, no spaces, UTF-8; the broker's topic left out).
  A redelivery is byte-for-byte the same payload, so it is recognised; a sensor that sends
  the very same time-less payload again later is counted as a redelivery too, so sensors
  should send ``time``.

Hotline calls, snap reports and file imports carry no key (NULL: the index allows many).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping

# the UNIQUE index on case_.intake_key (its name follows the schema's naming convention)
KEY_INDEX = "ix_case__intake_key"
MAX_KEY_CHARS = 200


def alert_key(sensor_id: str, kind: str, when: dt.datetime | None,
              payload: Mapping) -> str:
    """The idempotency key of one IoT alert (see the module's docstring).

    >>> import datetime as dt
    >>> alert_key("smoke-01", "smoke", dt.datetime.fromisoformat("2026-11-28T09:00:00+08:00"),
    ...           {})
    'iot/smoke-01/smoke/2026-11-28T01:00:00.000000Z'
    >>> alert_key("smoke-01", "smoke", None, {"kind": "smoke", "topic": "a/iot/smoke-01/alert"})
    'iot/smoke-01/smoke/sha256:1dc0d35f12b983fe908204c0d1cc5181513b854cfb6cf425f092f6e1f956c6de'
    """
    base = f"iot/{sensor_id}/{kind}/"
    if when is not None:
        if when.tzinfo is None:
            raise ValueError("an alert's time needs a time zone")
        return base + when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    canonical = json.dumps({k: v for k, v in payload.items() if k != "topic"},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{base}sha256:{digest}"


def form_key(payload: Mapping) -> str | None:
    """The key of one hotline call: the form's own id (``form_key``), so pressing OK again
    after the database failed to answer never makes a second case.

    >>> form_key({"form_key": "4f1c"}), form_key({})
    ('hotline/4f1c', None)
    """
    key = payload.get("form_key")
    return f"hotline/{str(key)[:60]}" if key else None


def is_key_clash(exc: BaseException) -> bool:
    """Whether a database error is the UNIQUE index on the intake key refusing a second
    row with one key (another console or service inserted it meanwhile): SQLite says
    ``UNIQUE constraint failed: case_.intake_key``, PostgreSQL names the index."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner)
    return KEY_INDEX in text or "case_.intake_key" in text


__all__ = ["KEY_INDEX", "MAX_KEY_CHARS", "alert_key", "form_key", "is_key_clash"]
