"""The emergency alarm: the shipped sound, the player's state, the beep where no sound can
play (never silently), the volume in the settings and in View → Alarm volume."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import logging
import os
import runpy
import subprocess
import sys
import tomllib
import wave
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtMultimedia import QSoundEffect
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

import widgets.alarm as alarm
from console.mainwindow import MainWindow
from console.settings import SETTINGS_VERSION, AlarmSettings, Settings, load_settings, save_settings
from widgets.alarm import AlarmSound, AlarmVolumeDialog, alarm_sound_path, linear_volume
from widgets.alerts import AlertList

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
# With no audio device (CI, this container) QSoundEffect says so once it has loaded the file.
NO_DEVICE = pytest.mark.qt_log_ignore("QSoundEffect: playback of this format is not supported")


@pytest.fixture
def with_output(monkeypatch):
    """The alarm believes an audio output is there, so it builds its real QSoundEffect
    (where there is none the effect fails to load and the alarm must fall back). The real
    probe runs first: it starts the audio backend the way the console does."""
    alarm.audio_output_problem()
    monkeypatch.setattr(alarm, "audio_output_problem", lambda: "")


@pytest.fixture
def beeps(monkeypatch) -> list[int]:
    """Each system beep appends to the list (the fallback's timer is made after this)."""
    calls: list[int] = []
    monkeypatch.setattr(alarm.QApplication, "beep", staticmethod(lambda: calls.append(1)))
    return calls


def _peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


# -- the sound file -------------------------------------------------------------------------
def test_the_shipped_alarm_is_a_short_two_tone_16_bit_wav() -> None:
    path = alarm_sound_path()
    assert path == ROOT / "resources" / "sounds" / "alarm.wav" and path.is_file()
    assert alarm.wav_problem(path) == ""
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getcomptype()) == (1, 2, "NONE")
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    assert 1.0 <= len(samples) / rate <= 2.0  # short: it loops
    quarter = int(rate * 0.25)
    high, low = _peak_hz(samples[:quarter], rate), _peak_hz(samples[quarter:2 * quarter], rate)
    assert abs(high - 960) < 10 and abs(low - 770) < 10
    assert abs(_peak_hz(samples[2 * quarter:3 * quarter], rate) - 960) < 10  # hi-lo, again
    assert np.abs(samples).max() < 32767 * 0.75  # headroom: no clipping
    assert np.abs(samples[-int(rate * 0.2):]).max() == 0  # a pause before the next loop


def test_the_shipped_alarm_is_what_the_committed_script_writes(tmp_path) -> None:
    script = runpy.run_path(str(ROOT / "scripts" / "make-alarm-sound.py"))
    script["write_alarm"](tmp_path / "alarm.wav")
    assert (tmp_path / "alarm.wav").read_bytes() == alarm_sound_path().read_bytes()


def test_the_sound_is_packaged() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["resources"]
    assert any(fnmatch.fnmatch("sounds/alarm.wav", p) for p in patterns)


# -- the player ----------------------------------------------------------------------------
@NO_DEVICE
def test_the_alarm_loops_the_shipped_file_at_the_volume_until_stopped(
        qtbot, with_output, beeps, caplog) -> None:
    sound = AlarmSound(volume=60)
    effect = sound.effect
    assert isinstance(effect, QSoundEffect)
    assert effect.source() == QUrl.fromLocalFile(str(alarm_sound_path()))
    assert effect.loopCount() == QSoundEffect.Loop.Infinite.value
    assert effect.volume() == pytest.approx(linear_volume(60))
    sound.set_volume(30)
    assert effect.volume() == pytest.approx(linear_volume(30))
    assert linear_volume(30) < linear_volume(60)
    sound.play()
    assert sound.playing and effect.loopCount() == QSoundEffect.Loop.Infinite.value
    qtbot.waitUntil(lambda: bool(sound.fallback_reason) or effect.isPlaying(), timeout=5000)
    if not sound.fallback_reason:  # a machine with a sound device
        assert effect.status() == QSoundEffect.Status.Ready and not sound.beeping
        sound.stop()
        assert not effect.isPlaying() and not sound.playing
        return
    # no device: the effect failed; the beep took over, and the log says why
    assert effect.status() == QSoundEffect.Status.Error and not effect.isPlaying()
    assert sound.playing and sound.beeping and beeps
    assert "could not load or play" in sound.fallback_reason
    assert any("cannot play" in r.getMessage() and "system beep" in r.getMessage()
               and r.levelno == logging.WARNING for r in caplog.records)
    sound.stop()
    assert not sound.playing and not sound.beeping


