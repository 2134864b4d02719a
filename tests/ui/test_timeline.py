"""The replay clock: range, play at speed, pause, throttled seeks, the end, stepping."""

from __future__ import annotations

import datetime as dt
import time
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt

from widgets.timeline import SEEK_THROTTLE_MS, SPEEDS, TimelineBar

pytestmark = pytest.mark.gui
CS = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 28, 8, 0, tzinfo=CS)
END = dt.datetime(2026, 11, 28, 20, 0, tzinfo=CS)


@pytest.fixture
def bar(qtbot) -> TimelineBar:
    w = TimelineBar()
    qtbot.addWidget(w)
    w.resize(900, 40)
    w.set_range(START, END)
    return w


@pytest.fixture
def emitted(bar) -> list[dt.datetime]:
    times: list[dt.datetime] = []
    bar.sig_time_changed.connect(times.append)
    return times


def test_before_a_range_the_bar_is_inert(qtbot) -> None:
    w = TimelineBar()
    qtbot.addWidget(w)
    assert w.position.text() == "No scenario loaded"
    assert not (w.play_button.isEnabled() or w.step_button.isEnabled() or w.slider.isEnabled())
    assert [w.speed_box.itemData(i) for i in range(w.speed_box.count())] == list(SPEEDS)


def test_set_range_covers_the_scenario_and_shows_shanghai_time(bar, emitted) -> None:
    assert (bar.slider.minimum(), bar.slider.maximum()) == (0, 12 * 3600)
    assert bar.time() == START and bar.time().tzinfo is dt.UTC
    assert bar.position.text() == "2026-11-28 08:00:00  ·  events: 0"
    assert bar.play_button.isEnabled() and not bar.is_playing()
    bar.set_position(dt.datetime(2026, 11, 28, 1, 30, 5, tzinfo=dt.UTC), 12_345)
    assert bar.position.text() == "2026-11-28 09:30:05  ·  events: 12,345"
    assert bar.slider.value() == 5405
    assert emitted == []  # the controller's own report is not echoed back to it
    with pytest.raises(ValueError, match="timezone-aware"):
        bar.set_range(dt.datetime(2026, 1, 1), END)
    with pytest.raises(ValueError, match="before it starts"):
        bar.set_range(END, START)


def test_play_at_60x_runs_a_minute_per_wall_second(bar, emitted, qtbot) -> None:
    bar.set_speed(60)
    with qtbot.waitSignal(bar.sig_playback_toggled) as toggled:
        before = time.monotonic()
        bar.play()
    assert toggled.args == [True] and bar.play_button.text() == "Pause"
    bar.advance(1.0)
    real = time.monotonic() - before  # the wall time that really passed, besides advance()
    assert len(emitted) == 1
    ran = (emitted[0] - START).total_seconds()
    assert 60.0 <= ran <= 60.0 * (1.0 + real)
    assert emitted[0].tzinfo is dt.UTC
    assert bar.position.text().startswith("2026-11-28 08:01:00")


def test_pause_stops_the_clock(bar, emitted, qtbot) -> None:
    bar.set_speed(3600)
    bar.play()
    bar.advance(1.0)
    with qtbot.waitSignal(bar.sig_playback_toggled) as toggled:
        bar.pause()
    assert toggled.args == [False] and bar.play_button.text() == "Play"
    stopped = bar.time()
    assert stopped >= START + dt.timedelta(hours=1)
    count = len(emitted)
    bar.advance(5.0)
    qtbot.wait(250)  # the 10 Hz tick would have fired twice
    assert len(emitted) == count and bar.time() == stopped and not bar.is_playing()
    # playing again carries on from where it stopped, not from where wall time would be
    bar.play()
    bar.advance(1.0)
    assert stopped + dt.timedelta(hours=1) <= emitted[-1] < stopped + dt.timedelta(hours=2)


def test_speed_change_applies_from_now_on(bar, emitted) -> None:
    bar.set_speed(60)
    before = time.monotonic()
    bar.play()
    bar.advance(10.0)  # ten minutes at 60x
    bar.set_speed(3600)
    bar.advance(1.0)  # then an hour at 3600x
    real = time.monotonic() - before
    ran = (emitted[-1] - START).total_seconds()
    assert 600 + 3600 <= ran <= 600 + 3600 + 3600 * real


