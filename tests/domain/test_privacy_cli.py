"""The command line prints no phone or ID number: not in its errors (a database's refusal
included), not in its log lines."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError

from console import cli
from models.core.privacy import PersonalDataFilter
from models.storage.db import Database
from tests.factories import run_cli as run

PHONE = "13812345678"


def test_an_import_error_quoting_a_value_prints_it_masked(tiny_city, tmp_path) -> None:
    bad = tmp_path / "cases.csv"
    bad.write_text("subcategory,lon,lat,title,reporter_phone\n"
                   f"{PHONE},112.9825,28.1875,井盖,{PHONE}\n", encoding="utf-8")
    result = run("import-cases", str(bad), "--db", tiny_city.db.url, env_dir=tmp_path)
    assert result.returncode == cli.EXIT_PROBLEMS
    assert "row 2" in result.stderr and "138****5678" in result.stderr
    assert PHONE not in result.stderr + result.stdout


def test_main_masks_every_log_line(caplog, monkeypatch) -> None:
    def logging_command(args) -> int:
        logging.getLogger("models.intake.service").warning("refused payload %r", {"phone": PHONE})
        return cli.EXIT_OK

    monkeypatch.setitem(cli.COMMANDS, "export-cases", logging_command)
    assert cli.main(["export-cases", "x.json"]) == cli.EXIT_OK
    handlers = logging.getLogger().handlers
    assert handlers and all(any(isinstance(f, PersonalDataFilter) for f in h.filters)
                            for h in handlers)
    assert "138****5678" in caplog.text and PHONE not in caplog.text


@pytest.mark.postgres
def test_a_postgresql_data_error_prints_no_phone(pg_url, capsys, monkeypatch) -> None:
    db = Database.open(pg_url)
    try:
        with pytest.raises(DataError) as caught, db.engine.connect() as conn:
            conn.execute(text("CREATE TEMPORARY TABLE callback (phone varchar(5))"))
            conn.execute(text("INSERT INTO callback VALUES (:phone)"), {"phone": PHONE})
    finally:
        db.dispose()
    assert PHONE in str(caught.value)  # SQLAlchemy's message repeats the parameters

    def failing(args) -> int:
        raise caught.value

    monkeypatch.setitem(cli.COMMANDS, "export-cases", failing)
    assert cli.main(["export-cases", "x.json"]) == cli.EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "DataError" in err and "value too long" in err and PHONE not in err