@pytest.mark.parametrize("problem", [
    "no audio output device (PulseAudioService: pa_context_connect() failed)",
    "QtMultimedia does not load (libpulse.so.0: cannot open shared object file); install "
    "libpulse0 (scripts/system-deps.sh --console)"])
def test_where_no_sound_can_play_the_alarm_beeps_and_says_why(
        qtbot, monkeypatch, beeps, caplog, problem) -> None:
    monkeypatch.setattr(alarm, "audio_output_problem", lambda: problem)
    with caplog.at_level(logging.WARNING, logger="widgets.alarm"):
        sound = AlarmSound()
    assert sound.effect is None and sound.fallback_reason == problem
    [record] = [r for r in caplog.records if r.name == "widgets.alarm"]
    assert record.levelno == logging.WARNING and problem in record.getMessage()
    assert str(alarm_sound_path()) in record.getMessage()
    sound.play()
    assert sound.playing and sound.beeping and beeps == [1]  # at once, then every 2 s
    sound.play()  # ringing already
    assert beeps == [1]
    sound._beep.timeout.emit()
    assert len(beeps) == 2
    sound.stop()
    assert not sound.playing and not sound.beeping


@pytest.mark.parametrize("content", [None, b"", b"RIFF\x00\x00\x00\x00WAVEjunk"])
def test_a_missing_or_broken_file_falls_back_to_the_beep(
        qtbot, tmp_path, with_output, caplog, content) -> None:
    path = tmp_path / "alarm.wav"
    if content is not None:
        path.write_bytes(content)
    sound = AlarmSound(source=path)
    assert sound.effect is None and str(path) in sound.fallback_reason
    assert any(r.levelno == logging.WARNING and str(path) in r.getMessage()
               for r in caplog.records)


def test_the_backend_start_says_nothing_on_qt_log_and_its_answer_is_kept(qtbot) -> None:
    # the autouse qt log check fails this test on any warning: the probe routes the backend's
    # start-up messages to our log; asked twice, the backend is asked once
    first = alarm.audio_output_problem()
    assert alarm.audio_output_problem() == first
    assert first == "" or "audio" in first or "QtMultimedia" in first


def test_the_volume_follows_perceived_loudness() -> None:
    assert linear_volume(0) == 0 and linear_volume(100) == pytest.approx(1.0)
    assert 0 < linear_volume(50) < 0.5 * linear_volume(100)
    assert linear_volume(150) == linear_volume(100) and linear_volume(-5) == 0


# -- the alert list ---------------------------------------------------------------------------
@NO_DEVICE
def test_the_alert_list_rings_until_acknowledged(qtbot, with_output) -> None:
    alerts = AlertList()
    qtbot.addWidget(alerts)
    alerts.set_alarm_volume(40)
    effect = alerts.sound.effect
    assert alerts.alarm_volume == 40 and effect.volume() == pytest.approx(linear_volume(40))
    assert not alerts.ringing
    acknowledged = []
    alerts.sig_emergencies_acknowledged.connect(acknowledged.append)
    alerts.ring([(7, "C-7 燃气泄漏")])
    assert alerts.ringing and alerts.sound.playing
    assert effect.loopCount() == QSoundEffect.Loop.Infinite.value
    alerts.show()
    QTest.mouseClick(alerts.ack, Qt.MouseButton.LeftButton)
    assert acknowledged == [[7]]
    assert not alerts.ringing and not alerts.sound.playing and not alerts.sound.beeping
    assert not effect.isPlaying()


