"""Replaying a scenario: the state at any moment, the indicators, policies side by side.

:class:`Replay` turns a scenario's events into numpy columns once; then

* :meth:`Replay.state_at` rebuilds the state at any moment (every case's status, level and
  place; each staff member's last position) with vectorised operations: seeking anywhere in
  a day of the busiest district takes milliseconds, in a year well under a second;
* :meth:`Replay.run` replays event by event, in time order, through the same state
  transitions the console shows (headless, as fast as the machine allows), and returns the
  indicators;
* :meth:`Replay.indicators` computes the city's indicators at a moment: events, closed on
  time, mean hours to close, minutes to accept and to dispatch, rework, open and overdue,
  the closure rate and each category's share (the report's own figures: 98.51 % closed);
* :func:`routing.scenarios.compare_policies` routes the scenario's cases again under other
  policies and sets the routing indicators side by side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np

from models.cases.table import LEVEL_CODES, CaseTable
from models.core.enums import CATEGORY_CODES, CLOSED, DONE, PRIORITY_CODES, STATUS_CODES
from models.scenarios.files import Scenario

# the vocabulary's sets as status codes (indexes into STATUS_CODES), for np.isin
_CLOSED_CODES = np.array(sorted(STATUS_CODES.index(s) for s in CLOSED), dtype=np.int8)
_DONE_CODES = np.array(sorted(STATUS_CODES.index(s) for s in DONE), dtype=np.int8)
_PRIORITY_OF_CLASS = {"A": "urgent", "B": "high", "C": "normal", "D": "low"}


@dataclass(frozen=True)
class Indicators:
    """The city's own indicators of a scenario (or of a moment of it)."""

    events: int               # cases reported
    closed: int               # verified and archived (or assessed)
    closed_on_time: int       # ... by their case deadline
    closed_on_time_rate: float
    mean_hours_to_close: float
    mean_minutes_to_accept: float
    mean_minutes_to_dispatch: float
    rework: int               # verifications that failed (the case was handled again)
    open: int
    overdue: int              # open past the case deadline
    replay_s: float = 0.0     # wall time of the replay that produced them
    closure_rate: float = 0.0  # closed / events (the report's 处置率)
    # each category's share of the events, by category code (catalogue order)
    category_share: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {k: (round(v, 4) if isinstance(v, float) else v)
               for k, v in asdict(self).items()}
        out["category_share"] = {c: round(v, 5) for c, v in self.category_share.items()}
        out["closure_rate"] = round(self.closure_rate, 5)
        return out


@dataclass(frozen=True)
class ReplayState:
    """The world at one moment of a replay."""

    t: float
    events_applied: int
    table: CaseTable          # the cases reported so far, as the queue and the map show them
    staff_ids: np.ndarray
    staff_lon: np.ndarray
    staff_lat: np.ndarray


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else 0.0


def _category_share(category: np.ndarray) -> dict[str, float]:
    """Each category's share of the cases whose category codes are ``category``."""
    counts = np.bincount(category, minlength=len(CATEGORY_CODES))
    n = max(1, len(category))
    return {c: float(counts[i]) / n for i, c in enumerate(CATEGORY_CODES)}


