#!/usr/bin/env bash
# Refresh the translation sources from the code and compile them:
#   resources/i18n/citygrid_zh_CN.ts  (edit with Qt Linguist: .venv/bin/pyside6-linguist)
#   resources/i18n/citygrid_zh_CN.qm  (compiled, loaded at start)
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'console/*.py' 'widgets/*.py')
before=$(mktemp --suffix=.ts)
cp resources/i18n/citygrid_zh_CN.ts "$before"
.venv/bin/pyside6-lupdate -no-obsolete $files -ts resources/i18n/citygrid_zh_CN.ts
# a text that moved to another class keeps its translation
.venv/bin/python scripts/carry-translations.py "$before" resources/i18n/citygrid_zh_CN.ts
rm -f "$before"
.venv/bin/pyside6-lrelease resources/i18n/citygrid_zh_CN.ts -qm resources/i18n/citygrid_zh_CN.qm
