"""The after-action report of a training drill: an HTML document printed to an A4 PDF.

The score comes from the domain (:func:`models.drills.scoring.score_drill`); this module only words
and lays it out: the indicators, the score's parts, each case with the trainee's decision
beside the one the policy records (wrong routings highlighted), and a short list of
findings. The text goes through Qt's translation (context ``report``); Chinese in case
titles and names renders with the Noto CJK fonts (fontconfig picks them from the family
list below).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMarginsF, QSizeF
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QRawFont,
    QTextDocument,
)

from models.core.enums import CaseStatus
from models.core.privacy import mask_personal_data
from models.drills.scoring import CaseScore, DrillScore
from widgets import labels

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
# Latin text (and digits) from a Latin font, Chinese from Noto Sans CJK SC. The order
# matters: Qt writes no ToUnicode entry for the digit glyphs of the CJK font, so a PDF set
# in it alone reads back (pdftotext, search, copy) without its numbers.
FONT_FAMILIES = ["Noto Sans", "DejaVu Sans", "Noto Sans CJK SC"]
FONT_POINTS = 9.5
MARGINS_MM = QMarginsF(16, 16, 16, 16)
RESOLUTION_DPI = 300
WRONG_BG, WRONG_FG, HEAD_BG = "#f8d7da", "#a61b29", "#e8ecf1"
NOWRAP = 'style="white-space:nowrap"'
# per cent of the page for each column of the per-case table
CASE_COLUMNS = (19, 12, 8, 9, 12, 12, 9, 11, 8)

translate = QCoreApplication.translate  # lupdate reads translate("report", "...") calls


def _e(text: str) -> str:
    """Escaped for the report's HTML, with phone and ID numbers masked first: masked before
    the layout, since a number wrapped across two lines of a cell can no longer be found
    (and the report goes to trainees, who have no contact rights)."""
    return html.escape(mask_personal_data(text))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return translate("report", "{s} s").format(s=s)
    if s < 3600:
        return translate("report", "{m} min {s:02d} s").format(m=s // 60, s=s % 60)
    return translate("report", "{h} h {m:02d} min").format(h=s // 3600, m=s % 3600 // 60)


def _time(when: dt.datetime | None, *, short: bool = False) -> str:
    """Local (Changsha) time; ``short`` leaves out the year."""
    if when is None:
        return "—"
    return when.astimezone(DISPLAY_TZ).strftime("%m-%d %H:%M" if short else "%Y-%m-%d %H:%M")


def _share(part: int, whole: int) -> str:
    return f"{part} / {whole} ({100 * part / whole:.0f} %)" if whole else "—"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _unit(code: str | None, level: str | None) -> str:
    if code is None:
        return "—"
    levels = ", ".join(labels.level(lv.strip()) for lv in (level or "").split(",") if lv)
    return f"{html.escape(code)}" + (f" ({html.escape(levels)})" if levels else "")


# QT_TRANSLATE_NOOP returns its text; the stubs say object
_STEP = cast("dict[str, str]", {
    "accept": QT_TRANSLATE_NOOP("report", "accept"),
    "dispatch": QT_TRANSLATE_NOOP("report", "dispatch"),
    "handle": QT_TRANSLATE_NOOP("report", "handle"),
    "verify": QT_TRANSLATE_NOOP("report", "verify"),
})
_INDICATOR = cast("dict[str, str]", {
    "routing": QT_TRANSLATE_NOOP("report", "Routing right"),
    "deadlines": QT_TRANSLATE_NOOP("report", "Deadlines met"),
    "speed": QT_TRANSLATE_NOOP("report", "Speed (share of the limit left)"),
    "rework": QT_TRANSLATE_NOOP("report", "Closed without rework"),
})


def _label(table: dict[str, str], code: str) -> str:
    return translate("report", table.get(code, code))


def findings(score: DrillScore) -> list[str]:
    """What the trainer should talk about, most important first (plain text)."""
    if not score.cases:
        return [translate("report", "No case was reported during the drill.")]
    out: list[str] = []
    for row in score.rows:
        if row.wrong:
            out.append(translate(
                "report", "{case} ({title}) went to {unit}; the policy sends it to {expected}.")
                .format(case=row.number, title=mask_personal_data(row.title),
                        unit=row.trainee_unit, expected=row.expected_unit))
    never = [r.number for r in score.rows
             if r.accepted_at is None and r.status == CaseStatus.REPORTED]
    if never:
        out.append(translate("report", "Not accepted by the end of the drill: {cases}.")
                   .format(cases=", ".join(never)))
    late = [f"{r.number} ({_label(_STEP, s.step)})" for r in score.rows for s in r.steps
            if not s.met]
    if late:
        out.append(translate("report", "Deadlines missed: {steps}.")
                   .format(steps=", ".join(late)))
    if score.reworked_cases:
        out.append(translate("report", "{n} case(s) failed verification and went back to "
                                       "handling.").format(n=score.reworked_cases))
    if score.policy is None:
        out.append(translate("report", "Routing was not judged: no routing policy was given."))
    elif score.routing_wrong == 0 and score.routing_right:
        out.append(translate("report", "Every dispatch went where policy {policy} sends it.")
                   .format(policy=score.policy))
    if score.deadlines_missed == 0 and score.deadlines_met:
        out.append(translate("report", "Every step judged so far met its deadline."))
    return out


def _case_row(row: CaseScore) -> str:
    e = _e
    if row.wrong:
        verdict = f'<b style="color:{WRONG_FG}">{e(translate("report", "Wrong"))}</b>'
    elif row.right:
        verdict = e(translate("report", "Right"))
    else:
        verdict = "—"
    style = f' style="background-color:{WRONG_BG}"' if row.wrong else ""
    cells = (f"<td {NOWRAP}>{e(row.number)}<br>{_time(row.reported_at, short=True)}</td>",
             f"<td>{e(row.subcategory)} {e(row.title)}</td>",
             f"<td>{_duration(row.time_to_accept_s)}</td>",
             f"<td>{_duration(row.time_to_dispatch_s)}</td>",
             f"<td>{_unit(row.trainee_unit, row.trainee_level)}</td>",
             f"<td>{_unit(row.expected_unit, row.expected_level)}</td>",
             f"<td>{verdict}</td>",
             f"<td>{row.deadlines_met} / {row.deadlines_met + row.deadlines_missed}</td>",
             f"<td>{row.rework}</td>")
    return f"<tr{style}>" + "".join(cells) + "</tr>"


def _table(header: list[str] | None, rows: list[str], *, widths: tuple[int, ...] = (),
           small: bool = False) -> str:
    """A ruled table, with a shaded header row when ``header`` is given (``widths``: each
    column's share of the page, in per cent)."""
    head = ""
    if header is not None:
        cells = []
        for n, h in enumerate(header):
            width = f' width="{widths[n]}%"' if n < len(widths) else ""
            cells.append(f"<th{width}>{html.escape(h)}</th>")
        head = f'<tr style="background-color:{HEAD_BG}">' + "".join(cells) + "</tr>"
    size = " font-size:8pt;" if small else ""
    return ('<table border="1" cellspacing="0" cellpadding="4" width="100%" '
            f'style="border-collapse:collapse; border-color:#9aa5b1;{size}">'
            + head + "".join(rows) + "</table>")


def after_action_html(score: DrillScore, *, trainee: str, scenario: str) -> str:
    """The report as Qt rich text (HTML); every value from the drill is escaped, with the
    phone and ID numbers in it masked."""
    e = _e
    meta = [(translate("report", "Scenario"), scenario),
            (translate("report", "Trainee"), trainee),
            (translate("report", "Scored at"), _time(score.scored_at)),
            (translate("report", "Routing policy"),
             score.policy or translate("report", "not judged"))]
    parts = [f"<tr><td>{e(_label(_INDICATOR, p.indicator))}</td>"
             f"<td align=right>{p.weight:g}</td><td align=right>{_percent(p.value)}</td>"
             f"<td align=right>{p.points:.1f} / {p.max_points:.1f}</td></tr>"
             for p in score.parts]
    indicators = [
        (translate("report", "Cases reported"), str(score.cases)),
        (translate("report", "Accepted"), _share(score.accepted, score.cases)),
        (translate("report", "Dispatched"), _share(score.dispatched, score.cases)),
        (translate("report", "Mean time to accept (report to accept)"),
         _duration(score.mean_time_to_accept_s)),
        (translate("report", "Mean time to dispatch (accept to dispatch)"),
         _duration(score.mean_time_to_dispatch_s)),
        (translate("report", "Routing right under the policy"),
         _share(score.routing_right, score.routing_right + score.routing_wrong)),
        (translate("report", "Deadlines met"),
         _share(score.deadlines_met, score.deadlines_met + score.deadlines_missed)),
        (translate("report", "Rework (failed verifications and reopenings)"),
         translate("report", "{n} on {cases} of {verified} verified case(s)").format(
             n=score.rework, cases=score.reworked_cases, verified=score.verified_cases)),
    ]
    case_header = [translate("report", "Case, reported"), translate("report", "Item"),
                   translate("report", "To accept"),
                   translate("report", "To dispatch"),
                   translate("report", "Trainee’s decision"),
                   translate("report", "Recorded decision"), translate("report", "Routing"),
                   translate("report", "Deadlines"), translate("report", "Rework")]
    cases = [_case_row(r) for r in score.rows] or [
        f'<tr><td colspan="9">'
        f'{e(translate("report", "No case was reported during the drill."))}</td></tr>']
    title = e(translate("report", "After-action report"))
    total = e(translate("report", "Score: {total} / 100").format(total=f"{score.total:.1f}"))
    explain = e(translate("report", "The recorded decision is where the case really went "
                                    "when the inject comes from a recorded scenario, and "
                                    "otherwise where the routing policy sends it from its "
                                    "grid and item; wrong routings are highlighted."))
    return "".join((
        f"<html><body><h1>{title}</h1><p>",
        "<br>".join(f"<b>{e(k)}:</b> {e(v)}" for k, v in meta), "</p>",
        f"<h2>{total}</h2>",
        _table([translate("report", "Indicator"), translate("report", "Weight"),
                translate("report", "Result"), translate("report", "Points")], parts),
        f"<h2>{e(translate('report', 'Indicators'))}</h2>",
        _table(None, [f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in indicators]),
        f"<h2>{e(translate('report', 'Trainee’s decision vs recorded decision'))}</h2>",
        f"<p>{explain}</p>", _table(case_header, cases, small=True,
                                          widths=CASE_COLUMNS),
        f"<h2>{e(translate('report', 'Findings'))}</h2><ul>",
        "".join(f"<li>{e(f)}</li>" for f in findings(score)), "</ul></body></html>"))


_CMAP_BLOCK = re.compile(rb"begin(bfchar|bfrange)\n(.*?)end\1", re.S)
_CMAP_CODE = re.compile(rb"<([0-9A-Fa-f]{4})>")


@functools.cache
def _radical_twins() -> dict[int, int]:
    """For each radical (CJK Radicals Supplement and Kangxi, U+2E80-U+2FDF) that the CJK font
    draws with the glyph of a unified ideograph, that ideograph's code."""
    raw = QRawFont.fromFont(QFont(FONT_FAMILIES[-1]))
    unified = range(0x4E00, 0xA000)
    glyph_to_char: dict[int, int] = {}
    for char, glyph in zip(unified, raw.glyphIndexesForString("".join(map(chr, unified))),
                           strict=False):
        if glyph:
            glyph_to_char.setdefault(glyph, char)
    radicals = range(0x2E80, 0x2FE0)
    return {r: glyph_to_char[g] for r, g in zip(
        radicals, raw.glyphIndexesForString("".join(map(chr, radicals))), strict=False)
        if g in glyph_to_char}


def _unified(match: re.Match[bytes]) -> bytes:
    """A radical's code as the unified ideograph drawn with the same glyph."""
    code = int(match.group(1), 16)
    twin = _radical_twins().get(code) if 0x2E80 <= code < 0x2FE0 else None
    return b"<%04X>" % twin if twin else match.group(0)


def _cmap_line(line: bytes, block: bytes) -> bytes:
    """One mapping line with its destination code(s) unified (never its glyph ids)."""
    codes = line.split(b"[", 1)
    if len(codes) == 2:  # <first> <last> [<dst> <dst> ...]: one destination per glyph
        return codes[0] + b"[" + _CMAP_CODE.sub(_unified, codes[1])
    fields = _CMAP_CODE.findall(line)
    single = (block == b"bfchar" and len(fields) == 2) or \
        (block == b"bfrange" and len(fields) == 3 and fields[0] == fields[1])
    if single:  # one glyph: its one destination
        head, _, last = line.rpartition(b"<")
        return head + _CMAP_CODE.sub(_unified, b"<" + last)
    return line  # a range of several glyphs onto consecutive codes: leave it


def _searchable_cjk(pdf: bytes) -> bytes:
    """Map glyphs back to the characters that were written, in the PDF's ToUnicode maps.

    Qt maps each glyph to the *lowest* code point the font draws with it, and Noto CJK
    draws 一, 火, 雨, 门 ... with the same glyphs as their radicals (U+2E80-U+2FDF), so
    "火情" would read back (pdftotext, search, copy) as "⽕情". Each such code is replaced
    by the unified ideograph of the same glyph; codes have the same length, so no offset
    in the file moves.
    """
    def block(match: re.Match[bytes]) -> bytes:
        kind, body = match.group(1), match.group(2)
        lines = [_cmap_line(line, kind) for line in body.split(b"\n")]
        return b"begin" + kind + b"\n" + b"\n".join(lines) + b"end" + kind

    fixed = _CMAP_BLOCK.sub(block, pdf)
    return fixed if len(fixed) == len(pdf) else pdf


def write_after_action_report(score: DrillScore, path: Path, *, trainee: str,
                              scenario: str) -> Path:
    """Write the after-action report of a drill to ``path`` as an A4 PDF.

    Needs a running ``QGuiApplication`` (fonts are Qt's); overwrites ``path`` and creates
    its folder. Returns ``path``.

    Raises
    ------
    RuntimeError
        No QGuiApplication exists.
    OSError
        The file cannot be written.
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("the after-action report is laid out by Qt: create a "
                           "QGuiApplication first")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, MARGINS_MM,
                                     QPageLayout.Unit.Millimeter))
    writer.setTitle(translate("report", "After-action report")
                    + f": {mask_personal_data(scenario)}")
    writer.setCreator("CityGrid Console")
    doc = QTextDocument()
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(FONT_POINTS)
    doc.setDefaultFont(font)
    # lay out on the writer itself, so fonts are measured at its resolution, one page per
    # page of paper
    doc.documentLayout().setPaintDevice(writer)
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.setDocumentMargin(0)
    doc.setHtml(after_action_html(score, trainee=trainee, scenario=scenario))
    doc.print_(writer)
    del writer  # the PDF is complete once the painter ends; release the file now
    written = path.read_bytes() if path.is_file() else b""
    if not written:
        raise OSError(f"the report could not be written to {path}")
    searchable = _searchable_cjk(written)
    if searchable != written:
        path.write_bytes(searchable)
    return path


__all__ = ["after_action_html", "findings", "write_after_action_report"]