class Replay:
    """A scenario ready to replay."""

    def __init__(self, scenario: Scenario) -> None:
        self.header = scenario.header
        reports = [e for e in scenario.events if e["k"] == "report"]
        self.case_keys = np.array([e["case"] for e in reports], dtype=np.int64)
        index = {int(c): i for i, c in enumerate(self.case_keys)}
        n = len(reports)
        self.n_cases = n
        self.report_t = np.array([e["t"] for e in reports], dtype=float)
        self.deadline = np.array([e.get("deadline") or np.nan for e in reports], dtype=float)
        self.category = np.array([CATEGORY_CODES.index(e["cat"]) for e in reports],
                                 dtype=np.int8)
        self.subcategory = np.empty(n, dtype=object)
        self.subcategory[:] = [e["sub"] for e in reports]
        self.grid = np.empty(n, dtype=object)
        self.grid[:] = [e.get("grid", "") for e in reports]
        self.lon = np.array([e["lon"] for e in reports], dtype=float)
        self.lat = np.array([e["lat"] for e in reports], dtype=float)
        self.priority = np.array([PRIORITY_CODES.index(_PRIORITY_OF_CLASS.get(e["cls"],
                                                                              "normal"))
                                  for e in reports], dtype=np.int8)
        self.numbers = np.empty(n, dtype=object)
        self.numbers[:] = [e.get("number") or f"R{int(e['case']):08d}" for e in reports]
        self.titles = np.empty(n, dtype=object)
        self.titles[:] = [e.get("title") or e["sub"] for e in reports]
        # the case events (report and transitions), in time order
        case_events = [e for e in scenario.events if "case" in e and "s" in e
                       and int(e["case"]) in index]
        self.ev_t = np.array([e["t"] for e in case_events], dtype=float)
        order = np.argsort(self.ev_t, kind="stable")
        case_events = [case_events[i] for i in order]
        self.ev_t = self.ev_t[order]
        self.ev_case = np.array([index[int(e["case"])] for e in case_events], dtype=np.int64)
        self.ev_kind = np.empty(len(case_events), dtype=object)
        self.ev_kind[:] = [e["k"] for e in case_events]
        self.ev_status = np.array([STATUS_CODES.index(e["s"]) for e in case_events],
                                  dtype=np.int8)
        # the level after each event: the event's own, else unchanged (-1)
        self.ev_level = np.array([LEVEL_CODES.index(e["level"]) if e.get("level")
                                  in LEVEL_CODES else -1 for e in case_events], dtype=np.int8)
        self.ev_unit = np.empty(len(case_events), dtype=object)
        self.ev_unit[:] = [e.get("unit", "") for e in case_events]
        # staff moves
        moves = sorted((e for e in scenario.events if e["k"] == "position" and "staff" in e),
                       key=lambda e: e["t"])
        self.pos_t = np.array([e["t"] for e in moves], dtype=float)
        self.pos_staff = np.array([e["staff"] for e in moves], dtype=np.int64)
        self.pos_lon = np.array([e["lon"] for e in moves], dtype=float)
        self.pos_lat = np.array([e["lat"] for e in moves], dtype=float)
        self.actions = [e for e in scenario.events if e["k"] == "action"]
        self.start = float(self.header.start)
        last = max(self.ev_t[-1] if len(self.ev_t) else self.start,
                   self.pos_t[-1] if len(self.pos_t) else self.start)
        self.end = max(float(self.header.end), float(last))

    # -- seeking -------------------------------------------------------------------------
    def events_until(self, t: float) -> int:
        """How many case events happened at or before ``t``."""
        return int(np.searchsorted(self.ev_t, t, side="right"))

    def next_event_after(self, t: float) -> float | None:
        k = int(np.searchsorted(self.ev_t, t, side="right"))
        return float(self.ev_t[k]) if k < len(self.ev_t) else None

    def _last_per(self, keys: np.ndarray, k: int, n: int) -> np.ndarray:
        """For each of ``n`` keys, the index of its last event among the first ``k``
        (-1 none). The events are in time order, so the largest index is the latest."""
        last = np.full(n, -1, dtype=np.int64)
        if k:
            np.maximum.at(last, keys[:k], np.arange(k, dtype=np.int64))
        return last

    def state_at(self, t: float | dt.datetime) -> ReplayState:
        """The world at ``t``, rebuilt from the events (no replay from the start)."""
        if isinstance(t, dt.datetime):
            t = t.timestamp()
        k = self.events_until(t)
        last = self._last_per(self.ev_case, k, self.n_cases)
        seen = last >= 0
        status = np.where(seen, self.ev_status[np.maximum(last, 0)], -1).astype(np.int8)
        # the level: of the last event that set one
        has_level = np.flatnonzero(self.ev_level[:k] >= 0)
        level = np.zeros(self.n_cases, dtype=np.int8)
        if len(has_level):
            last_level = np.full(self.n_cases, -1, dtype=np.int64)
            np.maximum.at(last_level, self.ev_case[has_level], has_level)
            got = last_level >= 0
            level[got] = self.ev_level[last_level[got]]
        rows = np.flatnonzero(seen)
        table = CaseTable(
            ids=self.case_keys[rows], numbers=self.numbers[rows], titles=self.titles[rows],
            category=self.category[rows], subcategory=self.subcategory[rows],
            status=status[rows], priority=self.priority[rows], level=level[rows],
            district=np.array([g[:6] for g in self.grid[rows]], dtype=object),
            street=np.array([g[:9] for g in self.grid[rows]], dtype=object),
            grid_code=self.grid[rows], reported_at=self.report_t[rows],
            deadline=self.deadline[rows], lon=self.lon[rows], lat=self.lat[rows],
            started=np.where(seen, self.ev_t[np.maximum(last, 0)], np.nan)[rows])
        kp = int(np.searchsorted(self.pos_t, t, side="right"))
        staff = np.unique(self.pos_staff[:kp])
        if len(staff):
            lookup = np.searchsorted(staff, self.pos_staff[:kp])
            lastp = self._last_per(lookup, kp, len(staff))
            slon, slat = self.pos_lon[lastp], self.pos_lat[lastp]
        else:
            slon = slat = np.zeros(0)
        return ReplayState(float(t), k, table, staff, slon, slat)

    # -- indicators ------------------------------------------------------------------------
    def indicators(self, until: float | None = None) -> Indicators:
        """The indicators over the events up to ``until`` (the whole scenario by default),
        for the cases reported in the scenario's range."""
        t_end = self.end if until is None else float(until)
        k = self.events_until(t_end)
        case, kind, t = self.ev_case[:k], self.ev_kind[:k], self.ev_t[:k]
        in_range = self.report_t <= t_end
        first = {}
        for name in ("accept", "dispatch"):
            at = np.full(self.n_cases, np.nan)
            sel = np.flatnonzero(kind == name)
            # the first time (events are in time order: assign in reverse)
            at[case[sel[::-1]]] = t[sel[::-1]]
            first[name] = at
        closed_at = np.full(self.n_cases, np.nan)
        sel = np.flatnonzero(np.isin(self.ev_status[:k], _DONE_CODES) & (kind != "assess"))
        closed_at[case[sel[::-1]]] = t[sel[::-1]]
        state = self._last_per(case, k, self.n_cases)
        status = np.where(state >= 0, self.ev_status[np.maximum(state, 0)], -1)
        is_closed = ~np.isnan(closed_at) & in_range
        on_time = is_closed & (closed_at <= np.nan_to_num(self.deadline, nan=np.inf))
        open_ = in_range & ~np.isin(status, _CLOSED_CODES) & (status >= 0)
        overdue = open_ & (np.nan_to_num(self.deadline, nan=np.inf) < t_end)
        hours = (closed_at[is_closed] - self.report_t[is_closed]) / 3600
        acc = first["accept"][in_range] - self.report_t[in_range]
        dis = first["dispatch"][in_range] - first["accept"][in_range]
        n_closed = int(is_closed.sum())
        return Indicators(
            events=int(in_range.sum()), closed=n_closed, closed_on_time=int(on_time.sum()),
            closed_on_time_rate=float(on_time.sum() / n_closed) if n_closed else 0.0,
            mean_hours_to_close=_mean(hours),
            mean_minutes_to_accept=_mean(acc[~np.isnan(acc)] / 60),
            mean_minutes_to_dispatch=_mean(dis[~np.isnan(dis)] / 60),
            rework=int((kind == "verify_fail").sum()), open=int(open_.sum()),
            overdue=int(overdue.sum()),
            closure_rate=n_closed / max(1, int(in_range.sum())),
            category_share=_category_share(self.category[in_range]))

    # -- replaying ---------------------------------------------------------------------------
    def run(self, until: float | None = None, *, on_event=None) -> Indicators:  # noqa: ANN001
        """Replay event by event up to ``until`` (the end), as fast as possible, keeping the
        state the console would show; ``on_event(index)`` is called after each event.
        Returns the indicators, computed from the replayed state."""
        import time

        t0 = time.perf_counter()
        t_end = self.end if until is None else float(until)
        k_end = self.events_until(t_end)
        status = np.full(self.n_cases, -1, dtype=np.int8)
        accepted = np.full(self.n_cases, np.nan)
        dispatched = np.full(self.n_cases, np.nan)
        closed = np.full(self.n_cases, np.nan)
        rework = 0
        ev_case, ev_kind, ev_t, ev_status = (self.ev_case.tolist(), self.ev_kind.tolist(),
                                             self.ev_t.tolist(), self.ev_status.tolist())
        archived, assessed = STATUS_CODES.index("archived"), STATUS_CODES.index("assessed")
        for k in range(k_end):
            c, kind, t, s = ev_case[k], ev_kind[k], ev_t[k], ev_status[k]
            status[c] = s
            if kind == "accept" and accepted[c] != accepted[c]:
                accepted[c] = t
            elif kind == "dispatch" and dispatched[c] != dispatched[c]:
                dispatched[c] = t
            elif kind == "verify_fail":
                rework += 1
            elif (s == archived or (s == assessed and kind != "assess")) and \
                    closed[c] != closed[c]:
                closed[c] = t
            if on_event is not None:
                on_event(k)
        in_range = self.report_t <= t_end
        is_closed = ~np.isnan(closed) & in_range
        deadline = np.nan_to_num(self.deadline, nan=np.inf)
        on_time = is_closed & (closed <= deadline)
        open_ = in_range & (status >= 0) & ~np.isin(status, _CLOSED_CODES)
        acc = (accepted - self.report_t)[in_range]
        dis = (dispatched - accepted)[in_range]
        n_closed = int(is_closed.sum())
        return Indicators(
            events=int(in_range.sum()), closed=n_closed, closed_on_time=int(on_time.sum()),
            closed_on_time_rate=float(on_time.sum() / n_closed) if n_closed else 0.0,
            mean_hours_to_close=_mean((closed - self.report_t)[is_closed] / 3600),
            mean_minutes_to_accept=_mean(acc[~np.isnan(acc)] / 60),
            mean_minutes_to_dispatch=_mean(dis[~np.isnan(dis)] / 60), rework=rework,
            open=int(open_.sum()), overdue=int((open_ & (deadline < t_end)).sum()),
            replay_s=time.perf_counter() - t0,
            closure_rate=n_closed / max(1, int(in_range.sum())),
            category_share=_category_share(self.category[in_range]))




