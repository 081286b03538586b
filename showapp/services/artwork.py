"""Show and episode artwork files."""

from __future__ import annotations

import secrets
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEMO_SIZE = 1400  # Apple's minimum for show artwork


def write_demo_artwork(episodes_dir: Path, show_slug: str, title: str) -> str:
    """Draw a square RGB PNG cover for the demo show; return its stored relative name."""
    image = Image.new("RGB", (DEMO_SIZE, DEMO_SIZE), (18, 52, 86))
    draw = ImageDraw.Draw(image)
    for row in range(DEMO_SIZE):
        shade = int(40 * row / DEMO_SIZE)
        draw.line([(0, row), (DEMO_SIZE, row)], fill=(18 + shade, 52 + shade, 86 + shade * 2))
    draw.ellipse((250, 250, 1150, 1150), outline=(244, 196, 48), width=36)
    font = ImageFont.load_default(size=110)
    for line_number, line in enumerate(_wrap(title, 14)):
        draw.text((700, 620 + line_number * 140), line, fill="white", font=font, anchor="mm")
    relative = f"{show_slug}/cover-{secrets.token_hex(4)}.png"
    target = episodes_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "PNG", optimize=True)
    return relative


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
