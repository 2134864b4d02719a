"""The emergency alarm: a shipped WAV looped by QtMultimedia until the dispatcher acknowledges.

Where no sound can play (QtMultimedia does not import because libpulse0 is missing, no audio
output is reachable, the file does not load) the alarm falls back to the system beep every two
seconds and says so, with the reason, in the log (when the window's alarm is made) and on the
Acknowledge button's tooltip; it is never silent without a word.

The audio backend's start-up chatter (optional libraries it looked for, a sound server it
could not reach) is routed to this module's log while the backend starts, once per process:
it is what explains a fallback, and said that way it says it once, in the console's log, not
as Qt warnings on stderr at random moments.
"""

from __future__ import annotations

import logging
import sys
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    Qt,
    QTimer,
    QtMsgType,
    QUrl,
    Signal,
    Slot,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

DEFAULT_VOLUME = 80
"""The alarm's volume (0-100) until the settings say otherwise; the settings' default too."""

BEEP_INTERVAL_MS = 2000
"""How often the fallback beeps while the alarm rings."""


def _is_backend_chatter(category: str, message: str) -> bool:
    """Messages of the audio backend's start that only explain why no sound can play."""
    return (category.startswith("qt.multimedia.symbolsresolver")  # optional libraries
            or category == "qt.multimedia.ffmpeg"  # the FFmpeg version in use
            or message.startswith("PulseAudioService:"))  # no sound server reachable


