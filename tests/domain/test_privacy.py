"""Masking of phone and ID numbers written in free text, and of log records."""

from __future__ import annotations

import logging
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from models.core.privacy import (
    MOBILE,
    RESIDENT_ID,
    PersonalDataFilter,
    holds_personal_data,
    install_log_masking,
    mask_personal_data,
)

# text around a number: no digit (a digit next to it makes a longer number, not a phone)
_AROUND = st.text(alphabet=st.sampled_from("请回电话谢 abcXx，。:()/+*\n"), max_size=12)
_SEP = st.sampled_from(["", "", " ", "-"])


@st.composite
def mobiles(draw) -> tuple[str, str]:
    """(digits, how it is written): with spaces or dashes, with or without +86."""
    digits = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9,
                                                                    max_size=9))
    groups = [digits[:3], digits[3:7], digits[7:]]
    written = draw(_SEP).join(groups) if draw(st.booleans()) else \
        "".join(d + draw(_SEP) for d in digits[:-1]) + digits[-1]
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086-", "86"]))
    return digits, prefix + written


@st.composite
def resident_ids(draw) -> tuple[str, str]:
    body = draw(st.text("0123456789", min_size=17, max_size=17))
    number = body + draw(st.sampled_from("0123456789Xx"))
    sep = draw(_SEP)
    return number.upper(), f"{number[:6]}{sep}{number[6:14]}{sep}{number[14:]}"


def _digits(text: str) -> str:
    return re.sub(r"[^0-9X]", "", text.upper())


@settings(max_examples=300, deadline=None)
@given(before=_AROUND, number=st.one_of(mobiles(), resident_ids()), after=_AROUND)
def test_no_mobile_or_id_number_survives_in_free_text(before: str, number: tuple[str, str],
                                                      after: str) -> None:
    digits, written = number
    out = mask_personal_data(before + written + after)
    assert digits not in _digits(out)
    assert not holds_personal_data(out)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 -+Xx号码"), max_size=60))
def test_whatever_the_text_no_match_is_left_and_masking_is_stable(text: str) -> None:
    out = mask_personal_data(text)
    assert MOBILE.search(out) is None and RESIDENT_ID.search(out) is None
    assert mask_personal_data(out) == out


def test_numbers_that_are_not_personal_data_are_kept() -> None:
    for text in ("案件 C2026112800000123", "12345 热线", "坐标 112.9812, 28.1893",
                 "0731-88886666", "订单号 123456789012345678901"):
        assert mask_personal_data(text) == text


def test_the_log_filter_masks_messages_arguments_and_tracebacks() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(PersonalDataFilter())
    log = logging.getLogger("test_privacy.filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("payload %s refused", {"phone": "13812345678"})
        log.warning("caller 139-0000-1111 from 430105199001011234")
        try:
            raise ValueError("bad phone 13700001111")
        except ValueError:
            log.exception("import failed")
    finally:
        log.removeHandler(handler)
    text = "\n".join(records)
    assert "138****5678" in text and "139****1111" in text and "430****1234" in text
    assert "137****1111" in text
    assert not holds_personal_data(text)


def test_install_log_masking_filters_every_root_handler_once() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        install_log_masking()
        install_log_masking()
        assert sum(isinstance(f, PersonalDataFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)
