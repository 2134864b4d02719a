"""Cases in and out of files: CSV in UTF-8 and GBK, Open311 JSON, all or nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models.auth import Actor
from models.caseio import export_cases, import_cases
from models.errors import ValidationError
from models.loop import CaseLoop
from models.schema import Case

ADMIN = Actor.system("import")
HEADER = "channel,subcategory,lon,lat,title,description,address,reporter_name,reporter_phone,reported_at\n"
ROWS = ["patrol,C01,112.981,28.189,占道经营,早市摊贩,坡子街,,,2026-11-28T08:00:00+08:00\n",
        "hotline_12345,E02,112.986,28.186,噪声扰民,夜间施工,解放西路,李先生,13800001111,2026-11-28T23:10:00+08:00\n"]


def count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Case))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_any_common_encoding(tmp_path, tiny_city, encoding) -> None:
    path = tmp_path / "cases.csv"
    path.write_bytes((HEADER + "".join(ROWS)).encode(encoding))
    n = import_cases(tiny_city.db, ADMIN, path, locate=lambda lon, lat: tiny_city.grids[0])
    assert n.imported == 2 and count(tiny_city.db) == 2
    with tiny_city.db.read() as s:
        titles = sorted(s.scalars(select(Case.title)))
    assert titles == ["占道经营", "噪声扰民"]


def test_one_bad_row_means_nothing_is_imported(tmp_path, tiny_city) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + ROWS[0] + "patrol,Z99,112.98,28.18,?,,,,,\n" +
                    "patrol,C01,east,28.18,?,,,,,\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="2 row.*nothing was imported") as info:
        import_cases(tiny_city.db, ADMIN, path)
    problems = dict(info.value.details["problems"])
    assert "unknown subcategory" in problems[3] and "lon must be a number" in problems[4]
    assert count(tiny_city.db) == 0


def test_bad_files(tmp_path, tiny_city) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(ValidationError, match="empty"):
        import_cases(tiny_city.db, ADMIN, empty)
    no_cols = tmp_path / "n.csv"
    no_cols.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="missing column"):
        import_cases(tiny_city.db, ADMIN, no_cols)
    broken = tmp_path / "b.json"
    broken.write_text("[{")
    with pytest.raises(ValidationError, match="not valid JSON"):
        import_cases(tiny_city.db, ADMIN, broken)


def test_open311_round_trip(tmp_path, tiny_city) -> None:
    requests = [{"service_code": "C03", "lat": 28.1885, "long": 112.9815,
                 "description": "垃圾堆放", "address_string": "黄兴南路",
                 "first_name": "张", "last_name": "三", "phone": "13712345678",
                 "requested_datetime": "2026-11-28T10:00:00+08:00"}]
    src = tmp_path / "in.json"
    src.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    assert import_cases(tiny_city.db, ADMIN, src).imported == 1
    case_id = 1
    with tiny_city.db.read() as s:
        case_id = s.scalar(select(Case.id))
    CaseLoop(tiny_city.db, ADMIN).accept(case_id)
    out = tmp_path / "out.json"
    assert export_cases(tiny_city.db, ADMIN, out) == 1
    (req,) = json.loads(out.read_text(encoding="utf-8"))
    assert req["service_code"] == "C03" and req["status"] == "open"
    assert req["status_notes"] == "step 2 accept & dispatch: accepted"
    assert req["x_reporter_phone"] == "137****5678"  # masked in exports too
    assert "13712345678" not in out.read_text(encoding="utf-8")
    assert (req["lat"], req["long"]) == (28.1885, 112.9815)
