"""Walk the MPEG audio frames of an MP3 file.

mutagen reads the first frame and, without a Xing/VBRI header, estimates the length of a
VBR file from that frame's bitrate, which can be minutes off. Walking every frame header
gives the true sample count, and shows a file that was cut off mid-frame.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass
from pathlib import Path

_BITRATES_KBPS = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}
# How far into the file the first frame may start (after ID3v2) before we call it not-MP3.
_MAX_LEADING_JUNK = 64 * 1024


class FrameError(ValueError):
    """The file is not a sequence of whole MPEG audio frames."""


@dataclass(frozen=True)
class Frame:
    length: int
    samples: int
    sample_rate: int
    bitrate: int


@dataclass(frozen=True)
class FrameScan:
    frames: int
    samples: int
    sample_rate: int
    has_vbr_header: bool

    @property
    def duration_seconds(self) -> float:
        return self.samples / self.sample_rate


def parse_header(header: bytes) -> Frame | None:
    """Decode a 4-byte frame header; None when the bytes are not a valid header."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version_bits = (header[1] >> 3) & 0x3
    layer_bits = (header[1] >> 1) & 0x3
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x3
    if version_bits == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    version = {3: 1, 2: 2, 0: 25}[version_bits]
    layer = 4 - layer_bits
    bitrate = _BITRATES_KBPS[(1 if version == 1 else 2, layer)][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 0x1
    if layer == 1:
        return Frame((12 * bitrate // sample_rate + padding) * 4, 384, sample_rate, bitrate)
    samples = 576 if (layer == 3 and version != 1) else 1152
    length = samples // 8 * bitrate // sample_rate + padding
    return Frame(length, samples, sample_rate, bitrate)


def scan_file(path: Path) -> FrameScan:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return scan_bytes(data)


_UNSEEN: Frame = Frame(0, 0, 0, 0)
# Pages of a mapped file that were walked count as this process's memory until given back; a
# 200 MB upload would otherwise raise the server's peak RSS by 200 MB.
_RELEASE_BYTES = 8 * 1024 * 1024


def _release(data: mmap.mmap, start: int, position: int) -> int:
    end = position - position % mmap.PAGESIZE
    data.madvise(mmap.MADV_DONTNEED, start, end - start)
    return end


def scan_bytes(data: bytes | mmap.mmap) -> FrameScan:
    start = _first_frame(data, _skip_id3v2(data))
    end = _audio_end(data)
    position, frames, samples = start, 0, 0
    first = parse_header(data[start : start + 4])
    assert first is not None
    has_vbr_header = _is_vbr_header_frame(data, start, first)
    # A file repeats a handful of distinct headers; decoding each once keeps a 200 MB upload's
    # walk to a fraction of a second instead of several.
    known: dict[bytes, Frame | None] = {}
    released = 0
    while position + 4 <= end:
        if position - released >= _RELEASE_BYTES and isinstance(data, mmap.mmap):
            released = _release(data, released, position)
        header = data[position : position + 4]
        frame = known.get(header, _UNSEEN)
        if frame is _UNSEEN:
            frame = known[header] = parse_header(header)
        if frame is None or frame.sample_rate != first.sample_rate:
            raise FrameError(f"lost MPEG frame sync at byte {position} of {end}")
        if position + frame.length > end:
            raise FrameError(
                f"the last frame is cut off at byte {end} (it needs {position + frame.length});"
                " the file looks truncated"
            )
        frames += 1
        samples += frame.samples
        position += frame.length
    if has_vbr_header:
        # The Xing/Info frame carries no audio of its own.
        frames -= 1
        samples -= first.samples
    if frames < 1:
        raise FrameError("no MPEG audio frames found")
    return FrameScan(frames, samples, first.sample_rate, has_vbr_header)


def _skip_id3v2(data: bytes | mmap.mmap) -> int:
    position = 0
    while data[position : position + 3] == b"ID3" and len(data) >= position + 10:
        size_bytes = data[position + 6 : position + 10]
        size = 0
        for byte in size_bytes:
            size = (size << 7) | (byte & 0x7F)
        footer = 10 if data[position + 5] & 0x10 else 0
        position += 10 + size + footer
    return position


def _first_frame(data: bytes | mmap.mmap, offset: int) -> int:
    """The first offset where two consecutive valid frame headers chain."""
    limit = min(len(data), offset + _MAX_LEADING_JUNK)
    position = data.find(b"\xff", offset, limit)
    while position != -1:
        frame = parse_header(data[position : position + 4])
        if frame is not None:
            following = position + frame.length
            if following == len(data) or parse_header(data[following : following + 4]):
                return position
        position = data.find(b"\xff", position + 1, limit)
    raise FrameError("no MPEG audio frames found at the start of the file")


def _audio_end(data: bytes | mmap.mmap) -> int:
    """Where the frames end: before a trailing ID3v1 tag and APEv2 tag, if any."""
    end = len(data)
    if end >= 128 and data[end - 128 : end - 125] == b"TAG":
        end -= 128
    if end >= 32 and data[end - 32 : end - 24] == b"APETAGEX":
        tag_size = int.from_bytes(data[end - 20 : end - 16], "little")
        has_header = data[end - 9] & 0x80
        end -= tag_size + (32 if has_header else 0)
    return end


def _is_vbr_header_frame(data: bytes | mmap.mmap, start: int, frame: Frame) -> bool:
    body = data[start : start + min(frame.length, 200)]
    return b"Xing" in body or b"Info" in body or body[36:40] == b"VBRI"
