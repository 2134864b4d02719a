#!/usr/bin/env bash
# System packages the tests and screenshots use: GDAL's ogrinfo (exports must open in it),
# a CJK font (Chinese text in rendered windows and reports) and poppler's pdftoppm and
# pdftotext (the after-action report PDF must render and read back). Installed with apt when
# missing and possible.
set -uo pipefail
need=()
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
  || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1
  } || echo "could not install ${need[*]}; tests that need them will say so" >&2
else
  echo "missing system packages: ${need[*]} (install them: sudo apt-get install ${need[*]})" >&2
fi
