"""Case detail: the selected case, its photos, its history and why it went where it went."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import cast

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QIODevice,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.core.records import CaseRecord, HistoryRecord
from widgets import labels

# QT_TRANSLATE_NOOP returns its text; the stubs say object
ACTIONS = cast("tuple[tuple[str, str], ...]", (
    ("accept", QT_TRANSLATE_NOOP("CaseDetailWidget", "Accept")),
    ("reject", QT_TRANSLATE_NOOP("CaseDetailWidget", "Reject…")),
    ("dispatch", QT_TRANSLATE_NOOP("CaseDetailWidget", "Dispatch")),
    ("transfer", QT_TRANSLATE_NOOP("CaseDetailWidget", "Transfer…")),
    ("override", QT_TRANSLATE_NOOP("CaseDetailWidget", "Override…")),
    ("request_escalation", QT_TRANSLATE_NOOP("CaseDetailWidget", "Request escalation…")),
    ("escalate", QT_TRANSLATE_NOOP("CaseDetailWidget", "Escalate…")),
    ("deescalate", QT_TRANSLATE_NOOP("CaseDetailWidget", "De-escalate…")),
    ("suspend", QT_TRANSLATE_NOOP("CaseDetailWidget", "Suspend…")),
    ("resume", QT_TRANSLATE_NOOP("CaseDetailWidget", "Resume")),
    ("extend", QT_TRANSLATE_NOOP("CaseDetailWidget", "Extend…")),
    ("start", QT_TRANSLATE_NOOP("CaseDetailWidget", "Start handling")),
    ("feedback", QT_TRANSLATE_NOOP("CaseDetailWidget", "Feedback…")),
    ("verify_pass", QT_TRANSLATE_NOOP("CaseDetailWidget", "Verify: pass")),
    ("verify_fail", QT_TRANSLATE_NOOP("CaseDetailWidget", "Verify: fail…")),
    ("assess", QT_TRANSLATE_NOOP("CaseDetailWidget", "Assess…")),
    ("reopen", QT_TRANSLATE_NOOP("CaseDetailWidget", "Reopen…")),
    ("merge", QT_TRANSLATE_NOOP("CaseDetailWidget", "Merge into duplicate…")),
    ("mark_span", QT_TRANSLATE_NOOP("CaseDetailWidget", "Grids spanned…")),
))

THUMBNAIL = 96  # pixels, the longer side of a photo in the strip
PHOTO_ROW = Qt.ItemDataRole.UserRole  # the photo's index in the list given to set_photos


def _read_image(data: bytes, fit: QSize | None = None) -> QImage:
    """The image in ``data`` (a photo's bytes, as kept with the case) the right way up
    (phones rotate by EXIF), decoded straight to at most ``fit`` when given (cheaper than
    decoding a 12-megapixel photo and scaling it); a null image when it cannot be decoded."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if fit is not None and size.isValid() and (size.width() > fit.width()
                                               or size.height() > fit.height()):
        reader.setScaledSize(size.scaled(fit, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class PhotoDialog(QDialog):
    """One photo of a case (its name as sent and its bytes), at its size or as large as
    fits in most of the screen."""

    def __init__(self, file_name: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file_name, self.data = file_name, data
        self.setWindowTitle(file_name)
        screen = self.screen().availableGeometry()
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setPixmap(QPixmap.fromImage(_read_image(
            data, QSize(int(screen.width() * 0.8), int(screen.height() * 0.8)))))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image)
        layout.addWidget(buttons)


class CaseDetailWidget(QWidget):
    """Shows one :class:`CaseRecord`, its photos, its history, its routing trace, a countdown
    of the current step, and the actions the controller says are open to the user."""

    sig_action_requested = Signal(str)
    """The user pressed the button of this transition for the shown case."""

    sig_claim_requested = Signal(int)
    """The user pressed Claim for the shown case (the case id): to work it alone."""

    sig_release_requested = Signal(int)
    """The user pressed Release for the shown case (the case id): others may work it."""

    sig_contact_reveal_requested = Signal(int)
    """The user asked for the shown case's reporter phone in full (the case id), to call
    back; the controller reveals it (an audited read) with :meth:`show_revealed_contact`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case_id: int | None = None
        self.shown_version: int | None = None
        """The version of the case as shown: what the user's actions on it are based on."""
        self._case: CaseRecord | None = None
        self.title = QLabel(self.tr("No case selected"), self)
        self.title.setObjectName("caseTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, text in (("number", self.tr("Number")), ("status", self.tr("Status")),
                          ("category", self.tr("Category")), ("priority", self.tr("Priority")),
                          ("channel", self.tr("Channel")), ("address", self.tr("Address")),
                          ("reporter", self.tr("Reporter")), ("grid", self.tr("Grid")),
                          ("chain", self.tr("Chain")),
                          ("deadline", self.tr("Step deadline"))):
            label = QLabel(self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            self.fields[key] = label
            if key != "status":
                form.addRow(text, label)
                continue
            # who works the case now (a claim, shared by every seat), beside its status: a
            # claim coming or going never changes the pane's height (no relayout of the
            # window, no repaint of the charts beside it)
            holder = QLabel(self)
            holder.setObjectName("caseHolder")
            holder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            holder.hide()
            self.fields["holder"] = holder
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(label)
            row.addWidget(holder)
            row.addStretch(1)
            form.addRow(text, row)
        # the reporter's phone is shown masked until a user with contact rights asks for it
        self.reveal = QPushButton(self.tr("Reveal contact"), self)
        self.reveal.setObjectName("revealContact")
        self.reveal.setToolTip(self.tr("Show the reporter's full phone number to call back; "
                                       "the read is recorded in the audit trail"))
        self.reveal.clicked.connect(self._on_reveal_clicked)
        self.reveal.hide()
        form.addRow("", self.reveal)
        # the user's claim
        self.claim = QPushButton(self.tr("Claim"), self)
        self.claim.setObjectName("claimCase")
        self.claim.setToolTip(self.tr("Work this case: other seats cannot act on it until "
                                      "you release it or the claim runs out"))
        self.claim.clicked.connect(self._on_claim_clicked)
        self.release = QPushButton(self.tr("Release"), self)
        self.release.setObjectName("releaseCase")
        self.release.setToolTip(self.tr("Let other seats work this case"))
        self.release.clicked.connect(self._on_release_clicked)
        self._form = form
        self._reveal_allowed = False
        self._revealed: tuple[int, str] | None = None  # (case id, phone) revealed
        self.countdown = QProgressBar(self)
        self.countdown.setRange(0, 1000)
        self.countdown.setTextVisible(True)
        self.countdown.hide()
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for n, (name, text) in enumerate(ACTIONS):
            button = QPushButton(self.tr(text), self)
            button.setObjectName(f"action_{name}")
            button.clicked.connect(lambda _=False, a=name: self.sig_action_requested.emit(a))
            button.hide()
            self.buttons[name] = button
            grid.addWidget(button, n // 3, n % 3)
        # claiming is offered beside the case's actions, in a row of its own
        grid.addWidget(self.claim, (len(ACTIONS) + 2) // 3, 0)
        grid.addWidget(self.release, (len(ACTIONS) + 2) // 3, 1)
        self.set_claim_actions(claim=False, release=False)
        self.photos_label = QLabel(self.tr("Photos"), self)
        self.photos = QListWidget(self)
        self.photos.setObjectName("casePhotos")
        self.photos.setViewMode(QListView.ViewMode.IconMode)
        self.photos.setFlow(QListView.Flow.LeftToRight)
        self.photos.setWrapping(False)
        self.photos.setMovement(QListView.Movement.Static)
        self.photos.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.photos.setFixedHeight(THUMBNAIL + 2 * self.photos.frameWidth()
                                   + self.photos.horizontalScrollBar().sizeHint().height() + 12)
        self.photos.itemClicked.connect(self._on_photos_item_clicked)
        self.photos_label.hide()
        self.photos.hide()
        self.photo_dialog: PhotoDialog | None = None
        self._photos: list[tuple[str, bytes]] = []
        self.history = QListWidget(self)
        self.trace = QListWidget(self)
        self.recommended = QListWidget(self)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.countdown)
        layout.addLayout(grid)
        layout.addWidget(self.photos_label)
        layout.addWidget(self.photos)
        layout.addWidget(QLabel(self.tr("History"), self))
        layout.addWidget(self.history, 2)
        layout.addWidget(QLabel(self.tr("Routing trace"), self))
        layout.addWidget(self.trace, 1)
        layout.addWidget(QLabel(self.tr("Who should go"), self))
        layout.addWidget(self.recommended, 1)

    def show_case(self, case: CaseRecord, history: Sequence[HistoryRecord],
                  grid_code: str = "", trace: Sequence[str] = (), chain: str = "",
                  recommended: Sequence[str] = ()) -> None:
        if case.id != self.case_id:
            self.set_photos(())  # another case: its photos come with set_photos
        self.case_id = case.id
        self.shown_version = case.version
        self.title.setText(case.title)
        f = self.fields
        f["number"].setText(case.number)
        f["status"].setText(labels.status(case.status))
        f["category"].setText(f"{labels.category(case.category)} · {case.subcategory} · "
                              f"{self.tr('class')} {case.event_class}")
        f["priority"].setText(labels.priority(case.priority))
        f["channel"].setText(labels.channel(case.channel))
        f["address"].setText(case.address or f"{case.lon:.6f}, {case.lat:.6f}")
        if self._revealed is not None and self._revealed[0] != case.id:
            self._revealed = None  # another case: its phone is masked until revealed
        phone = self._revealed[1] if self._revealed else case.reporter_phone
        f["reporter"].setText(" ".join(x for x in (case.reporter_name, phone) if x))
        self.reveal.setVisible(self._reveal_allowed and bool(case.reporter_phone))
        self.reveal.setEnabled(self._revealed is None)
        f["grid"].setText(grid_code or self.tr("outside every grid"))
        f["chain"].setText(chain)
        f["deadline"].setText(case.step_deadline.astimezone().strftime("%Y-%m-%d %H:%M")
                              if case.step_deadline else "—")
        f["deadline"].setToolTip("")
        self._show_holder(case)
        self.calendar_fallback: tuple[int, ...] = ()  # set_calendar_fallback says otherwise
        self.history.clear()
        for h in history:
            when = h.at.astimezone().strftime("%m-%d %H:%M:%S")
            moved = f"{labels.status(h.from_status)} → " if h.from_status else ""
            note = f" — {h.note}" if h.note else ""
            self.history.addItem(f"{when}  {h.action}  {moved}{labels.status(h.to_status)}  "
                                 f"({labels.role(h.actor_role)}){note}")
        self.trace.clear()
        self.trace.addItems(list(trace))
        self.recommended.clear()
        self.recommended.addItems(list(recommended))
        self._case = case
        self._on_tick_timeout()
        self._tick.start()

    def _show_holder(self, case: CaseRecord) -> None:
        """"Held by X until HH:MM" while a claim holds the case; nothing once it runs out."""
        until = case.claim_until
        held = case.claimed_by and (until is None or until >= dt.datetime.now(dt.UTC))
        label = self.fields["holder"]
        if label.isVisibleTo(self) != bool(held):
            label.setVisible(bool(held))
        if not held:
            label.clear()
        elif until is None:
            label.setText(self.tr("Held by {0}").format(case.claimed_by))
        else:
            label.setText(self.tr("Held by {0} until {1}").format(
                case.claimed_by, until.astimezone().strftime("%H:%M")))

    def set_claim_actions(self, *, claim: bool, release: bool) -> None:
        """Offer Claim and Release for the shown case, as the controller decides (a claim
        of the user's own offers both: claiming again renews it)."""
        self.claim.setVisible(claim or release)
        self.claim.setEnabled(claim)
        self.release.setVisible(claim or release)
        self.release.setEnabled(release)

    @Slot()
    def _on_claim_clicked(self) -> None:
        if self.case_id is not None:
            self.sig_claim_requested.emit(self.case_id)

    @Slot()
    def _on_release_clicked(self) -> None:
        if self.case_id is not None:
            self.sig_release_requested.emit(self.case_id)

    def set_recommended(self, lines: Sequence[str]) -> None:
        """Who should go for the shown case, ranked (filled in after :meth:`show_case`)."""
        self.recommended.clear()
        self.recommended.addItems(list(lines))

    def set_contact_reveal_allowed(self, allowed: bool) -> None:
        """Offer "Reveal contact" (the user's role may read contacts) or not; a number
        revealed before is masked again when it is taken away."""
        self._reveal_allowed = allowed
        if not allowed and self._revealed is not None:
            self._revealed = None
            if self._case is not None:
                f = self.fields["reporter"]
                f.setText(" ".join(x for x in (self._case.reporter_name,
                                               self._case.reporter_phone) if x))
        self.reveal.setVisible(allowed and self._case is not None
                               and bool(self._case.reporter_phone))

    def show_revealed_contact(self, case_id: int, phone: str) -> None:
        """Show the reporter's phone of case ``case_id`` in full, if it is still the shown
        case; it stays shown through refreshes of that case (one audited read, not one per
        refresh), until another case is shown."""
        if case_id != self.case_id or self._case is None:
            return
        self._revealed = (case_id, phone)
        self.fields["reporter"].setText(" ".join(x for x in (self._case.reporter_name, phone)
                                                 if x))
        self.reveal.setEnabled(False)

    @Slot()
    def _on_reveal_clicked(self) -> None:
        if self.case_id is not None:
            self.sig_contact_reveal_requested.emit(self.case_id)

    def set_photos(self, photos: Sequence[tuple[str, bytes]]) -> None:
        """Show the shown case's photos, each a (file name, bytes) pair as kept with the
        case, as thumbnails (the strip is hidden when there are none); a click on one opens
        it larger. Bytes that do not decode as an image are listed as not available."""
        self._photos = [(str(name), bytes(data)) for name, data in photos]
        self.photos.clear()
        for row, (name, data) in enumerate(self._photos):
            item = QListWidgetItem()
            item.setToolTip(name)
            image = _read_image(data, QSize(THUMBNAIL, THUMBNAIL))
            if image.isNull():
                item.setText(self.tr("Photo not available"))
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setIcon(QIcon(QPixmap.fromImage(image)))
                item.setData(PHOTO_ROW, row)
            self.photos.addItem(item)
        self.photos_label.setVisible(bool(self._photos))
        self.photos.setVisible(bool(self._photos))

    @Slot(QListWidgetItem)
    def _on_photos_item_clicked(self, item: QListWidgetItem) -> None:
        row = item.data(PHOTO_ROW)
        if row is None:
            return
        if self.photo_dialog is not None:
            self.photo_dialog.close()
            self.photo_dialog.deleteLater()
        name, data = self._photos[row]
        self.photo_dialog = PhotoDialog(name, data, self)
        self.photo_dialog.open()

    def set_calendar_fallback(self, years: Iterable[int]) -> None:
        """Flag the step deadline when it was counted across years with no working calendar
        (weekends only: holidays there are not known)."""
        self.calendar_fallback = tuple(sorted(years))
        if not self.calendar_fallback or self._case is None:
            return
        label = self.fields["deadline"]
        which = ", ".join(map(str, self.calendar_fallback))
        label.setText(label.text() + "  " + self.tr("⚠ no working calendar for {0}: "
                                                    "weekends only").format(which))
        label.setToolTip(self.tr("The deadline runs into {0}, for which no official holiday "
                                 "notice is installed: it counts weekends only. An "
                                 "administrator adds the notice with main.py add-calendar "
                                 "FILE.").format(which))

    def set_actions(self, available: dict[str, bool]) -> None:
        """Show the buttons of the transitions open to the user; enable the legal ones."""
        for name, button in self.buttons.items():
            button.setVisible(name in available)
            button.setEnabled(bool(available.get(name)))

    @Slot()
    def _on_tick_timeout(self) -> None:
        """The countdown of the current step: green, amber from 80 %, red when overdue."""
        c = self._case
        if c is not None and c.claimed_by:
            self._show_holder(c)  # a claim that runs out stops showing
        if c is None or c.step_deadline is None or c.step_started_at is None:
            self.countdown.hide()
            return
        now = dt.datetime.now(dt.UTC)
        span = (c.step_deadline - c.step_started_at).total_seconds() or 1.0
        used = (now - c.step_started_at).total_seconds() / span
        left = c.step_deadline - now
        if left.total_seconds() < 0:
            colour, text = "#d9534f", self.tr("overdue by {0}").format(_span(-left))
        else:
            colour = "#e0a040" if used >= 0.8 else "#3aa35a"
            text = self.tr("{0} left").format(_span(left))
        bar = self.countdown
        # QProgressBar repaints itself at once when its text changes; with updates off
        # the change is painted with the rest of the window on the next turn instead
        bar.setUpdatesEnabled(False)
        try:
            bar.setValue(int(min(max(used, 0.0), 1.0) * 1000))
            bar.setFormat(text)
            if bar.property("chunk") != colour:  # a style sheet re-polishes the widget
                bar.setProperty("chunk", colour)
                bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        finally:
            bar.setUpdatesEnabled(True)
        bar.show()

    def clear(self) -> None:
        self.case_id = None
        self.shown_version = None
        self.title.setText(self.tr("No case selected"))
        for label in self.fields.values():
            label.clear()
        self.history.clear()
        self.trace.clear()
        self.recommended.clear()
        self.set_photos(())
        self._case = None
        self._revealed = None
        self.reveal.hide()
        self._tick.stop()
        self.countdown.hide()
        self.set_actions({})
        self.set_claim_actions(claim=False, release=False)
        self.fields["holder"].hide()


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes:02d}m" if days else f"{hours}h {minutes:02d}m"
