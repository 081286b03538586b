"""A show's accent colour for its public pages: the one chosen in the show settings when there
is one, else the dominant colour of its artwork, else the network default, always adjusted so
that text in it stays readable (WCAG 2 contrast).

The accent is used two ways: as text and borders on the page background, and as the fill of
buttons with text on it. So it must reach 4.5:1 against the light backgrounds, and the text
drawn on it (white or near-black, whichever is stronger) must reach 4.5:1 too.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

from PIL import Image

from showapp.storage import Storage

DEFAULT_ACCENT = "2b50b8"
# The lightest background the accent is drawn on (--bg in tokens.css; white is lighter still).
PAGE_BACKGROUNDS = ("ffffff", "faf9f7")
DARK_INK = "1c1b1a"
MIN_CONTRAST = 4.5
HEX = re.compile(r"#?([0-9a-fA-F]{6})")


@dataclass(frozen=True)
class Theme:
    accent: str  # six hex digits, no "#"
    ink: str  # the text colour drawn on the accent
    soft: str  # a pale tint of the accent for backgrounds
    line: str  # a light tint for borders


def parse_hex(value: str | None) -> str | None:
    match = HEX.fullmatch((value or "").strip())
    return match.group(1).lower() if match else None


def _channels(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[0:2], 16), int(hex_colour[2:4], 16), int(hex_colour[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` (0-1) of the way towards `other`."""
    a, b = _channels(colour), _channels(other)
    return _hex(tuple(x + (y - x) * share for x, y in zip(a, b, strict=True)))  # type: ignore[arg-type]


def readable(hex_colour: str) -> str:
    """The colour darkened just enough to reach 4.5:1 on the page backgrounds (keeping its
    hue); a colour already dark enough is returned as it is."""
    colour = hex_colour
    for step in range(1, 41):
        if all(contrast(colour, bg) >= MIN_CONTRAST for bg in PAGE_BACKGROUNDS):
            return colour
        colour = _mix(hex_colour, "000000", step / 40)
    return colour


# Every page of a show asks for its theme: the darkening search in readable() cost 1.5 % of
# a page. A colour's theme never changes, and there are few colours.
@lru_cache(maxsize=1024)
def theme_for(hex_colour: str | None) -> Theme:
    accent = readable(parse_hex(hex_colour) or DEFAULT_ACCENT)
    # Dark enough for the page, so white text on it has the same 4.5:1 and more.
    ink = "ffffff" if contrast(accent, "ffffff") >= contrast(accent, DARK_INK) else DARK_INK
    return Theme(accent, ink, _mix(accent, "ffffff", 0.9), _mix(accent, "ffffff", 0.7))


def dominant_colour(path: Path) -> str | None:
    """The most common vivid colour of an image, as hex; None when the file cannot be read.
    Cached by the file's name and modification time (artwork files are never rewritten in
    place: a new upload gets a new name)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _dominant(str(path), stat.st_mtime_ns)


def stored_dominant_colour(storage: Storage, small: str, original: str) -> str | None:
    """dominant_colour of stored artwork: its smaller copy when there is one. In a bucket the
    picture is read once per process and name (a stored name never gets new bytes)."""
    local_small, local_original = storage.local_path(small), storage.local_path(original)
    if local_small is not None and local_original is not None:
        return dominant_colour(local_small if local_small.is_file() else local_original)
    return _stored_dominant(storage, small) or _stored_dominant(storage, original)


@lru_cache(maxsize=256)
def _stored_dominant(storage: Storage, name: str) -> str | None:
    try:
        data = storage.read_bytes(name)
    except FileNotFoundError:
        return None
    return _dominant(io.BytesIO(data), 0)


@lru_cache(maxsize=256)
def _dominant(path: str | IO[bytes], _mtime: int) -> str | None:
    try:
        with Image.open(path) as image:
            small = image.convert("RGB").resize((64, 64))
    except (OSError, ValueError):
        return None
    palette = small.quantize(colors=8)
    colours = palette.getpalette() or []
    counts = sorted(palette.getcolors() or [], reverse=True)
    best: tuple[float, str] | None = None
    for count, index in counts:
        start = int(index) * 3  # type: ignore[call-overload]  # a palette image: an index
        r, g, b = colours[start : start + 3]
        # Greys and near-whites make a dull accent: weight each colour by how vivid it is.
        vividness = (max(r, g, b) - min(r, g, b)) / 255
        score = count * (0.15 + vividness)
        if best is None or score > best[0]:
            best = (score, _hex((r, g, b)))
    return best[1] if best else None
