"""Download an imported episode's audio: streamed to disk, resumable, verified by probing.

The partial file is named after the episode's GUID (`.import-<hash>.part`), so an interrupted
import finds it again and asks the server only for the missing bytes (HTTP Range).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from posixpath import splitext
from urllib.parse import urlsplit

from showapp.errors import BadAudio
from showapp.services.audio import files as audio_files
from showapp.services.importing.fetch import FetchError, copy_limited, open_url
from showapp.storage import Storage

# Progress: (bytes so far, total bytes or 0 when the server does not say).
ByteProgress = Callable[[int, int], None]
EXTENSION_BY_TYPE = {"audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/x-m4a": ".m4a",
                     "audio/m4a": ".m4a", "audio/mp4": ".m4a", "audio/aac": ".m4a"}  # fmt: skip


@dataclass(frozen=True)
class DownloadedAudio:
    relative_name: str
    size: int
    sha256: str
    info: audio_files.AudioInfo


def part_path(storage: Storage, show_slug: str, guid: str) -> Path:
    """Where a download is resumed from: on this host even with S3, which gets the finished,
    probed file in one upload."""
    digest = hashlib.sha256(guid.encode()).hexdigest()[:24]
    return storage.staging_dir(show_slug) / f".import-{digest}.part"


def download_audio(
    url: str,
    *,
    storage: Storage,
    show_slug: str,
    episode_slug: str,
    guid: str,
    declared_mime: str,
    max_bytes: int,
    timeout: float,
    on_progress: ByteProgress | None = None,
) -> DownloadedAudio:
    """Fetch (or finish fetching) the file, probe it, and move it to its final name."""
    partial = part_path(storage, show_slug, guid)
    partial.parent.mkdir(parents=True, exist_ok=True)
    content_type = _fetch_resumable(url, partial, max_bytes, timeout, on_progress)
    extension = _extension(url, content_type or declared_mime)
    try:
        info = audio_files.probe_audio(partial, extension)
    except BadAudio:
        # A damaged file will not heal by resuming it: start from zero next time.
        partial.unlink(missing_ok=True)
        raise
    relative = f"{show_slug}/{episode_slug}-{secrets.token_hex(4)}{extension}"
    size, digest = _size_and_sha256(partial)
    storage.move_in(relative, partial, audio_files.AUDIO_TYPES[extension])
    return DownloadedAudio(relative, size, digest, info)


def _fetch_resumable(
    url: str, partial: Path, max_bytes: int, timeout: float, on_progress: ByteProgress | None
) -> str:
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with open_url(url, timeout, headers) as response:
        resumed = have and response.status == 206
        if not resumed:
            have = 0
        length = int(response.headers.get("Content-Length") or 0)
        total = have + length if length else 0
        done = have

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if on_progress is not None:
                on_progress(done, total)

        with partial.open("ab" if resumed else "wb") as out:
            copy_limited(response, out, max_bytes - have, url, advance)
        if length and done != total:
            raise FetchError(f"{url} sent {done:,} of {total:,} bytes; run the import again")
        content_type: str = response.headers.get_content_type() or ""
        return content_type


def _extension(url: str, content_type: str) -> str:
    # Query strings and extension-less URLs are common (tracking redirects); trust the
    # path's extension when it is one we know, else the type the server or the feed gave.
    extension = splitext(urlsplit(url).path)[1].lower()
    if extension in audio_files.AUDIO_TYPES:
        return extension
    found = EXTENSION_BY_TYPE.get(content_type.lower())
    if found is None:
        raise BadAudio(f"{url} is {content_type or 'of unknown type'}, not MP3 or M4A audio")
    return found


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(audio_files.CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
