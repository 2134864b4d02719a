"""Fill the unfinished entries of a Qt .ts file with the translation the same source text
had before (in any context): code moved between classes keeps its translations.

Usage: carry-translations.py BEFORE.ts AFTER.ts (AFTER is rewritten in place).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(before: str, after: str) -> int:
    known: dict[str, str] = {}
    for m in ET.parse(before).getroot().iter("message"):
        tr = m.find("translation")
        src = m.find("source")
        if tr is not None and src is not None and tr.text and tr.get("type") is None:
            known.setdefault(src.text or "", tr.text)
    tree = ET.parse(after)
    carried = 0
    for m in tree.getroot().iter("message"):
        tr = m.find("translation")
        src = m.find("source")
        if tr is not None and tr.get("type") == "unfinished" and (src.text or "") in known:
            tr.text = known[src.text or ""]
            del tr.attrib["type"]
            carried += 1
    with open(after, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(f, encoding="utf-8", xml_declaration=False)
    print(f"carried {carried} translation(s) over", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
