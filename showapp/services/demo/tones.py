"""Short, real MP3 files for the demo show, encoded in-process with LAME (lameenc)."""

from __future__ import annotations

import functools
import math
import random
from array import array

import lameenc

SAMPLE_RATE = 22050
NOTE_SECONDS = 0.4
# A pentatonic scale keeps any random melody pleasant to hear.
_SCALE_HZ = (261.63, 293.66, 329.63, 392.00, 440.00, 523.25, 587.33, 659.25)


def melody_pcm(seed: int, seconds: float) -> bytes:
    """Mono 16-bit PCM: a gentle, repeatable chime melody chosen by `seed`."""
    rng = random.Random(seed)
    notes = max(1, int(seconds / NOTE_SECONDS))
    return b"".join(_chime(rng.choice(_SCALE_HZ)) for _ in range(notes))


@functools.cache
def _chime(frequency: float) -> bytes:
    per_note = int(SAMPLE_RATE * NOTE_SECONDS)
    samples = array(
        "h",
        (
            int(
                32767
                * 0.35
                * math.exp(-4.0 * i / per_note)
                * math.sin(2 * math.pi * frequency * i / SAMPLE_RATE)
            )
            for i in range(per_note)
        ),
    )
    return samples.tobytes()


def melody_mp3(seed: int, seconds: float, bitrate_kbps: int = 64) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(melody_pcm(seed, seconds)) + encoder.flush())
