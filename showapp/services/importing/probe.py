"""`--probe-media`: ask the old host about each linked enclosure without downloading it.

One ranged request per file (the first byte): the server's Content-Range or Content-Length
gives the real size, which replaces a missing or wrong enclosure length, and a 404 or 410
makes the episode a draft with the reason, as a download would. Durations need the file
itself: only --download-media measures those.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Show
from showapp.services.importing import importer
from showapp.services.importing.fetch import FetchError, open_url
from showapp.services.importing.mapping import MAX_INT
from showapp.services.importing.report import ImportLimits, ImportReport

_TOTAL = re.compile(r"/\s*(\d+)\s*$")


def probe_linked_audio(
    session: Session, show: Show, report: ImportReport, limits: ImportLimits
) -> None:
    """Sizes and liveness of the show's linked enclosures; findings go to `report`."""
    episodes = session.scalars(
        select(Episode)
        .where(
            Episode.show_id == show.id,
            Episode.audio_file.is_(None),
            Episode.audio_url.is_not(None),
            Episode.deleted_at.is_(None),
        )
        .order_by(Episode.id)
    ).all()
    for episode in episodes:
        assert episode.audio_url is not None
        try:
            size = remote_size(episode.audio_url, limits.timeout)
        except FetchError as error:
            if error.status in (404, 410):
                importer.hold_back(episode, f"the audio answered HTTP {error.status}")
                report.problems.append(f"'{episode.title}': {error}; the episode is now a draft")
            else:
                report.problems.append(f"'{episode.title}': not probed ({error})")
            continue
        if size and size <= MAX_INT and size != episode.audio_bytes:
            said = f"{episode.audio_bytes:,} bytes" if episode.audio_bytes else "no length"
            report.repairs.append(
                f"'{episode.title}': the feed said {said}, the old host serves {size:,}; "
                "the length is now the served one"
            )
            episode.audio_bytes = size
    session.flush()


def remote_size(url: str, timeout: float) -> int | None:
    """The file's size as the server states it, asking for its first byte only."""
    with open_url(url, timeout, {"Range": "bytes=0-0"}) as response:
        if response.status == 206:
            found = _TOTAL.search(response.headers.get("Content-Range") or "")
            return int(found.group(1)) if found else None
        length = response.headers.get("Content-Length") or ""
        return int(length) if length.isdigit() else None
