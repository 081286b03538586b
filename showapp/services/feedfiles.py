"""Rendered feeds on disk: the plain body, its gzip and an item index, named by content digest.

Every worker on the host shares these files and sends them with sendfile(). The gzip body is
one gzip member made of independently compressed segments (the channel head, runs of items,
the tail), each ending on a full flush so none refers back into another. A rebuild therefore
recompresses only the runs whose items changed and copies every other run, and the plain
body's unchanged items, from the previous files. The index records each item's episode, sort
key, length and CRC, and each segment's compressed length: all a rebuild needs to splice.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

# gzip member header: deflate, no flags, mtime 0 (the same bytes for the same feed), OS unknown.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
GZIP_LEVEL = 6
INDEX_MAGIC = b"showapp-feed-index-1\n"
_COUNTS = struct.Struct("<4q")
# A run of items ends after an episode whose id hashes into 1/16 of the space, so a run holds
# about 16 items (enough context to compress well) and its borders move with the episodes,
# not with their positions: a new episode at the top changes only the first run.
_RUN_MASK = 0xF
_RUN_CAP = 64
PLAIN, GZIP, INDEX = ".xml", ".xml.gz", ".idx"


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


@dataclass
class PreviousFeed:
    """A stored feed opened for splicing: its bytes mapped, its items and compressed runs."""

    plain: bytes
    gzip: bytes
    head_length: int
    slots: list[Slot]
    offsets: list[int]  # of each slot's bytes in `plain`
    runs: dict[tuple[tuple[int, int], ...], tuple[int, int]]  # signature -> (offset, length)


class FeedFiles:
    """The folder of one site's rendered feeds (a site whose URLs change gets another folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str, suffix: str) -> Path:
        return self.root / f"{digest}{suffix}"

    def open_body(self, digest: str, gzipped: bool) -> tuple[int, BinaryIO] | None:
        """(size, open binary file) of a stored body, or None if this host has no such file."""
        try:
            # Unbuffered: the body goes out by sendfile() or in large blocks, never by lines.
            handle = open(self.path(digest, GZIP if gzipped else PLAIN), "rb", buffering=0)  # noqa: SIM115
        except FileNotFoundError:
            return None
        return os.fstat(handle.fileno()).st_size, handle

    def has(self, digest: str) -> bool:
        return all(self.path(digest, suffix).exists() for suffix in (PLAIN, GZIP, INDEX))

    def read_plain(self, digest: str) -> bytes:
        return self.path(digest, PLAIN).read_bytes()

    def read_gzip(self, digest: str) -> bytes:
        return self.path(digest, GZIP).read_bytes()

    def discard(self, digest: str) -> None:
        # A worker still sending the old body keeps its open file; unlinking does not cut it.
        for suffix in (PLAIN, GZIP, INDEX):
            self.path(digest, suffix).unlink(missing_ok=True)

    def open_previous(self, digest: str) -> PreviousFeed | None:
        """The stored feed `digest` ready to splice from, or None if any of its files is gone."""
        try:
            with (
                open(self.path(digest, INDEX), "rb") as index,
                open(self.path(digest, PLAIN), "rb") as plain,
                open(self.path(digest, GZIP), "rb") as gzipped,
            ):
                head_length, slots, segments = _read_index(index.read())
                # One read each: mapping the files instead costs a page fault per 4 KB.
                plain_bytes, gzip_bytes = plain.read(), gzipped.read()
        except (FileNotFoundError, ValueError):
            return None
        runs = list(_runs(slots))
        if len(segments) != len(runs) + 2:
            return None
        offsets, position = [], head_length
        for slot in slots:
            offsets.append(position)
            position += slot.length
        by_signature, gz_position = {}, len(GZIP_HEADER) + segments[0]
        for (start, end), length in zip(runs, segments[1:-1], strict=True):
            by_signature[_signature(slots[start:end])] = (gz_position, length)
            gz_position += length
        return PreviousFeed(plain_bytes, gzip_bytes, head_length, slots, offsets, by_signature)

    def write(
        self,
        key: str,
        head: bytes,
        slots: Sequence[Slot],
        pieces: Sequence[Piece],
        tail: bytes,
        previous: PreviousFeed | None = None,
    ) -> str:
        """Store a feed and return its digest (the ETag's value). Pieces given as offsets are
        copied from `previous`, as are compressed runs whose items are all unchanged."""
        spans = list(_plain_spans(head, slots, pieces, tail, previous))
        digest = _digest(key, head, slots, tail)
        if self.has(digest):
            return digest  # the same feed again: another worker stored it a moment ago
        self.root.mkdir(parents=True, exist_ok=True)
        segments = self._write_atomically(digest, GZIP, _gzip_writer(head, slots, pieces, tail,
                                                                     spans, previous))  # fmt: skip
        self._write_atomically(digest, PLAIN, iter(spans))
        self._write_atomically(digest, INDEX, iter([_index(len(head), slots, segments)]))
        return digest

    def _write_atomically(
        self, digest: str, suffix: str, chunks: Iterator[bytes | memoryview | int]
    ) -> list[int]:
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=suffix)
        lengths: list[int] = []
        try:
            with open(handle, "wb", buffering=1 << 20) as out:
                for chunk in chunks:
                    if isinstance(chunk, int):
                        lengths.append(chunk)
                    else:
                        out.write(chunk)
            os.replace(temporary, self.path(digest, suffix))
        except BaseException:
            os.unlink(temporary)
            raise
        return lengths


