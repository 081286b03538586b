"""The incremental MP3 frame walk: any chunking of a file gives the same scan as the whole file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from showapp.services.audio import files as audio_files
from showapp.services.audio.mp3frames import (
    FrameError,
    FrameScan,
    FrameWalker,
    HistoryTooShort,
    parse_header,
    scan_file,
)
from showapp.storage import LocalStorage
from tests.factories import make_mp3

DATA = Path(__file__).parent / "data"
CHUNK_SIZES = [1, 7, 64 * 1024]


def _id3v2(body_size: int) -> bytes:
    size = bytes((body_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + size + b"\x00" * body_size


def _apev2(body: bytes, with_header: bool = True) -> bytes:
    fields = (
        (2000).to_bytes(4, "little")
        + (len(body) + 32).to_bytes(4, "little")
        + (1).to_bytes(4, "little")
        + (0x80000000 if with_header else 0).to_bytes(4, "little")
    )
    header = b"APETAGEX" + fields + b"\x00" * 8 if with_header else b""
    return header + body + b"APETAGEX" + fields + b"\x00" * 8


def _id3v1() -> bytes:
    return b"TAG" + b"Title".ljust(30, b"\x00") + b"\x00" * 95


def _with_xing_frame(audio: bytes) -> bytes:
    """The audio behind a copy of its first frame that holds a Xing tag (and no sound)."""
    first = parse_header(audio[:4])
    assert first is not None
    return (audio[:4] + b"\x00" * 32 + b"Xing").ljust(first.length, b"\x00") + audio


def _walk_in_chunks(data: bytes, size: int) -> FrameScan | str:
    walker = FrameWalker()
    for start in range(0, len(data), size):
        walker.feed(data[start : start + size])
    try:
        return walker.finish()
    except FrameError as error:
        return f"FrameError: {error}"


def _scan_on_disk(path: Path) -> FrameScan | str:
    try:
        return scan_file(path)
    except FrameError as error:
        return f"FrameError: {error}"


TAGGED = _id3v2(3000) + make_mp3(2, seed=3) + _apev2(b"Artist\x00Someone") + _id3v1()
CASES = {
    "plain": make_mp3(2, seed=4),
    "Xing header frame": _with_xing_frame(make_mp3(2, seed=4)),
    "ID3v2, APEv2 and ID3v1 tags": TAGGED,
    "VBR without Xing": (DATA / "vbr-noxing.mp3").read_bytes(),
    "cut off mid-frame": make_mp3(2, seed=5)[:-100],
    "cut off, then tagged": make_mp3(2, seed=5)[:-100] + _id3v1(),
    "junk in the middle": make_mp3(1, seed=6)[:5000] + b"\x00junk" + make_mp3(1, seed=6)[5000:],
    "not audio": b"RIFF" + bytes(range(256)) * 300,
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("size", CHUNK_SIZES)
def test_chunked_walk_matches_the_whole_file(tmp_path: Path, name: str, size: int) -> None:
    path = tmp_path / "audio.mp3"
    path.write_bytes(CASES[name])
    assert _walk_in_chunks(CASES[name], size) == _scan_on_disk(path)


def test_the_cases_cover_success_and_each_failure(tmp_path: Path) -> None:
    # Guards the comparison above from passing on files that all fail the same way.
    results = {name: _walk_in_chunks(data, 64 * 1024) for name, data in CASES.items()}
    assert isinstance(results["ID3v2, APEv2 and ID3v1 tags"], FrameScan)
    vbr = results["VBR without Xing"]
    assert isinstance(vbr, FrameScan) and not vbr.has_vbr_header
    assert vbr.duration_seconds == pytest.approx(30, abs=0.2)
    plain, xing = results["plain"], results["Xing header frame"]
    assert isinstance(xing, FrameScan) and xing.has_vbr_header
    assert (xing.frames, xing.samples) == (plain.frames, plain.samples)  # type: ignore[union-attr]
    assert "truncated" in str(results["cut off mid-frame"])
    assert "truncated" in str(results["cut off, then tagged"])
    assert "lost MPEG frame sync" in str(results["junk in the middle"])
    assert "no MPEG audio frames found" in str(results["not audio"])


def test_tags_around_the_audio_do_not_change_its_length() -> None:
    audio = make_mp3(2, seed=3)
    bare, tagged = _walk_in_chunks(audio, 7), _walk_in_chunks(TAGGED, 7)
    assert isinstance(bare, FrameScan) and bare == tagged


def test_an_upload_is_walked_while_it_is_written(tmp_path: Path) -> None:
    data = (DATA / "vbr-noxing.mp3").read_bytes()
    with audio_files.staged_audio(
        io.BytesIO(data), LocalStorage(tmp_path), "show", "a.mp3"
    ) as staged:
        walked = staged.info.duration_seconds
    part = audio_files.PartFile(tmp_path, ".mp3")
    part.write(data)
    part.close()
    assert part.frames is not None
    assert part.frames.finish() == scan_file(part.path)
    assert walked == pytest.approx(scan_file(part.path).duration_seconds, abs=0.001)
    part.discard()


def test_a_long_tag_that_looks_like_frames_is_walked_again_on_disk(tmp_path: Path) -> None:
    # A headerless APEv2 tag holding hundreds of frame-like blocks: the streaming walk cannot
    # take them all back, so the probe walks the file, where the tag is found first.
    audio = make_mp3(2, seed=3)
    path = tmp_path / "tagged.mp3"
    path.write_bytes(audio + _apev2(make_mp3(12, seed=9), with_header=False))
    walker = FrameWalker()
    walker.feed(path.read_bytes())
    with pytest.raises(HistoryTooShort):
        walker.finish()
    assert audio_files._frame_scan(path, walker) == scan_file(path) == _walk_in_chunks(audio, 7)
