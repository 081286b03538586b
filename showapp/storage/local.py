"""Files in a folder on this host (SHOWAPP_EPISODES_DIR): the embedded default."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from showapp.storage.base import checked_name

CHUNK_BYTES = 1024 * 1024


class LocalStorage:
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / checked_name(name)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def size(self, name: str) -> int | None:
        try:
            return self.path(name).stat().st_size
        except FileNotFoundError:
            return None

    def open(self, name: str) -> BinaryIO:
        return self.path(name).open("rb")

    def read_bytes(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def save_stream(self, name: str, stream: IO[bytes], content_type: str) -> None:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its place and renamed, so readers never see half a file.
        temp = target.with_name(f".save-{os.getpid()}-{target.name}.part")
        try:
            with temp.open("wb") as out:
                shutil.copyfileobj(stream, out, CHUNK_BYTES)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)

    def save_bytes(self, name: str, data: bytes, content_type: str) -> None:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".save-{os.getpid()}-{target.name}.part")
        try:
            temp.write_bytes(data)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)

    def move_in(self, name: str, local_path: Path, content_type: str) -> None:
        target = self.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(local_path, target)

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self, prefix: str = "", *, hidden: bool = False) -> Iterator[str]:
        folder = self.root / prefix if prefix else self.root
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(self.root)
            visible = not any(part.startswith(".") for part in relative.parts)
            if path.is_file() and (hidden or visible):
                yield relative.as_posix()

    def local_path(self, name: str) -> Path | None:
        return self.path(name)

    def redirect_url(self, name: str, *, method: str = "GET") -> str | None:
        return None

    @contextmanager
    def working_copy(self, name: str) -> Iterator[Path]:
        path = self.path(name)
        if not path.is_file():
            raise FileNotFoundError(name)
        yield path

    def stream_upload(self, name: str, content_type: str) -> None:
        return None

    def staging_dir(self, folder: str) -> Path:
        path = self.root / checked_name(folder) if folder else self.root
        path.mkdir(parents=True, exist_ok=True)
        return path
