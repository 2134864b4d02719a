"""What machine a benchmark ran on (printed at the top of every benchmark)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def machine() -> dict[str, object]:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import PySide6

        qt = PySide6.__version__
    except ImportError:  # the domain benchmarks run without Qt
        qt = "-"
    return {"platform": platform.platform(), "cpu": cpu, "cpus": os.cpu_count(),
            "python": platform.python_version(), "pyside6": qt}


def print_machine() -> None:
    m = machine()
    print(f"machine: {m['cpu']} x{m['cpus']}, {m['platform']}, Python {m['python']}, "
          f"PySide6 {m['pyside6']}")


def median_ms(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> tuple[float, list]:
    """Median wall time of ``fn`` in milliseconds over ``repeat`` runs (after warm-up)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times
