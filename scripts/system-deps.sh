#!/usr/bin/env bash
# System packages the console and the tests need, installed with apt when missing and
# possible (as root), else named with the command that installs them.
#   scripts/system-deps.sh            the tests: GDAL's ogrinfo (exports must open in it), a CJK
#                                     font, poppler (the drill PDF must render and read back),
#                                     Xvfb and the X11 libraries (the console's smoke test opens a
#                                     real X11 window)
#   scripts/system-deps.sh --console  the console: the X11 libraries Qt's xcb platform loads,
#                                     libpulse0 (QtMultimedia will not import without it: no
#                                     alarm sound) and a CJK font
set -uo pipefail
mode=${1:-test}
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
xcb=(libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
     libxkbcommon-x11-0 libxcb-cursor0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0
     libxcb-xfixes0 libegl1 libgl1 libfontconfig1 libdbus-1-3 libnss3 libasound2
     libpulse0)
need=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${xcb[@]}"; do have_pkg "$p" || need+=("$p"); done
fi
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ "$mode" != "--console" ]; then
  command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
  command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
    || need+=(poppler-utils)
  command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages: ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1
  } || echo "could not install ${need[*]}; install them: apt-get install ${need[*]}" >&2
else
  echo "missing system packages: ${need[*]} (install them: sudo apt-get install ${need[*]})" >&2
fi
exit 0
