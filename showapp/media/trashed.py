"""The files of episodes in the trash, which /media answers 404 for, known per process.

Looking each media request up in the database doubled the cost of serving it (a session and a
query per request), so each process keeps the set of trashed files and reads it again only when
the site revision changed, checking that at most once a second, as the page cache does: another
process's delete hides the files within a second, this process's at once (forget_trashed_files
runs on every commit that changed a public page).
"""

from __future__ import annotations

import time

from flask import Flask

from showapp import db
from showapp.services.catalog import trash
from showapp.services.search import index as search_index

REVISION_TTL = 1.0  # seconds a process trusts the site revision it last read


class TrashedFiles:
    def __init__(self) -> None:
        self.names: frozenset[str] = frozenset()
        self.revision: int | None = None
        self.checked_at: float | None = None

    def contains(self, app: Flask, filename: str) -> bool:
        now = time.monotonic()
        if self.checked_at is None or now - self.checked_at > REVISION_TTL:
            # Its own session: the proxied layer asks beneath Flask, with no request context.
            with db.new_session(app) as session:
                revision = search_index.site_revision(session)
                if revision != self.revision:
                    self.names = trash.trashed_files(session)
                    self.revision = revision
            self.checked_at = now
        return filename in self.names


def is_trashed(app: Flask, filename: str) -> bool:
    files: TrashedFiles | None = app.extensions.get("showapp.trashed_files")
    if files is None:
        files = app.extensions["showapp.trashed_files"] = TrashedFiles()
    return files.contains(app, filename)


def forget_trashed_files(app: Flask) -> None:
    app.extensions.pop("showapp.trashed_files", None)