def test_the_alert_list_says_on_its_button_when_it_can_only_beep(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(alarm, "audio_output_problem", lambda: "no audio output device")
    alerts = AlertList()
    qtbot.addWidget(alerts)
    assert "no audio output device" in alerts.ack.toolTip()
    alerts.ring([(1, "C-1")])
    assert alerts.ringing and alerts.sound.beeping
    alerts.ring([])  # no emergency left unacknowledged: silence
    assert not alerts.ringing and not alerts.sound.beeping


# -- settings -----------------------------------------------------------------------------
def test_the_alarm_volume_is_saved_and_loaded(tmp_path) -> None:
    path = tmp_path / "settings.json"
    assert Settings().alarm.volume == alarm.DEFAULT_VOLUME  # one default for both
    save_settings(dataclasses.replace(Settings(), alarm=AlarmSettings(volume=35)), path)
    assert json.loads(path.read_text())["alarm"] == {"volume": 35}
    assert load_settings(path).alarm.volume == 35


def test_a_version_1_file_migrates_with_the_default_volume(tmp_path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "theme": "light", "language": "en"}))
    settings = load_settings(path)
    assert SETTINGS_VERSION == 2 and settings.version == 2
    assert (settings.theme, settings.language) == ("light", "en")
    assert settings.alarm.volume == alarm.DEFAULT_VOLUME
    assert not path.with_suffix(".json.bad").exists()


@pytest.mark.parametrize("doc", [
    {"version": 2, "alarm": {"volume": 101}}, {"version": 2, "alarm": {"volume": -1}},
    {"version": 2, "alarm": {"volume": "80"}}, {"version": 2, "alarm": {"volume": True}},
    {"version": 2, "alarm": {"loudness": 3}}, {"version": 2, "alarm": 50},
    {"version": 3}, {"version": True}, ["not", "an", "object"]])
def test_a_bad_alarm_setting_is_kept_aside_and_defaults_used(tmp_path, caplog, doc) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(doc))
    assert load_settings(path) == Settings()
    assert path.with_suffix(".json.bad").exists() and not path.exists()
    with pytest.raises(ValueError):
        save_settings(dataclasses.replace(Settings(), alarm=AlarmSettings(volume=101)), path)


# -- View → Alarm volume --------------------------------------------------------------------
def _open_volume_dialog(qtbot, win: MainWindow) -> AlarmVolumeDialog:
    view = next(a.menu() for a in win.menuBar().actions() if a.text() == "&View")
    [action] = [a for a in view.actions() if a.text() == "Alarm &volume…"]
    action.trigger()
    qtbot.waitUntil(lambda: win.findChild(AlarmVolumeDialog) is not None
                    and win.findChild(AlarmVolumeDialog).isVisible(), timeout=5000)
    return win.findChild(AlarmVolumeDialog)


@NO_DEVICE
def test_the_volume_is_set_in_its_dialog_and_heard_as_the_slider_moves(
        qtbot, with_output, beeps) -> None:
    win = MainWindow("test")
    qtbot.addWidget(win)
    win.show()
    win.alerts.set_alarm_volume(50)
    dialog = _open_volume_dialog(qtbot, win)
    assert dialog.slider.value() == 50 and dialog.value.text() == "50 %"
    dialog.slider.setFocus()
    QTest.keyClick(dialog.slider, Qt.Key.Key_PageUp)  # +10
    QTest.keyClick(dialog.slider, Qt.Key.Key_Right)  # +5
    assert win.alerts.alarm_volume == 65  # applied as it moves
    assert win.alerts.sound.effect.volume() == pytest.approx(linear_volume(65))
    QTest.mouseClick(dialog.test, Qt.MouseButton.LeftButton)  # plays once, not forever
    if win.alerts.sound.fallback_reason:  # no device: the effect failed, so a beep
        assert beeps == [1]
    else:
        assert win.alerts.sound.effect.loopCount() == 1
    assert not win.alerts.sound.playing
    with qtbot.waitSignal(win.sig_alarm_volume_changed, timeout=5000) as changed:
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    assert changed.args == [65]
    win.alerts.ring([(3, "C-3")])  # the alarm after a preview loops again
    assert win.alerts.sound.effect.loopCount() == QSoundEffect.Loop.Infinite.value
    win.alerts.ack.click()


def test_cancelling_the_volume_dialog_puts_the_old_volume_back(qtbot) -> None:
    win = MainWindow("test")
    qtbot.addWidget(win)
    win.show()
    win.alerts.set_alarm_volume(70)
    emitted = []
    win.sig_alarm_volume_changed.connect(emitted.append)
    dialog = _open_volume_dialog(qtbot, win)
    dialog.slider.setFocus()
    QTest.keyClick(dialog.slider, Qt.Key.Key_Home)
    assert win.alerts.alarm_volume == 0 and dialog.value.text() == "0 % (silent)"
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert win.alerts.alarm_volume == 70 and emitted == []


