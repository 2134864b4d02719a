"""`replay` prints the report's figures: each category's share and the closure rate, in its
JSON line; on a recorded year of Tianxin they are within the issue's bounds."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import models.scenarios.files
from console.cli import main
from models.scenarios.files import ScenarioHeader, write_scenario
from routing.scenarios import record_simulation
from tests.factories import copy_demo_city

T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()
# the report: Tianxin 2019, 95,792 events, 98.51 % closed
REPORT = {"party": 3848, "city": 57840, "security": 20112, "environment": 3341,
          "emergency": 1979, "other": 8672}


def _report(case: int, cat: str, sub: str, t: float) -> dict:
    return {"t": t, "k": "report", "case": case, "sub": sub, "cat": cat, "cls": "C",
            "ch": "patrol", "grid": "430103001001001", "lon": 112.98, "lat": 28.19,
            "s": "reported"}


def _last_json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def test_the_replay_command_prints_shares_and_closure(tmp_path, capsys) -> None:
    path = tmp_path / "four.cgs"
    events = [_report(1, "city", "C01", T0), _report(2, "city", "C03", T0 + 1),
              _report(3, "emergency", "M01", T0 + 2), _report(4, "party", "P01", T0 + 3)]
    for case in (1, 2, 3):  # three of the four close
        events += [{"t": T0 + 60 * case, "k": "accept", "case": case, "s": "accepted"},
                   {"t": T0 + 60 * case + 10, "k": "verify", "case": case, "s": "archived"}]
    events.append({"t": T0 + 500, "k": "accept", "case": 4, "s": "accepted"})
    header = ScenarioHeader(name="four", start=T0, end=T0 + 3600, source="simulation")
    write_scenario(path, header, sorted(events, key=lambda e: e["t"]))
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    last = json.loads(out.strip().splitlines()[-1])
    assert last["closure_rate"] == 0.75 and last["closed"] == 3 and last["open"] == 1
    assert last["category_share"] == {"party": 0.25, "city": 0.5, "security": 0.0,
                                      "environment": 0.0, "emergency": 0.25, "other": 0.0}
    assert "closed 75.00% of 4 events" in out


@pytest.mark.slow
def test_a_recorded_year_of_tianxin_replays_within_the_reports_figures(demo_city_file, tmp_path,
                                                                       capsys, monkeypatch) -> None:
    db = copy_demo_city(demo_city_file[0], tmp_path / "demo.sqlite3")
    path = tmp_path / "year.cgs"
    record_simulation(db, path, district="430103", days=365, seed=1,
                      start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    db.dispose()
    # a year of Tianxin is about 776,000 lines: within the reader's cap
    assert models.scenarios.files.MAX_EVENTS >= 1_000_000
    assert main(["replay", str(path)]) == 0
    last = _last_json(capsys)
    assert abs(last["events"] - 95_792) < 4 * 95_792 ** 0.5
    for category, n in REPORT.items():
        assert abs(last["category_share"][category] - n / 95_792) < 0.002, category
    assert abs(last["closure_rate"] - 0.9851) < 0.005
