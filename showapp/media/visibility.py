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

import time

from flask import Flask

from showapp import db
from showapp.services.catalog import lookups
from showapp.services.per_revision import PerRevision


class AudioVisibility:
    def __init__(self, app: Flask) -> None:
        # The withheld files, with the instant each goes live (never: infinity).
        self._withheld = PerRevision(lambda: db.new_session(app), lookups.withheld_audio)

    def withheld(self, filename: str) -> bool:
        """True while the episode this file belongs to is not public."""
        live_from = self._withheld.get().get(filename)
        return live_from is not None and live_from > time.time()

    def forget(self) -> None:
        """This process committed a change to the catalog: reread before the next answer."""
        self._withheld.forget()


def get_visibility(app: Flask) -> AudioVisibility:
    visibility: AudioVisibility = app.extensions["showapp.audio_visibility"]
    return visibility
