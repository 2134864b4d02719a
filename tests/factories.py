"""Helpers shared by the domain and the UI tests; nothing here imports Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess:
    """Run ``main.py *args`` in a fresh process with ``env_dir`` as its data directory."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={"CITYGRID_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin",
                               "QT_QPA_PLATFORM": "offscreen"})
