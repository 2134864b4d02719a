#!/usr/bin/env python3
"""The size rules of docs/ARCHITECTURE.md: no module over 600 lines (migrations and
translations aside) and no Qt class over 400 lines. Prints each breach; exits 1 if any."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("console", "widgets", "models", "routing")
MAX_MODULE, MAX_QT_CLASS = 600, 400


def qt_bases(node: ast.ClassDef) -> bool:
    """A class is a Qt class when one of its bases is named like a Qt class (Q...)."""
    for base in node.bases:
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
        if name.startswith("Q") and name[1:2].isupper():
            return True
    return False


def breaches() -> list[str]:
    found = []
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT)
            lines = text.count("\n")
            if lines > MAX_MODULE:
                found.append(f"{rel}: {lines} lines (at most {MAX_MODULE})")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.ClassDef) and qt_bases(node):
                    size = (node.end_lineno or node.lineno) - node.lineno + 1
                    if size > MAX_QT_CLASS:
                        found.append(f"{rel}: Qt class {node.name} has {size} lines "
                                     f"(at most {MAX_QT_CLASS})")
    return found


def main() -> int:
    found = breaches()
    for line in found:
        print(line)
    print(f"check-sizes: {len(found)} breach(es)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
