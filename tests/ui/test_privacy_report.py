"""The drill's after-action PDF holds no phone or ID number, even one its layout would wrap
across two lines of a table cell."""

from __future__ import annotations

import dataclasses
import re
import subprocess

import pytest

from console.report import after_action_html, findings, write_after_action_report
from tests.ui.test_report_pdf import poppler, small_score

pytestmark = pytest.mark.gui

PHONE, ID = "13812345678", "430105199001011234"


def _score_with_numbers_in_titles():
    score = small_score()
    long_title = f"燃气泄漏 报警人张先生电话{PHONE}身份证号码{ID}请尽快处理"
    rows = tuple(dataclasses.replace(r, title=long_title) for r in score.rows)
    return dataclasses.replace(score, rows=rows)


def test_the_html_and_the_findings_mask_numbers_in_titles(qapp) -> None:
    score = _score_with_numbers_in_titles()
    page = after_action_html(score, trainee="张三", scenario=f"演练 {PHONE}")
    text = page + "\n".join(findings(score))
    assert PHONE not in text and ID not in text
    assert "138****5678" in page and "430****1234" in page


def test_the_pdf_holds_no_number_even_wrapped(qapp, tmp_path) -> None:
    pdftotext = poppler("pdftotext")
    out = write_after_action_report(_score_with_numbers_in_titles(), tmp_path / "aar.pdf",
                                    trainee="张三", scenario=f"演练 {PHONE}")
    text = subprocess.run([pdftotext, str(out), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    joined = re.sub(r"\s+", "", text)  # a cell's lines, put back together
    assert "138****5678" in joined
    assert PHONE not in joined and ID not in joined
    assert PHONE.encode() not in out.read_bytes()
