"""Routing policies as data: the ordered rules of ``resources/routing/policy-*.json``.

The first rule that matches a case (by subcategory, or by class and category, or by class
alone) names the lowest level able to handle it and who handles it there: the department
for a category (by default the case's own) or the unit's centre itself. Because rules are
data, the same case can be routed again under another policy (replay compares them).
:func:`load_policy` reads one, :func:`parse_policy` checks it;
:class:`routing.policy.Router` makes the decisions.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from models.core.catalogue import CATEGORY_CODES, EVENT_CLASSES, Catalogue, Subcategory
from routing.errors import (
    PolicyError,
)
from routing.graph import LEVEL_INDEX, LEVELS

CATEGORY_INDEX = {c: i for i, c in enumerate(CATEGORY_CODES)}


_RULE_KEYS = {"class", "category", "subcategory", "level", "department", "handler", "note"}


@dataclass(frozen=True)
class Rule:
    """One rule: which cases it matches, the level that handles them and who there.

    ``department`` is the category of the department that handles the case (``None``: the
    case's own category); ``centre`` means the unit's grid or command centre handles it
    itself, without a department.

    >>> (Rule("street", "A").matches("A", "city"),
    ...  Rule("district", "A", "emergency").matches("A", "city"))
    (True, False)
    >>> Rule("district", subcategory="S06", department="emergency").describe()
    'subcategory S06 -> district, department for emergency'
    """

    level: str
    event_class: str | None = None
    category: str | None = None
    subcategory: str | None = None
    department: str | None = None
    centre: bool = False

    def matches(self, event_class: str, category: str, subcategory: str | None = None) -> bool:
        return (self.subcategory in (None, subcategory)
                and self.event_class in (None, event_class)
                and self.category in (None, category))

    def describe(self) -> str:
        what = " ".join(x for x in (
            f"subcategory {self.subcategory}" if self.subcategory else "",
            f"class {self.event_class}" if self.event_class else "",
            self.category or "") if x) or "any case"
        who = (", centre" if self.centre else
               f", department for {self.department}" if self.department else "")
        return f"{what} -> {self.level}{who}"


@dataclass(frozen=True)
class Policy:
    """A named, ordered list of rules; the first matching rule decides."""

    name: str
    rules: tuple[Rule, ...]
    description: str = ""

    def rule_for(self, sub: Subcategory) -> tuple[int, Rule]:
        """The first rule matching a subcategory, with its position (0-based).

        Raises
        ------
        PolicyError
            No rule matches.
        """
        for i, rule in enumerate(self.rules):
            if rule.matches(sub.event_class, sub.category, sub.code):
                return i, rule
        raise PolicyError(f"policy {self.name} has no rule for subcategory {sub.code} "
                          f"(class {sub.event_class} {sub.category})", policy=self.name)

    def level_for(self, event_class: str, category: str) -> tuple[str, list[str]]:
        """The level for a class and category (rules naming a subcategory are skipped)."""
        for i, rule in enumerate(self.rules):
            if rule.matches(event_class, category):
                return rule.level, [f"policy {self.name}: rule {i + 1} '{rule.describe()}' "
                                    f"matches class {event_class} {category}"]
        raise PolicyError(f"policy {self.name} has no rule for class {event_class} {category}",
                          policy=self.name)

    def check(self, catalogue: Catalogue) -> None:
        """Raise :class:`PolicyError` unless every subcategory of ``catalogue`` has a rule
        and every subcategory a rule names exists."""
        known = {s.code for s in catalogue.all_subcategories()}
        unknown = sorted({r.subcategory for r in self.rules if r.subcategory} - known)
        if unknown:
            raise PolicyError(f"policy {self.name} names subcategories not in catalogue "
                              f"{catalogue.version}: {', '.join(unknown)}", policy=self.name)
        missing = [s.code for s in catalogue.all_subcategories()
                   if not any(r.matches(s.event_class, s.category, s.code) for r in self.rules)]
        if missing:
            raise PolicyError(f"policy {self.name} has no rule for {len(missing)} "
                              f"subcategories of catalogue {catalogue.version}: "
                              f"{', '.join(missing)}", policy=self.name, missing=missing)


def parse_policy(doc: dict) -> Policy:
    """Validate a policy document and build the typed policy.

    >>> p = parse_policy({"policy": "tiny", "rules": [
    ...     {"class": "A", "category": "emergency", "level": "district", "handler": "centre"},
    ...     {"level": "street"}]})
    >>> [r.describe() for r in p.rules]
    ['class A emergency -> district, centre', 'any case -> street']
    >>> parse_policy({"policy": "bad", "rules": [{"level": "province"}]})
    Traceback (most recent call last):
    ...
    routing.errors.PolicyError: policy bad, rule 1: unknown level 'province'; one of community,
    street, district, city
    """
    try:
        name = str(doc["policy"])
        raw = list(doc["rules"])
        description = str(doc.get("description", ""))
    except (KeyError, TypeError) as exc:
        raise PolicyError(f"malformed routing policy: {exc!r}") from None
    rules = []
    for n, r in enumerate(raw, 1):
        where = f"policy {name}, rule {n}"
        if not isinstance(r, dict):
            raise PolicyError(f"{where}: a rule is an object, got {r!r}", policy=name)
        extra = sorted(set(r) - _RULE_KEYS)
        if extra:
            raise PolicyError(f"{where}: unknown keys {', '.join(extra)}", policy=name)
        level = r.get("level")
        if level not in LEVEL_INDEX:
            raise PolicyError(f"{where}: unknown level {level!r}; one of {', '.join(LEVELS)}",
                              policy=name)
        if r.get("class") is not None and r["class"] not in EVENT_CLASSES:
            raise PolicyError(f"{where}: unknown class {r['class']!r}", policy=name)
        for key in ("category", "department"):
            if r.get(key) is not None and r[key] not in CATEGORY_INDEX:
                raise PolicyError(f"{where}: unknown {key} {r[key]!r}; one of "
                                  f"{', '.join(CATEGORY_CODES)}", policy=name)
        handler = r.get("handler", "department")
        if handler not in ("department", "centre"):
            raise PolicyError(f"{where}: handler is 'department' or 'centre', not {handler!r}",
                              policy=name)
        if handler == "centre" and r.get("department"):
            raise PolicyError(f"{where}: a rule handled by the centre names no department",
                              policy=name)
        rules.append(Rule(level, r.get("class"), r.get("category"), r.get("subcategory"),
                          r.get("department"), handler == "centre"))
    return Policy(name, tuple(rules), description)


@functools.cache
def load_policy(name: str = "default-2026") -> Policy:
    """A policy shipped in ``resources/routing/policy-<name>.json``."""
    path = resources.files("resources") / "routing" / f"policy-{name}.json"
    if not path.is_file():
        raise PolicyError(f"no routing policy {name!r}; shipped: "
                          f"{', '.join(available_policies())}", policy=name)
    return parse_policy(json.loads(path.read_text(encoding="utf-8")))


def available_policies() -> list[str]:
    """Names of the policies shipped in ``resources/routing``.

    >>> {"default-2026", "street-first"} <= set(available_policies())
    True
    """
    folder = resources.files("resources") / "routing"
    return sorted(p.name[len("policy-"):-len(".json")] for p in folder.iterdir()
                  if p.name.startswith("policy-") and p.name.endswith(".json"))


__all__ = ["Policy", "Rule", "available_policies", "load_policy", "parse_policy"]
