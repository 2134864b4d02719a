"""The event catalogue: categories, subcategories with class A-D, disposal standards and
time limits per step. It is versioned data in ``resources/catalogue/``; every case records
the catalogue version it was classified under.
"""

from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import dataclass
from importlib import resources

from models.core.enums import CATEGORY_CODES
from models.core.errors import ValidationError

EVENT_CLASSES = ("A", "B", "C", "D")
STEPS = ("accept", "dispatch", "handle", "verify")


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """Hours allowed for each step, counted in working or calendar hours."""

    basis: str  # "working" | "calendar"
    accept: float
    dispatch: float
    handle: float
    verify: float

    def hours(self, step: str) -> float:
        if step not in STEPS:
            raise ValidationError(f"unknown step {step!r}")
        return float(getattr(self, step))


@dataclass(frozen=True, slots=True)
class Subcategory:
    code: str
    category: str
    name_zh: str
    name_en: str
    event_class: str
    disposal_standard: str
    limits: TimeLimits


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    subcategories: tuple[Subcategory, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    version: str
    categories: tuple[Category, ...]


    def subcategory(self, code: str) -> Subcategory:
        """The subcategory ``code``; :class:`ValidationError` if the catalogue has none."""
        for cat in self.categories:
            for sub in cat.subcategories:
                if sub.code == code:
                    return sub
        raise ValidationError(f"unknown subcategory {code!r} in catalogue {self.version}",
                              field="subcategory")

    def all_subcategories(self) -> list[Subcategory]:
        return [s for c in self.categories for s in c.subcategories]


def parse_catalogue(doc: dict) -> Catalogue:
    """Validate a catalogue document and build the typed catalogue."""
    try:
        version = str(doc["version"])
        cats = []
        seen: set[str] = set()
        for c in doc["categories"]:
            if c["code"] not in CATEGORY_CODES:
                raise ValidationError(f"unknown category {c['code']!r}")
            subs = []
            for s in c["subcategories"]:
                if s["code"] in seen:
                    raise ValidationError(f"subcategory {s['code']!r} appears twice")
                seen.add(s["code"])
                if s["event_class"] not in EVENT_CLASSES:
                    raise ValidationError(f"{s['code']}: class must be one of A-D")
                tl = s["time_limits"]
                if tl["basis"] not in ("working", "calendar"):
                    raise ValidationError(f"{s['code']}: basis must be working or calendar")
                limits = TimeLimits(tl["basis"], *(float(tl[k]) for k in STEPS))
                if any(limits.hours(k) <= 0 for k in STEPS):
                    raise ValidationError(f"{s['code']}: every time limit must be positive")
                subs.append(Subcategory(s["code"], c["code"], s["name_zh"], s["name_en"],
                                        s["event_class"], s["disposal_standard"], limits))
            cats.append(Category(c["code"], c["name_zh"], c["name_en"], tuple(subs)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"malformed catalogue: {exc!r}") from None
    return Catalogue(version, tuple(cats))


@functools.cache
def load_catalogue(version: str = "2026.1") -> Catalogue:
    """Load a catalogue version shipped in ``resources/catalogue``."""
    path = resources.files("resources") / "catalogue" / f"catalogue-{version}.json"
    if not path.is_file():
        raise ValidationError(f"no catalogue version {version!r}")
    return parse_catalogue(json.loads(path.read_text(encoding="utf-8")))


def limits_for(version: str, subcategory: str, current: Catalogue) -> TimeLimits:
    """The time limits of ``subcategory`` in catalogue ``version`` (the one a case was
    classified under), or in ``current`` when that version is not shipped.

    >>> limits_for("1999.9", "M01", load_catalogue()).accept  # not shipped: the current one
    0.25

    Raises
    ------
    ValidationError
        The subcategory is in neither.
    """
    catalogue = current
    if version != current.version:
        with contextlib.suppress(ValidationError):
            catalogue = load_catalogue(version)
    return catalogue.subcategory(subcategory).limits
