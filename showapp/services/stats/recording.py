"""Record media requests without keeping addresses; stats/counting.py turns them into downloads.

A request is stored with a listener key: a hash of address and user agent under a salt that
changes every UTC day and is deleted after two, so no address can be recovered. Each request
also carries the key under the previous day's salt, which lets the 24-hour rule follow a
listener across midnight without keeping anything that identifies them for longer.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.http import parse_range_header

from showapp.models import Episode, EpisodeAudioName, ListenerSalt, MediaRequest
from showapp.services.stats import geo, useragents

# What players send nearly always; anything else goes through werkzeug's full parser.
SIMPLE_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")
# A range with no end: what a browser's <audio> asks for first, whether or not it will play.
OPEN_RANGE = re.compile(r"bytes=[0-9]+-")


class Hit(NamedTuple):
    """What the media view knows about a request once it has answered it (a tuple: made on
    every audio request)."""

    relative_name: str
    at: datetime
    method: str
    address: str
    user_agent: str
    range_header: str | None
    from_param: str | None
    referer: str | None
    # Body bytes the server sent, known once the response is over; None when nginx or Apache
    # sent the file (X-Accel/X-Sendfile): then what the request asked for is all there is.
    sent: int | None = None


def source_of(from_param: str | None, referer: str | None) -> str:
    """feed, web or embed: the site and embeds add ?_from=, browsers send a Referer."""
    if from_param in {"feed", "web", "embed"}:
        return from_param
    if referer:
        return "embed" if "/embed" in referer else "web"
    return "feed"


def requested_span(method: str, range_header: str | None, size: int) -> tuple[int, int]:
    """The bytes a request asked for as (first, last), inclusive; (0, -1) for none."""
    if method == "HEAD" or size <= 0:
        return 0, -1
    if not range_header:
        return 0, size - 1
    simple = SIMPLE_RANGE.fullmatch(range_header)
    if simple is not None:
        return _simple_span(int(simple[1]), int(simple[2]) if simple[2] else None, size)
    parsed = parse_range_header(range_header)
    if parsed is None:
        return 0, -1  # a malformed Range gets 416 (werkzeug and nginx alike): no audio went out
    spans = [parsed.range_for_length(size)] if len(parsed.ranges) == 1 else None
    if spans is None:
        # Multipart ranges are rare from players; count from the first to the last byte asked.
        bounds = [_clip(start, stop, size) for start, stop in parsed.ranges]
        return min(b[0] for b in bounds), max(b[1] for b in bounds)
    if spans[0] is None:
        return 0, -1  # unsatisfiable: the 416 carried no audio
    return spans[0][0], spans[0][1] - 1


def _simple_span(first: int, last: int | None, size: int) -> tuple[int, int]:
    """bytes=first-last as werkzeug reads it: a last before first makes the header invalid and
    a first past the end unsatisfiable; either way the answer is a 416 without audio."""
    if last is not None and last < first:
        return 0, -1
    if first >= size:
        return 0, -1
    return first, size - 1 if last is None else min(last, size - 1)


def _clip(start: int, stop: int | None, size: int) -> tuple[int, int]:
    if start < 0:
        return max(size + start, 0), size - 1
    return start, min(stop if stop is not None else size, size) - 1


def listener_key(salt: str, address: str, user_agent: str) -> str:
    digest = hashlib.blake2b(f"{address}\n{user_agent}".encode(), key=salt.encode(), digest_size=16)
    return digest.hexdigest()


def salt_for(session: Session, day: date) -> str:
    """The day's salt, created on first use; a concurrent creator wins and is read back."""
    salt = session.get(ListenerSalt, day)
    if salt is not None:
        return salt.salt
    try:
        with session.begin_nested():
            session.add(ListenerSalt(day=day, salt=secrets.token_hex(32)))
    except IntegrityError:
        pass
    found = session.get(ListenerSalt, day, populate_existing=True)
    assert found is not None
    return found.salt


def delete_old_salts(session: Session, today: date) -> None:
    """Keep today's and yesterday's salts only: older keys can no longer be recomputed."""
    session.execute(delete(ListenerSalt).where(ListenerSalt.day < today - timedelta(days=1)))


