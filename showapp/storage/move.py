"""Copy every stored file from one backend to the other, resumably, checking each by sha256.

`showapp storage move --to s3` (or `--to local`) runs this; the admin then switches
SHOWAPP_STORAGE. Nothing is deleted from the source: switching back stays possible until the
old copy is removed by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from showapp.storage.base import Storage, content_type

CHUNK_BYTES = 1024 * 1024


@dataclass
class MoveReport:
    copied: int = 0
    already_there: int = 0  # same size and sha256 on the target: skipped (a resumed run)
    missing: list[str] = field(default_factory=list)  # named, but not in the source
    absent: list[str] = field(default_factory=list)  # not on the target yet (verify)
    different: list[str] = field(default_factory=list)  # on the target, other bytes (verify)
    failed: list[str] = field(default_factory=list)  # copied, but the copy's sha256 differs

    @property
    def ok(self) -> bool:
        return not (self.different or self.failed or self.absent or self.missing)


def digest(storage: Storage, name: str) -> tuple[int, str] | None:
    """(size, sha256) of a stored file, read as a stream; None when there is no such file."""
    try:
        stream = storage.open(name)
    except FileNotFoundError:
        return None
    sha, size = hashlib.sha256(), 0
    with stream:
        while chunk := stream.read(CHUNK_BYTES):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def move_files(
    source: Storage,
    target: Storage,
    names: Iterable[str],
    *,
    verify_only: bool = False,
    on_file: Callable[[str, str], None] | None = None,
) -> MoveReport:
    """Copy each name the target lacks (or holds with other bytes), then check the copy.
    With `verify_only` nothing is written: a target copy that is missing or differs is
    reported. `on_file(name, outcome)` hears about each file."""
    report = MoveReport()
    for name in sorted(set(names)):
        outcome = _one(source, target, name, verify_only, report)
        if on_file is not None:
            on_file(name, outcome)
    return report


def _one(source: Storage, target: Storage, name: str, verify_only: bool, report: MoveReport) -> str:
    wanted = digest(source, name)
    if wanted is None:
        if verify_only and target.exists(name):
            report.already_there += 1
            return "only on the target"
        report.missing.append(name)
        return "missing"
    # Sizes first: a different size needs no hashing of the target copy.
    have = digest(target, name) if target.size(name) == wanted[0] else None
    if have == wanted:
        report.already_there += 1
        return "same"
    if verify_only:
        there = target.exists(name)
        (report.different if there else report.absent).append(name)
        return "differs" if there else "absent"
    with source.open(name) as stream:
        target.save_stream(name, stream, content_type(name))
    if digest(target, name) != wanted:
        report.failed.append(name)
        return "failed"
    report.copied += 1
    return "copied"
