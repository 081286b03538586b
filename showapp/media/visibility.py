"""Which episode files listeners may fetch, known per process so a media request costs a
dict lookup.

Audio follows its episode: drafts, episodes set back to draft and scheduled ones before their
time answer 404 (a guest hears a draft through the review link's own route). The process keeps
a map of the files that are withheld, with the instant each goes live (never, for drafts), so a
scheduled episode's audio opens on time without a reload. The map is reread when the site
revision moves (checked at most once a second, as the page cache does, so another process's
commit shows within a second) and at once after this process's own commits. Files no episode
refers to are not the map's business and are served as before.
"""

from __future__ import annotations

import math
import threading
import time

from flask import Flask

from showapp import db
from showapp.services.catalog import lookups
from showapp.services.search import index as search_index

REVISION_TTL = 1.0  # seconds a process trusts the site revision it last read


class AudioVisibility:
    def __init__(self, app: Flask) -> None:
        self._app = app
        self._withheld: dict[str, float] = {}
        self._revision: int | None = None
        self._checked = -math.inf  # time.monotonic() of the last look at the revision
        self._generation = 0  # bumped by forget(), so a read that raced a commit is not kept
        self._lock = threading.Lock()

    def withheld(self, filename: str) -> bool:
        """True while the episode this file belongs to is not public."""
        if time.monotonic() - self._checked > REVISION_TTL:
            self._refresh()
        live_from = self._withheld.get(filename)
        return live_from is not None and live_from > time.time()

    def forget(self) -> None:
        """This process committed a change to the catalog: reread before the next answer."""
        self._generation += 1
        self._revision = None
        self._checked = -math.inf

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._checked <= REVISION_TTL:
                return  # another thread refreshed while this one waited
            generation = self._generation
            with db.new_session(self._app) as session:
                revision = search_index.site_revision(session)
                if revision != self._revision:
                    self._withheld = lookups.withheld_audio(session)
            if generation == self._generation:
                self._revision = revision
                self._checked = time.monotonic()


def get_visibility(app: Flask) -> AudioVisibility:
    visibility: AudioVisibility = app.extensions["showapp.audio_visibility"]
    return visibility