def store_hits(session: Session, hits: Sequence[Hit]) -> int:
    """Write a batch of hits as media_requests rows; hits on files that are no episode's audio
    (artwork, replaced files) are dropped. Returns the number of rows written."""
    episodes = _episodes_by_file(session, {hit.relative_name for hit in hits})
    keys = _ListenerKeys(session)
    rows = []
    for hit in hits:
        episode = episodes.get(hit.relative_name)
        if episode is None:
            continue
        rows.append(_request_row(hit, episode, keys.of(hit)))
    if rows:
        # A Core executemany: the ORM's bulk path costs several times more per row.
        session.execute(insert(cast(Table, MediaRequest.__table__)), rows)
    if hits:
        delete_old_salts(session, max(hit.at for hit in hits).date())
    return len(rows)


class _ListenerKeys:
    """A batch's listener keys: a player fetching range after range is one listener, so each
    (day, address, user agent) is hashed once per batch rather than once per request."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._salts: dict[date, str] = {}
        self._keys: dict[tuple[date, str, str], tuple[str, str]] = {}

    def of(self, hit: Hit) -> tuple[str, str]:
        """The listener key under the hit's day's salt, and under the day before's."""
        day = hit.at.astimezone(UTC).date()
        found = self._keys.get((day, hit.address, hit.user_agent))
        if found is None:
            found = (
                listener_key(self._salt(day), hit.address, hit.user_agent),
                listener_key(self._salt(day - timedelta(days=1)), hit.address, hit.user_agent),
            )
            self._keys[day, hit.address, hit.user_agent] = found
        return found

    def _salt(self, day: date) -> str:
        if day not in self._salts:
            self._salts[day] = salt_for(self._session, day)
        return self._salts[day]


def _episodes_by_file(session: Session, names: set[str]) -> dict[str, tuple[int, int]]:
    """(episode id, audio bytes) by file name: the episode's current file, or one it had before
    a retag renamed it (a hit served before the rename may be stored after it)."""
    query = select(Episode.audio_file, Episode.id, Episode.audio_bytes).where(
        Episode.audio_file.in_(names)
    )
    found = {name: (id_, size or 0) for name, id_, size in session.execute(query) if name}
    former = names - found.keys()
    if former:
        renamed = (
            select(EpisodeAudioName.name, Episode.id, Episode.audio_bytes)
            .join(Episode, Episode.id == EpisodeAudioName.episode_id)
            .where(EpisodeAudioName.name.in_(former))
        )
        found.update({name: (id_, size or 0) for name, id_, size in session.execute(renamed)})
    return found


def delivered_span(hit: Hit, size: int, agent: useragents.Agent) -> tuple[int, int]:
    """The bytes that reached the listener as (first, last), inclusive; (0, -1) for none.

    Through the app, the span asked for cut to what was sent: a browser preloading with
    `bytes=0-` and then dropping the connection gets only what went out. Behind nginx the app
    never learns what was sent, so an open-ended range from a browser (`bytes=N-`, which every
    page view with a preloading player asks for, played or not) is taken to deliver nothing;
    bounded ranges and whole-file GETs, which apps and players ask for when they mean to
    play, are taken at their word.
    """
    first, last = requested_span(hit.method, hit.range_header, size)
    if last < first:
        return 0, -1
    if hit.sent is None:
        from_player = source_of(hit.from_param, hit.referer) != "feed"
        if (agent.is_browser or from_player) and OPEN_RANGE.fullmatch(hit.range_header or ""):
            return 0, -1
        return first, last
    if hit.sent <= 0:
        return 0, -1
    return first, min(last, first + hit.sent - 1)


def _request_row(hit: Hit, episode: tuple[int, int], keys: tuple[str, str]) -> dict[str, object]:
    agent = useragents.classify(hit.user_agent)
    first, last = delivered_span(hit, episode[1], agent)
    return {
        "episode_id": episode[0],
        "requested_at": hit.at,
        "method": hit.method,
        "listener_key": keys[0],
        "previous_key": keys[1],
        "range_start": first,
        "range_end": last,
        "user_agent": hit.user_agent[:512],
        "source": source_of(hit.from_param, hit.referer),
        "app": agent.app[:128],
        "platform": agent.platform[:128],
        "is_bot": agent.is_bot,
        "bytes_sent": hit.sent,
        # Looked up here, in the writer thread; the address itself is never stored.
        "country": geo.country_of(hit.address),
    }


def is_unreachable(error: Exception) -> bool:
    """An error that storing again later may not meet (the database away or locked), as
    opposed to hits that can never be stored."""
    return isinstance(error, OperationalError)
