"""The replay clock of a scenario replay or training drill: play/pause, speed, seek, step.

The bar owns the replay clock and never touches the replay itself: it emits the replay
time, the controller applies the scenario's events up to that time and reports back with
:meth:`TimelineBar.set_position`.

The clock is anchored, not accumulated: it remembers the replay time and the monotonic wall
time (``QElapsedTimer``) of the last play, seek or speed change, and on every tick computes
``anchor + elapsed wall time x speed``, so timer jitter never adds up to drift.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

DISPLAY_TZ = ZoneInfo("Asia/Shanghai")
SPEEDS = (1, 10, 60, 300, 900, 3600)
TICK_MS = 100  # 10 Hz: smooth enough for a clock label, cheap for the controller
SEEK_THROTTLE_MS = 200  # a dragged slider seeks at most this often, and once on release


class TimelineBar(QWidget):
    """Play/pause, speed, a slider over the scenario's time range, the replay time with the
    number of events so far, and a button to step to the next event.

    Times going out are timezone-aware datetimes in UTC; times coming in must be aware.
    """

    sig_time_changed = Signal(object)
    """The replay clock moved to this time (an aware UTC datetime): on each tick while
    playing, or because the user sought with the slider."""

    sig_playback_toggled = Signal(bool)
    """The replay started playing (True) or paused (False), by the user or at the end."""

    sig_step_requested = Signal()
    """The user asked to jump to the next event of the scenario."""

    sig_finished = Signal()
    """Playing reached the end of the scenario's time range; the clock paused there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start = self._end = dt.datetime.fromtimestamp(0, dt.UTC)
        self._loaded = False
        self._speed = SPEEDS[0]
        self._anchor_time = self._start  # replay time at the last play/seek/speed change
        self._anchor_wall_ms = 0.0  # monotonic wall time at that moment
        self._skew_ms = 0.0  # wall time added by advance()
        self._shown = self._start  # the time last emitted or shown
        self._events = 0
        self._pending_seek: int | None = None  # slider value waiting for the throttle
        self._wall = QElapsedTimer()
        self._wall.start()

        self.play_button = QToolButton(self)
        self.play_button.setCheckable(True)
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setToolTip(self.tr("Play or pause the replay (Space)"))
        self.step_button = QToolButton(self)
        self.step_button.setText(self.tr("Next event"))
        self.step_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward))
        self.step_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.step_button.setToolTip(self.tr("Jump to the next event of the scenario"))
        self.speed_box = QComboBox(self)
        self.speed_box.setToolTip(self.tr("Replay speed: scenario seconds per wall second"))
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed}×", speed)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setMinimumWidth(160)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.position = QLabel(self)
        self.position.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.position.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.step_button)
        layout.addWidget(self.speed_box)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.position)

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._seek_timer = QTimer(self)
        self._seek_timer.setSingleShot(True)
        self._seek_timer.setInterval(SEEK_THROTTLE_MS)
        self._seek_timer.timeout.connect(self._on_seek_timer_timeout)
        # Space toggles anywhere inside the bar (the focus may be on the slider or a button)
        self._space = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        self._space.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._space.activated.connect(self._on_space_activated)

        self.play_button.toggled.connect(self._on_play_button_toggled)
        self.step_button.clicked.connect(self._on_step_button_clicked)
        self.speed_box.currentIndexChanged.connect(self._on_speed_box_current_index_changed)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self._show_play_state(False)
        self._set_controls_enabled(False)
        self._show(self._start)

    # -- driving the bar ------------------------------------------------------------------
    def set_range(self, start: dt.datetime, end: dt.datetime) -> None:
        """Cover the scenario from ``start`` to ``end`` (aware datetimes): pauses, puts the
        clock at ``start`` and the event count at 0, without emitting a time."""
        start, end = _utc(start), _utc(end)
        if end < start:
            raise ValueError(f"the replay ends ({end}) before it starts ({start})")
        self.pause()
        self._start, self._end, self._events, self._loaded = start, end, 0, True
        self.slider.blockSignals(True)
        self.slider.setRange(0, int((end - start).total_seconds()))
        self.slider.setPageStep(max(1, self.slider.maximum() // 20))
        self.slider.blockSignals(False)
        self._set_controls_enabled(end > start)
        self._anchor(start)

    def set_position(self, t: dt.datetime, events_so_far: int) -> None:
        """Show how many events the controller has applied, at replay time ``t``.

        Echo the time the bar emitted to report progress: that leaves the clock alone. Any
        other ``t`` (the time of the next event, after a step) moves the clock there and it
        carries on from it; so do not report the last event's time while playing.
        """
        t = min(max(_utc(t), self._start), self._end)
        self._events = events_so_far
        if t != self._shown:
            self._anchor(t)
        else:
            self._show(t)

    def set_speed(self, speed: int) -> None:
        """Replay ``speed`` scenario seconds per wall second (one of :data:`SPEEDS`)."""
        self.speed_box.setCurrentIndex(SPEEDS.index(speed))

    def speed(self) -> int:
        return self._speed

    def time(self) -> dt.datetime:
        """The replay clock now (aware, UTC), without emitting anything."""
        if not self._tick.isActive():
            return self._anchor_time
        elapsed_ms = self._wall_ms() - self._anchor_wall_ms
        return min(self._anchor_time + dt.timedelta(milliseconds=elapsed_ms * self._speed),
                   self._end)

    def is_playing(self) -> bool:
        return self._tick.isActive()

    def play(self) -> None:
        """Start playing (from the start again when the clock stands at the end)."""
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    def advance(self, wall_seconds: float) -> None:
        """Let ``wall_seconds`` of wall time pass at once, then tick: tests and headless
        drills drive the clock with this instead of waiting."""
        self._skew_ms += wall_seconds * 1000.0
        if self.is_playing():
            self._on_tick_timeout()

    # -- internals ------------------------------------------------------------------------
    def _wall_ms(self) -> float:
        return self._wall.nsecsElapsed() / 1e6 + self._skew_ms

    def _anchor(self, t: dt.datetime) -> None:
        """Restart the clock's reckoning at replay time ``t``, now."""
        self._anchor_time = t
        self._anchor_wall_ms = self._wall_ms()
        self._show(t)

    def _show(self, t: dt.datetime) -> None:
        self._shown = t
        if not self.slider.isSliderDown():  # never pull the handle from under the mouse
            self.slider.blockSignals(True)
            self.slider.setValue(int((t - self._start).total_seconds()))
            self.slider.blockSignals(False)
        if not self._loaded:
            self.position.setText(self.tr("No scenario loaded"))
            return
        local = t.astimezone(DISPLAY_TZ).strftime("%Y-%m-%d %H:%M:%S")
        self.position.setText(self.tr("{0}  ·  events: {1}").format(local, f"{self._events:,}"))

    def _seek(self, value: int) -> None:
        t = self._start + dt.timedelta(seconds=value)
        self._anchor(t)
        self.sig_time_changed.emit(t)

    def _show_play_state(self, playing: bool) -> None:
        pixmap = (QStyle.StandardPixmap.SP_MediaPause if playing
                  else QStyle.StandardPixmap.SP_MediaPlay)
        self.play_button.setIcon(self.style().standardIcon(pixmap))
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))

    def _set_controls_enabled(self, enabled: bool) -> None:
        for w in (self.play_button, self.step_button, self.slider):
            w.setEnabled(enabled)

    # -- slots ----------------------------------------------------------------------------
    @Slot(bool)
    def _on_play_button_toggled(self, playing: bool) -> None:
        if playing:
            if self._anchor_time >= self._end:
                self._seek(0)
            self._anchor(self._anchor_time)
            self._tick.start()
        else:
            self._anchor(self.time())  # before stopping: time() reads the running clock
            self._tick.stop()
        self._show_play_state(playing)
        self.sig_playback_toggled.emit(playing)

    @Slot()
    def _on_space_activated(self) -> None:
        if self.play_button.isEnabled():
            self.play_button.toggle()

    @Slot()
    def _on_step_button_clicked(self) -> None:
        self.sig_step_requested.emit()

    @Slot(int)
    def _on_speed_box_current_index_changed(self, _index: int) -> None:
        self._anchor(self.time())  # what has run so far ran at the old speed
        self._speed = int(self.speed_box.currentData())

    @Slot()
    def _on_tick_timeout(self) -> None:
        if self.slider.isSliderDown():
            return  # the user holds the handle: the seek decides where the clock goes
        t = self.time()
        if t >= self._end:
            self._anchor(self._end)
            self.sig_time_changed.emit(self._end)
            self.pause()
            self.sig_finished.emit()
            return
        self._show(t)  # no re-anchoring here: that is what keeps the clock from drifting
        self.sig_time_changed.emit(t)

    @Slot(int)
    def _on_slider_value_changed(self, value: int) -> None:
        # only the user moves the slider (code blocks its signals): throttle the seeks
        self._pending_seek = value
        if not self._seek_timer.isActive():
            self._seek_timer.start()

    @Slot()
    def _on_seek_timer_timeout(self) -> None:
        if self._pending_seek is not None:
            value, self._pending_seek = self._pending_seek, None
            self._seek(value)

    @Slot()
    def _on_slider_released(self) -> None:
        self._seek_timer.stop()
        self._on_seek_timer_timeout()


def _utc(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"the replay needs timezone-aware times, got {t!r}")
    return t.astimezone(dt.UTC)
