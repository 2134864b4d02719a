"""The command line's screenshot of the console (needs Qt).

The other commands are tested in tests/domain/test_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import run_cli as run


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    result = run("demo", "--db", url, env_dir=folder)
    assert result.returncode == 0, result.stderr
    assert "2798 grids" in result.stdout and "GENERATED" in result.stdout
    return url, folder


def test_screenshot_of_the_console(demo_db, tmp_path) -> None:
    url, folder = demo_db
    shot = tmp_path / "console.png"
    result = run("--screenshot", str(shot), "--db", url, env_dir=folder)
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
