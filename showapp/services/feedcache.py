"""The rendered-feed cache, shared by every worker through the database.

A cached feed is fresh while (1) the catalog stamp it was built at is still the current one and
(2) no scheduled episode in it has gone live since. Every transaction that writes a row a feed
shows bumps the stamp (session events below), so no write path can forget to invalidate. The
same events log which episodes each stamp changed: a stale feed whose changes are all episodes
re-renders only those items and splices them into its previous files (services/feedfiles.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    event,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from showapp.columns import utc_now
from showapp.models import (
    Appearance,
    CatalogStamp,
    Chapter,
    Episode,
    FeedCache,
    FeedChange,
    Guest,
    Show,
    Soundbite,
    Topic,
    Transcript,
    User,
    episode_topics,
    show_hosts,
)
from showapp.services import feedfiles, feeds, opml, rss
from showapp.services.feed_items import Item
from showapp.services.feedfiles import FeedFiles, Piece, Slot
from showapp.services.text import render_notes

# Rows whose changes can show in some feed. Issue 4's chapter/transcript/soundbite models
# join this tuple when they are merged.
FEED_MODELS: tuple[type[Any], ...] = (
    Show, Episode, Guest, Appearance, Topic, User, Chapter, Transcript, Soundbite,
)  # fmt: skip
FEED_TABLES = frozenset(
    [model.__tablename__ for model in FEED_MODELS] + [episode_topics.name, show_hosts.name]
)
EPISODE_MODELS: tuple[type[Any], ...] = (Episode, Appearance, Chapter, Transcript, Soundbite)
STAMP_ID = 1
# Changes are logged for this many stamps; a feed older than that is rebuilt whole.
CHANGES_KEPT = 1000
# Past this many changed episodes a whole rebuild costs no more than splicing.
MOST_SPLICED = 200
RSS_TYPE = "application/rss+xml; charset=utf-8"
OPML_TYPE = "text/x-opml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class CachedFeed:
    etag: str
    last_modified: datetime
    content_type: str
    redirect_to: str | None

    @property
    def digest(self) -> str:
        """Names the stored files (services/feedfiles.py)."""
        return self.etag.strip('"')


def install(factory: sessionmaker[Session], on_commit: Callable[[set[str]], None]) -> None:
    """Bump the stamp on every feed-relevant write made through sessions from `factory`, and
    call `on_commit` with the changed show slugs after such a transaction commits."""
    event.listen(factory, "before_flush", _render_changed_notes)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _after_bulk_statement)
    event.listen(factory, "after_commit", lambda s: _after_commit(s, on_commit))
    event.listen(factory, "after_rollback", lambda s: s.info.pop("feed_shows", None))


def _render_changed_notes(session: Session, _context: UOWTransaction, _objects: Any) -> None:
    # Feeds never run Markdown: notes are rendered once, when they are written.
    # Imported episodes carry HTML notes and no Markdown: those are left as they came.
    for obj in session.new:
        if isinstance(obj, Episode) and obj.notes_md:
            obj.notes_html = render_notes(obj.notes_md)
    for obj in session.dirty:
        if isinstance(obj, Episode) and "notes_md" in _changed_attributes(obj):
            obj.notes_html = render_notes(obj.notes_md or "")


def _changed_attributes(obj: Any) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    changed = [o for o in chain(session.new, session.dirty, session.deleted)]
    relevant = [o for o in changed if isinstance(o, FEED_MODELS)]
    if not relevant:
        return
    connection = session.connection()
    version = bump_stamp(connection)
    # A guest or topic just created shows nowhere until credited or tagged, which logs itself.
    unseen = [o for o in relevant if isinstance(o, Guest | Topic) and o in session.new]
    _log_changes(connection, version, [o for o in relevant if o not in unseen])
    show_ids = {o.id for o in relevant if isinstance(o, Show)}
    show_ids |= {o.show_id for o in relevant if isinstance(o, Episode)}
    episode_ids = {
        o.episode_id
        for o in relevant
        if isinstance(o, Appearance | Chapter | Transcript | Soundbite)
    }
    if episode_ids:
        show_ids |= set(
            connection.scalars(select(Episode.show_id).where(Episode.id.in_(episode_ids)))
        )
    slugs = set(connection.scalars(select(Show.slug).where(Show.id.in_(show_ids))))
    slugs |= {o.slug for o in relevant if isinstance(o, Show)}
    session.info.setdefault("feed_shows", set()).update(slugs)


def _after_bulk_statement(state: ORMExecuteState) -> None:
    # Core DML run through the session (e.g. tagging a topic) bypasses the flush.
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in FEED_TABLES:
        connection = state.session.connection()
        version = bump_stamp(connection)
        connection.execute(insert(FeedChange).values(version=version, episode_id=None))
        state.session.info.setdefault("feed_shows", set())


def _log_changes(connection: Connection, version: int, changed: list[Any]) -> None:
    """One row per changed episode, or one row without an episode when something else (a show,
    a guest's name, a topic) changed, which may touch any item."""
    if not changed:
        return
    if all(isinstance(o, EPISODE_MODELS) for o in changed):
        ids = {o.id if isinstance(o, Episode) else o.episode_id for o in changed}
        rows = [{"version": version, "episode_id": episode_id} for episode_id in sorted(ids)]
    else:
        rows = [{"version": version, "episode_id": None}]
    connection.execute(insert(FeedChange), rows)


def _after_commit(session: Session, on_commit: Callable[[set[str]], None]) -> None:
    slugs = session.info.pop("feed_shows", None)
    if slugs is not None:
        on_commit(slugs)


def bump_stamp(connection: Connection) -> int:
    """Take the next catalog version (the row lock orders concurrent writers) and return it."""
    bumped = connection.scalar(
        update(CatalogStamp)
        .where(CatalogStamp.id == STAMP_ID)
        .values(version=CatalogStamp.version + 1)
        .returning(CatalogStamp.version)
    )
    if bumped is not None:
        return int(bumped)
    try:
        with connection.begin_nested():
            connection.execute(insert(CatalogStamp).values(id=STAMP_ID, version=1))
    except IntegrityError:
        return bump_stamp(connection)  # another writer created the row first
    return 1


def current_stamp(connection: Connection | Session) -> int:
    version = connection.scalar(select(CatalogStamp.version).where(CatalogStamp.id == STAMP_ID))
    return version or 0


def _lookup_statement() -> Any:
    columns = [
        FeedCache.etag,
        FeedCache.last_modified,
        FeedCache.content_type,
        FeedCache.redirect_to,
        FeedCache.catalog_version,
        FeedCache.next_go_live,
        CatalogStamp.version,
    ]
    return (
        select(*columns)
        .select_from(FeedCache)
        .outerjoin(CatalogStamp, CatalogStamp.id == literal_column(str(STAMP_ID)))
        .where(FeedCache.key == bindparam("key"))
    )


_RawLookup = tuple[str, bool, list[Callable[[Any], Any] | None]]
_raw_lookups: dict[tuple[str, str], _RawLookup] = {}


def _raw_lookup(dialect: Any) -> _RawLookup:
    """The lookup compiled once per database kind, with SQLAlchemy's own result processors
    (UTC datetimes), so a revalidation skips statement execution machinery."""
    cache_key = (dialect.name, dialect.driver)
    if cache_key not in _raw_lookups:
        statement = _lookup_statement()
        compiled = statement.compile(dialect=dialect)
        processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in statement.selected_columns
        ]
        _raw_lookups[cache_key] = (str(compiled), bool(compiled.positional), processors)
    return _raw_lookups[cache_key]


