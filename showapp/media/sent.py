"""Learn how many bytes of an audio response actually went out, and record the hit then.

A preloading <audio> asks for `bytes=0-` on every page view and drops the connection once it
has the metadata: what was asked says nothing about what was heard. So the hit of a GET that
the app itself sends is recorded when the server closes the response, with the body bytes it
got out. Two ways a body leaves, two trackers:

- gunicorn hands a wsgi.file_wrapper to sendfile(). Python's socket.sendfile() leaves the
  file's position after the last byte sent, also when the client went away mid-file (its
  documented contract), so `SentFile` watches its own seek() and read() calls.
- any other body is iterated by the server; `CountedBody` counts a chunk once the server asks
  for the next one, that is once the chunk was written. The last chunk is counted as it is
  handed over, so that the hit is queued before the client can have the whole body (a client
  that hangs up during the last block is credited with it: at most 64 KB).

Either way it is bytes handed to the kernel: up to a socket buffer more than the client read.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Done = Callable[[int], None]


class SentFile(io.FileIO):
    """An episode file for gunicorn's sendfile path that reports the bytes sent on close."""

    def __init__(self, path: str, start: int, on_done: Done | None) -> None:
        super().__init__(path, "rb")
        super().seek(start)
        self._start = start
        self._reached = start
        self._read = 0
        self._on_done: Done | None = on_done

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        where = super().seek(pos, whence)
        self._reached = max(self._reached, where)
        return where

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self._read += len(data or b"")
        return data or b""

    def close(self) -> None:
        if self._on_done is not None:
            done, self._on_done = self._on_done, None
            done(max(self._reached - self._start, self._read))
        super().close()


class CountedBody:
    """A response body of `length` bytes that reports how much of it was written."""

    def __init__(self, body: Iterable[bytes], length: int | None, on_done: Done) -> None:
        self._body = body
        self._length = length
        self._on_done: Done | None = on_done
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            if self._length is not None and self.sent + len(chunk) >= self._length:
                self._report(self.sent + len(chunk))
            yield chunk
            # Reached when the server asks for the next chunk: this one is written.
            self.sent += len(chunk)

    def close(self) -> None:
        close: Any = getattr(self._body, "close", None)
        try:
            if close is not None:
                close()
        finally:
            self._report(self.sent)

    def _report(self, sent: int) -> None:
        if self._on_done is not None:
            done, self._on_done = self._on_done, None
            done(sent)