def test_the_dialog_says_when_the_alarm_can_only_beep(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(alarm, "audio_output_problem", lambda: "no audio output device")
    win = MainWindow("test")
    qtbot.addWidget(win)
    win.show()
    dialog = _open_volume_dialog(qtbot, win)
    assert dialog.note.isVisible() and "no audio output device" in dialog.note.text()
    dialog.reject()


_FRESH = """
import logging, sys
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
if sys.argv[1] == "without-qtmultimedia":
    sys.modules["PySide6.QtMultimedia"] = None  # as if libpulse.so.0 were missing
from PySide6.QtWidgets import QApplication
app = QApplication([])
from widgets.alarm import audio_output_problem
from widgets.alerts import AlertList
alerts = AlertList()
alerts.ring([(1, "C-1")])
print("effect", alerts.sound.effect is not None, "beeping", alerts.sound.beeping,
      "problem", audio_output_problem() or "-", flush=True)
"""


@pytest.mark.parametrize("mode", ["without-qtmultimedia", "as-installed"])
def test_a_fresh_console_says_in_its_log_why_it_only_beeps(mode) -> None:
    run = subprocess.run([sys.executable, "-c", _FRESH, mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    problem = run.stdout.split("problem ", 1)[1].strip()
    warnings = [line for line in run.stderr.splitlines() if line.startswith("WARNING")]
    if mode == "without-qtmultimedia":
        assert problem.startswith("QtMultimedia does not load")
    if problem == "-":  # QtMultimedia and an audio output: the sound plays, nothing to say
        assert "effect True beeping False" in run.stdout and warnings == []
        return
    assert "effect False beeping True" in run.stdout
    [warning] = warnings
    assert "widgets.alarm" in warning and "system beep" in warning and problem in warning
    # the backend's start-up chatter went to the log (at DEBUG), not to stderr
    assert "symbolsresolver" not in run.stderr and "Couldn't load" not in run.stderr
    assert "pa_context_connect" not in run.stderr.replace(warning, "")


def test_system_deps_names_libpulse0_for_the_console(tmp_path) -> None:
    """QtMultimedia's library needs libpulse.so.0 (Debian: libpulse0) to import at all, so
    the console's system packages include it. Run as a user on a machine with none of them:
    the script names what to install (and installs nothing)."""
    import PySide6

    qt_multimedia = Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6Multimedia.so.6"
    linked = subprocess.run(["ldd", str(qt_multimedia)], capture_output=True, text=True)
    assert "libpulse.so.0" in linked.stdout
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, body in (("dpkg-query", "exit 1"), ("id", "echo 1000"), ("fc-list", "true")):
        (fake / name).write_text(f"#!/bin/sh\n{body}\n")
        (fake / name).chmod(0o755)
    run = subprocess.run(["bash", str(ROOT / "scripts" / "system-deps.sh"), "--console"],
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": f"{fake}:/usr/bin:/bin"})
    assert run.returncode == 0
    [line] = [li for li in run.stderr.splitlines() if li.startswith("missing system packages")]
    assert "libpulse0" in line.split("(install them:")[0].split()


@NO_DEVICE
def test_acknowledge_takes_one_emergency_at_a_time_and_all_only_when_confirmed(
        qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    alerts = AlertList()
    qtbot.addWidget(alerts)
    alerts.show()
    acknowledged, opened = [], []
    alerts.sig_emergencies_acknowledged.connect(acknowledged.append)
    alerts.sig_case_selected.connect(opened.append)
    alerts.ring([(7, "C-7 燃气泄漏"), (8, "C-8 火情"), (9, "C-9 火情")])
    assert alerts.ack_all.isVisible() and "(3)" in alerts.ack_all.text()
    alerts.ack.click()  # the oldest, opened; the alarm goes on for the others
    assert acknowledged == [[7]] and opened == [7] and alerts.ringing
    assert "2 case(s)" in alerts.alarm.text()
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    alerts.ack_all.click()  # asked, and declined: nothing acknowledged
    assert acknowledged == [[7]] and alerts.ringing
    alerts.ack_all.click()
    assert acknowledged == [[7], [8, 9]] and not alerts.ringing
    assert opened == [7]  # "all" opens none