def lookup(connection: Connection, key: str, now: datetime) -> CachedFeed | None:
    """The cached feed's validators if it is still fresh, or None if it must be rebuilt.
    One query, so a revalidation (304) costs one round trip."""
    return lookup_raw(connection.connection, connection.dialect, key, now)


def lookup_pooled(engine: Engine, key: str) -> CachedFeed | None:
    """`lookup` as of now on a DBAPI connection straight from the pool: the fast lane's one
    query, without a SQLAlchemy Connection around it."""
    connection = engine.raw_connection()
    try:
        return lookup_raw(connection, engine.dialect, key, utc_now())
    finally:
        connection.close()


def lookup_raw(dbapi_connection: Any, dialect: Any, key: str, now: datetime) -> CachedFeed | None:
    sql, positional, processors = _raw_lookup(dialect)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(sql, (key,) if positional else {"key": key})
        raw = cursor.fetchone()
    finally:
        cursor.close()
    if raw is None:
        return None
    row = [
        convert(value) if convert else value for convert, value in zip(processors, raw, strict=True)
    ]
    etag, last_modified, content_type, redirect_to, built_version, go_live, version = row
    if built_version != (version or 0):
        return None
    if go_live is not None and now >= go_live:
        return None
    return CachedFeed(etag, last_modified, content_type, redirect_to)


def rebuild(
    session: Session, ref: feeds.FeedRef, site: feeds.FeedSite, now: datetime, files: FeedFiles
) -> tuple[FeedCache, bool] | None:
    """Render `ref`, store its files and row; None if its show, topic or guest is gone. The
    flag says whether the content changed (time to tell WebSub hubs). A feed another worker
    has just rebuilt is taken as it is."""
    stamp = current_stamp(session)  # read first: what we render is at least this new
    previous = session.get(FeedCache, ref.key)
    if previous is not None and _still_fresh(previous, stamp, now, files):
        return previous, False
    with rss.gc_paused():
        rendered, digest = _render_and_write(session, ref, site, now, files, previous, stamp)
    if rendered is None:
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
    session.execute(delete(FeedChange).where(FeedChange.version <= stamp - CHANGES_KEPT))
    if old_digest and changed:
        session.info.setdefault("feed_files_to_discard", []).append((files, old_digest))
    return row, changed and previous is not None


