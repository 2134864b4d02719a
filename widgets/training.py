"""The unmistakable look of a training drill: a banner and a coloured frame on every window.

While a drill runs, the main window and every dialog opened meanwhile carry a bold banner
across the top ("TRAINING — drill: … — nothing here touches live data") and a thick frame
around the edge, so a screenshot or a glance across the control room can never be mistaken
for live dispatch.

The banner is a child label laid over the top of the window, with the window's contents
margins widened to make room for it and for the frame; this works the same for a
``QMainWindow`` (the menu bar moves down, nothing else changes) and for a dialog of any
layout. The frame is a border in a stylesheet scoped to the window's object name, appended
to the window's own stylesheet. Switching training off restores the stylesheet, the object
name and the margins the window had before.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QMargins, QObject, QSize, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

TRAINING_COLOUR = "#c2410c"  # burnt orange: white bold text on it reads at 5:1 contrast
FRAME_PX = 4
BANNER_PADDING_X = 12
DIALOG_BANNER_MAX_WIDTH = 520  # a dialog is widened up to this to keep its banner short
BANNER_NAME = "training_banner"
FALLBACK_NAME = "training_framed_window"  # for windows that have no object name of their own


class _Banner(QLabel):
    """The banner over the top of one window (its parent); it also remembers what to
    restore.

    Everything the banner needs later is kept on the Qt side (its parent and dynamic
    properties), not in Python attributes: Qt may call back into a banner whose Python
    wrapper is not the one built here (a dialog torn down under a real window manager
    raised ``AttributeError: '_Banner' object has no attribute 'host'`` in the old event
    filter, and every dialog of the drill window then did nothing).
    """

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName(BANNER_NAME)
        self.setWordWrap(True)  # a narrow dialog wraps the sentence instead of clipping it
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(f"QLabel#{BANNER_NAME} {{ background: {TRAINING_COLOUR}; "
                           "color: white; font-weight: bold; font-size: 15px; "
                           f"padding: 5px {BANNER_PADDING_X}px; }}")
        self.setProperty("previous_style", host.styleSheet())
        self.setProperty("previous_name", host.objectName())
        self.setProperty("previous_margins", host.contentsMargins())
        self.setProperty("added", QMargins())  # what the banner and the frame add
        self.setProperty("grown", QSize())  # what a dialog grew by to make room for them
        if not host.objectName():
            host.setObjectName(FALLBACK_NAME)
        frame = (f"#{host.objectName()} {{ border: {FRAME_PX}px solid {TRAINING_COLOUR}; }}")
        previous = host.styleSheet()
        host.setStyleSheet(f"{previous}\n{frame}" if previous else frame)
        host.installEventFilter(_resize_filter())



def _place(banner: QLabel, width: int | None = None) -> None:
    """Lay ``banner`` over the top edge of its window (or as wide as ``width`` when the
    window is about to be resized) and make room for it and the frame."""
    host = banner.parentWidget()
    if host is None:
        return
    width = host.width() if width is None else width
    height = banner.heightForWidth(width)
    banner.setGeometry(0, 0, width, height)
    banner.raise_()
    added = QMargins(FRAME_PX, height, FRAME_PX, FRAME_PX)
    if added != banner.property("added"):
        banner.setProperty("added", added)
        host.setContentsMargins(banner.property("previous_margins") + added)


def _restore(banner: QLabel) -> None:
    """Give ``banner``'s window back the margins, stylesheet and name it had."""
    host = banner.parentWidget()
    if host is None:
        return
    host.removeEventFilter(_resize_filter())
    host.setContentsMargins(banner.property("previous_margins"))
    host.setStyleSheet(banner.property("previous_style") or "")
    host.setObjectName(banner.property("previous_name") or "")


