#!/usr/bin/env python3
"""Write the console's emergency alarm, ``resources/sounds/alarm.wav``.

A two-tone "hi-lo" alert, twice, then a short pause: 1.3 s that the console loops until the
dispatcher acknowledges. Tones of 960 Hz and 770 Hz (far enough apart to be heard as a
siren, inside what laptop speakers reproduce) with a third harmonic for bite, 10 ms fades
against clicks, peaks at 70 % of full scale. 16-bit PCM, mono, 44.1 kHz. Generated, not a
recording: the output is the same bytes on every run, and a test checks the shipped file
against it.

    python scripts/make-alarm-sound.py [OUT]
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

RATE = 44_100
HIGH_HZ, LOW_HZ = 960.0, 770.0
TONE_S, PAUSE_S, CYCLES = 0.25, 0.3, 2
FADE_S = 0.010
PEAK = 0.7
OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds" / "alarm.wav"


def tone(freq: float) -> np.ndarray:
    """One tone of ``TONE_S`` seconds with a third harmonic, faded in and out."""
    t = np.arange(int(RATE * TONE_S)) / RATE
    wave_ = np.sin(2 * np.pi * freq * t) + np.sin(2 * np.pi * 3 * freq * t) / 3
    fade = int(RATE * FADE_S)
    envelope = np.ones_like(t)
    envelope[:fade] = np.linspace(0.0, 1.0, fade)
    envelope[-fade:] = np.linspace(1.0, 0.0, fade)
    return wave_ * envelope


def alarm_samples() -> np.ndarray:
    """The whole alarm as 16-bit samples."""
    cycle = np.concatenate([tone(HIGH_HZ), tone(LOW_HZ)])
    signal = np.concatenate([cycle] * CYCLES + [np.zeros(int(RATE * PAUSE_S))])
    signal *= PEAK / np.abs(signal).max()
    return np.round(signal * 32767).astype("<i2")


def write_alarm(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(alarm_samples().tobytes())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    write_alarm(target)
    print(target)
