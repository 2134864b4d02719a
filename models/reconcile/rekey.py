"""Departmental records carried onto the unified grid through the crosswalk.

A record is keyed by a departmental grid code: a historical event (a point, or only the
code in an old ledger), a patrol area (hours a week over the whole departmental grid), a
staff assignment (a person for the departmental grid). Each is placed so:

- a record with a location: the unified grid containing the point (``location``);
- a patrol area (any quantity over the area): spread over the unified grids by area share,
  one row per grid with its weight (``share``);
- an event with only its code: spread by share too (``share``): its expected place, what
  workload counts need; the weights of one record sum to 1;
- a staff assignment: one person is not split: the unified grid with the largest share
  (``largest_share``), the others it touches listed in the row.

What cannot be placed is reported with its reason, never dropped: a code the layer does not
have, a point outside every unified grid, a departmental grid that lies outside the unified
grid altogether, a row that cannot be read. ``placed + unplaced`` is every record read.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.core.errors import ValidationError
from models.core.geo import Datum, to_storage
from models.reconcile.crosswalk import HAIRLINE_SHARE, Crosswalk

KINDS = ("event", "patrol", "staff")
#: shares of a departmental grid below this are edge noise, not places (see :func:`rekey`)
MIN_SHARE = HAIRLINE_SHARE
MAX_RECORDS_BYTES = 200 * 1024 * 1024
MAX_FIELD = 4096


@dataclass(frozen=True)
class Record:
    """One departmental record, its location (if any) in WGS-84."""

    record_id: str
    layer: str
    kind: str
    dept_code: str
    lon: float | None
    lat: float | None
    quantity: float
    label: str = ""


@dataclass(frozen=True)
class Placed:
    """One record (or a share of it) on one unified grid."""

    record_id: str
    kind: str
    dept_code: str
    grid_code: str
    weight: float         # share of the record (1 for a point or a person)
    quantity: float       # the record's quantity times its weight
    method: str           # location, share, largest_share
    also: str = ""        # the other unified grids a staff member's area touches


@dataclass(frozen=True)
class Unplaced:
    record_id: str
    kind: str
    dept_code: str
    reason: str


@dataclass(frozen=True)
class RekeyResult:
    placed: tuple[Placed, ...]
    unplaced: tuple[Unplaced, ...]
    records: int

    def placed_records(self) -> int:
        return len({p.record_id for p in self.placed})

    def quantity_by_grid(self, kind: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for p in self.placed:
            if p.kind == kind:
                out[p.grid_code] = out.get(p.grid_code, 0.0) + p.quantity
        return out


def read_records(path: str | os.PathLike, datum: Datum = Datum.WGS84
                 ) -> tuple[list[Record], list[Unplaced]]:
    """Read a records CSV (``record_id, layer, kind, dept_code, lon, lat, quantity, label``;
    lines starting with ``#`` before the header are comments). Coordinates are in ``datum`` and
    come back in WGS-84. A row that cannot be read is returned as unplaced with the reason (its
    line)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"{p}: no such file")
    if p.stat().st_size > MAX_RECORDS_BYTES:
        raise ValidationError(f"{p}: over {MAX_RECORDS_BYTES // 2**20} MiB; split it")
    text = p.read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    skip = 0  # comment lines before the header (the file's line numbers stay right)
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    # (csv.field_size_limit is process-wide: not changed here; long fields are refused
    # row by row below)
    reader = csv.DictReader(io.StringIO("\n".join(lines[skip:])))
    need = {"record_id", "kind", "dept_code"}
    if not reader.fieldnames or not need <= set(reader.fieldnames):
        raise ValidationError(f"{p}: the header must name {', '.join(sorted(need))} "
                              "(and lon, lat, quantity, layer, label)")
    good: list[Record] = []
    bad: list[Unplaced] = []
    raw: list[tuple[int, dict]] = []
    try:
        for row in reader:
            raw.append((reader.line_num + skip, row))
    except csv.Error as exc:
        raise ValidationError(f"{p}: not readable as CSV ({exc})") from None
    lons, lats, idx = [], [], []
    for n, row in raw:
        rid = (row.get("record_id") or "").strip()[:80] or f"line {n}"
        kind = (row.get("kind") or "").strip()
        code = (row.get("dept_code") or "").strip()
        try:
            if any(len(v) > MAX_FIELD for v in row.values() if isinstance(v, str)):
                raise ValueError(f"a field is longer than {MAX_FIELD:,} characters")
            if kind not in KINDS:
                raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
            if not code:
                raise ValueError("no dept_code")
            q = float(row.get("quantity") or 1)
            if not math.isfinite(q) or q < 0:
                raise ValueError(f"quantity {row.get('quantity')!r} is not a number >= 0")
            lon_s, lat_s = (row.get("lon") or "").strip(), (row.get("lat") or "").strip()
            lon = lat = None
            if lon_s or lat_s:
                lon, lat = float(lon_s), float(lat_s)
                if not (math.isfinite(lon) and math.isfinite(lat)
                        and -180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError(f"location {lon_s},{lat_s} is not a longitude, latitude")
        except ValueError as exc:
            bad.append(Unplaced(rid, kind, code, f"line {n}: {exc}"))
            continue
        good.append(Record(rid, (row.get("layer") or "").strip(), kind, code, lon, lat, q,
                           (row.get("label") or "").strip()))
        if lon is not None:
            lons.append(lon)
            lats.append(lat)
            idx.append(len(good) - 1)
    if idx and datum is not Datum.WGS84:
        x, y = to_storage(np.array(lons), np.array(lats), datum)
        for i, lon, lat in zip(idx, x.tolist(), y.tolist(), strict=True):
            r = good[i]
            good[i] = Record(r.record_id, r.layer, r.kind, r.dept_code, lon, lat, r.quantity,
                             r.label)
    return good, bad


def rekey(records: Iterable[Record], crosswalk: Crosswalk,
          locate_many: Callable[[np.ndarray, np.ndarray], Sequence[str | None]],
          *, known_codes: Iterable[str] | None = None) -> RekeyResult:
    """Place ``records`` on the unified grid (see the module docstring).

    ``locate_many(lon, lat)`` gives the unified grid code containing each point (or
    ``None``); ``known_codes`` are the layer's codes (default: those in the crosswalk's
    areas).
    """
    records = list(records)
    known = set(known_codes) if known_codes is not None else set(crosswalk.dept_area_m2)
    by_dept: dict[str, list[tuple[str, float]]] = {}
    for d, g, share in zip(crosswalk.dept_code.tolist(), crosswalk.grid_code.tolist(),
                           crosswalk.share.tolist(), strict=True):
        by_dept.setdefault(d, []).append((g, share))
    for d, rows in by_dept.items():
        # a hairline along a shared edge is no place to put a record: drop shares below
        # MIN_SHARE and renormalise the rest (they sum to 1 again)
        kept = [r for r in rows if r[1] >= MIN_SHARE] or rows
        total = sum(r[1] for r in kept)
        by_dept[d] = sorted(((g, sh / total) for g, sh in kept), key=lambda r: -r[1])
    placed: list[Placed] = []
    unplaced: list[Unplaced] = []
    located = [r for r in records if r.lon is not None]
    where = locate_many(np.array([r.lon for r in located], dtype=float),
                        np.array([r.lat for r in located], dtype=float)) if located else []
    at = {id(r): w for r, w in zip(located, where, strict=True)}
    for r in records:
        if r.dept_code not in known:
            unplaced.append(Unplaced(r.record_id, r.kind, r.dept_code,
                                     f"code {r.dept_code} is not in layer {crosswalk.layer}"))
            continue
        if r.lon is not None:
            grid = at[id(r)]
            if grid is None:
                unplaced.append(Unplaced(r.record_id, r.kind, r.dept_code,
                                         f"{r.lon:.6f},{r.lat:.6f} is outside every "
                                         "unified grid"))
            else:
                placed.append(Placed(r.record_id, r.kind, r.dept_code, str(grid), 1.0,
                                     r.quantity, "location"))
            continue
        shares = by_dept.get(r.dept_code)
        if not shares:
            unplaced.append(Unplaced(r.record_id, r.kind, r.dept_code,
                                     f"grid {r.dept_code} lies outside the unified grid"))
            continue
        if r.kind == "staff":
            best, _ = shares[0]
            placed.append(Placed(r.record_id, r.kind, r.dept_code, best, 1.0, r.quantity,
                                 "largest_share", " ".join(g for g, _ in shares[1:])))
            continue
        for grid, share in shares:
            placed.append(Placed(r.record_id, r.kind, r.dept_code, grid, share,
                                 r.quantity * share, "share"))
    return RekeyResult(tuple(placed), tuple(unplaced), len(records))
