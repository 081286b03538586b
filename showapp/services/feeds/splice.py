"""Writing a feed's two bodies (plain and gzip) from its pieces, copying what did not change.

The gzip body is one gzip member made of independently compressed segments: the channel head,
runs of about 16 items, the tail. Each ends on a full flush, so none refers back into another,
and a run whose items are all unchanged is copied from the previous gzip file as it is. Unchanged
items and runs are copied file to file in the kernel (copy_file_range), and the gzip trailer's
CRC-32 is combined from each segment's CRC, so a rebuild never reads the unchanged megabytes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

# gzip member header: deflate, no flags, mtime 0 (the same bytes for the same feed), OS unknown.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
GZIP_LEVEL = 6
# A run of items ends after an episode whose id hashes into 1/16 of the space, so a run holds
# about 16 items (enough context to compress well) and its borders move with the episodes,
# not with their positions: a new episode at the top changes only the first run.
_RUN_MASK = 0xF
_RUN_CAP = 64


class Slot(NamedTuple):
    """One item of a stored feed, in feed order (newest first)."""

    episode_id: int
    published_us: int
    length: int
    crc: int

    @property
    def sort_key(self) -> tuple[int, int]:
        return (-self.published_us, -self.episode_id)


# An item's bytes: freshly rendered, or the offset of its unchanged bytes in the previous body.
Piece = bytes | int
# A run's items; equal signatures, equal plain bytes (an item's CRC changes with its bytes).
Signature = tuple[Slot, ...]


class Run(NamedTuple):
    """A compressed run in a stored gzip body, and the CRC-32 of the plain bytes it holds."""

    offset: int
    length: int
    crc: int


@dataclass
class PreviousFeed:
    """A stored feed opened for splicing: its two bodies, items and compressed runs."""

    plain: BinaryIO
    gzip: BinaryIO
    slots: list[Slot]
    offsets: list[int]  # of each slot's bytes in the plain body
    runs: dict[Signature, Run]

    def close(self) -> None:
        self.plain.close()
        self.gzip.close()


def slot_for(episode_id: int, published_us: int, fragment: bytes) -> Slot:
    return Slot(episode_id, published_us, len(fragment), zlib.crc32(fragment))


def run_bounds(slots: Sequence[Slot]) -> list[tuple[int, int]]:
    """(start, end) of each run of items: a run ends after an episode whose id hashes to zero
    in the run mask, or after _RUN_CAP items."""
    ends = [
        position + 1
        for position, slot in enumerate(slots)
        if not ((slot.episode_id * 2654435761) >> 7) & _RUN_MASK
    ]
    if not ends or ends[-1] != len(slots):
        ends.append(len(slots))
    bounds, start = [], 0
    for end in ends:
        while end - start > _RUN_CAP:
            bounds.append((start, start + _RUN_CAP))
            start += _RUN_CAP
        if end > start:
            bounds.append((start, end))
            start = end
    return bounds


@dataclass(frozen=True)
class FeedBody:
    """What a feed's two bodies are written from: the channel's head, each item's slot and
    piece (its new bytes, or the offset of its unchanged bytes in `previous`), the tail."""

    head: bytes
    slots: Sequence[Slot]
    pieces: Sequence[Piece]
    tail: bytes
    previous: PreviousFeed | None = None


def write_plain(out: BinaryIO, body: FeedBody) -> None:
    """The plain body; neighbouring unchanged items are one copy from the previous body."""
    previous = body.previous
    _write_all(out, body.head)
    source = previous.plain if previous is not None else None
    start = end = -1
    for slot, piece in zip(body.slots, body.pieces, strict=True):
        if isinstance(piece, int):
            if piece != end:
                _flush_copy(source, out, start, end)
                start, end = piece, piece
            end += slot.length
            continue
        _flush_copy(source, out, start, end)
        start = end = -1
        _write_all(out, piece)
    _flush_copy(source, out, start, end)
    _write_all(out, body.tail)


def write_gzip(out: BinaryIO, body: FeedBody) -> tuple[list[int], list[int]]:
    """The gzip body; returns each segment's compressed length and each run's plain CRC-32."""
    head, slots, pieces, tail, previous = (
        body.head, body.slots, body.pieces, body.tail, body.previous
    )  # fmt: skip
    _write_all(out, GZIP_HEADER)
    lengths = [_write_all(out, _compressed(head))]
    crcs: list[int] = []
    body_crc = zlib.crc32(head)
    size = len(head)
    # Neighbouring reused runs usually lie next to each other in the previous file too: they
    # are copied in one go, as write_plain does with unchanged items.
    source = previous.gzip if previous is not None else None
    copy_start = copy_end = -1
    for start, end in run_bounds(slots):
        run_slots = tuple(slots[start:end])
        run_size = sum([slot.length for slot in run_slots])
        reused = previous.runs.get(run_slots) if previous is not None else None
        if reused is not None:
            if reused.offset != copy_end:
                _flush_copy(source, out, copy_start, copy_end)
                copy_start = reused.offset
            copy_end = reused.offset + reused.length
            lengths.append(reused.length)
            run_crc = reused.crc
        else:
            _flush_copy(source, out, copy_start, copy_end)
            copy_start = copy_end = -1
            data = b"".join(_bytes_of(previous, s, p) for s, p in zip(run_slots, pieces[start:end],
                                                                      strict=True))  # fmt: skip
            lengths.append(_write_all(out, _compressed(data)))
            run_crc = zlib.crc32(data)
        crcs.append(run_crc)
        body_crc = crc32_combine(body_crc, run_crc, run_size)
        size += run_size
    _flush_copy(source, out, copy_start, copy_end)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    lengths.append(_write_all(out, compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)))
    body_crc = zlib.crc32(tail, body_crc)
    size += len(tail)
    _write_all(out, struct.pack("<II", body_crc, size & 0xFFFFFFFF))
    return lengths, crcs


def copy_range(source: BinaryIO, out: BinaryIO, offset: int, length: int) -> None:
    """Append `length` bytes of `source` from `offset`: in the kernel where the system can."""
    copied = 0
    try:
        while copied < length:
            done = os.copy_file_range(source.fileno(), out.fileno(), length - copied,
                                      offset + copied)  # fmt: skip
            if done == 0:
                raise OSError("the previous feed file is shorter than its index says")
            copied += done
    except OSError as error:
        if copied or error.errno is None:
            raise
        _write_all(out, os.pread(source.fileno(), length, offset))  # e.g. no copy_file_range


def _flush_copy(source: BinaryIO | None, out: BinaryIO, start: int, end: int) -> None:
    """Copy the pending range [start, end) of `source`, if one is pending (start >= 0)."""
    if start >= 0 and source is not None:
        copy_range(source, out, start, end - start)


def _bytes_of(previous: PreviousFeed | None, slot: Slot, piece: Piece) -> bytes:
    if isinstance(piece, bytes):
        return piece
    if previous is None:
        raise ValueError("an unchanged item needs the previous feed")
    return os.pread(previous.plain.fileno(), slot.length, piece)


def _compressed(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _write_all(out: BinaryIO, data: bytes) -> int:
    view = memoryview(data)
    while view:
        written = out.write(view)
        view = view[written or 0 :]
    return len(data)


def _libz_crc32_combine() -> Callable[[int, int, int], int] | None:
    name = ctypes.util.find_library("z")
    if name is None:
        return None
    combine = ctypes.CDLL(name).crc32_combine
    combine.restype = ctypes.c_ulong
    combine.argtypes = [ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long]
    return combine


_combine = _libz_crc32_combine()


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from those of A and B (zlib's crc32_combine; Python's zlib lacks it)."""
    if _combine is not None:
        return _combine(crc1, crc2, length2)
    return _gf2_combine(crc1, crc2, length2)


def _gf2_combine(crc1: int, crc2: int, length2: int) -> int:
    """zlib's algorithm in Python, for systems without a shared libz: shift crc1 by length2
    zero bytes (multiplication by x^(8*length2) modulo the CRC polynomial), then add crc2."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    while True:
        even = _gf2_square(odd)  # first time: one zero byte
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]