def slot_for(episode_id: int, published_us: int, fragment: bytes) -> Slot:
    return Slot(episode_id, published_us, len(fragment), zlib.crc32(fragment))


def _plain_spans(
    head: bytes,
    slots: Sequence[Slot],
    pieces: Sequence[Piece],
    tail: bytes,
    previous: PreviousFeed | None,
) -> Iterator[bytes | memoryview]:
    """The body as few buffers as possible: unchanged neighbours are one slice of the old body."""
    yield head
    old = memoryview(previous.plain) if previous is not None else None
    start = end = -1
    for slot, piece in zip(slots, pieces, strict=True):
        if isinstance(piece, int):
            if piece == end:
                end += slot.length
                continue
            if start >= 0 and old is not None:
                yield old[start:end]
            start, end = piece, piece + slot.length
            continue
        if start >= 0 and old is not None:
            yield old[start:end]
            start = end = -1
        yield piece
    if start >= 0 and old is not None:
        yield old[start:end]
    yield tail


def _digest(key: str, head: bytes, slots: Sequence[Slot], tail: bytes) -> str:
    """Names the feed's bytes without reading them all again: each item is known by its
    episode, sort key, length and CRC-32, which change whenever its bytes do."""
    sha = hashlib.sha256(key.encode() + b"\0")
    sha.update(len(head).to_bytes(8, "little") + head)
    sha.update(array("q", [value for slot in slots for value in slot]).tobytes())
    sha.update(tail)
    return sha.hexdigest()[:40]


def _gzip_writer(
    head: bytes,
    slots: Sequence[Slot],
    pieces: Sequence[Piece],
    tail: bytes,
    spans: Sequence[bytes | memoryview],
    previous: PreviousFeed | None,
) -> Iterator[bytes | memoryview | int]:
    """Yields the gzip file's bytes, and (as ints) each segment's compressed length."""
    yield GZIP_HEADER
    segment = _compressed(head)
    yield segment
    yield len(segment)
    old_plain = memoryview(previous.plain) if previous is not None else None
    old_gzip = memoryview(previous.gzip) if previous is not None else None
    for start, end in _runs(slots):
        reused = previous.runs.get(_signature(slots[start:end])) if previous else None
        if reused is not None and old_gzip is not None:
            offset, length = reused
            yield old_gzip[offset : offset + length]
            yield length
            continue
        data = b"".join(
            piece if isinstance(piece, bytes) else old_plain[piece : piece + slot.length]  # type: ignore[index]
            for slot, piece in zip(slots[start:end], pieces[start:end], strict=True)
        )
        segment = _compressed(data)
        yield segment
        yield len(segment)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    segment = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    yield segment
    yield len(segment)
    crc, size = 0, 0
    for span in spans:
        crc = zlib.crc32(span, crc)
        size += len(span)
    yield struct.pack("<II", crc, size & 0xFFFFFFFF)


def _compressed(data: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _runs(slots: Sequence[Slot]) -> Iterator[tuple[int, int]]:
    start = 0
    for position, slot in enumerate(slots):
        ends = ((slot.episode_id * 2654435761) >> 7) & _RUN_MASK == 0
        if ends or position + 1 - start >= _RUN_CAP:
            yield start, position + 1
            start = position + 1
    if start < len(slots):
        yield start, len(slots)


def _signature(slots: Sequence[Slot]) -> tuple[tuple[int, int], ...]:
    return tuple((slot.episode_id, slot.crc) for slot in slots)


def _index(head_length: int, slots: Sequence[Slot], segments: Sequence[int]) -> bytes:
    flat = array("q", [value for slot in slots for value in slot])
    counts = _COUNTS.pack(head_length, len(slots), len(segments), 0)
    return INDEX_MAGIC + counts + flat.tobytes() + array("q", segments).tobytes()


def _read_index(data: bytes) -> tuple[int, list[Slot], list[int]]:
    if not data.startswith(INDEX_MAGIC):
        raise ValueError("not a feed index")
    start = len(INDEX_MAGIC)
    head_length, count, segment_count, _ = _COUNTS.unpack_from(data, start)
    values = array("q")
    values.frombytes(data[start + _COUNTS.size :])
    if len(values) != count * 4 + segment_count:
        raise ValueError("truncated feed index")
    fields = iter(values[: count * 4])
    slots = list(map(Slot._make, zip(fields, fields, fields, fields, strict=True)))
    return head_length, slots, list(values[count * 4 :])
