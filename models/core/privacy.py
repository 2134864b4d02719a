"""Personal data written in free text: mobile numbers and resident ID numbers, masked.

A resident often writes a phone number into a description ("请回电 138 1234 5678") or a
caller gives an ID number that the operator types into the title. Fields that are *meant*
to hold a phone are masked with :func:`models.core.auth.mask_phone`; this module finds the same
data inside free text (titles, descriptions, addresses, notes, reasons, log lines) and masks
it in the same style, so what leaves the console for a role without contact rights (reads,
exports, scenario files, drill copies and reports, logs) never holds a full number.

Two kinds are found:

* a mainland mobile number: ``1[3-9]`` and nine more digits, single spaces or dashes
  allowed between the digits, optionally after ``+86`` / ``0086`` / ``86``;
* an 18-character resident ID number: 17 digits and a digit or ``X``, optionally grouped
  6-8-4 by a space or dash.

A number is only taken when no digit stands right before or after it (a 20-digit order
number is not a phone). Masking repeats until nothing is found, so the result never holds
a match (the property test in ``tests/domain/test_privacy.py`` checks it).
"""

from __future__ import annotations

import logging
import re

from models.core.auth import mask_phone

_SEP = r"[ \-]?"
MOBILE = re.compile(
    r"(?<![0-9])"
    r"(?P<prefix>(?:\+|00)?86[ \-]?)?"
    r"(?P<number>1" + _SEP + "[3-9](?:" + _SEP + r"[0-9]){9})"
    r"(?![0-9])")
"""A mainland mobile number (11 digits, spaces or dashes between them, ``+86`` before)."""

RESIDENT_ID = re.compile(
    r"(?<![0-9])"
    r"(?P<number>[0-9]{6}" + _SEP + r"[0-9]{8}" + _SEP + r"[0-9]{3}[0-9Xx])"
    r"(?![0-9])")
"""An 18-character resident ID number (GB 11643), optionally grouped 6-8-4."""

_SEPARATORS = str.maketrans("", "", " -")
_DIGIT = re.compile(r"[0-9]")


def _mask_id(match: re.Match) -> str:
    return mask_phone(match["number"].translate(_SEPARATORS)).upper()


def _mask_mobile(match: re.Match) -> str:
    return (match["prefix"] or "") + mask_phone(match["number"].translate(_SEPARATORS))


def mask_personal_data(text: str) -> str:
    """``text`` with every mobile number and resident ID number in it masked.

    Numbers keep their first three and last four characters, as
    :func:`models.core.auth.mask_phone` shows a phone field; the separators inside a number are
    dropped, a ``+86`` before it is kept.

    >>> mask_personal_data("请回电13812345678，谢谢")
    '请回电138****5678，谢谢'
    >>> mask_personal_data("call +86 138-1234-5678 or 139 0000 1111")
    'call +86 138****5678 or 139****1111'
    >>> mask_personal_data("身份证 43010519900101123x")
    '身份证 430****123X'
    >>> mask_personal_data("订单 2026112800000012345 井盖 C04")  # not a phone: 19 digits
    '订单 2026112800000012345 井盖 C04'
    >>> mask_personal_data("")
    ''
    """
    if not text or not _DIGIT.search(text):
        return text
    while True:
        masked = MOBILE.sub(_mask_mobile, RESIDENT_ID.sub(_mask_id, text))
        if masked == text:
            return masked
        text = masked  # each pass turns digits into '*': this ends


def holds_personal_data(text: str) -> bool:
    """Whether ``text`` holds a mobile or resident ID number.

    >>> holds_personal_data("138****5678"), holds_personal_data("tel 13812345678")
    (False, True)
    """
    return bool(MOBILE.search(text) or RESIDENT_ID.search(text))


class PersonalDataFilter(logging.Filter):
    """Masks personal data in every log record: its message and its arguments are
    formatted once and masked, so no handler writes a full phone or ID number."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = mask_personal_data(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # a traceback's last line repeats the exception's message (and SQL parameters)
            record.exc_text = mask_personal_data(
                logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


_FILTER = PersonalDataFilter()


def install_log_masking() -> PersonalDataFilter:
    """Add :class:`PersonalDataFilter` to every handler of the root logger (where records
    of every logger end up); call it once the handlers are configured. Idempotent.

    A filter on the root *logger* would not see records of child loggers, which pass only
    through the root's *handlers*; hence the handlers.
    """
    root = logging.getLogger()
    for handler in root.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return _FILTER
