"""Guard against the PySide6 6.12.0 / CPython 3.11 "deallocating None" crash.

On that pair every Qt call returning None drops a reference to None, and the interpreter
aborts after a few thousand calls. pyproject.toml pins PySide6 per Python version so the
pair never installs; this test proves the installed pair survives.
"""

from __future__ import annotations

import subprocess
import sys


def test_void_calls_do_not_leak_none() -> None:
    code = (
        "import sys\n"
        "from PySide6.QtCore import QObject, QTimer\n"
        "o = QObject(); t = QTimer()\n"
        "before = sys.getrefcount(None)\n"
        "for i in range(100_000):\n"
        "    o.setObjectName('x'); t.setInterval(5); o.parent()\n"
        "after = sys.getrefcount(None)\n"
        "print('none refs', before, after)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert result.returncode == 0, f"interpreter died: {result.stderr[-500:]}"
    assert "none refs" in result.stdout


def test_pinned_pair_is_safe() -> None:
    import PySide6

    if sys.version_info < (3, 12):
        assert not PySide6.__version__.startswith("6.12."), (
            "PySide6 6.12 on Python 3.11 aborts with 'deallocating None'; pin 6.11.3")
