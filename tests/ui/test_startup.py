"""Start-up checks: what the machine lacks is named with its fix; root runs unsandboxed, loudly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import console.startup as startup


def test_no_display_is_named_with_what_to_do() -> None:
    problem = startup.platform_problem({})
    assert problem is not None and "DISPLAY" in problem and "xvfb-run" in problem
    assert startup.platform_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert startup.platform_problem({"WAYLAND_DISPLAY": "wayland-0"}) is None


def test_missing_xcb_libraries_name_their_debian_packages(monkeypatch, tmp_path) -> None:
    fake = tmp_path / "libqxcb.so"
    fake.write_bytes(b"")
    ldd_out = ("\tlibxcb-icccm.so.4 => not found\n\tlibxcb-keysyms.so.1 => not found\n"
               "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n")
    monkeypatch.setattr(startup.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
        a, 0, stdout=ldd_out, stderr=""))
    monkeypatch.setattr(startup, "_xcb_plugin", lambda: fake)
    assert startup.missing_xcb_libraries() == {"libxcb-icccm.so.4": "libxcb-icccm4",
                                               "libxcb-keysyms.so.1": "libxcb-keysyms1"}
    problem = startup.platform_problem({"DISPLAY": ":0"})
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in problem


def test_this_machines_xcb_plugin_finds_its_libraries() -> None:
    """scripts/system-deps.sh installs what the plugin needs (the smoke test needs it)."""
    assert startup.missing_xcb_libraries() == {}


def test_root_switches_the_sandbox_off_with_a_warning(monkeypatch) -> None:
    monkeypatch.setattr(startup, "running_as_root", lambda: True)
    env: dict[str, str] = {}
    warning = startup.prepare_web_engine(env)
    assert warning == startup.SANDBOX_WARNING
    assert env["QTWEBENGINE_DISABLE_SANDBOX"] == "1"
    assert "--no-sandbox" in env["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    monkeypatch.setattr(startup, "running_as_root", lambda: False)
    env = {"QT_QPA_PLATFORM": "xcb"}
    assert startup.prepare_web_engine(env) is None
    assert "QTWEBENGINE_DISABLE_SANDBOX" not in env


def test_the_console_says_why_it_cannot_start_without_a_display(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "main.py", "--no-demo"], capture_output=True,
                         text=True, env=env, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 3
    assert "cannot start: No display" in out.stderr
