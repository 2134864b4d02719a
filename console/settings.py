"""Typed, versioned settings of the console, in ``settings.json`` in the data directory.

QSettings keeps only window geometry and dock layout; everything a user chooses lives here,
validated on load (an unreadable or invalid file is kept aside as ``settings.json.bad`` and
the defaults are used, so a broken file never stops the console from starting).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from models.storage.db import data_dir
from widgets.basemap import check_base_map

log = logging.getLogger(__name__)
SETTINGS_VERSION = 2
MIN_TEXT_PT, MAX_TEXT_PT = 8, 28  # View → Text size steps within these (point sizes)


@dataclass(frozen=True)
class BaseMapSettings:
    kind: str = "none"  # none | xyz | wmts | mbtiles
    url: str = ""
    path: str = ""
    datum: str = "WGS84"
    attribution: str = ""

    def validated(self) -> BaseMapSettings:
        """The map's own rule (:func:`widgets.basemap.check_base_map`), but an MBTiles file
        that is not there now does not make the settings invalid."""
        check_base_map(self.kind, self.url, self.path, self.datum, file_present=False)
        return self


@dataclass(frozen=True)
class FeedSettings:
    """The MQTT broker of the live feeds (sensor alerts, staff positions). With ``mqtt``
    off, the console takes no MQTT feed and the simulator feeds the services directly."""

    mqtt: bool = False
    host: str = "127.0.0.1"
    port: int = 1883
    prefix: str = "citygrid"
    snap_folder: str = ""  # a watched folder of snap reports ("" = none)


@dataclass(frozen=True)
class AlarmSettings:
    """The emergency alarm. ``volume`` 0 (silent: the banner and the tray only) to 100, on
    the perceived-loudness scale of the slider in View → Alarm volume."""

    volume: int = 80


@dataclass(frozen=True)
class Settings:
    version: int = SETTINGS_VERSION
    language: str = "system"  # system | zh_CN | en
    theme: str = "dark"  # dark | light
    base_map: BaseMapSettings = field(default_factory=BaseMapSettings)
    simulator: bool = True
    feeds: FeedSettings = field(default_factory=FeedSettings)
    alarm: AlarmSettings = field(default_factory=AlarmSettings)
    # the text's point size (View → Text size); 0: the desktop's own
    text_size: int = 0

    def validated(self) -> Settings:
        if self.language not in ("system", "zh_CN", "en"):
            raise ValueError(f"language must be system, zh_CN or en, not {self.language!r}")
        if self.theme not in ("dark", "light"):
            raise ValueError(f"theme must be dark or light, not {self.theme!r}")
        self.base_map.validated()
        if not 0 < int(self.feeds.port) < 65536:
            raise ValueError(f"MQTT port must be 1-65535, not {self.feeds.port!r}")
        if not self.feeds.prefix or any(c in self.feeds.prefix for c in "+#"):
            raise ValueError(f"bad MQTT topic prefix {self.feeds.prefix!r}")
        size = self.text_size
        if isinstance(size, bool) or not isinstance(size, int) or not (
                size == 0 or MIN_TEXT_PT <= size <= MAX_TEXT_PT):
            raise ValueError(f"text size must be 0 (the desktop's) or {MIN_TEXT_PT}-"
                             f"{MAX_TEXT_PT} points, not {size!r}")
        volume = self.alarm.volume
        if isinstance(volume, bool) or not isinstance(volume, int) or not 0 <= volume <= 100:
            raise ValueError(f"alarm volume must be a whole number 0-100, not {volume!r}")
        return self


def settings_path() -> Path:
    return data_dir() / "settings.json"


def _v1_to_v2(doc: dict) -> dict:
    """Version 2 added the alarm (its volume); a version 1 file gets the default."""
    return {**doc, "alarm": dataclasses.asdict(AlarmSettings())}


_MIGRATIONS = {1: _v1_to_v2}
"""``version -> step`` that turns a document of that version into one of the next."""


def _from_dict(doc: dict) -> Settings:
    if not isinstance(doc, dict):
        raise ValueError("settings must be a JSON object")
    version = doc.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"bad settings version {version!r}")
    if version > SETTINGS_VERSION:
        raise ValueError(f"settings version {version} is newer than this console")
    for step in range(version, SETTINGS_VERSION):
        doc = _MIGRATIONS[step](doc)
    base = BaseMapSettings(**doc.get("base_map", {}))
    feeds = FeedSettings(**doc.get("feeds", {}))
    alarm = AlarmSettings(**doc.get("alarm", {}))
    rest = {k: v for k, v in doc.items() if k not in ("base_map", "feeds", "alarm", "version")}
    return Settings(version=SETTINGS_VERSION, base_map=base, feeds=feeds, alarm=alarm,
                    **rest).validated()


def load_settings(path: Path | None = None) -> Settings:
    path = path or settings_path()
    if not path.exists():
        return Settings()
    try:
        return _from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        bad = path.with_suffix(".json.bad")
        os.replace(path, bad)
        log.error("settings file %s is invalid (%s); kept as %s, using defaults", path, exc, bad)
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-write never leaves a half-written file."""
    path = path or settings_path()
    settings.validated()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(dataclasses.asdict(settings), f, ensure_ascii=False, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
