"""A trainer's drill copy is private (0600) and holds no unmasked phone; scenario files
and exports mask phone and ID numbers written in free text."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import stat
from dataclasses import asdict

from sqlalchemy import select

from models.cases.service import CaseService, NewCase
from models.core.auth import Actor, SystemRole
from models.core.privacy import holds_personal_data
from models.drills.injects import DrillInject
from models.drills.session import DrillSession
from models.drills.world import create_drill_db
from models.intake.files import export_cases
from models.scenarios.files import ScenarioHeader, export_scenario, read_scenario
from models.storage.schema import Staff

ADMIN = Actor.system()
T0 = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)
IN_GRID = (112.9825, 28.1875)


def test_a_drill_copy_is_0600_and_holds_no_unmasked_staff_phone(tiny_city, tmp_path) -> None:
    with tiny_city.db.read() as s:
        phones = list(s.scalars(select(Staff.phone).order_by(Staff.id)))
    assert phones and all(len(p) == 11 for p in phones)
    old = os.umask(0o022)  # the usual umask, which made the file 0644
    try:
        drill = create_drill_db(tiny_city.db, tmp_path / "drills" / "d.sqlite3")
    finally:
        os.umask(old)
    try:
        session = DrillSession(drill, [DrillInject(0, "C03", *IN_GRID,
                                                   "垃圾 报警人13912345678",
                                                   "身份证 430105199001011234")], start=T0)
        for item in session.due(T0 + dt.timedelta(seconds=1)):
            session.inject(item, T0 + dt.timedelta(seconds=1))
        assert len(session.injected) == 1
        with drill.read() as s:
            masked = list(s.scalars(select(Staff.phone).order_by(Staff.id)))
        assert masked == [p[:3] + "****" + p[-4:] for p in phones]
    finally:
        drill.dispose()
    files = list((tmp_path / "drills").iterdir())
    assert files
    for f in files:  # the database and whatever WAL files SQLite left
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
        data = f.read_bytes()
        for phone in (*phones, "13912345678"):
            assert phone.encode() not in data
        assert b"430105199001011234" not in data


def test_scenario_files_and_exports_mask_free_text(tiny_city, tmp_path) -> None:
    CaseService(tiny_city.db, ADMIN).report(NewCase(
        "hotline_12345", "C03", *IN_GRID, "垃圾 回电 138 1234 5678",
        description="身份证430105199001011234", address="+86-13900001111 楼下",
        reporter_phone="13700002222", reported_at=T0))
    path = tmp_path / "log.jsonl.gz"
    export_scenario(tiny_city.db, ADMIN, path, T0 - dt.timedelta(hours=1),
                    T0 + dt.timedelta(hours=1))
    raw = gzip.decompress(path.read_bytes()).decode()
    assert "138****5678" in raw and not holds_personal_data(raw)
    (report,) = [e for e in read_scenario(path).events if e["k"] == "report"]
    assert report["title"] == "垃圾 回电 138****5678"
    out = tmp_path / "cases.json"
    export_cases(tiny_city.db, Actor.system("x", SystemRole.ADMIN), out)
    text = out.read_text(encoding="utf-8")
    (req,) = json.loads(text)
    assert (req["description"], req["address"]) == ("身份证430****1234", "+86-139****1111 楼下")
    assert not holds_personal_data(text)


def test_a_scenario_written_elsewhere_is_read_masked(tmp_path) -> None:
    start = T0.timestamp()
    header = asdict(ScenarioHeader("外来", start, start + 3600))
    event = {"t": start + 1, "k": "report", "case": 1, "sub": "C03", "cat": "city",
             "cls": "C", "s": "reported", "lon": IN_GRID[0], "lat": IN_GRID[1],
             "title": "垃圾 回电13812345678"}
    path = tmp_path / "foreign.jsonl.gz"
    path.write_bytes(gzip.compress(
        (json.dumps(header) + "\n" + json.dumps(event, ensure_ascii=False) + "\n").encode()))
    (ev,) = read_scenario(path).events
    assert ev["title"] == "垃圾 回电138****5678"
