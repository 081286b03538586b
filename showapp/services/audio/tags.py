# mutagen's ID3 frame and MP4 classes take untyped keyword arguments.
# mypy: disable-error-code="no-untyped-call"
"""Write metadata into an audio file: ID3v2.4 for MP3, MP4 atoms for M4A, with chapters.

Files are tagged as copies under a hidden name and renamed into place only when complete;
retagging.py decides when, and swaps the episode over to the new file.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TDRC,
    TIT2,
    TPE1,
    TRCK,
    WOAS,
    WXXX,
    CTOCFlags,
    ID3NoHeaderError,
)
from mutagen.mp4 import MP4, MP4Cover

from showapp.errors import MediaWriteFailed
from showapp.services.audio.mp4chapters import AtomError, copy_with_chapters


@dataclass(frozen=True)
class TagValues:
    title: str
    artist: str
    album: str
    track: int | None
    year: str
    comment: str
    page_url: str
    artwork: tuple[bytes, str] | None
    chapters: Sequence[tuple[float, float, str, str]]  # start, end, title, url


def write_tagged_copy(source: Path, target: Path, extension: str, values: TagValues) -> None:
    """Copy, tag and fsync under a hidden name, then rename to target; all or nothing."""
    temp = target.with_name(f".tag-{secrets.token_hex(8)}{extension}.part")
    try:
        if extension == ".m4a":
            copy_with_chapters(
                source, temp, [(start, title) for start, _, title, _ in values.chapters]
            )
            _tag_mp4(temp, values)
        else:
            shutil.copyfile(source, temp)
            _tag_mp3(temp, values)
        _fsync(temp)
        os.rename(temp, target)
        _fsync(target.parent)
    except (OSError, mutagen.MutagenError, AtomError) as error:
        temp.unlink(missing_ok=True)
        raise MediaWriteFailed(
            f"The tagged audio file could not be written ({error}); the previous file is "
            "still the one served."
        ) from error


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _tag_mp3(path: Path, values: TagValues) -> None:
    try:
        tags: Any = ID3(path)
    except ID3NoHeaderError:
        tags = ID3()
    for frame in ("TIT2", "TPE1", "TALB", "TRCK", "TDRC", "COMM", "WOAS", "WXXX", "APIC"):
        tags.delall(frame)
    tags.delall("CHAP")
    tags.delall("CTOC")
    tags.add(TIT2(encoding=3, text=values.title))
    tags.add(TPE1(encoding=3, text=values.artist))
    tags.add(TALB(encoding=3, text=values.album))
    if values.track is not None:
        tags.add(TRCK(encoding=3, text=str(values.track)))
    tags.add(TDRC(encoding=3, text=values.year))
    tags.add(COMM(encoding=3, lang="eng", desc="", text=values.comment))
    tags.add(WOAS(url=values.page_url))
    tags.add(WXXX(encoding=3, desc="Episode page", url=values.page_url))
    if values.artwork is not None:
        data, mime = values.artwork
        tags.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=data))
    _add_id3_chapters(tags, values.chapters)
    tags.save(path, v2_version=4)


def _add_id3_chapters(tags: Any, chapters: Sequence[tuple[float, float, str, str]]) -> None:
    if not chapters:
        return
    ids = [f"chp{index}" for index in range(len(chapters))]
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text="Chapters")],
        )
    )
    for element_id, (start, end, title, url) in zip(ids, chapters, strict=True):
        sub_frames: list[Any] = [TIT2(encoding=3, text=title)]
        if url:
            sub_frames.append(WXXX(encoding=3, desc="", url=url))
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=round(start * 1000),
                end_time=round(end * 1000),
                sub_frames=sub_frames,
            )
        )


def _tag_mp4(path: Path, values: TagValues) -> None:
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    tags: Any = audio.tags
    tags["©nam"] = [values.title]
    tags["©ART"] = [values.artist]
    tags["©alb"] = [values.album]
    tags["©day"] = [values.year]
    tags["©cmt"] = [values.comment]
    tags["desc"] = [values.comment]
    tags["purl"] = [values.page_url]
    if values.track is not None:
        tags["trkn"] = [(values.track, 0)]
    if values.artwork is not None:
        data, mime = values.artwork
        kind = MP4Cover.FORMAT_PNG if mime == "image/png" else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(data, imageformat=kind)]
    audio.save()
