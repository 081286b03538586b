"""Write Nero chapters (moov/udta/chpl) into an M4A file while copying it.

mutagen reads this atom (MP4Chapters) but cannot write it. It is the chapter list that
ffmpeg (so VLC, mpv and most Android players), foobar2000 and mutagen read; Apple's apps
read QuickTime chapter tracks instead, which we do not write (see README).

Growing moov moves every byte after it, so when the audio data (mdat) follows moov the
chunk offsets in each stco/co64 table are shifted by the same amount.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"udta"}


class AtomError(ValueError):
    """The file's atom structure is not what an M4A file should have."""


def _atoms(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[int, int, bytes, int]]:
    """(offset, size, name, header length) of each atom between start and end."""
    position = start
    while position + 8 <= end:
        size, name = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
            header = 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise AtomError(f"the '{name.decode('latin-1')}' atom is cut off")
        yield position, size, name, header
        position += size


def _top_level(path: Path) -> list[tuple[int, int, bytes]]:
    found: list[tuple[int, int, bytes]] = []
    total = path.stat().st_size
    with path.open("rb") as handle:
        position = 0
        while position + 8 <= total:
            handle.seek(position)
            head = handle.read(16)
            size, name = struct.unpack(">I4s", head[:8])
            if size == 1:
                size = struct.unpack(">Q", head[8:16])[0]
            elif size == 0:
                size = total - position
            if size < 8 or position + size > total:
                raise AtomError(f"the '{name.decode('latin-1')}' atom is cut off")
            found.append((position, size, name))
            position += size
    return found


def _atom(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", len(payload) + 8, name) + payload


def chpl_atom(chapters: Sequence[tuple[float, str]]) -> bytes:
    """Version 1 chpl: flags, 4 reserved bytes, a count byte, then 100 ns start + title."""
    if len(chapters) > 255:
        raise AtomError("an M4A chapter list holds at most 255 chapters")
    payload = bytearray(b"\x01\x00\x00\x00" + b"\x00" * 4 + bytes([len(chapters)]))
    for start, title in chapters:
        encoded = title.encode("utf-8")[:255]
        # Never cut a multi-byte character in half: mutagen and ffmpeg decode strictly.
        encoded = encoded.decode("utf-8", "ignore").encode("utf-8")
        payload += struct.pack(">Q", round(start * 10_000_000)) + bytes([len(encoded)]) + encoded
    return _atom(b"chpl", bytes(payload))


def _rebuild_moov(moov: bytes, chpl: bytes) -> bytes:
    """moov with any old chpl dropped and the new one at the end of udta (made if missing)."""
    children: list[bytes] = []
    placed = False
    for offset, size, name, header in _atoms(moov, 8, len(moov)):
        atom = moov[offset : offset + size]
        if name == b"udta":
            kept = [
                moov[o : o + s]
                for o, s, n, _ in _atoms(moov, offset + header, offset + size)
                if n != b"chpl"
            ]
            atom = _atom(b"udta", b"".join(kept) + chpl)
            placed = True
        children.append(atom)
    if not placed:
        children.append(_atom(b"udta", chpl))
    return _atom(b"moov", b"".join(children))


def _shift_chunk_offsets(moov: bytearray, start: int, end: int, delta: int, after: int) -> None:
    for offset, size, name, header in _atoms(moov, start, end):
        if name in _CONTAINERS:
            _shift_chunk_offsets(moov, offset + header, offset + size, delta, after)
        elif name in (b"stco", b"co64"):
            width, code = (4, ">I") if name == b"stco" else (8, ">Q")
            count = struct.unpack(">I", moov[offset + header + 4 : offset + header + 8])[0]
            table = offset + header + 8
            for index in range(count):
                at = table + index * width
                value = struct.unpack(code, moov[at : at + width])[0]
                if value >= after:
                    moov[at : at + width] = struct.pack(code, value + delta)


def copy_with_chapters(source: Path, target: Path, chapters: Sequence[tuple[float, str]]) -> None:
    """Copy source to target (which must not exist), with this chapter list in its moov."""
    atoms = _top_level(source)
    moovs = [(offset, size) for offset, size, name in atoms if name == b"moov"]
    if len(moovs) != 1:
        raise AtomError("the file has no single moov atom")
    moov_offset, moov_size = moovs[0]
    with source.open("rb") as reader, target.open("xb") as writer:
        reader.seek(moov_offset)
        old_moov = reader.read(moov_size)
        new_moov = bytearray(_rebuild_moov(old_moov, chpl_atom(chapters)))
        delta = len(new_moov) - moov_size
        _shift_chunk_offsets(new_moov, 8, len(new_moov), delta, moov_offset + moov_size)
        reader.seek(0)
        _copy_bytes(reader, writer, moov_offset)
        writer.write(new_moov)
        reader.seek(moov_offset + moov_size)
        shutil.copyfileobj(reader, writer, 1024 * 1024)


def _copy_bytes(reader: BinaryIO, writer: BinaryIO, count: int) -> None:
    remaining = count
    while remaining:
        chunk = reader.read(min(remaining, 1024 * 1024))
        if not chunk:
            raise AtomError("the file ended early")
        writer.write(chunk)
        remaining -= len(chunk)
