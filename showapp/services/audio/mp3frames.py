"""Walk the MPEG audio frames of an MP3 file.

mutagen reads the first frame and, without a Xing/VBRI header, estimates the length of a
VBR file from that frame's bitrate, which can be minutes off. Walking every frame header
gives the true sample count, and shows a file that was cut off mid-frame.

The walk is incremental: an upload feeds each chunk to a ``FrameWalker`` as it is written,
so when the last byte arrives only the trailing tags are left to check. ``scan_file`` feeds a
file on disk through the same walker.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
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
# The longest frame (MPEG-2 layer II, 160 kbps at 8 kHz is 2,880 bytes) plus two headers: the
# first frame is found once this much past the junk limit has arrived, or at the end.
_LEAD_BYTES = _MAX_LEADING_JUNK + 2880 + 8
# An ID3v1 tag (128 bytes) and an APEv2 footer (32 bytes) are found from the file's last bytes.
_TAIL_BYTES = 160
# Frames remembered to be taken back when the trailing tags turn out to start before them.
_RECENT_FRAMES = 256
_READ_BYTES = 1024 * 1024


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


def parse_header(header: bytes | bytearray) -> Frame | None:
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


_UNSEEN: Frame = Frame(0, 0, 0, 0)


class _Phase(Enum):
    TAGS = "skipping ID3v2 tags"
    LEAD = "looking for the first frame"
    WALK = "walking frames"
    DONE = "done"


class HistoryTooShort(Exception):
    """The trailing tags reach further back than the frames a streaming walk remembers."""


class FrameWalker:
    """Walk MPEG frames as the bytes of a file arrive, chunk by chunk.

    A frame header split across two chunks is carried over; frame bodies are skipped without
    being kept, so memory stays flat. Where the audio ends (before ID3v1 and APEv2 tags) is only
    known at the end, so the walk goes on until the bytes stop being frames, and ``finish``
    takes back the frames that turn out to lie in the tags. ``end``, when the caller knows it
    already (a file on disk), stops the walk there instead.
    """

    def __init__(self, end: int | None = None) -> None:
        self._end = end
        self._phase = _Phase.TAGS
        self._received = 0
        self._head = bytearray()  # bytes from _head_start, until the first frame is found
        self._head_start = 0
        self._tail = b""
        self._carry = b""  # the start of a header cut by a chunk boundary
        self._position = 0  # where the next frame header starts
        self._lost_sync = False
        self._error: FrameError | None = None
        self._first: Frame = _UNSEEN
        self._has_vbr_header = False
        self._frames = 0
        self._samples = 0
        self._recent: deque[tuple[int, int]] = deque(maxlen=_RECENT_FRAMES)
        # A file repeats a handful of distinct headers; decoding each once keeps a 200 MB
        # upload's walk to a fraction of a second instead of several.
        self._known: dict[bytes, Frame | None] = {}

    def feed(self, chunk: bytes) -> None:
        base = self._received
        self._received += len(chunk)
        self._keep_tail(chunk)
        if self._phase is _Phase.WALK:
            self._walk(chunk, base)
        elif self._phase is not _Phase.DONE:
            skip = self._head_start - base
            if skip < len(chunk):
                self._head += chunk[max(skip, 0) :]
                self._read_head(complete=False)

    def finish(self) -> FrameScan:
        """The scan of everything fed; raises FrameError for a file that is not whole frames."""
        if self._phase in (_Phase.TAGS, _Phase.LEAD):
            self._read_head(complete=True)
        if self._error is not None:
            raise self._error
        end = self._end if self._end is not None else _audio_end(self._tail, self._received)
        frames, samples, following = self._frames_before(end)
        if self._lost_sync and self._position + 4 <= end:
            raise FrameError(f"lost MPEG frame sync at byte {self._position} of {end}")
        if following > end:
            raise FrameError(
                f"the last frame is cut off at byte {end} (it needs {following});"
                " the file looks truncated"
            )
        if self._has_vbr_header:
            # The Xing/Info frame carries no audio of its own.
            frames -= 1
            samples -= self._first.samples
        if frames < 1:
            raise FrameError("no MPEG audio frames found")
        return FrameScan(frames, samples, self._first.sample_rate, self._has_vbr_header)

    def _keep_tail(self, chunk: bytes) -> None:
        if len(chunk) >= _TAIL_BYTES:
            self._tail = chunk[-_TAIL_BYTES:]
        else:
            self._tail = (self._tail + chunk)[-_TAIL_BYTES:]

    def _read_head(self, complete: bool) -> None:
        head = self._head
        while self._phase is _Phase.TAGS:
            if len(head) < 10 and not complete:
                return
            if len(head) >= 10 and head[:3] == b"ID3":
                tag_end = _id3v2_length(head)
                self._head_start += tag_end
                del head[:tag_end]
            else:
                self._phase = _Phase.LEAD
        if len(head) < _LEAD_BYTES and not complete:
            return
        try:
            start = _first_frame(head)
        except FrameError as error:
            self._error, self._phase = error, _Phase.DONE
            return
        first = parse_header(head[start : start + 4])
        assert first is not None
        self._first = first
        self._has_vbr_header = _is_vbr_header_frame(head, start, first)
        self._position = self._head_start + start
        self._phase = _Phase.WALK
        self._head = bytearray()
        self._walk(bytes(head), self._head_start)

    def _frames_before(self, end: int) -> tuple[int, int, int]:
        """Frames and samples of the frames whose header lies before ``end``, and the next one."""
        frames, samples, following = self._frames, self._samples, self._position
        taken = 0
        for position, frame_samples in reversed(self._recent):
            if position + 4 <= end:
                break
            following, taken = position, taken + 1
            frames -= 1
            samples -= frame_samples
        if taken == len(self._recent) and frames > 0 and following + 4 > end:
            raise HistoryTooShort(f"tags before byte {end} hide more than {_RECENT_FRAMES} frames")
        return frames, samples, following

    def _walk(self, chunk: bytes, base: int) -> None:
        if self._carry:
            self._carry += chunk[: 4 - len(self._carry)]
            if len(self._carry) < 4:
                return
            header, self._carry = self._carry, b""
            if not self._step(header):
                return
        position = self._position - base
        stop = len(chunk) - 3  # a header needs 4 bytes: position + 4 <= len(chunk)
        if self._end is not None:
            stop = min(stop, self._end - base - 3)
        known, rate, remember = self._known, self._first.sample_rate, self._recent.append
        frames = samples = 0
        while position < stop:
            header = chunk[position : position + 4]
            frame = known.get(header, _UNSEEN)
            if frame is _UNSEEN:
                frame = known[header] = parse_header(header)
            if frame is None or frame.sample_rate != rate:
                self._lost_sync, self._phase = True, _Phase.DONE
                break
            remember((base + position, frame.samples))
            frames += 1
            samples += frame.samples
            position += frame.length
        self._frames += frames
        self._samples += samples
        self._position = base + position
        if self._phase is _Phase.WALK and position < len(chunk) and self._may_walk_on():
            self._carry = chunk[position:]

    def _may_walk_on(self) -> bool:
        return self._end is None or self._position + 4 <= self._end

    def _step(self, header: bytes) -> bool:
        """Walk one frame whose header was carried over a chunk boundary."""
        frame = parse_header(header)
        if frame is None or frame.sample_rate != self._first.sample_rate:
            self._lost_sync, self._phase = True, _Phase.DONE
            return False
        self._recent.append((self._position, frame.samples))
        self._frames += 1
        self._samples += frame.samples
        self._position += frame.length
        return True


def scan_file(path: Path) -> FrameScan:
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(size - _TAIL_BYTES, 0))
        walker = FrameWalker(end=_audio_end(handle.read(), size))
        handle.seek(0)
        while chunk := handle.read(_READ_BYTES):
            walker.feed(chunk)
    return walker.finish()


def scan_bytes(data: bytes) -> FrameScan:
    walker = FrameWalker(end=_audio_end(data[-_TAIL_BYTES:], len(data)))
    walker.feed(data)
    return walker.finish()


def _id3v2_length(data: bytes | bytearray) -> int:
    """Bytes taken by the ID3v2 tag at the start of ``data``: header, body and footer."""
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def _first_frame(data: bytes | bytearray) -> int:
    """The first offset where two consecutive valid frame headers chain."""
    limit = min(len(data), _MAX_LEADING_JUNK)
    position = data.find(b"\xff", 0, limit)
    while position != -1:
        frame = parse_header(data[position : position + 4])
        if frame is not None:
            following = position + frame.length
            if following == len(data) or parse_header(data[following : following + 4]):
                return position
        position = data.find(b"\xff", position + 1, limit)
    raise FrameError("no MPEG audio frames found at the start of the file")


def _audio_end(tail: bytes, size: int) -> int:
    """Where the frames end: before a trailing ID3v1 tag and APEv2 tag, if any.

    ``tail`` is the file's last bytes (up to _TAIL_BYTES) and ``size`` its length.
    """
    offset = size - len(tail)  # the file position of tail[0]
    end = size
    if end >= 128 and tail[end - 128 - offset : end - 125 - offset] == b"TAG":
        end -= 128
    if end >= 32 and tail[end - 32 - offset : end - 24 - offset] == b"APETAGEX":
        footer = tail[end - 32 - offset : end - offset]
        tag_size = int.from_bytes(footer[12:16], "little")
        has_header = footer[23] & 0x80
        end -= tag_size + (32 if has_header else 0)
    return end


def _is_vbr_header_frame(data: bytes | bytearray, start: int, frame: Frame) -> bool:
    body = bytes(data[start : start + min(frame.length, 200)])
    return b"Xing" in body or b"Info" in body or body[36:40] == b"VBRI"
