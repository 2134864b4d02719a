"""The after-action report: a real PDF that poppler renders and reads back, Chinese included."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

from console.report import after_action_html, findings, write_after_action_report
from models.drills.scoring import CaseScore, DrillScore, ScorePart, StepScore

pytestmark = pytest.mark.gui

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
T0 = dt.datetime(2026, 3, 9, 2, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def poppler(tool: str) -> str:
    """The path of a poppler-utils tool; skip (locally) or fail (under CI) without it."""
    path = shutil.which(tool)
    if path:
        return path
    reason = f"{tool} (poppler-utils) is not installed"
    if IN_CI:
        pytest.fail(f"{reason}; under CI=true it is required (scripts/system-deps.sh "
                    "installs it)", pytrace=False)
    pytest.skip(f"{reason}: apt-get install poppler-utils, or run scripts/system-deps.sh")


def small_score() -> DrillScore:
    def step(name: str, start: dt.datetime, minutes: float, limit_h: float,
             done: float | None) -> StepScore:
        deadline = start + dt.timedelta(hours=limit_h)
        end = start + done * MIN if done is not None else None
        return StepScore(name, start, deadline, end,
                         end is not None and end <= deadline, limit_h,
                         None if done is None else done / 60)

    right = CaseScore(
        1, "C2026030900000001", "M01", "仓库火情", "dispatched", 1, T0, T0 + 5 * MIN,
        T0 + 15 * MIN, 300.0, 600.0, "430103", "district", "430103", "district", True, 0,
        (step("accept", T0, 0, 0.25, 5), step("dispatch", T0 + 5 * MIN, 0, 0.5, 10)))
    wrong = CaseScore(
        2, "C2026030900000002", "M02", "燃气泄漏 <阀门>", "dispatched", 2, T0,
        T0 + 20 * MIN, T0 + 65 * MIN, 1200.0, 2700.0, "430103001001", "community",
        "430103", "district", False, 1,
        (step("accept", T0, 0, 0.25, 20), step("dispatch", T0 + 20 * MIN, 0, 0.5, 45)))
    waiting = CaseScore(
        3, "C2026030900000003", "M03", "内涝积水", "reported", 3, T0, None, None, None, None,
        None, None, "430103", "district", False, 0, (step("accept", T0, 0, 0.25, None),))
    parts = (ScorePart("routing", 40, 0.5, 40, 20), ScorePart("deadlines", 30, 0.4, 30, 12),
             ScorePart("speed", 20, 1 / 3, 20, 6.7), ScorePart("rework", 10, None, 0, 0))
    return DrillScore(T0 + 3 * 60 * MIN, T0, "default-2026", 3, 2, 2, 750.0, 1650.0, 1, 1,
                      2, 3, 1, 1, 1, parts, 38.7, (right, wrong, waiting))


def test_html_escapes_and_highlights(qapp) -> None:
    score = small_score()
    page = after_action_html(score, trainee="张三 <训练>", scenario="夜班 & 暴雨")
    assert "张三 &lt;训练&gt;" in page and "夜班 &amp; 暴雨" in page
    assert "燃气泄漏 &lt;阀门&gt;" in page
    assert page.count("background-color:#f8d7da") == 1  # the one wrong routing
    notes = findings(score)
    assert any("C2026030900000002" in n and "430103001001" in n for n in notes)
    assert any("C2026030900000003" in n for n in notes)  # never accepted


def test_report_is_a_readable_pdf(qapp, tmp_path: Path) -> None:
    pdftoppm, pdftotext = poppler("pdftoppm"), poppler("pdftotext")
    out = write_after_action_report(small_score(), tmp_path / "reports" / "aar.pdf",
                                    trainee="张三", scenario="暴雨夜班演练")
    assert out == tmp_path / "reports" / "aar.pdf"
    assert out.read_bytes().startswith(b"%PDF")

    subprocess.run([pdftoppm, "-png", "-r", "50", str(out), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages, "pdftoppm made no page"
    image = QImage(str(pages[0])).convertToFormat(QImage.Format.Format_Grayscale8)
    assert not image.isNull() and image.width() > 300  # A4 at 50 dpi: 413 x 585
    grey = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine())[:, :image.width()]
    assert (grey < 100).sum() > 2000, "the first page is blank"

    text = subprocess.run([pdftotext, "-layout", str(out), "-"], check=True,
                          capture_output=True, timeout=60).stdout.decode("utf-8")
    assert "After-action report" in text
    assert "C2026030900000002" in text
    assert "张三" in text
    # 雨, 火 and 门 share their glyphs with radicals: they must read back as written
    assert "暴雨夜班演练" in text and "火情" in text and "燃气泄漏 <阀门>" in text
    pdffonts = shutil.which("pdffonts")
    if pdffonts:  # the Chinese glyphs come from an embedded CJK font, not from boxes
        fonts = subprocess.run([pdffonts, str(out)], check=True, capture_output=True,
                               timeout=60).stdout.decode()
        assert "CJK" in fonts, fonts


def test_report_of_an_empty_drill(qapp, tmp_path: Path) -> None:
    pdftotext = poppler("pdftotext")
    score = DrillScore(T0, None, None, 0, 0, 0, None, None, 0, 0, 0, 0, 0, 0, 0,
                       (ScorePart("routing", 40, None, 0, 0),), 0.0, ())
    out = write_after_action_report(score, tmp_path / "empty.pdf", trainee="李四",
                                    scenario="空")
    text = subprocess.run([pdftotext, str(out), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    assert "No case was reported during the drill." in text and "李四" in text
