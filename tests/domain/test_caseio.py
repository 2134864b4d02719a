"""Cases in and out of files: CSV in UTF-8 and GBK, Open311 JSON, all or nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models.cases.loop import CaseLoop
from models.core.auth import Actor
from models.core.errors import ValidationError
from models.intake.files import export_cases, import_cases
from models.storage.schema import Case
from tests.freshloop import FreshLoop

ADMIN = Actor.system("import")
HEADER = ("channel,subcategory,lon,lat,title,description,address,reporter_name,reporter_phone,"
          "reported_at\n")
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
    with pytest.raises(ValidationError, match=r"2 row.*nothing was imported") as info:
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
    FreshLoop(CaseLoop(tiny_city.db, ADMIN)).accept(case_id)
    out = tmp_path / "out.json"
    assert export_cases(tiny_city.db, ADMIN, out) == 1
    (req,) = json.loads(out.read_text(encoding="utf-8"))
    assert req["service_code"] == "C03" and req["status"] == "open"
    assert req["status_notes"] == "step 2 accept & dispatch: accepted"
    assert req["x_reporter_phone"] == "137****5678"  # masked in exports too
    assert "13712345678" not in out.read_text(encoding="utf-8")
    assert (req["lat"], req["long"]) == (28.1885, 112.9815)


# -- hostile and broken files (issue 11) --------------------------------------------------
from models.storage.schema import QuarantineItem  # noqa: E402

GOOD = ("patrol,C01,112.981,28.189,占道经营,早市摊贩,坡子街,李先生,13800001111,"
        "2026-11-28T08:00:00+08:00\n")


def rows_with(tmp_path, *extra: str, name: str = "cases.csv"):
    path = tmp_path / name
    path.write_text(HEADER + GOOD + "".join(extra), encoding="utf-8")
    return path


def quarantined(db) -> list[QuarantineItem]:
    with db.read() as s:
        return list(s.scalars(select(QuarantineItem).order_by(QuarantineItem.id)))


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+00:00",
                                  "2999-01-01T00:00:00+08:00", "2099-12-31T23:00:00+00:00"])
def test_a_date_out_of_range_is_a_problem_of_its_row(tmp_path, tiny_city, when) -> None:
    path = rows_with(tmp_path, f"patrol,C01,112.982,28.188,占道,,,,,{when}\n")
    with pytest.raises(ValidationError, match=r"1 row.*nothing was imported") as info:
        import_cases(tiny_city.db, ADMIN, path)
    (row, message), = info.value.details["problems"]
    assert row == 3 and "reported_at" in message and ("outside" in message or "future" in message)
    assert count(tiny_city.db) == 0


def test_a_field_over_128_kib_is_a_clear_error(tmp_path, tiny_city) -> None:
    path = rows_with(tmp_path, "patrol,C01,112.982,28.188,占道," + "x" * (128 * 1024 + 10)
                     + ",,,,\n")
    with pytest.raises(ValidationError, match=r"line 3.*field larger than field limit"):
        import_cases(tiny_city.db, ADMIN, path)
    assert count(tiny_city.db) == 0


def test_json_nested_200000_deep_is_a_clear_error(tmp_path, tiny_city) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    with pytest.raises(ValidationError, match="nested too deeply"):
        import_cases(tiny_city.db, ADMIN, path)
    huge = tmp_path / "huge.json"
    huge.write_text('[{"service_code": "C03", "lat": 1' + "0" * 5000 + ', "long": 1}]')
    with pytest.raises(ValidationError, match="not valid JSON"):
        import_cases(tiny_city.db, ADMIN, huge)


def test_a_nul_byte_is_refused_without_the_phone(tmp_path, tiny_city) -> None:
    path = rows_with(tmp_path, "patrol,C01,112.982,28.188,占道,摊贩\x00,,王,13912345678,\n",
                     "patrol,C01,112.982,28.188,占道,,,王,1391234\x005678,\n")
    with pytest.raises(ValidationError) as info:
        import_cases(tiny_city.db, ADMIN, path)
    problems = dict(info.value.details["problems"])
    assert "description holds a NUL" in problems[3] and "phone holds a NUL" in problems[4]
    assert "1391234" not in str(info.value.details) + info.value.message
    assert count(tiny_city.db) == 0


def test_a_bad_phone_is_refused_without_repeating_it(tmp_path, tiny_city) -> None:
    path = rows_with(tmp_path, "patrol,C01,112.982,28.188,占道,,,王,139-call-5678,\n")
    with pytest.raises(ValidationError) as info:
        import_cases(tiny_city.db, ADMIN, path)
    assert "not a phone number" in dict(info.value.details["problems"])[3]
    assert "5678" not in str(info.value.details)


@pytest.mark.parametrize("lon, lat", [(-74.006, 40.7128), (0.0, 0.0), (113.5, 28.19)])
def test_a_case_outside_the_city_is_refused(tmp_path, tiny_city, lon, lat) -> None:
    path = rows_with(tmp_path, f"patrol,C01,{lon},{lat},占道,,,,,\n")
    with pytest.raises(ValidationError) as info:
        import_cases(tiny_city.db, ADMIN, path)
    assert "outside the city" in dict(info.value.details["problems"])[3]
    assert count(tiny_city.db) == 0


def test_a_long_description_is_refused(tmp_path, tiny_city) -> None:
    from models.cases.service import MAX_DESCRIPTION_CHARS

    path = rows_with(tmp_path, "patrol,C01,112.982,28.188,占道,"
                     + "长" * (MAX_DESCRIPTION_CHARS + 1) + ",,,,\n")
    with pytest.raises(ValidationError) as info:
        import_cases(tiny_city.db, ADMIN, path)
    assert f"at most {MAX_DESCRIPTION_CHARS:,}" in dict(info.value.details["problems"])[3]


def test_quarantine_invalid_imports_the_valid_rows(tmp_path, tiny_city) -> None:
    path = rows_with(tmp_path, "patrol,C01,-74.006,40.7128,纽约,,,王,13912345678,\n",
                     "patrol,Z99,112.982,28.188,?,,,,,\n", GOOD)
    result = import_cases(tiny_city.db, ADMIN, path, quarantine_invalid=True)
    assert result.imported == 2 and count(tiny_city.db) == 2
    items = quarantined(tiny_city.db)
    assert [q.id for q in items] == list(result.quarantined)
    assert [q.reason.split(":")[0] for q in items] == ["row 3", "row 4"]
    assert "outside the city" in items[0].reason and "Z99" in items[1].reason
    assert json.loads(items[0].payload)["title"] == "纽约"  # the row, as it was
    assert all(q.channel == "import" and q.source == str(path) for q in items)
    from models.intake.service import IntakeService
    from models.storage.schema import StaffRole

    shown = IntakeService(tiny_city.db, Actor("v", StaffRole.ASSISTANT)).quarantine()
    assert "13912345678" not in json.dumps([q.payload for q in shown], ensure_ascii=False)


def test_the_service_map_and_the_suggestion(tmp_path, tiny_city) -> None:
    from models.intake.files import ServiceMap

    requests = [
        {"service_code": "city_management", "lat": 28.1885, "long": 112.9815,
         "description": "路边摊贩占道", "requested_datetime": "2026-11-28T10:00:00+08:00"},
        {"service_code": "4301-77", "lat": 28.1885, "long": 112.9815,
         "description": "小区门口井盖丢了", "requested_datetime": "2026-11-28T10:00:00+08:00"},
        {"service_code": "C03", "lat": 28.1885, "long": 112.9815, "description": "垃圾"}]
    src = tmp_path / "other.json"
    src.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match="2 row"):  # their codes are not ours
        import_cases(tiny_city.db, ADMIN, src)
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"city_management": "C01"}), encoding="utf-8")
    assert import_cases(tiny_city.db, ADMIN, src,
                        service_map=ServiceMap.read(mapping)).imported == 3
    with tiny_city.db.read() as s:
        assert sorted(s.scalars(select(Case.subcategory))) == ["C01", "C03", "C04"]
    mapping.write_text(json.dumps({"city_management": "Q42"}), encoding="utf-8")
    with pytest.raises(ValidationError, match="'city_management' maps to 'Q42'"):
        ServiceMap.read(mapping)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps([dict(requests[1], description="hello")]), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        import_cases(tiny_city.db, ADMIN, unknown, service_map=ServiceMap({}))
    assert "suggests no subcategory" in dict(info.value.details["problems"])[1]


def test_batches_are_one_transaction(tmp_path, tiny_city, monkeypatch) -> None:
    """A row that fails while the later batches are written takes the earlier ones back."""
    from models.intake import files as caseio

    path = rows_with(tmp_path, *[GOOD] * 6)
    assert import_cases(tiny_city.db, ADMIN, path, batch_rows=2).imported == 7
    assert count(tiny_city.db) == 7
    checked = {"n": 0}
    real = caseio._Checker.values

    def flaky(self, row):
        checked["n"] += 1
        if checked["n"] == 7 + 6:  # pass 2, after three batches were inserted
            raise ValidationError("the file changed under the import")
        return real(self, row)

    monkeypatch.setattr(caseio._Checker, "values", flaky)
    with pytest.raises(ValidationError, match="changed"):
        import_cases(tiny_city.db, ADMIN, path, batch_rows=2)
    assert count(tiny_city.db) == 7  # none of the second import
