"""Values read from the database and kept per process until the site revision moves.

Every commit that changes a public page bumps the site revision. A process looks at the
revision at most once a second (as the page cache does), so another process's commit shows
within a second, and its own commits show at once: they call `forget`."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar, cast

from sqlalchemy.orm import Session

from showapp.services.search import index as search_index

REVISION_TTL = 1.0  # seconds a process trusts the site revision it last read

T = TypeVar("T")


class PerRevision(Generic[T]):
    """`read(session)`'s result, reread only when the site revision has moved."""

    def __init__(self, sessions: Callable[[], Session], read: Callable[[Session], T]) -> None:
        self._sessions = sessions
        self._read = read
        self._value: T | None = None  # read before the first get() returns
        self._revision: int | None = None
        self._checked = -math.inf  # time.monotonic() of the last look at the revision
        self._generation = 0  # bumped by forget(), so a read that raced a commit is not kept
        self._lock = threading.Lock()

    def get(self) -> T:
        if time.monotonic() - self._checked > REVISION_TTL:
            self._refresh()
        return cast(T, self._value)

    def forget(self) -> None:
        """This process committed a public change: reread before the next answer."""
        self._generation += 1
        self._revision = None
        self._checked = -math.inf

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._checked <= REVISION_TTL:
                return  # another thread refreshed while this one waited
            generation = self._generation
            # A session of its own: a request's session may hold a transaction the value
            # must not see, and a failed read must not roll back the request's work.
            with self._sessions() as session:
                revision = search_index.site_revision(session)
                value = self._read(session) if revision != self._revision else self._value
            self._value = value
            if generation == self._generation:
                self._revision = revision
                self._checked = time.monotonic()