def discard_replaced_files(session: Session) -> None:
    """After the commit that stored new feeds, remove the files they replaced."""
    for files, digest in session.info.pop("feed_files_to_discard", []):
        files.discard(digest)


def _still_fresh(row: FeedCache, stamp: int, now: datetime, files: FeedFiles) -> bool:
    if row.catalog_version != stamp or (row.next_go_live is not None and now >= row.next_go_live):
        return False
    return bool(row.redirect_to) or files.has(row.etag.strip('"'))


def _redirect_digest(redirect_to: str | None) -> str:
    return hashlib.sha256((redirect_to or "").encode()).hexdigest()[:40]


def _render_and_write(
    session: Session,
    ref: feeds.FeedRef,
    site: feeds.FeedSite,
    now: datetime,
    files: FeedFiles,
    previous: FeedCache | None,
    stamp: int,
) -> tuple[feeds.RenderedFeed | None, str | None]:
    if ref.kind == "opml":
        listing = opml.render_opml(session, site, now)
        return listing, files.write(ref.key, listing.body, [], [], b"")
    prior = _splice_source(session, previous, stamp, now, files)
    if prior is not None:
        spliced = _splice(session, ref, site, now, files, *prior)
        if spliced is not None:
            return spliced
    rendered = feeds.render(session, ref, site, now)
    if rendered is None or rendered.redirect_to:
        return rendered, None
    parts = rendered.parts
    slots = [_slot(item, fragment) for item, fragment in zip(rendered.items, parts.fragments,
                                                            strict=True)]  # fmt: skip
    # Even a whole render copies the compressed runs whose items came out unchanged.
    source = prior[0] if prior is not None else None
    digest = files.write(ref.key, parts.head, slots, parts.fragments, parts.tail, source)
    return rendered, digest


def _splice_source(
    session: Session, previous: FeedCache | None, stamp: int, now: datetime, files: FeedFiles
) -> tuple[feedfiles.PreviousFeed, set[int] | None] | None:
    """The previous files to reuse, and the episodes changed since (None: re-render all)."""
    if previous is None or previous.redirect_to:
        return None
    opened = files.open_previous(previous.etag.strip('"'))
    if opened is None:
        return None
    went_live = previous.next_go_live is not None and now >= previous.next_go_live
    changed = None if went_live else changed_episodes(session, previous.catalog_version, stamp)
    return opened, changed


def changed_episodes(session: Session, since: int, upto: int) -> set[int] | None:
    """Episodes changed after stamp `since` up to `upto`, or None if something else changed,
    too many did, or the log no longer reaches back that far."""
    if since < upto - CHANGES_KEPT:
        return None
    found = session.scalars(
        select(FeedChange.episode_id).where(FeedChange.version > since, FeedChange.version <= upto)
    ).all()
    if None in found or len(set(found)) > MOST_SPLICED:
        return None
    return {episode_id for episode_id in found if episode_id is not None}


def _splice(
    session: Session,
    ref: feeds.FeedRef,
    site: feeds.FeedSite,
    now: datetime,
    files: FeedFiles,
    prior: feedfiles.PreviousFeed,
    changed: set[int] | None,
) -> tuple[feeds.RenderedFeed, str] | None:
    """Re-render the channel and the changed items only; every other item keeps its bytes."""
    if changed is None:
        return None
    rendered = feeds.render_changes(session, ref, site, now, changed)
    if rendered is None:
        return None
    parts = rendered.parts
    fresh = [(_slot(i, f), f) for i, f in zip(rendered.items, parts.fragments, strict=True)]
    kept = [
        (slot, offset)
        for slot, offset in zip(prior.slots, prior.offsets, strict=True)
        if slot.episode_id not in changed
    ]
    merged: list[tuple[Slot, Piece]] = sorted([*kept, *fresh], key=lambda pair: pair[0].sort_key)
    slots = [slot for slot, _piece in merged]
    pieces = [piece for _slot, piece in merged]
    digest = files.write(ref.key, parts.head, slots, pieces, parts.tail, prior)
    return rendered, digest


def _slot(item: Item, fragment: bytes) -> Slot:
    published_us = int(item.published.timestamp() * 1_000_000)
    return feedfiles.slot_for(item.episode_id, published_us, fragment)


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


def feed_urls_for(base_url: str, show_slugs: Iterable[str]) -> list[str]:
    """What a change to these shows may have changed: their feeds and the network feed."""
    found = [feeds.FeedRef("show", show_slug=slug).url(base_url) for slug in sorted(show_slugs)]
    return [*found, feeds.FeedRef("network").url(base_url)]