def test_the_clock_follows_the_wall_clock_without_drift(bar, qtbot) -> None:
    seen: list[tuple[float, dt.datetime]] = []

    def controller(t: dt.datetime) -> None:  # applies the events, reports back at once
        seen.append((time.monotonic(), t))
        time.sleep(0.005)  # applying events takes time; it must not hold the clock back
        bar.set_position(t, len(seen))

    bar.sig_time_changed.connect(controller)
    bar.set_speed(3600)
    began = time.monotonic()
    bar.play()
    qtbot.wait(1200)
    bar.pause()
    assert len(seen) >= 5  # ticking at about 10 Hz
    for wall, t in seen:
        # every tick, the last one included, is where the wall clock says: no error adds up
        assert abs((t - START).total_seconds() / 3600 - (wall - began)) < 0.05


def test_dragging_the_slider_seeks_once_on_release(bar, emitted, qtbot) -> None:
    bar.slider.setSliderDown(True)  # what a press on the handle does
    for value in (600, 1200, 1800, 3600):
        bar.slider.setValue(value)
    assert emitted == []  # nothing yet: the drag is throttled
    bar.slider.setSliderDown(False)  # the release
    assert emitted == [START + dt.timedelta(hours=1)]
    assert bar.time() == START + dt.timedelta(hours=1)
    assert bar.position.text().startswith("2026-11-28 09:00:00")
    qtbot.wait(SEEK_THROTTLE_MS + 100)
    assert len(emitted) == 1  # the throttle has nothing left to send


def test_a_long_drag_seeks_at_most_every_200_ms(bar, qtbot) -> None:
    seen: list[float] = []
    bar.sig_time_changed.connect(lambda _t: seen.append(time.monotonic()))
    bar.slider.setSliderDown(True)
    began = time.monotonic()
    for value in range(0, 3000, 30):  # 100 moves over a second or so
        bar.slider.setValue(value)
        qtbot.wait(10)
    dragged = time.monotonic() - began
    assert 2 <= len(seen) <= dragged / (SEEK_THROTTLE_MS / 1000) + 1
    assert all(b - a >= (SEEK_THROTTLE_MS - 20) / 1000 for a, b in pairwise(seen))
    bar.slider.setSliderDown(False)
    assert bar.time() == START + dt.timedelta(seconds=2970)


def test_clicking_the_slider_groove_seeks(bar, emitted, qtbot) -> None:
    bar.show()
    qtbot.waitExposed(bar)
    groove = bar.slider.rect()
    qtbot.mouseClick(bar.slider, Qt.MouseButton.LeftButton,
                     pos=QPoint(groove.right() - 5, groove.center().y()))
    qtbot.waitUntil(lambda: len(emitted) == 1, timeout=1000)
    assert emitted[0] > START and bar.time() == emitted[0]


def test_seeking_while_playing_carries_on_from_there(bar, emitted) -> None:
    bar.set_speed(60)
    bar.play()
    bar.slider.setSliderDown(True)
    bar.slider.setValue(6 * 3600)
    bar.advance(1.0)  # ticks while the handle is held move nothing
    assert emitted == []
    bar.slider.setSliderDown(False)
    assert emitted == [START + dt.timedelta(hours=6)]
    bar.advance(1.0)
    assert emitted[-1] >= START + dt.timedelta(hours=6, minutes=1)
    assert bar.is_playing()


def test_the_end_stops_the_clock(bar, emitted, qtbot) -> None:
    bar.set_speed(3600)
    bar.play()
    with qtbot.waitSignal(bar.sig_finished):
        bar.advance(13.0)  # thirteen hours of a twelve-hour scenario
    assert emitted[-1] == END
    assert not bar.is_playing() and not bar.play_button.isChecked()
    assert bar.play_button.text() == "Play"
    assert bar.position.text().startswith("2026-11-28 20:00:00")
    count = len(emitted)
    qtbot.wait(250)
    assert len(emitted) == count
    # play at the end starts over
    bar.play()
    assert emitted[-1] == START and bar.is_playing()


def test_step_button_and_the_controllers_answer(bar, emitted, qtbot) -> None:
    with qtbot.waitSignal(bar.sig_step_requested):
        qtbot.mouseClick(bar.step_button, Qt.MouseButton.LeftButton)
    nxt = START + dt.timedelta(minutes=42)
    bar.set_position(nxt, 1)  # the controller jumped to the next event
    assert bar.time() == nxt and emitted == []
    assert bar.position.text() == "2026-11-28 08:42:00  ·  events: 1"
    bar.set_speed(60)
    bar.play()
    bar.advance(1.0)
    assert emitted[-1] >= nxt + dt.timedelta(minutes=1)


def test_space_toggles_play_when_the_bar_has_focus(bar, qtbot) -> None:
    with qtbot.waitActive(bar):  # shortcuts reach the active window only
        bar.show()
        bar.activateWindow()
    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert bar.is_playing()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert not bar.is_playing()
