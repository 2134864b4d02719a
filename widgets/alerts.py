"""The alert list: overdue and urgent cases that need a dispatcher's eye."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from widgets.alarm import AlarmSound


class AlertList(QWidget):
    """Alerts as (case id, text, severity) triples, severity ``overdue`` or ``warning``
    (past 80 % of the step's time); clicking one selects its case."""

    sig_case_selected = Signal(int)
    """The user clicked the alert of the case with this id."""

    sig_emergencies_acknowledged = Signal(list)
    """The user acknowledged the alarm for these emergency case ids."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self._shown: list[tuple[int, str, str]] = []
        self.alarm = QLabel(self)
        self.alarm.setWordWrap(True)  # a long case title must not widen the dock
        self.alarm.setStyleSheet("background:#b52b27; color:white; font-weight:bold; "
                                 "padding:4px;")
        # one emergency at a time, the oldest first, and opened as it is acknowledged; all
        # of them only when asked for explicitly (and confirmed)
        self.ack = QPushButton(self.tr("Acknowledge"), self)
        self.ack.clicked.connect(self._on_ack_clicked)
        self.ack_all = QPushButton(self)
        self.ack_all.setObjectName("ack_all")
        self.ack_all.clicked.connect(self._on_ack_all_clicked)
        bar = QHBoxLayout()
        bar.addWidget(self.alarm, 1)
        bar.addWidget(self.ack)
        bar.addWidget(self.ack_all)
        self.alarm.hide()
        self.ack.hide()
        self.ack_all.hide()
        self._ringing: list[int] = []
        self.sound = AlarmSound(parent=self)
        self.sound.sig_fallback_used.connect(self._on_sound_fallback_used)
        if self.sound.fallback_reason:  # known before the connection was made
            self._on_sound_fallback_used(self.sound.fallback_reason)
        self.tray: QSystemTrayIcon | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar)
        layout.addWidget(self.list)
        self.list.itemActivated.connect(self._on_item_activated)
        self.list.itemClicked.connect(self._on_item_activated)

    def set_alerts(self, alerts: Sequence[tuple[int, str, str]]) -> None:
        """Show the alerts (case id, text, "overdue" or "warning"); the same list again
        changes nothing (the selection and the scroll position stay)."""
        alerts = list(alerts)
        if alerts == self._shown:
            return
        self._shown = alerts
        self.list.clear()
        for case_id, text, severity in alerts:
            item = QListWidgetItem(("⚠ " if severity == "overdue" else "● ") + text)
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            item.setForeground(Qt.GlobalColor.red if severity == "overdue"
                               else Qt.GlobalColor.darkYellow)
            self.list.addItem(item)

    def ring(self, emergencies: Sequence[tuple[int, str]]) -> None:
        """Sound the alarm for new emergency cases until they are acknowledged; a tray
        notification too where the desktop has a tray."""
        before = set(self._ringing)  # (a surge rings thousands: no list look-ups)
        self._ringing = [cid for cid, _ in emergencies]
        new = [cid for cid in self._ringing if cid not in before]
        if not self._ringing:
            self._silence()
            return
        self.alarm.setText(self.tr("EMERGENCY: {0} case(s) not acknowledged — {1}").format(
            len(self._ringing), emergencies[0][1]))
        self.alarm.show()
        self.ack.setToolTip(self.tr("Acknowledge and open {0}; the alarm goes on for the "
                                    "others").format(emergencies[0][1]))
        self.ack.show()
        self.ack_all.setText(self.tr("Acknowledge all ({0})…").format(len(self._ringing)))
        self.ack_all.setVisible(len(self._ringing) > 1)
        self.sound.play()  # loops until acknowledged; ringing already: no change
        if new and QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                self.tray = QSystemTrayIcon(self.windowIcon(), self)
                self.tray.show()
            self.tray.showMessage(self.tr("Emergency"), emergencies[0][1],
                                  QSystemTrayIcon.MessageIcon.Critical, 10_000)

    @property
    def ringing(self) -> bool:
        return self.sound.playing

    @property
    def alarm_volume(self) -> int:
        """The alarm's volume, 0-100."""
        return self.sound.volume

    def set_alarm_volume(self, volume: int) -> None:
        """The alarm's volume, 0 (silent) to 100, from the settings."""
        self.sound.set_volume(volume)

    def _silence(self) -> None:
        self.sound.stop()
        self.alarm.hide()
        self.ack.hide()
        self.ack_all.hide()

    @Slot()
    def _on_ack_clicked(self) -> None:
        """The oldest emergency: acknowledged and opened; the alarm rings on for the rest
        (until the next change record, which names them again)."""
        if not self._ringing:
            return
        first, self._ringing = self._ringing[0], self._ringing[1:]
        if not self._ringing:
            self._silence()
        else:
            self.alarm.setText(self.tr("EMERGENCY: {0} case(s) not acknowledged").format(
                len(self._ringing)))
            self.ack_all.setText(self.tr("Acknowledge all ({0})…").format(len(self._ringing)))
            self.ack_all.setVisible(len(self._ringing) > 1)
        self.sig_emergencies_acknowledged.emit([first])
        self.sig_case_selected.emit(first)

    @Slot()
    def _on_ack_all_clicked(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        n = len(self._ringing)
        if n and QMessageBox.question(
                self, self.tr("Acknowledge all"),
                self.tr("Acknowledge all {0} emergencies without opening them? Each stays "
                        "in the queue, and comes to the alerts when its time to accept runs "
                        "out.").format(n)) \
                == QMessageBox.StandardButton.Yes:
            acknowledged, self._ringing = self._ringing, []
            self._silence()
            self.sig_emergencies_acknowledged.emit(acknowledged)

    @Slot(str)
    def _on_sound_fallback_used(self, reason: str) -> None:
        self.ack.setToolTip(self.tr("No alarm sound here, the system beep instead: {0}")
                            .format(reason))

    @Slot(QListWidgetItem)
    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.sig_case_selected.emit(int(item.data(Qt.ItemDataRole.UserRole)))