@contextmanager
def _backend_chatter_to_log() -> Iterator[list[str]]:
    """While the block runs, the audio backend's start-up messages go to the list yielded
    (and to this module's log at DEBUG); every other Qt message goes where it went before."""
    chatter: list[str] = []
    previous = None  # the handler before this one (None: Qt's own), set just below

    def handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        category = context.category or "default"
        if _is_backend_chatter(category, message):
            chatter.append(message)
            log.debug("audio backend: %s", message)
        elif previous is not None:
            previous(mode, context, message)
        else:
            print(f"{category}: {message}" if category != "default" else message,
                  file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    try:
        yield chatter
    finally:
        qInstallMessageHandler(previous)


with _backend_chatter_to_log():  # importing it looks for optional libraries
    try:
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect, QtAudio
    except ImportError as exc:  # libpulse.so.0 missing: QtMultimedia's library does not load
        QMediaDevices = QSoundEffect = QtAudio = None  # type: ignore[assignment,misc]
        MULTIMEDIA_ERROR = f"QtMultimedia does not load ({exc})" + (
            "; install libpulse0 (scripts/system-deps.sh --console)" if "libpulse" in str(exc)
            else "")
    else:
        MULTIMEDIA_ERROR = ""

LOOP_FOREVER = int(QSoundEffect.Loop.Infinite.value) if QSoundEffect is not None else -2
"""The loop count of the ringing alarm: until stopped."""

_no_output_reason: str | None = None  # why no audio output is reachable ("" = one is)


def audio_output_problem() -> str:
    """Why the alarm cannot play its sound on this machine, or ``""`` when it can.

    Asked of the audio backend once per process (starting the backend is what loads it).
    """
    global _no_output_reason
    if MULTIMEDIA_ERROR:
        return MULTIMEDIA_ERROR
    if _no_output_reason is None:
        with _backend_chatter_to_log() as chatter:
            outputs = QMediaDevices.audioOutputs()
        if outputs:
            _no_output_reason = ""
        else:
            said = "; ".join(m for m in chatter if m.startswith("PulseAudioService:"))
            _no_output_reason = "no audio output device" + (f" ({said})" if said else "")
    return _no_output_reason


def alarm_sound_path() -> Path:
    """The alarm shipped with the console: ``resources/sounds/alarm.wav``."""
    return Path(str(resources.files("resources") / "sounds" / "alarm.wav"))


def wav_problem(path: Path) -> str:
    """Why ``path`` is not a PCM WAV file the alarm can loop, or ``""`` when it is one."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnframes() == 0:
                return f"{path} holds no sound"
            if w.getsampwidth() not in (1, 2, 4):
                return f"{path} has {w.getsampwidth() * 8}-bit samples"
    except (OSError, EOFError, wave.Error) as exc:
        return f"{path} is not a PCM WAV file ({exc})"
    return ""


def linear_volume(volume: int) -> float:
    """The 0-1 linear gain of a 0-100 volume setting. The setting is on a logarithmic
    (perceived loudness) scale, as Qt recommends for a volume slider: 50 sounds half as loud
    as 100, not barely quieter."""
    v = max(0, min(100, int(volume))) / 100
    if QtAudio is None:
        return v
    return QtAudio.convertVolume(v, QtAudio.VolumeScale.LogarithmicVolumeScale,
                                 QtAudio.VolumeScale.LinearVolumeScale)


class AlarmSound(QObject):
    """The alarm's player: ``play()`` loops the sound until ``stop()``.

    ``effect`` is the QSoundEffect that plays it (``None`` when QtMultimedia, an audio output
    or the file is missing). Where no sound can play ``fallback_reason`` says why and the
    alarm beeps instead; an effect that failed to load stays, stopped, with the source,
    loop count and volume it was given. ``playing`` is whether the alarm was asked to ring
    (the effect may still be loading its file)."""

    sig_fallback_used = Signal(str)
    """The alarm cannot play its sound and beeps instead; the reason."""

    def __init__(self, source: Path | None = None, volume: int = DEFAULT_VOLUME,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source if source is not None else alarm_sound_path()
        self.volume = max(0, min(100, int(volume)))
        self.playing = False
        self.fallback_reason = ""
        self.effect: QSoundEffect | None = None
        self._beep = QTimer(self)
        self._beep.setInterval(BEEP_INTERVAL_MS)
        self._beep.timeout.connect(QApplication.beep)
        problem = wav_problem(self.source) or audio_output_problem()
        if problem:
            self._fall_back(problem)
            return
        self.effect = QSoundEffect(self)
        self.effect.statusChanged.connect(self._on_effect_status_changed)
        self.effect.setLoopCount(LOOP_FOREVER)
        self.effect.setVolume(linear_volume(self.volume))
        self.effect.setSource(QUrl.fromLocalFile(str(self.source)))

    @property
    def beeping(self) -> bool:
        """The fallback beep is sounding."""
        return self._beep.isActive()

    def play(self) -> None:
        """Ring until ``stop()``; a second call while ringing changes nothing."""
        if self.playing:
            return
        self.playing = True
        if self.effect is not None:
            self.effect.setLoopCount(LOOP_FOREVER)
        if self.fallback_reason:
            QApplication.beep()
            self._beep.start()
        else:
            assert self.effect is not None  # no fallback: the effect was made
            self.effect.play()

    def stop(self) -> None:
        self.playing = False
        self._beep.stop()
        if self.effect is not None:
            self.effect.stop()

    def preview(self) -> None:
        """Play the sound once at the current volume (the settings' Test button); nothing
        while the alarm rings, which is already heard."""
        if self.playing:
            return
        if self.fallback_reason:
            QApplication.beep()
        else:
            assert self.effect is not None  # no fallback: the effect was made
            self.effect.setLoopCount(1)
            self.effect.play()

    def set_volume(self, volume: int) -> None:
        """0 (silent) to 100; applies at once, also while ringing."""
        self.volume = max(0, min(100, int(volume)))
        if self.effect is not None:
            self.effect.setVolume(linear_volume(self.volume))

    def _fall_back(self, reason: str) -> None:
        self.fallback_reason = reason
        log.warning("the emergency alarm cannot play %s: %s; it uses the system beep instead",
                    self.source, reason)
        self.sig_fallback_used.emit(reason)

    @Slot()
    def _on_effect_status_changed(self) -> None:
        # a file the player cannot decode, or an output that cannot play it; this can come
        # during setSource() when the file is in Qt's sample cache already
        assert self.effect is not None  # its own signal
        if self.effect.status() != QSoundEffect.Status.Error or self.fallback_reason:
            return
        self.effect.stop()
        self._fall_back("the audio output could not load or play it")
        if self.playing:  # ringing already: the beep takes over now
            QApplication.beep()
            self._beep.start()


class AlarmVolumeDialog(QDialog):
    """View → Alarm volume: a slider that sets the alarm's volume as it moves (Test plays
    the sound once); Cancel puts the old volume back. ``volume`` is the chosen value."""

    def __init__(self, sound: AlarmSound, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Alarm volume"))
        self.sound = sound
        self._before = sound.volume
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setSingleStep(5)
        self.slider.setPageStep(10)
        self.slider.setValue(sound.volume)
        self.value = QLabel(self)
        self.value.setMinimumWidth(90)
        self.test = QPushButton(self.tr("Test"), self)
        self.test.clicked.connect(self._on_test_clicked)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.value)
        row.addWidget(self.test)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        if sound.fallback_reason:
            self.note.setText(self.tr("No sound can play here, the alarm beeps instead: {0}")
                              .format(sound.fallback_reason))
        else:
            self.note.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Volume of the emergency alarm:"), self))
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self._on_slider_value_changed(sound.volume)

    @property
    def volume(self) -> int:
        return self.slider.value()

    @Slot(int)
    def _on_slider_value_changed(self, value: int) -> None:
        self.sound.set_volume(value)
        self.value.setText(self.tr("{0} %").format(value) if value
                           else self.tr("0 % (silent)"))

    @Slot()
    def _on_test_clicked(self) -> None:
        self.sound.preview()

    def reject(self) -> None:
        self.sound.set_volume(self._before)
        super().reject()
