"""User-facing names of the domain's codes (the domain returns codes; the UI translates)."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("labels", text)


# QT_TRANSLATE_NOOP returns its text; the stubs say object
_CATEGORY = cast("dict[str, str]", {
    "party": QT_TRANSLATE_NOOP("labels", "Party building"),
    "city": QT_TRANSLATE_NOOP("labels", "City management"),
    "security": QT_TRANSLATE_NOOP("labels", "Public security"),
    "environment": QT_TRANSLATE_NOOP("labels", "Environment"),
    "emergency": QT_TRANSLATE_NOOP("labels", "Emergency"),
    "other": QT_TRANSLATE_NOOP("labels", "Property and other"),
})
_STATUS = cast("dict[str, str]", {
    "reported": QT_TRANSLATE_NOOP("labels", "Reported"),
    "accepted": QT_TRANSLATE_NOOP("labels", "Accepted"),
    "rejected": QT_TRANSLATE_NOOP("labels", "Rejected"),
    "dispatched": QT_TRANSLATE_NOOP("labels", "Dispatched"),
    "handling": QT_TRANSLATE_NOOP("labels", "Handling"),
    "verifying": QT_TRANSLATE_NOOP("labels", "Verifying"),
    "archived": QT_TRANSLATE_NOOP("labels", "Archived"),
    "assessed": QT_TRANSLATE_NOOP("labels", "Assessed"),
    "suspended": QT_TRANSLATE_NOOP("labels", "Suspended"),
    "merged": QT_TRANSLATE_NOOP("labels", "Merged"),
})
_PRIORITY = cast("dict[str, str]", {
    "low": QT_TRANSLATE_NOOP("labels", "Low"),
    "normal": QT_TRANSLATE_NOOP("labels", "Normal"),
    "high": QT_TRANSLATE_NOOP("labels", "High"),
    "urgent": QT_TRANSLATE_NOOP("labels", "Urgent"),
})
_LEVEL = cast("dict[str, str]", {
    "": QT_TRANSLATE_NOOP("labels", "Unassigned"),
    "city": QT_TRANSLATE_NOOP("labels", "City"),
    "district": QT_TRANSLATE_NOOP("labels", "District"),
    "street": QT_TRANSLATE_NOOP("labels", "Street"),
    "community": QT_TRANSLATE_NOOP("labels", "Community"),
})
_ROLE = cast("dict[str, str]", {
    "supervisor": QT_TRANSLATE_NOOP("labels", "Supervisor"),
    "manager": QT_TRANSLATE_NOOP("labels", "Manager"),
    "assistant": QT_TRANSLATE_NOOP("labels", "Assistant"),
    "volunteer": QT_TRANSLATE_NOOP("labels", "Volunteer"),
    "dispatcher": QT_TRANSLATE_NOOP("labels", "Dispatcher"),
    "shift_lead": QT_TRANSLATE_NOOP("labels", "Shift lead"),
    "trainer": QT_TRANSLATE_NOOP("labels", "Trainer"),
    "auditor": QT_TRANSLATE_NOOP("labels", "Auditor"),
    "handler": QT_TRANSLATE_NOOP("labels", "Department handler"),
})
_DUTY = cast("dict[str, str]", {
    "on_duty": QT_TRANSLATE_NOOP("labels", "On duty"),
    "busy": QT_TRANSLATE_NOOP("labels", "Busy"),
    "off_duty": QT_TRANSLATE_NOOP("labels", "Off duty"),
    "leave": QT_TRANSLATE_NOOP("labels", "On leave"),
})
_CHANNEL = cast("dict[str, str]", {
    "patrol": QT_TRANSLATE_NOOP("labels", "Patrol"),
    "snap": QT_TRANSLATE_NOOP("labels", "Snap report"),
    "hotline_12345": QT_TRANSLATE_NOOP("labels", "12345 hotline"),
    "emergency": QT_TRANSLATE_NOOP("labels", "Emergency hotline"),
    "iot": QT_TRANSLATE_NOOP("labels", "IoT sensor"),
    "resident": QT_TRANSLATE_NOOP("labels", "Resident"),
    "staff_position": QT_TRANSLATE_NOOP("labels", "Staff position"),
})


def category(code: str) -> str:
    return _t(_CATEGORY.get(code, code))


def status(code: str) -> str:
    return _t(_STATUS.get(code, code))


def priority(code: str) -> str:
    return _t(_PRIORITY.get(code, code))


def level(code: str) -> str:
    return _t(_LEVEL.get(code, code))


def role(code: str) -> str:
    return _t(_ROLE.get(code, code))


def duty(code: str) -> str:
    return _t(_DUTY.get(code, code))


def channel(code: str) -> str:
    return _t(_CHANNEL.get(code, code))
