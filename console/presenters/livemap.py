"""Keeping the live map in step with the snapshots the window shows.

The page is built once; each refresh sends only what changed through the map's one bridge:
the grid and boundary layers the first time, the staff positions as one batch, the markers
whose key (id, category, priority, overdue) the page does not hold yet (and the removal of
those gone), the open cases per grid, and the heat points reported since the last refresh.
"""

from __future__ import annotations

import numpy as np

from models.cases.table import PRIORITY_CODES
from models.core.catalogue import CATEGORY_CODES


class LiveMapSync:
    """What the page holds, and the batches that bring it up to date."""

    def __init__(self, map_widget) -> None:  # noqa: ANN001
        self.map = map_widget
        self.layers_sent = False
        self.shown_keys = np.zeros(0, dtype=np.int64)  # the markers on the page
        self.heat_until = 0.0  # the newest report time in the page's heat layer

    def clear(self) -> None:
        """Markers of another world (live or a replay) leave the map."""
        if len(self.shown_keys):
            self.map.remove_events((self.shown_keys // 1000).tolist())
        self.shown_keys = np.zeros(0, dtype=np.int64)
        self.heat_until = 0.0

    def show(self, snap, open_mask, overdue_mask) -> None:  # noqa: ANN001
        """Bring the page up to ``snap`` (a :class:`console.application.snapshot.Snapshot`)."""
        m = self.map
        if snap.layers is not None:
            m.set_grids(snap.layers.grids)
            for level, fc in snap.layers.boundaries.items():
                m.set_boundaries(level, fc)
            self.layers_sent = True
        self.show_staff(snap.positions)
        t = snap.table
        rows = np.flatnonzero(open_mask)
        # only what changed goes to the page: a key per shown marker (id, category,
        # priority, overdue); rows whose key the page does not hold yet are sent
        keys = _keys(t, rows, overdue_mask)
        fresh = rows[~np.isin(keys, self.shown_keys)]
        gone = np.setdiff1d(self.shown_keys // 1000, t.ids[rows])
        if len(gone):
            m.remove_events(gone.tolist())
        self._upsert(t, fresh, overdue_mask)
        self.shown_keys = np.sort(keys)
        self._counts_and_heat(t, rows, snap.read_at.timestamp())

    def show_staff(self, p) -> None:  # noqa: ANN001 (models.world.staff.StaffPositions)
        """Every staff position as one batch."""
        self.map.update_staff(p.lon, p.lat, p.roles, p.on_duty)

    def show_cases(self, t, changed, open_mask, overdue_mask, now: float) -> None:  # noqa: ANN001
        """Bring the markers of the ``changed`` rows of ``t`` (a change record's cases) up
        to date: each a removal, an upsert or nothing; then the open counts and the heat."""
        if not len(changed):
            return
        ids = t.ids[changed].astype(np.int64)
        shown = np.isin(self.shown_keys // 1000, ids)
        kept = self.shown_keys[~shown]
        still = changed[open_mask[changed]]
        keys = _keys(t, still, overdue_mask)
        old = self.shown_keys[shown]
        gone = np.setdiff1d(old // 1000, t.ids[still])
        if len(gone):
            self.map.remove_events(gone.tolist())
        self._upsert(t, still[~np.isin(keys, old)], overdue_mask)
        self.shown_keys = np.sort(np.concatenate([kept, keys]))
        self._counts_and_heat(t, np.flatnonzero(open_mask), now)

    def _upsert(self, t, rows, overdue_mask) -> None:  # noqa: ANN001
        if len(rows):
            self.map.upsert_events([{"id": int(t.ids[i]), "lon": float(t.lon[i]),
                                     "lat": float(t.lat[i]),
                                     "category": CATEGORY_CODES[t.category[i]],
                                     "priority": PRIORITY_CODES[t.priority[i]],
                                     "overdue": bool(overdue_mask[i])} for i in rows])

    def _counts_and_heat(self, t, rows, now: float) -> None:  # noqa: ANN001
        m = self.map
        codes, counts = np.unique(t.grid_code[rows].astype(str), return_counts=True)
        m.set_open_counts({c: int(n) for c, n in zip(codes, counts, strict=True) if c})
        # heat of what was reported in the last 24 hours (open or not); the page keeps the
        # newest ``keep`` points, so only the points reported since the last refresh go
        recent = t.reported_at >= now - 24 * 3600
        new = recent & (t.reported_at > self.heat_until)
        if new.any():
            m.add_heat_points(t.lon[new], t.lat[new], keep=int(recent.sum()) or 1)
            self.heat_until = float(t.reported_at[new].max())


def _keys(t, rows, overdue_mask):  # noqa: ANN001, ANN202
    """A marker's key: id, category, priority and overdue in one integer."""
    return (t.ids[rows].astype(np.int64) * 1000 + t.category[rows].astype(np.int64) * 100
            + t.priority[rows].astype(np.int64) * 10 + overdue_mask[rows].astype(np.int64))
