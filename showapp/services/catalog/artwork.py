"""Show and episode artwork files."""

from __future__ import annotations

import io
import secrets
from typing import IO

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from showapp.errors import InvalidInput
from showapp.services import images
from showapp.storage import Storage

DEMO_SIZE = 1400  # Apple's minimum for show artwork


def write_demo_artwork(storage: Storage, show_slug: str, title: str) -> str:
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
    storage.save_bytes(relative, _encoded(image, "PNG"), "image/png")
    # The pages show the smaller copies, as they do for uploaded artwork.
    write_copies(storage, relative, image)
    return relative


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + len(word) < width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


MIN_ARTWORK = 1400
MAX_ARTWORK = 3000
# Smaller copies for the site's pages, made once at upload (never per request).
COPY_SIZES = (600, 300)
_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
ARTWORK_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def check_artwork(stream: IO[bytes]) -> Image.Image:
    """Open an image and check it against Apple's artwork rules; say exactly what is wrong."""
    image = _open_artwork(stream)
    if image.format not in _FORMATS:
        raise InvalidInput(f"The artwork is {image.format}; Apple needs JPEG or PNG.")
    width, height = image.size
    if width != height:
        raise InvalidInput(f"The artwork is {width}x{height}; Apple needs a square image.")
    if width < MIN_ARTWORK:
        raise InvalidInput(
            f"The artwork is {width}x{height}; Apple needs at least {MIN_ARTWORK}x{MIN_ARTWORK}."
        )
    if width > MAX_ARTWORK:
        raise InvalidInput(_too_large(image.size))
    if image.mode != "RGB":
        raise InvalidInput(
            f"The artwork uses the {image.mode} colour mode; Apple needs RGB "
            "(no transparency, CMYK or palette)."
        )
    try:
        image.load()
    except OSError as error:
        raise InvalidInput(f"The artwork file is damaged: {error}.") from error
    return image


def _open_artwork(stream: IO[bytes]) -> Image.Image:
    try:
        return images.open_image(stream)
    except images.TooManyPixels as error:
        raise InvalidInput(_too_large(error.size)) from error
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidInput("The artwork is not an image (JPEG or PNG expected).") from error


def _too_large(size: tuple[int, int] | None) -> str:
    limit = f"Apple accepts at most {MAX_ARTWORK}x{MAX_ARTWORK}."
    if size is None:
        return f"The artwork has too many pixels to open; {limit}"
    width, height = size
    return f"The artwork is {width}x{height}; {limit}"


def store_artwork(storage: Storage, folder: str, stem: str, stream: IO[bytes]) -> list[str]:
    """Check and store artwork plus its smaller copies; return every stored relative name,
    the full-size one first. Nothing is left behind when a check or a write fails."""
    image = check_artwork(stream)
    relative = f"{folder}/{stem}-{secrets.token_hex(4)}{_FORMATS[str(image.format)]}"
    names = [relative] + [copy_name(relative, size) for size in COPY_SIZES]
    try:
        stream.seek(0)
        storage.save_stream(relative, stream, ARTWORK_TYPES[str(image.format)])
        write_copies(storage, relative, image)
    except BaseException:
        delete_artwork(storage, relative)
        raise
    return names


def write_copies(storage: Storage, relative: str, image: Image.Image) -> None:
    """The smaller copies of square artwork stored as `relative`, which pages link to."""
    for size in COPY_SIZES:
        copy = image.resize((size, size), Image.Resampling.LANCZOS)
        storage.save_bytes(copy_name(relative, size), _encoded(copy, "JPEG"), "image/jpeg")


def _encoded(image: Image.Image, kind: str) -> bytes:
    """The picture as a file's bytes: copies are at most 600 px, so they fit in memory."""
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, kind, optimize=True)
    return out.getvalue()


def copy_name(relative: str, size: int) -> str:
    """The stored name of the smaller copy of some artwork."""
    return f"{relative.rsplit('.', 1)[0]}-{size}.jpg"


def delete_artwork(storage: Storage, relative: str | None) -> None:
    if not relative:
        return
    for name in [relative] + [copy_name(relative, size) for size in COPY_SIZES]:
        storage.delete(name)
