"""Audio files on disk: stage an upload, probe it, move it into place, or throw it away.

Uploads are hostile input: the client's file name is never used for storage, only its
extension to pick a parser, and mutagen plus a frame walk decide whether it is audio.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4

from showapp.errors import BadAudio
from showapp.services.audio.mp3frames import (
    FrameError,
    FrameScan,
    FrameWalker,
    HistoryTooShort,
    scan_file,
)
from showapp.storage import Storage
from showapp.storage.base import PartSink

# Apple decides by extension; these are the MIME types its spec pairs with them.
AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a"}
CHUNK_BYTES = 1024 * 1024
# Temporary files written into a show's folder and renamed (or removed) when done: uploads,
# tagged copies, unpacked archive media. Resumable feed downloads (.import-*.part) are kept.
LEFTOVER_PATTERNS = (".upload-*.part", ".tag-*.part", ".unpack-*.part")
# Older than any upload, tagging or restore can take: such a file's writer is gone.
LEFTOVER_AGE_SECONDS = 24 * 3600

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AudioInfo:
    mime: str
    extension: str
    duration_seconds: float
    bitrate: int
    sample_rate: int
    channels: int


@dataclass
class StagedAudio:
    """An upload written to the storage's staging folder, not yet stored under its final name."""

    storage: Storage
    temp_path: Path
    size: int
    sha256: str
    info: AudioInfo
    final_name: str = ""
    kept: bool = field(default=False)
    sink: PartSink | None = None

    def relative_name(self, show_slug: str, episode_slug: str) -> str:
        """Choose the stored name: slug plus a random token, so every new file gets a new URL.
        An upload streamed to a bucket was named when it started (`<show>/upload-<token>`)."""
        if self.sink is not None:
            self.final_name = self.sink.name
            return self.final_name
        token = secrets.token_hex(4)
        self.final_name = f"{show_slug}/{episode_slug}-{token}{self.info.extension}"
        return self.final_name

    def keep(self) -> None:
        if self.sink is not None:
            # Streamed to the bucket while it arrived: only the last part is left to send.
            self.sink.finish(self.temp_path, self.size)
            self.temp_path.unlink(missing_ok=True)
        else:
            # A rename on the local backend; on S3 one upload of the probed file (multipart).
            self.storage.move_in(self.final_name, self.temp_path, self.info.mime)
        self.kept = True


# Formats hosts often export that podcast apps do not all play: refused with this advice.
REFUSED_FORMATS = {
    ".wav": "WAV", ".wave": "WAV", ".aif": "AIFF", ".aiff": "AIFF", ".flac": "FLAC",
    ".ogg": "Ogg Vorbis", ".oga": "Ogg Vorbis", ".opus": "Opus", ".aac": "raw AAC (ADTS)",
    ".wma": "WMA", ".webm": "WebM",
}  # fmt: skip
FORMAT_ADVICE = (
    "Apple Podcasts and Spotify both take MP3 and M4A (AAC); export the episode as MP3 "
    "(128 kbps or more) or M4A and upload that."
)


def audio_extension(filename: str) -> str:
    extension = Path(filename).suffix.lower()
    if extension in REFUSED_FORMATS:
        raise BadAudio(
            f"'{Path(filename).name}' is not a supported audio file: "
            f"{REFUSED_FORMATS[extension]} is not accepted. {FORMAT_ADVICE}"
        )
    if extension not in AUDIO_TYPES:
        allowed = ", ".join(sorted(AUDIO_TYPES))
        raise BadAudio(f"'{Path(filename).name}' is not a supported audio file ({allowed}).")
    return extension


