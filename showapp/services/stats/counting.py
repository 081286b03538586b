"""Count downloads from recorded media requests, IAB style.

A download counts once per listener, episode and 24 hours (from the listener's first request in
the window), once the distinct bytes delivered to them reach one minute of audio, or the whole
file when it is shorter (recording.delivered_span says what was delivered). Its day is the
show's local day. Probes, bots, HEADs and requests before publication never count.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from showapp.models import Download, Episode, ListenerWindow, MediaRequest, Show

WINDOW = timedelta(hours=24)
# Requests for this many bytes or fewer are players probing for Range support (bytes=0-1).
PROBE_BYTES = 2
# Without a known duration, assume 128 kbit/s to find one minute of audio.
FALLBACK_BYTES_PER_SECOND = 16_000


@dataclass(frozen=True)
class _Audio:
    published_at: datetime | None
    threshold: int
    zone: ZoneInfo  # the show's time zone: a download's day is the show's local day


def one_minute_threshold(audio_bytes: int, duration_seconds: float | None) -> int:
    """Bytes a listener must request for a download: one minute of audio, or the whole file."""
    if duration_seconds and duration_seconds > 0:
        per_minute = math.ceil(audio_bytes / duration_seconds * 60)
    else:
        per_minute = FALLBACK_BYTES_PER_SECOND * 60
    return max(min(per_minute, audio_bytes), 1)


@dataclass
class CountReport:
    read: int = 0
    last_id: int = 0
    touched: set[date] = field(default_factory=set)


def count_downloads(session: Session, batch: int = 2000) -> CountReport:
    """Turn the media_requests not counted yet into downloads, in id order, marking them.

    Returns how many were read, the highest id read and the days that gained downloads.
    Listener windows persist between runs, so running on each new slice gives the same result
    as one big run. Rows that a writer commits after this run (PostgreSQL shows rows at
    commit, whatever their id) are still uncounted, so the next run reads them.
    """
    report = CountReport()
    while True:
        requests = list(
            session.scalars(
                select(MediaRequest)
                .where(~MediaRequest.counted)
                .order_by(MediaRequest.id)
                .limit(batch)
            )
        )
        if not requests:
            return report
        report.touched |= _count_batch(session, requests)
        ids = [request.id for request in requests]
        session.execute(
            update(MediaRequest).where(MediaRequest.id.in_(ids)).values(counted=True),
            execution_options={"synchronize_session": False},
        )
        report.read += len(requests)
        report.last_id = max(report.last_id, ids[-1])


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
            download = _download(request, info.zone)
            session.add(download)
            touched.add(download.day)
    session.flush()
    return touched


def _eligible(request: MediaRequest, info: _Audio) -> bool:
    if request.method != "GET" or request.is_bot:
        return False
    if request.range_end - request.range_start + 1 <= PROBE_BYTES:
        return False
    return info.published_at is not None and request.requested_at >= info.published_at


def _audio_by_episode(session: Session, ids: set[int]) -> dict[int, _Audio]:
    query = (
        select(
            Episode.id,
            Episode.published_at,
            Episode.audio_bytes,
            Episode.duration_seconds,
            Show.timezone,
        )
        .join(Show, Show.id == Episode.show_id)
        .where(Episode.id.in_(ids))
    )
    return {
        id_: _Audio(published_at, one_minute_threshold(size or 0, duration), show_zone(zone))
        for id_, published_at, size, duration, zone in session.execute(query)
    }


def show_zone(name: str | None) -> ZoneInfo:
    """A show's time zone; UTC when unset or unknown to this system's zone database."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(now: datetime, timezone: str | None) -> date:
    """The show's local date at `now`: its figures' days are local days."""
    return now.astimezone(show_zone(timezone)).date()


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


def _download(request: MediaRequest, zone: ZoneInfo) -> Download:
    return Download(
        request_id=request.id,
        episode_id=request.episode_id,
        counted_at=request.requested_at,
        day=request.requested_at.astimezone(zone).date(),
        app=request.app,
        platform=request.platform,
        source=request.source,
        country=request.country,
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
