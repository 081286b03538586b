"""Record media requests without addresses, and count downloads from them (IAB style).

A request is stored with a listener key: a hash of address and user agent under a salt that
changes every UTC day and is deleted after two, so no address can be recovered. Each request
also carries the key under the previous day's salt, which lets the 24-hour rule follow a
listener across midnight without keeping anything that identifies them for longer.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.http import parse_range_header

from showapp.models import Download, Episode, ListenerSalt, ListenerWindow, MediaRequest
from showapp.services import useragents

WINDOW = timedelta(hours=24)
# Requests for this many bytes or fewer are players probing for Range support (bytes=0-1).
PROBE_BYTES = 2
# Without a known duration, assume 128 kbit/s to find one minute of audio.
FALLBACK_BYTES_PER_SECOND = 16_000


@dataclass(frozen=True)
class Hit:
    """What the media view knows about a request once it has answered it."""

    relative_name: str
    at: datetime
    method: str
    address: str
    user_agent: str
    range_header: str | None
    from_param: str | None
    referer: str | None


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
    parsed = parse_range_header(range_header)
    if parsed is None:
        return 0, size - 1  # a malformed Range is ignored and the whole file is sent
    spans = [parsed.range_for_length(size)] if len(parsed.ranges) == 1 else None
    if spans is None:
        # Multipart ranges are rare from players; count from the first to the last byte asked.
        bounds = [_clip(start, stop, size) for start, stop in parsed.ranges]
        return min(b[0] for b in bounds), max(b[1] for b in bounds)
    if spans[0] is None:
        return 0, -1  # unsatisfiable: the 416 carried no audio
    return spans[0][0], spans[0][1] - 1


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
    salts: dict[date, str] = {}
    rows = []
    for hit in hits:
        episode = episodes.get(hit.relative_name)
        if episode is None:
            continue
        rows.append(_request_row(session, hit, episode, salts))
    if rows:
        session.execute(insert(MediaRequest), rows)
    if hits:
        delete_old_salts(session, max(hit.at for hit in hits).date())
    return len(rows)


def _episodes_by_file(session: Session, names: set[str]) -> dict[str, tuple[int, int]]:
    query = select(Episode.audio_file, Episode.id, Episode.audio_bytes).where(
        Episode.audio_file.in_(names)
    )
    return {name: (id_, size or 0) for name, id_, size in session.execute(query) if name}


def _request_row(
    session: Session, hit: Hit, episode: tuple[int, int], salts: dict[date, str]
) -> dict[str, object]:
    day = hit.at.astimezone(UTC).date()
    for needed in (day, day - timedelta(days=1)):
        if needed not in salts:
            salts[needed] = salt_for(session, needed)
    first, last = requested_span(hit.method, hit.range_header, episode[1])
    agent = useragents.classify(hit.user_agent)
    return {
        "episode_id": episode[0],
        "requested_at": hit.at,
        "method": hit.method,
        "listener_key": listener_key(salts[day], hit.address, hit.user_agent),
        "previous_key": listener_key(salts[day - timedelta(days=1)], hit.address, hit.user_agent),
        "range_start": first,
        "range_end": last,
        "user_agent": hit.user_agent[:512],
        "source": source_of(hit.from_param, hit.referer),
        "app": agent.app[:128],
        "platform": agent.platform[:128],
        "is_bot": agent.is_bot,
    }


@dataclass(frozen=True)
class _Audio:
    published_at: datetime | None
    threshold: int


def one_minute_threshold(audio_bytes: int, duration_seconds: float | None) -> int:
    """Bytes a listener must request for a download: one minute of audio, or the whole file."""
    if duration_seconds and duration_seconds > 0:
        per_minute = math.ceil(audio_bytes / duration_seconds * 60)
    else:
        per_minute = FALLBACK_BYTES_PER_SECOND * 60
    return max(min(per_minute, audio_bytes), 1)


def count_downloads(session: Session, after_id: int, batch: int = 2000) -> tuple[int, set[date]]:
    """Turn media_requests with id > after_id into downloads, in id order.

    Returns the last id read and the days that gained downloads. Listener windows persist
    between runs, so running on each new slice gives the same result as one big run.
    """
    touched: set[date] = set()
    last_id = after_id
    while True:
        requests = list(
            session.scalars(
                select(MediaRequest)
                .where(MediaRequest.id > last_id)
                .order_by(MediaRequest.id)
                .limit(batch)
            )
        )
        if not requests:
            return last_id, touched
        touched |= _count_batch(session, requests)
        last_id = requests[-1].id


def _count_batch(session: Session, requests: Sequence[MediaRequest]) -> set[date]:
    audio = _audio_by_episode(session, {r.episode_id for r in requests})
    windows = _windows_for(session, requests)
    touched: set[date] = set()
    for request in requests:
        info = audio.get(request.episode_id)
        if info is None or not _eligible(request, info):
            continue
        window = _current_window(session, windows, request)
        if window.counted:
            continue
        window.ranges = merge_ranges(window.ranges, request.range_start, request.range_end)
        if covered_bytes(window.ranges) >= info.threshold:
            window.counted = True
            session.add(_download(request))
            touched.add(request.requested_at.astimezone(UTC).date())
    session.flush()
    return touched


def _eligible(request: MediaRequest, info: _Audio) -> bool:
    if request.method != "GET" or request.is_bot:
        return False
    if request.range_end - request.range_start + 1 <= PROBE_BYTES:
        return False
    return info.published_at is not None and request.requested_at >= info.published_at


def _audio_by_episode(session: Session, ids: set[int]) -> dict[int, _Audio]:
    query = select(
        Episode.id, Episode.published_at, Episode.audio_bytes, Episode.duration_seconds
    ).where(Episode.id.in_(ids))
    return {
        id_: _Audio(published_at, one_minute_threshold(size or 0, duration))
        for id_, published_at, size, duration in session.execute(query)
    }


def _windows_for(
    session: Session, requests: Sequence[MediaRequest]
) -> dict[tuple[int, str], ListenerWindow]:
    keys = {r.listener_key for r in requests} | {r.previous_key for r in requests}
    found: dict[tuple[int, str], ListenerWindow] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for window in session.scalars(
            select(ListenerWindow).where(ListenerWindow.listener_key.in_(chunk))
        ):
            found[(window.episode_id, window.listener_key)] = window
    return found


def _current_window(
    session: Session, windows: dict[tuple[int, str], ListenerWindow], request: MediaRequest
) -> ListenerWindow:
    """The listener's open window on this episode, carried over from yesterday's key if need be,
    or a new one starting with this request."""
    key = (request.episode_id, request.listener_key)
    window = windows.get(key) or _carry_over(session, windows, request)
    if window is not None and request.requested_at < window.window_start + WINDOW:
        return window
    if window is None:
        window = ListenerWindow(episode_id=request.episode_id, listener_key=request.listener_key)
        session.add(window)
        windows[key] = window
    window.window_start = request.requested_at
    window.counted = False
    window.ranges = []
    return window


def _carry_over(
    session: Session, windows: dict[tuple[int, str], ListenerWindow], request: MediaRequest
) -> ListenerWindow | None:
    old = windows.pop((request.episode_id, request.previous_key), None)
    if old is None:
        return None
    session.delete(old)
    session.flush()
    moved = ListenerWindow(
        episode_id=old.episode_id,
        listener_key=request.listener_key,
        window_start=old.window_start,
        counted=old.counted,
        ranges=list(old.ranges),
    )
    session.add(moved)
    windows[(request.episode_id, request.listener_key)] = moved
    return moved


def _download(request: MediaRequest) -> Download:
    return Download(
        request_id=request.id,
        episode_id=request.episode_id,
        counted_at=request.requested_at,
        day=request.requested_at.astimezone(UTC).date(),
        app=request.app,
        platform=request.platform,
        source=request.source,
    )


def merge_ranges(ranges: Iterable[Sequence[int]], first: int, last: int) -> list[list[int]]:
    """Add the inclusive span first..last to sorted, disjoint spans, merging what touches."""
    merged: list[list[int]] = []
    for start, end in sorted([*([int(a), int(b)] for a, b in ranges), [first, last]]):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered_bytes(ranges: Iterable[Sequence[int]]) -> int:
    return sum(int(end) - int(start) + 1 for start, end in ranges)


def prune_windows(session: Session, before: datetime) -> None:
    """Windows that ended before `before` can no longer affect a count."""
    session.execute(delete(ListenerWindow).where(ListenerWindow.window_start < before - WINDOW))
