"""What the console needs from the machine before Qt starts, said in words a user can act on.

A fresh Debian machine lacks some of the X11 libraries Qt's xcb platform loads
(``libxcb-icccm4``, ``libxcb-keysyms1`` ...), and Qt then blames ``xcb-cursor0`` even when
that one is installed. As root, QtWebEngine (Chromium) refuses its sandbox and exits
without a word. These checks run first and name the fix.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

# the shared libraries Qt's xcb platform plugin loads, and the Debian package of each
XCB_PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0", "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0", "libxcb-render.so.0": "libxcb-render0",
    "libxkbcommon.so.0": "libxkbcommon0", "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1", "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
}

SANDBOX_WARNING = ("Running as root: the map's web engine runs WITHOUT Chromium's sandbox. "
                   "Run the console as an ordinary user in the control room.")


def _xcb_plugin() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    root = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms"
    plugin = root / "libqxcb.so"
    return plugin if plugin.exists() else None


def missing_xcb_libraries(plugin: Path | None = None) -> dict[str, str]:
    """The libraries Qt's xcb plugin cannot find, each with its Debian package.

    Empty when everything is there, or when this cannot be told (no ``ldd``, no plugin).
    """
    plugin = plugin or _xcb_plugin()
    if plugin is None or shutil.which("ldd") is None:
        return {}
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True,
                         check=False).stdout
    missing = [line.split("=>")[0].strip() for line in out.splitlines() if "not found" in line]
    return {lib: XCB_PACKAGES.get(lib, "?") for lib in sorted(set(missing))}


def platform_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why a window cannot open on this machine, with what to do; None when it can."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal", "vnc") or platform.startswith("wayland"):
        return None
    if not platform and env.get("WAYLAND_DISPLAY"):
        return None
    if not env.get("DISPLAY"):
        return ("No display: DISPLAY is not set. Start the console from a desktop session, or "
                "under a virtual display (xvfb-run -a scripts/console).")
    missing = missing_xcb_libraries()
    if missing:
        packages = " ".join(sorted({p for p in missing.values() if p != "?"}))
        return (f"Qt cannot open an X11 window: missing {', '.join(missing)}. "
                f"Install them with: sudo apt-get install {packages}")
    return None


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def prepare_web_engine(environ: dict[str, str] | None = None) -> str | None:
    """Set QtWebEngine's flags before Qt starts; returns a warning for the user, if any.

    As root Chromium will not start sandboxed: the sandbox is switched off, loudly (the
    window shows the warning for as long as it is open). The offscreen platform has no GPU.
    """
    env = os.environ if environ is None else environ
    flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    warning = None
    if running_as_root():
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
        if "--no-sandbox" not in flags:
            flags.append("--no-sandbox")
        warning = SANDBOX_WARNING
        log.warning(SANDBOX_WARNING)
    if env.get("QT_QPA_PLATFORM") == "offscreen":  # screenshots: no GPU, no display
        flags += [f for f in ("--disable-gpu", "--no-sandbox") if f not in flags]
    if flags:
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)
    return warning