class PartFile(io.FileIO):
    """An upload being written straight into its show's folder, hashed as it is written.

    The web upload hands this to werkzeug as the file's stream, so the bytes go to disk once,
    in the folder they will stay in; ``keep()`` later only renames the file. An MP3's frames
    are walked as the chunks pass, so the probe after the last byte has little left to do.
    """

    def __init__(self, directory: Path, extension: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f".upload-{secrets.token_hex(8)}{extension}.part"
        self.extension = extension
        self.size = 0
        self._digest = hashlib.sha256()
        self.frames = FrameWalker() if extension == ".mp3" else None
        # With a bucket: the object being uploaded while this file is written (studio uploads).
        self.sink: PartSink | None = None
        super().__init__(self.path, "x+")
        # Held until the file is closed (or its process dies): marks it as being written.
        fcntl.flock(self.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def write(self, data: Any) -> int:
        written = super().write(data)
        if written is None:
            return 0  # never for a blocking file; FileIO's contract allows it
        chunk = data if type(data) is bytes and written == len(data) else bytes(data[:written])
        self._digest.update(chunk)
        if self.frames is not None:
            self.frames.feed(chunk)
        self.size += written
        if self.sink is not None:
            self.sink.part_written(self.path, self.size)
        return written

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def discard(self) -> None:
        """Remove the file, and what was sent of it unless it was kept."""
        self.close()
        self.path.unlink(missing_ok=True)
        if self.sink is not None and not self.kept:
            self.sink.abort()
            self.sink = None

    kept = False  # set by staged_part once the upload is stored under its name


@contextmanager
def staged_audio(
    stream: BinaryIO, storage: Storage, show_slug: str, filename: str
) -> Iterator[StagedAudio]:
    """Copy a stream (a file given to the CLI) into its show's folder, then probe it.

    See ``staged_part`` for what happens on leaving the block.
    """
    part = PartFile(storage.staging_dir(show_slug), audio_extension(filename))
    try:
        while chunk := stream.read(CHUNK_BYTES):
            part.write(chunk)
    except BaseException:
        part.discard()
        raise
    with staged_part(part, storage) as staged:
        yield staged


@contextmanager
def staged_part(part: PartFile, storage: Storage) -> Iterator[StagedAudio]:
    """Probe a fully written upload and offer it for keeping.

    On leaving the block with an exception, every file this upload created is removed, so a
    failed save leaves the media folder as it was. Call ``keep()`` only after the row flushed.
    """
    part.close()
    staged: StagedAudio | None = None
    try:
        if part.size == 0:
            raise BadAudio("The audio file is empty.")
        info = probe_audio(part.path, part.extension, part.frames)
        staged = StagedAudio(storage, part.path, part.size, part.sha256, info, sink=part.sink)
        yield staged
    except BaseException:
        part.path.unlink(missing_ok=True)
        if staged is not None and staged.kept:
            storage.delete(staged.final_name)
        _drop_sink(part, kept=False)
        raise
    else:
        part.path.unlink(missing_ok=True)
        _drop_sink(part, kept=staged.kept)


def _drop_sink(part: PartFile, kept: bool) -> None:
    """An upload streamed to a bucket but not kept (refused, a duplicate, replaced by a tagged
    copy) is aborted there; a kept one is left alone."""
    part.kept = kept
    if part.sink is not None and not kept:
        part.sink.abort()
    part.sink = None


def probe_audio(path: Path, extension: str, frames: FrameWalker | None = None) -> AudioInfo:
    """Read duration and format; raise BadAudio for anything we would not publish.

    ``frames`` is an MP3's frame walk done while it was written; without it the file is walked.
    """
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as error:
        raise BadAudio(
            f"The audio file is damaged or not {extension[1:].upper()}: {error}"
        ) from error
    if audio is None or audio.info is None:
        raise BadAudio("The file is not audio that showapp can read (MP3 or M4A expected).")
    if extension == ".mp3":
        if not isinstance(audio, MP3):
            raise BadAudio("The file is named .mp3 but is not MP3 audio.")
        return _mp3_info(path, audio, frames)
    if not isinstance(audio, MP4):
        raise BadAudio("The file is named .m4a but is not MP4/AAC audio.")
    _check_mp4_atoms(path)
    return _info(audio, extension, float(audio.info.length))


def _mp3_info(path: Path, audio: MP3, frames: FrameWalker | None) -> AudioInfo:
    try:
        scan = _frame_scan(path, frames)
    except FrameError as error:
        raise BadAudio(f"The MP3 file is damaged: {error}.") from error
    # A Xing/VBRI header states the length exactly; without one, mutagen guesses from the
    # first frame, so the walked sample count wins.
    stated = float(getattr(audio.info, "length", 0.0))
    duration = stated if scan.has_vbr_header else scan.duration_seconds
    return _info(audio, ".mp3", duration)


def _frame_scan(path: Path, frames: FrameWalker | None) -> FrameScan:
    if frames is not None:
        try:
            return frames.finish()
        except HistoryTooShort:
            pass  # a huge APE tag: walk the file on disk, where its end is known first
    return scan_file(path)


def _info(audio: mutagen.FileType, extension: str, duration: float) -> AudioInfo:
    if duration <= 0:
        raise BadAudio("The audio file has no playable length.")
    return AudioInfo(
        mime=AUDIO_TYPES[extension],
        extension=extension,
        duration_seconds=round(duration, 3),
        bitrate=int(getattr(audio.info, "bitrate", 0) or 0),
        sample_rate=int(getattr(audio.info, "sample_rate", 0) or 0),
        channels=int(getattr(audio.info, "channels", 0) or 0),
    )


def _check_mp4_atoms(path: Path) -> None:
    """A cut-off M4A has a top-level atom that claims more bytes than the file holds."""
    size = path.stat().st_size
    position = 0
    with path.open("rb") as handle:
        while position + 8 <= size:
            handle.seek(position)
            header = handle.read(16)
            atom_size = int.from_bytes(header[:4], "big")
            if atom_size == 1:
                atom_size = int.from_bytes(header[8:16], "big")
            elif atom_size == 0:
                atom_size = size - position
            if atom_size < 8 or position + atom_size > size:
                raise BadAudio(
                    f"The M4A file is damaged: the '{header[4:8].decode('latin-1')}' box is cut "
                    "off; the file looks truncated."
                )
            position += atom_size


def remove_leftover_parts(
    episodes_dir: Path, older_than: float = LEFTOVER_AGE_SECONDS, now: float | None = None
) -> list[Path]:
    """Remove temporary files that a killed process (kill -9, a crash) left in show folders.

    Only files unchanged for `older_than` seconds go, and only when no process holds the
    lock an upload keeps on its file while writing it. Returns the removed paths.
    """
    cutoff = (time.time() if now is None else now) - older_than
    removed = []
    for pattern in LEFTOVER_PATTERNS:
        for path in episodes_dir.glob(f"*/{pattern}"):
            try:
                if path.stat().st_mtime <= cutoff and _remove_unlocked(path):
                    removed.append(path)
            except FileNotFoundError:
                continue  # its writer finished (renamed or removed it) meanwhile
    for path in removed:
        log.info("removed %s, left behind by an interrupted upload", path)
    return removed


def _remove_unlocked(path: Path) -> bool:
    with path.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # an upload is writing it now
        path.unlink()
        return True


def delete_media(storage: Storage, relative_name: str | None) -> None:
    if relative_name:
        storage.delete(relative_name)
