"""Rendered feeds on disk: the plain body, its gzip and an item index, named by content digest.

Every worker on the host shares these files and sends them with sendfile(). The index records
each item's episode, sort key, length and CRC, and each compressed segment's length and CRC:
all a rebuild needs to splice new items into the previous files (splice.py writes them).
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from itertools import accumulate, chain
from pathlib import Path
from typing import BinaryIO

from showapp.services.feeds.splice import (
    GZIP_HEADER,
    FeedBody,
    Piece,
    PreviousFeed,
    Run,
    Slot,
    run_bounds,
    slot_for,
    write_gzip,
    write_plain,
)

__all__ = ["FeedFiles", "Piece", "PreviousFeed", "Slot", "slot_for"]

INDEX_MAGIC = b"showapp-feed-index-2\n"
_COUNTS = struct.Struct("<4q")
PLAIN, GZIP, INDEX = ".xml", ".xml.gz", ".idx"


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

    def discard(self, digest: str) -> None:
        # A worker still sending the old body keeps its open file; unlinking does not cut it.
        for suffix in (PLAIN, GZIP, INDEX):
            self.path(digest, suffix).unlink(missing_ok=True)

    def open_previous(self, digest: str) -> PreviousFeed | None:
        """The stored feed `digest` ready to splice from, or None if any of its files is gone."""
        try:
            with open(self.path(digest, INDEX), "rb") as index:
                head_length, slots, segments, crcs = _read_index(index.read())
            bounds = run_bounds(slots)
            if len(bounds) != len(crcs):
                raise ValueError("feed index does not match its items")
            plain = open(self.path(digest, PLAIN), "rb", buffering=0)  # noqa: SIM115
        except (FileNotFoundError, ValueError):
            return None
        try:
            gzipped = open(self.path(digest, GZIP), "rb", buffering=0)  # noqa: SIM115
        except FileNotFoundError:
            plain.close()
            return None
        offsets = list(accumulate([slot.length for slot in slots[:-1]], initial=head_length))
        by_signature, gz_position = {}, len(GZIP_HEADER) + segments[0]
        for (start, end), length, crc in zip(bounds, segments[1:-1], crcs, strict=True):
            by_signature[tuple(slots[start:end])] = Run(gz_position, length, crc)
            gz_position += length
        return PreviousFeed(plain, gzipped, slots, offsets if slots else [], by_signature)

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
        flat = array("q", chain.from_iterable(slots))
        digest = _digest(key, head, flat, tail)
        if self.has(digest):
            return digest  # the same feed again: another worker stored it a moment ago
        self.root.mkdir(parents=True, exist_ok=True)
        body = FeedBody(head, slots, pieces, tail, previous)
        with self._atomically(digest, GZIP) as out:
            segments, crcs = write_gzip(out, body)
        with self._atomically(digest, PLAIN) as out:
            write_plain(out, body)
        with self._atomically(digest, INDEX) as out:
            out.write(_index(len(head), flat, segments, crcs))
        return digest

    @contextmanager
    def _atomically(self, digest: str, suffix: str) -> Iterator[BinaryIO]:
        """An unbuffered file that becomes `digest`+`suffix` only once it is whole."""
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=suffix)
        try:
            with open(handle, "wb", buffering=0) as out:
                yield out
            os.replace(temporary, self.path(digest, suffix))
        except BaseException:
            os.unlink(temporary)
            raise


def _digest(key: str, head: bytes, flat_slots: array[int], tail: bytes) -> str:
    """Names the feed's bytes without reading them all again: each item is known by its
    episode, sort key, length and CRC-32, which change whenever its bytes do."""
    sha = hashlib.sha256(key.encode() + b"\0")
    sha.update(len(head).to_bytes(8, "little") + head)
    sha.update(flat_slots.tobytes())
    sha.update(tail)
    return sha.hexdigest()[:40]


def _index(
    head_length: int, flat_slots: array[int], segments: Sequence[int], crcs: Sequence[int]
) -> bytes:
    """The slots (four values each), segment lengths and run CRCs."""
    counts = _COUNTS.pack(head_length, len(flat_slots) // 4, len(segments), len(crcs))
    tables = flat_slots.tobytes() + array("q", segments).tobytes() + array("q", crcs).tobytes()
    return INDEX_MAGIC + counts + tables


def _read_index(data: bytes) -> tuple[int, list[Slot], list[int], list[int]]:
    if not data.startswith(INDEX_MAGIC):
        raise ValueError("not a feed index of this version")
    start = len(INDEX_MAGIC)
    head_length, count, segment_count, crc_count = _COUNTS.unpack_from(data, start)
    values = array("q")
    values.frombytes(data[start + _COUNTS.size :])
    if len(values) != count * 4 + segment_count + crc_count or segment_count != crc_count + 2:
        raise ValueError("truncated feed index")
    fields = iter(values[: count * 4])
    # tuple.__new__ through partial is a C call per slot, where Slot._make is a Python one.
    slots = list(
        map(partial(tuple.__new__, Slot), zip(fields, fields, fields, fields, strict=True))
    )
    segments = list(values[count * 4 : count * 4 + segment_count])
    return head_length, slots, segments, list(values[count * 4 + segment_count :])
