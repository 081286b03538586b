"""Pictures people upload that are not podcast artwork: guest photos and the network's logo.

Checked with Pillow (JPEG, PNG or WebP, size-capped), turned into the sizes pages use once at
upload, and written so that a failure leaves no file behind. open_image, which the artwork
checks use too, refuses a picture with too many pixels to decode safely.
"""

from __future__ import annotations

import io
import secrets
import struct
from collections.abc import Sequence
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from showapp.errors import InvalidInput
from showapp.storage import Storage

ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 6000
MIN_PIXELS = 96
# A guest photo: square, made once at upload; the first is the stored name, the rest copies.
PHOTO_SIZES = (600, 300, 96)


class TooManyPixels(InvalidInput):
    """Pillow will not open the picture for its pixel count (a possible decompression bomb);
    `size` is what its header declares, when it can be read."""

    def __init__(self, size: tuple[int, int] | None) -> None:
        super().__init__("The picture has too many pixels to open.")
        self.size = size


def open_image(stream: IO[bytes]) -> Image.Image:
    """Image.open, except that a picture past Pillow's pixel limit (Image.MAX_IMAGE_PIXELS, a
    possible decompression bomb) raises TooManyPixels; callers then word their own limit."""
    try:
        return Image.open(stream)
    # Between the limit and twice it Pillow only warns, and opens the picture for our own size
    # checks to refuse; where warnings are errors (as in the tests) the warning is raised.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooManyPixels(_declared_size(stream)) from error


def _declared_size(stream: IO[bytes]) -> tuple[int, int] | None:
    """The size in the picture's header, read the way Image.open reads it but without the pixel
    check, whose error gives only a pixel count. Only the header is read, nothing decoded."""
    stream.seek(0)
    prefix = stream.read(16)
    for factory, accept in Image.OPEN.values():
        accepted = not accept or accept(prefix)
        if not accepted or isinstance(accepted, str):  # a str: why the plugin cannot read it
            continue
        try:
            stream.seek(0)
            with factory(stream, "") as header:
                return header.size
        # What Image.open takes as "not this format", plus damage past the header.
        except (SyntaxError, IndexError, TypeError, struct.error, OSError, ValueError):
            continue
    return None


def open_picture(stream: IO[bytes], what: str) -> Image.Image:
    """The uploaded picture, decoded whole, or InvalidInput saying what is wrong with it."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise InvalidInput(f"The {what} file is empty.")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"The {what} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        image = open_image(io.BytesIO(data))
    except TooManyPixels as error:
        raise InvalidInput(_too_large(what, error.size)) from error
    except (UnidentifiedImageError, OSError) as error:
        raise InvalidInput(f"The {what} is not a picture: upload a JPEG, PNG or WebP.") from error
    if image.format not in ACCEPTED:
        raise InvalidInput(f"The {what} is {image.format}: upload a JPEG, PNG or WebP.")
    width, height = image.size
    if max(width, height) > MAX_PIXELS:
        raise InvalidInput(_too_large(what, image.size))
    if min(width, height) < MIN_PIXELS:
        raise InvalidInput(
            f"The {what} is {width}x{height} pixels; at least {MIN_PIXELS} on a side, please."
        )
    try:
        image.load()
    except OSError as error:
        raise InvalidInput(f"The {what} file is damaged: {error}.") from error
    # Phones store the camera's orientation apart from the pixels.
    return ImageOps.exif_transpose(image)


def _too_large(what: str, size: tuple[int, int] | None) -> str:
    if size is None:
        return f"The {what} has too many pixels to open; at most {MAX_PIXELS} on a side, please."
    width, height = size
    return f"The {what} is {width}x{height} pixels; at most {MAX_PIXELS} on a side, please."


def square_copies(image: Image.Image, sizes: Sequence[int]) -> list[Image.Image]:
    """The picture cropped to its centre square, in each size (never enlarged past it)."""
    side = min(image.size)
    square = ImageOps.fit(image.convert("RGB"), (side, side), Image.Resampling.LANCZOS)
    return [square.resize((min(size, side),) * 2, Image.Resampling.LANCZOS) for size in sizes]


def store_photo(storage: Storage, folder: str, stem: str, stream: IO[bytes]) -> str:
    """Check a guest photo and store its square sizes (PHOTO_SIZES) as JPEGs; return the
    stored name of the largest. Nothing is left behind when a check or a write fails."""
    image = open_picture(stream, "photo")
    relative = f"{folder}/{stem}-{secrets.token_hex(4)}.jpg"
    names = photo_names(relative)
    try:
        for copy, name in zip(square_copies(image, PHOTO_SIZES), names, strict=True):
            out = io.BytesIO()
            copy.save(out, "JPEG", quality=85, optimize=True)
            storage.save_bytes(name, out.getvalue(), "image/jpeg")
    except BaseException:
        delete_files(storage, names)
        raise
    return relative


def photo_names(relative: str | None) -> list[str]:
    """Every stored file of the photo `relative`: itself (600 px), then its smaller copies."""
    if not relative:
        return []
    stem = relative.rsplit(".", 1)[0]
    return [relative] + [f"{stem}-{size}.jpg" for size in PHOTO_SIZES[1:]]


def photo_copy(relative: str, size: int) -> str:
    """The stored name of the `size` px copy of a photo (600 is the photo itself)."""
    return relative if size == PHOTO_SIZES[0] else f"{relative.rsplit('.', 1)[0]}-{size}.jpg"


def store_logo(storage: Storage, stream: IO[bytes]) -> str:
    """Check the network's logo and store it as a PNG at most 600 px on a side (any shape,
    transparency kept); return its stored name."""
    image = open_picture(stream, "logo")
    image.thumbnail((600, 600), Image.Resampling.LANCZOS)
    relative = f"network/logo-{secrets.token_hex(4)}.png"
    try:
        out = io.BytesIO()
        image.convert("RGBA").save(out, "PNG", optimize=True)
        storage.save_bytes(relative, out.getvalue(), "image/png")
    except BaseException:
        delete_files(storage, [relative])
        raise
    return relative


def delete_files(storage: Storage, names: Sequence[str]) -> None:
    for name in names:
        storage.delete(name)
