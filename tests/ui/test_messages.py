"""The domain's refusals reach the user with a headline in the user's language, by code."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from models.core.errors import CityGridError, NotFoundError, PermissionDenied, StaleVersionError
from routing.errors import RoutingError
from widgets.messages import HEADLINES, error_text

pytestmark = pytest.mark.gui


def _codes(cls: type) -> set[str]:
    return {cls.code} | {c for sub in cls.__subclasses__() for c in _codes(sub)}


def test_every_error_code_has_a_headline() -> None:
    import models.core.worktime  # noqa: F401 (defines CalendarFileError)

    assert _codes(CityGridError) | _codes(RoutingError) <= set(HEADLINES)


def test_headlines_in_english_and_chinese(qapp) -> None:
    assert error_text(NotFoundError("no case C1")) == "Not found: no case C1"
    assert error_text(ValueError("x")) == "Not done: x"
    translator = QTranslator()
    assert translator.load("citygrid_zh_CN", str(_i18n()))
    QCoreApplication.installTranslator(translator)
    try:
        text = error_text(PermissionDenied("dispatcher may not verify"))
        assert not text.startswith("Not allowed"), text
        assert text.endswith(": dispatcher may not verify")
        assert error_text(StaleVersionError("C1", 1, 2)).split(":")[0] != \
            "Changed by someone else"
    finally:
        QCoreApplication.removeTranslator(translator)


def _i18n():
    from importlib import resources

    return resources.files("resources") / "i18n"
