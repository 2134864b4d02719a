"""Interface language: Chinese or English, following the system locale unless chosen."""

from __future__ import annotations

import logging
from importlib import resources

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)


def resolve_language(choice: str, system: QLocale | None = None) -> str:
    """``zh_CN`` or ``en`` for a settings choice of ``system``, ``zh_CN`` or ``en``."""
    if choice in ("zh_CN", "en"):
        return choice
    system = system or QLocale.system()
    return "zh_CN" if system.language() == QLocale.Language.Chinese else "en"


def install_translators(app: QApplication, choice: str) -> list[QTranslator]:
    """Load the console's and Qt's own translations for the chosen language."""
    lang = resolve_language(choice)
    installed: list[QTranslator] = []
    if lang == "en":
        return installed  # the source strings are English
    qm = resources.files("resources") / "i18n" / f"citygrid_{lang}.qm"
    ours = QTranslator(app)
    if ours.load(str(qm)):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("no translation file %s", qm)
    qt = QTranslator(app)
    if qt.load(QLocale(lang), "qtbase", "_",
               QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
