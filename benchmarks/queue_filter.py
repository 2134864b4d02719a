"""Filter and sort the case queue of 100,000 rows (issue 3: 100 ms or less).

Run: ``.venv/bin/python -m benchmarks.queue_filter``. The last line is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from benchmarks._machine import median_ms, print_machine
from models.cases.table import CaseTable
from widgets.casequeue import CaseQueueModel, QueueFilter

N = 100_000


def make_table(n: int) -> CaseTable:
    rng = np.random.default_rng(7)
    now = dt.datetime.now(dt.UTC)
    cats = ["party", "city", "security", "environment", "emergency", "other"]
    statuses = ["reported", "accepted", "dispatched", "handling", "verifying", "archived"]
    levels = [None, "community", "street", "district", "city"]
    districts = ["430102", "430103", "430104", "430105", "430111", "430112"]
    rows = []
    for i in range(n):
        reported = now - dt.timedelta(hours=float(rng.uniform(0, 500)))
        rows.append((i + 1, f"C2026{i + 1:08d}", f"事件 {i}", cats[rng.integers(6)], "C01",
                     statuses[rng.integers(6)], "normal", levels[rng.integers(5)],
                     districts[rng.integers(6)],
                     f"430103001001{i % 999:03d}", reported,
                     reported + dt.timedelta(hours=float(rng.uniform(1, 200))), 112.98, 28.19))
    return CaseTable.from_rows(rows)


def main() -> None:
    print_machine()
    app = QApplication.instance() or QApplication([])
    table = make_table(N)
    model = CaseQueueModel()
    model.set_table(table)
    filters = {
        "category+status+district+overdue": QueueFilter(
            categories=frozenset({"city"}), statuses=frozenset({"handling"}),
            districts=frozenset({"430103"}), overdue_only=True),
        "open only": QueueFilter(open_only=True),
        "level": QueueFilter(levels=frozenset({"street"})),
        "text": QueueFilter(text="C2026000999"),
    }
    results = {}
    for name, flt in filters.items():
        ms, _ = median_ms(lambda f=flt: model.set_filter(f), repeat=7)
        results[name] = ms
        print(f"filter {name:36s} {ms:7.1f} ms  ({model.rowCount():,} rows shown)")
    model.set_filter(QueueFilter())
    sort_ms, _ = median_ms(lambda: model.sort(7, Qt.SortOrder.DescendingOrder), repeat=7)
    print(f"sort 100k by reported time            {sort_ms:7.1f} ms")
    app.quit()
    print(json.dumps({"rows": N, "filter_100k_ms_max": round(max(results.values()), 1),
                      "sort_100k_ms": round(sort_ms, 1),
                      **{f"filter_{k}_ms": round(v, 1) for k, v in results.items()}}))


if __name__ == "__main__":
    main()
