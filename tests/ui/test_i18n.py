"""Chinese and English: every string is translated and the console switches language."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt

from console.i18n import install_translators, resolve_language
from console.mainwindow import MainWindow

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "citygrid_zh_CN.ts"


def test_every_message_is_translated() -> None:
    unfinished = [m.findtext("source") for m in ET.parse(TS).iter("message")
                  if m.find("translation").get("type") == "unfinished"
                  or not (m.findtext("translation") or "").strip()]
    assert unfinished == []


def test_translation_source_is_up_to_date(tmp_path) -> None:
    """lupdate finds no string in the code that the .ts file lacks."""
    copy = tmp_path / "check.ts"
    copy.write_bytes(TS.read_bytes())
    files = subprocess.run(["git", "ls-files", "console/*.py", "widgets/*.py"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    out = subprocess.run([str(lupdate), "-no-obsolete", *files, "-ts", str(copy)], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "(0 new and" in out, f"run scripts/update-translations.sh and translate:\n{out}"


@pytest.mark.parametrize("choice, system, expected", [
    ("zh_CN", QLocale.Language.English, "zh_CN"),
    ("en", QLocale.Language.Chinese, "en"),
    ("system", QLocale.Language.Chinese, "zh_CN"),
    ("system", QLocale.Language.German, "en"),
])
def test_language_follows_the_system_unless_chosen(choice, system, expected) -> None:
    assert resolve_language(choice, QLocale(system)) == expected


def test_window_in_chinese(qtbot, qapp) -> None:
    translators = install_translators(qapp, "zh_CN")
    try:
        assert translators, "the compiled .qm file did not load"
        win = MainWindow("x")
        qtbot.addWidget(win)
        assert win.docks["queue"].windowTitle() == "案件队列"
        assert win.queue.model.headerData(0, Qt.Orientation.Horizontal) == "编号"
        assert QCoreApplication.translate("labels", "City management") == "城管"
    finally:
        for t in translators:
            qapp.removeTranslator(t)
