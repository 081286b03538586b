"""Rebuilding a stale feed: render it (whole, or only the episodes changed since it was last
built, spliced into its previous files), store the files, and record its validators."""

from __future__ import annotations

import hashlib
from bisect import insort
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from showapp.models import FeedCache
from showapp.services.feeds import files as feed_files
from showapp.services.feeds import opml, rss
from showapp.services.feeds import rendering as feed_rendering
from showapp.services.feeds import stamps as feed_stamps
from showapp.services.feeds.files import FeedFiles, Piece, Slot
from showapp.services.feeds.items import Item
from showapp.services.feeds.stamps import changed_episodes, current_stamp

RSS_TYPE = "application/rss+xml; charset=utf-8"
OPML_TYPE = "text/x-opml; charset=utf-8"


def rebuild(
    session: Session,
    ref: feed_rendering.FeedRef,
    site: feed_rendering.FeedSite,
    now: datetime,
    files: FeedFiles,
) -> tuple[FeedCache, bool] | None:
    """Render `ref`, store its files and row; None if its show, topic or guest is gone (then
    its row goes too, and its files once the caller commits and discards them). The
    flag says whether the content changed (time to tell WebSub hubs). A feed another worker
    has just rebuilt is taken as it is."""
    stamp = current_stamp(session)  # read first: what we render is at least this new
    previous = session.get(FeedCache, ref.key)
    if previous is not None and _still_fresh(previous, stamp, now, files):
        return previous, False
    with rss.gc_paused():
        rendered, digest = _render_and_write(session, ref, site, now, files, previous, stamp)
    if rendered is None:
        if previous is not None:  # its show, topic or guest was deleted: so are row and files
            session.delete(previous)
            _discard_after_commit(session, files, previous.etag.strip('"'))
        return None
    etag = f'"{digest or _redirect_digest(rendered.redirect_to)}"'
    changed = previous is None or previous.etag != etag
    row = previous or FeedCache(key=ref.key)
    old_digest = row.etag.strip('"') if previous is not None else None
    row.catalog_version = stamp
    row.etag = etag
    row.content_type = OPML_TYPE if ref.kind == "opml" else RSS_TYPE
    row.redirect_to = rendered.redirect_to
    if changed:
        row.last_modified = now.replace(microsecond=0)
    row.next_go_live = rendered.next_go_live
    row.built_at = now
    _store(session, row, previous is None)
    feed_stamps.forget_changes_before(session, stamp)
    if old_digest and changed:
        _discard_after_commit(session, files, old_digest)
    return row, changed and previous is not None


def _discard_after_commit(session: Session, files: FeedFiles, digest: str) -> None:
    session.info.setdefault("feed_files_to_discard", []).append((files, digest))


def discard_replaced_files(session: Session) -> None:
    """After the commit that stored new feeds, remove the files they replaced."""
    for files, digest in session.info.pop("feed_files_to_discard", []):
        files.discard(digest)


def _still_fresh(row: FeedCache, stamp: int, now: datetime, files: FeedFiles) -> bool:
    if not feed_stamps.is_fresh(row.catalog_version, stamp, row.next_go_live, now):
        return False
    digest = row.etag.strip('"')
    bodiless = bool(row.redirect_to) and digest == _redirect_digest(row.redirect_to)
    return bodiless or files.has(digest)


def _redirect_digest(redirect_to: str | None) -> str:
    return hashlib.sha256((redirect_to or "").encode()).hexdigest()[:40]


def _render_and_write(
    session: Session,
    ref: feed_rendering.FeedRef,
    site: feed_rendering.FeedSite,
    now: datetime,
    files: FeedFiles,
    previous: FeedCache | None,
    stamp: int,
) -> tuple[feed_rendering.RenderedFeed | None, str | None]:
    if ref.kind == "opml":
        listing = opml.render_opml(session, site, now)
        return listing, files.write(ref.key, listing.body, [], [], b"")
    prior = _splice_source(session, previous, stamp, now, files)
    try:
        if prior is not None:
            spliced = _splice(session, ref, site, now, files, *prior)
            if spliced is not None:
                return spliced
        rendered = feed_rendering.render(session, ref, site, now)
        if rendered is None or rendered.parts is feed_rendering.MOVED:
            return rendered, None
        parts = rendered.parts
        slots = [_slot(item, fragment) for item, fragment in zip(rendered.items, parts.fragments,
                                                                strict=True)]  # fmt: skip
        # Even a whole render copies the compressed runs whose items came out unchanged.
        source = prior[0] if prior is not None else None
        digest = files.write(ref.key, parts.head, slots, parts.fragments, parts.tail, source)
        return rendered, digest
    finally:
        if prior is not None:
            prior[0].close()


def _splice_source(
    session: Session, previous: FeedCache | None, stamp: int, now: datetime, files: FeedFiles
) -> tuple[feed_files.PreviousFeed, set[int] | None] | None:
    """The previous files to reuse, and the episodes changed since (None: re-render all)."""
    if previous is None or previous.redirect_to:
        return None
    opened = files.open_previous(previous.etag.strip('"'))
    if opened is None:
        return None
    changed = changed_episodes(session, previous.catalog_version, stamp)
    went_live = previous.next_go_live is not None and now >= previous.next_go_live
    if went_live and changed is not None:
        newly_live = feed_stamps.gone_live(session, previous.built_at, now)
        changed = None if newly_live is None else changed | newly_live
    return opened, changed


def _splice(
    session: Session,
    ref: feed_rendering.FeedRef,
    site: feed_rendering.FeedSite,
    now: datetime,
    files: FeedFiles,
    prior: feed_files.PreviousFeed,
    changed: set[int] | None,
) -> tuple[feed_rendering.RenderedFeed, str] | None:
    """Re-render the channel and the changed items only; every other item keeps its bytes."""
    if changed is None:
        return None
    rendered = feed_rendering.render_changes(session, ref, site, now, changed)
    if rendered is None:
        return None
    parts = rendered.parts
    fresh = [(_slot(i, f), f) for i, f in zip(rendered.items, parts.fragments, strict=True)]
    # The kept items are in feed order already; the few fresh ones go in between.
    merged: list[tuple[Slot, Piece]] = [
        (slot, offset)
        for slot, offset in zip(prior.slots, prior.offsets, strict=True)
        if slot.episode_id not in changed
    ]
    for pair in fresh:
        insort(merged, pair, key=_feed_order)
    limit = feed_rendering.limit_of(ref, site)
    if limit is not None:
        # A bounded feed keeps its newest `limit` items. If it was full and lost items (an
        # episode deleted or moved back in time), older ones must come up from beyond its
        # end, which only a whole render finds.
        if len(merged) < limit <= len(prior.slots):
            return None
        del merged[limit:]
    slots = [slot for slot, _piece in merged]
    pieces = [piece for _slot, piece in merged]
    digest = files.write(ref.key, parts.head, slots, pieces, parts.tail, prior)
    return rendered, digest


def _feed_order(pair: tuple[Slot, Piece]) -> tuple[int, int]:
    return pair[0].sort_key


def _slot(item: Item, fragment: bytes) -> Slot:
    published_us = int(item.published.timestamp() * 1_000_000)
    return feed_files.slot_for(item.episode_id, published_us, fragment)


def _store(session: Session, row: FeedCache, new: bool) -> None:
    if not new:
        session.flush()
        return
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass  # another worker stored this feed at the same moment; theirs is as fresh


def forget_all(session: Session) -> None:
    """Drop every cached feed (used by benchmarks and `showapp feed check`)."""
    for row in session.scalars(select(FeedCache)):
        session.delete(row)
