"""The photo strip of the case detail: thumbnails, hidden without photos, a click opens one."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QBuffer, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QImage

from models.core.records import CaseRecord
from widgets.casedetail import THUMBNAIL, CaseDetailWidget

pytestmark = pytest.mark.gui


def photo(name: str, width: int, height: int, colour: str = "red",
          fmt: str = "PNG") -> tuple[str, bytes]:
    """A photo as kept with a case: its file name and its bytes."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt)
    return name, bytes(buffer.data())


def case(case_id: int) -> CaseRecord:
    t = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)
    return CaseRecord(case_id, f"C20261128{case_id:08d}", "snap", "2026.1", "city", "C04", "C",
                      "normal", "reported", "井盖缺失", "", "", 112.98, 28.19, None, "王女士",
                      "139****5678", None, t, None, 1)


@pytest.fixture
def detail(qtbot) -> CaseDetailWidget:
    widget = CaseDetailWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click(qtbot, detail: CaseDetailWidget, row: int) -> None:
    rect = detail.photos.visualItemRect(detail.photos.item(row))
    qtbot.mouseClick(detail.photos.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_no_photos_no_strip(detail) -> None:
    assert not detail.photos.isVisible() and not detail.photos_label.isVisible()
    detail.set_photos([])
    assert not detail.photos.isVisible()


def test_thumbnails_and_a_click_opens_the_photo_larger(qtbot, detail) -> None:
    wide = photo("wide.png", 300, 200)
    tall = photo("tall.jpg", 40, 120, "blue", "JPEG")
    detail.set_photos([wide, tall])

    assert detail.photos.isVisible() and detail.photos_label.isVisible()
    assert detail.photos.count() == 2
    sizes = [detail.photos.item(i).icon().availableSizes() for i in range(2)]
    assert sizes == [[QSize(THUMBNAIL, 64)], [QSize(32, THUMBNAIL)]]  # scaled to fit the strip
    assert detail.photos.item(0).toolTip() == "wide.png"

    click(qtbot, detail, 0)
    dialog = detail.photo_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert (dialog.file_name, dialog.data) == wide and dialog.windowTitle() == "wide.png"
    assert dialog.image.pixmap().size() == QSize(300, 200)  # full size: it fits the screen
    assert dialog.image.pixmap().toImage().pixelColor(150, 100) == QColor("red")
    dialog.reject()

    click(qtbot, detail, 1)
    assert detail.photo_dialog is not dialog and detail.photo_dialog.file_name == "tall.jpg"
    detail.photo_dialog.reject()

    detail.set_photos([])
    assert detail.photos.count() == 0 and not detail.photos.isVisible()


def test_a_big_photo_is_shrunk_to_the_screen(qtbot, detail) -> None:
    big = photo("big.png", 4000, 1000)
    detail.set_photos([big])
    click(qtbot, detail, 0)
    qtbot.waitUntil(detail.photo_dialog.isVisible)
    screen = detail.photo_dialog.screen().availableGeometry()
    shown = detail.photo_dialog.image.pixmap().size()
    assert shown.width() == int(screen.width() * 0.8)
    assert shown.height() == round(1000 * shown.width() / 4000)
    detail.photo_dialog.reject()


def test_an_undecodable_photo_is_listed_but_does_not_open(qtbot, detail) -> None:
    good = photo("ok.png", 20, 20)
    detail.set_photos([("broken.png", good[1][:40]), good])  # cut short: it cannot decode
    broken = detail.photos.item(0)
    assert broken.text() == "Photo not available" and broken.icon().isNull()
    assert broken.toolTip() == "broken.png"
    assert not broken.flags() & Qt.ItemFlag.ItemIsEnabled
    click(qtbot, detail, 0)
    assert detail.photo_dialog is None
    assert not detail.photos.item(1).icon().isNull()
    click(qtbot, detail, 1)
    assert detail.photo_dialog is not None and detail.photo_dialog.file_name == "ok.png"
    detail.photo_dialog.reject()


def test_photos_belong_to_the_shown_case(detail) -> None:
    detail.show_case(case(1), [])
    detail.set_photos([photo("a.png", 10, 10)])
    detail.show_case(case(1), [])  # a refresh of the same case keeps them
    assert detail.photos.count() == 1 and detail.photos.isVisible()
    detail.show_case(case(2), [])  # another case: no photos until set_photos says so
    assert detail.photos.count() == 0 and not detail.photos.isVisible()
    detail.set_photos([photo("b.png", 10, 10)])
    detail.clear()
    assert detail.photos.count() == 0 and not detail.photos.isVisible()