class _ResizeFilter(QObject):
    """Keeps each framed window's banner across its top as the window is resized.

    One stateless filter for every framed window: it finds the banner among the watched
    window's children, so nothing it needs can go missing with a Python wrapper.
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            banner = banner_of(watched)
            if banner is not None:
                _place(banner)
        return False


_FILTER: _ResizeFilter | None = None


def _resize_filter() -> _ResizeFilter:
    """The one resize filter, made on first use and owned by the application."""
    global _FILTER
    if _FILTER is None or not shiboken6.isValid(_FILTER):
        _FILTER = _ResizeFilter(QApplication.instance())
    return _FILTER


def banner_of(window: QWidget) -> QLabel | None:
    """The training banner on ``window``, or None when it is not framed."""
    label = window.findChild(QLabel, BANNER_NAME, Qt.FindChildOption.FindDirectChildrenOnly)
    return label if label is not None and label.property("added") is not None else None


def apply_training_frame(window: QWidget, text: str) -> None:
    """Put the banner reading ``text`` and the frame on ``window`` (a top-level widget);
    on a window that has them already, only the text changes."""
    banner = banner_of(window)
    if banner is not None:
        banner.setText(text)
        _place(banner)
        return
    before = window.size()
    banner = _Banner(window)
    banner.setText(text)
    if not isinstance(window, QDialog):
        _place(banner)
        banner.show()
        return
    # grow the dialog rather than squeeze its content, and widen a narrow one so that the
    # banner takes two lines or so, not five
    banner.ensurePolished()
    one_line = banner.fontMetrics().horizontalAdvance(text) + 2 * BANNER_PADDING_X + 8
    width = max(before.width(), min(one_line, DIALOG_BANNER_MAX_WIDTH))
    added = QMargins(FRAME_PX, banner.heightForWidth(width), FRAME_PX, FRAME_PX)
    window.resize(QSize(width, before.height()).grownBy(added))  # its Resize places it
    _place(banner)
    banner.show()
    banner.setProperty("grown", window.size() - before)


def remove_training_frame(window: QWidget) -> None:
    """Take the banner and the frame off ``window``, restoring its stylesheet, object name
    and margins (and a dialog's size); nothing happens on a window without them."""
    banner = banner_of(window)
    if banner is None:
        return
    grown = banner.property("grown")
    _restore(banner)
    banner.hide()
    banner.setParent(None)
    banner.deleteLater()
    if isinstance(grown, QSize) and not grown.isNull():
        window.resize(window.size() - grown)


class TrainingFrame(QObject):
    """Switches the training look on and off for windows, and frames every top-level dialog
    that shows up while any window is in training.

    Dialogs are caught when they take the focus, or by a look at the top-level windows four
    times a second, only while training. Native dialogs (a platform file picker) are not Qt
    widgets and cannot be framed.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._windows: list[QWidget] = []
        self._text = ""
        self._filtering = False
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def active(self) -> bool:
        return bool(self._windows)

    def banner_text(self, drill: str) -> str:
        """The banner's sentence for the drill called ``drill`` (may be empty)."""
        if drill:
            return self.tr("TRAINING — drill: {0} — nothing here touches live data").format(
                drill)
        return self.tr("TRAINING — nothing here touches live data")

    def set_training(self, window: QWidget, on: bool, text: str = "") -> None:
        """Show (``on``) or remove the training banner and frame on ``window``; ``text`` is
        the drill's name. Dialogs opened while training get the same look; the last window
        switched off takes it off the dialogs still open and stops watching for new ones."""
        self._windows = [w for w in self._windows if shiboken6.isValid(w)]
        if on:
            self._text = self.banner_text(text)
            if window not in self._windows:
                self._windows.append(window)
            for w in [*self._windows, *self._dialogs()]:
                apply_training_frame(w, self._text)
            self._watch_dialogs(True)
            return
        if shiboken6.isValid(window):
            remove_training_frame(window)
        if window in self._windows:
            self._windows.remove(window)
        if not self._windows:
            self._watch_dialogs(False)
            for dialog in self._dialogs():
                remove_training_frame(dialog)

    def _dialogs(self) -> list[QDialog]:
        """Top-level dialogs that are open or framed (a hidden one may be shown again)."""
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and w not in self._windows
                and (w.isVisible() or banner_of(w) is not None)]

    def _watch_dialogs(self, on: bool) -> None:
        """Frame dialogs as they appear: when one takes the focus, and by a look at the
        top-level windows four times a second (a dialog shown without focus). Not an
        application-wide event filter: one in Python sees every event of QtWebEngine's
        internal widgets too, and crashed the drill window with the map in it."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)  # a widget exists: so does the QApplication
        if on and not self._filtering:
            app.focusChanged.connect(self._on_app_focus_changed)
            self._timer.start()
        elif not on and self._filtering:
            app.focusChanged.disconnect(self._on_app_focus_changed)
            self._timer.stop()
        self._filtering = on

    @Slot(QWidget, QWidget)
    def _on_app_focus_changed(self, _old: QWidget | None, now: QWidget | None) -> None:
        if now is not None and shiboken6.isValid(now):
            window = now.window()
            if isinstance(window, QDialog) and banner_of(window) is None:
                apply_training_frame(window, self._text)

    @Slot()
    def _on_timer_timeout(self) -> None:
        for dialog in self._dialogs():
            if dialog.isVisible() and banner_of(dialog) is None:
                apply_training_frame(dialog, self._text)
