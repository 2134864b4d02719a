#!/usr/bin/env bash
# Create .venv (Python 3.12+ preferred; 3.11 gets PySide6 6.11.3, see pyproject.toml) and
# install the project with its test extras. Re-running is cheap: it reinstalls only when
# pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  for c in python3.13 python3.12; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys' >/dev/null 2>&1; then
      echo "$c"; return
    fi
  done
  for c in "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3; do
    if [ -x "$c" ]; then echo "$c"; return; fi
  done
  echo python3
}

if [ ! -x .venv/bin/python ]; then
  py=$(pick_python)
  echo "creating .venv with $($py --version 2>&1)" >&2
  "$py" -m venv .venv
fi
stamp=.venv/.citygrid-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing CityGrid Console and its dependencies into .venv ..." >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" >&2
  echo "$want" > "$stamp"
fi
