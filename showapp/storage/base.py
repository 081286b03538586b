"""The storage interface every stored file goes through: audio, artwork in all its sizes, guest
photos, the network logo, and the transcripts and chapters files an import copied.

Names are the relative names the database stores (`my-show/ep1-1a2b.mp3`, `guests/x-300.jpg`),
always with forward slashes. Two backends implement it: `LocalStorage` (a folder, today's
behaviour) and `S3Storage` (a bucket on any S3-compatible server).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, Protocol


class BadName(ValueError):
    """A stored name that could escape the storage root (`..`, an absolute path)."""


def checked_name(name: str) -> str:
    """The name itself when it stays inside the storage root; BadName otherwise."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BadName(name)
    return path.as_posix()


# The kinds of file showapp stores, by extension, for the Content-Type objects carry.
CONTENT_TYPES = {
    ".mp3": "audio/mpeg", ".m4a": "audio/x-m4a", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".vtt": "text/vtt", ".srt": "application/x-subrip",
    ".json": "application/json", ".txt": "text/plain",
}  # fmt: skip


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


class PartSink(Protocol):
    """An object being uploaded while its local file is still being written (S3 multipart):
    each full part goes out as soon as it is on disk, so the upload ends soon after the
    file does."""

    name: str

    def part_written(self, path: Path, size: int) -> None:
        """The local file at `path` now holds `size` bytes: send every full part in them."""

    def finish(self, path: Path, size: int) -> None:
        """The file is complete: send the rest and make the object visible under `name`."""

    def abort(self) -> None:
        """Drop whatever was sent; nothing is left under `name`."""


class Storage(Protocol):
    """Where showapp keeps its files. Writes of a name that exists replace it."""

    kind: str  # "local" or "s3"

    def __hash__(self) -> int: ...  # by identity: per-process caches key on the backend

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int | None:
        """The stored size in bytes; None when there is no such file."""

    def open(self, name: str) -> BinaryIO:
        """A binary stream of the file; FileNotFoundError when there is none."""

    def read_bytes(self, name: str) -> bytes: ...

    def save_stream(self, name: str, stream: IO[bytes], content_type: str) -> None:
        """Store what the stream holds, read in chunks (multipart on S3)."""

    def save_bytes(self, name: str, data: bytes, content_type: str) -> None: ...

    def move_in(self, name: str, local_path: Path, content_type: str) -> None:
        """Store a finished local file under `name` and remove the local file: a rename on the
        local backend, one upload on S3."""

    def delete(self, name: str) -> None:
        """Remove the file; nothing happens when there is none."""

    def names(self, prefix: str = "", *, hidden: bool = False) -> Iterator[str]:
        """Every stored name under a folder prefix (`my-show/`); work files whose names start
        with a dot (uploads being written) only when `hidden`."""

    def local_path(self, name: str) -> Path | None:
        """The file on this host's disk (local backend only), for send_file, X-Accel and
        mutagen fast paths; None for S3."""

    def redirect_url(self, name: str, *, method: str = "GET") -> str | None:
        """Where a client can fetch the file itself (S3: public/CDN base or a presigned URL
        for `method`); None on the local backend, which the app serves itself."""

    def working_copy(self, name: str) -> AbstractContextManager[Path]:
        """A local file with the stored bytes to read (mutagen, Pillow): the file itself on
        the local backend, a temporary download on S3, removed on leaving the block."""

    def staging_dir(self, folder: str) -> Path:
        """A local folder where work files for `folder` are written before `move_in`."""

    def stream_upload(self, name: str, content_type: str) -> PartSink | None:
        """Start storing `name` while its local file is written (see PartSink); None where
        `move_in` costs nothing more (the local backend renames)."""