def case_at(replay: Replay, case_key: int, t: float):  # noqa: ANN201
    """One case as it stood at ``t`` in the replay: a :class:`models.core.records.CaseRecord`
    and its history so far (the case detail shows them like a live case's)."""
    from models.core.records import CaseRecord, HistoryRecord

    rows = np.flatnonzero(replay.case_keys == case_key)
    if not len(rows):
        return None, []
    i = int(rows[0])
    k = replay.events_until(t)
    mine = np.flatnonzero(replay.ev_case[:k] == i)
    if not len(mine):
        return None, []
    utc = dt.UTC
    history = []
    before = None
    level = None
    for j in mine:
        status = STATUS_CODES[replay.ev_status[j]]
        if replay.ev_level[j] >= 0:
            level = LEVEL_CODES[replay.ev_level[j]]
        unit = replay.ev_unit[j]
        history.append(HistoryRecord(dt.datetime.fromtimestamp(replay.ev_t[j], utc), None,
                                     "", str(replay.ev_kind[j]), before, status,
                                     f"→ {unit}" if unit else ""))
        before = status
    cls = next((c for c, p in _PRIORITY_OF_CLASS.items()
                if PRIORITY_CODES.index(p) == replay.priority[i]), "C")
    record = CaseRecord(
        id=int(case_key), number=str(replay.numbers[i]), channel="", catalogue_version="",
        category=CATEGORY_CODES[replay.category[i]], subcategory=str(replay.subcategory[i]),
        event_class=cls, priority=PRIORITY_CODES[replay.priority[i]], status=before or "",
        title=str(replay.titles[i]), description="", address="",
        lon=float(replay.lon[i]), lat=float(replay.lat[i]), grid_id=None, reporter_name="",
        reporter_phone="", assigned_unit_id=None,
        reported_at=dt.datetime.fromtimestamp(replay.report_t[i], utc), step_deadline=None,
        version=0, level=level)
    return record, history


__all__ = ["Indicators", "Replay", "ReplayState", "case_at"]
