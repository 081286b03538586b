"""The rendered-feed cache, shared by every worker through the database.

A cached feed is fresh while (1) the catalog stamp it was built at is still the current one and
(2) no scheduled episode in it has gone live since. Every transaction that writes a row a feed
shows bumps the stamp (session events below), so no write path can forget to invalidate.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, event, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from showapp.models import (
    Appearance,
    CatalogStamp,
    Chapter,
    Episode,
    FeedCache,
    Guest,
    Show,
    Soundbite,
    Topic,
    Transcript,
    User,
    episode_topics,
    show_hosts,
)
from showapp.services import feeds, opml
from showapp.services.text import render_notes

# Rows whose changes can show in some feed. Issue 4's chapter/transcript/soundbite models
# join this tuple when they are merged.
FEED_MODELS: tuple[type[Any], ...] = (
    Show, Episode, Guest, Appearance, Topic, User, Chapter, Transcript, Soundbite,
)  # fmt: skip
FEED_TABLES = frozenset(
    [model.__tablename__ for model in FEED_MODELS] + [episode_topics.name, show_hosts.name]
)
STAMP_ID = 1
RSS_TYPE = "application/rss+xml; charset=utf-8"
OPML_TYPE = "text/x-opml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class CachedFeed:
    etag: str
    last_modified: datetime
    content_type: str
    redirect_to: str | None
    body: bytes | None = None


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
    bump_stamp(connection)
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
        bump_stamp(state.session.connection())
        state.session.info.setdefault("feed_shows", set())


def _after_commit(session: Session, on_commit: Callable[[set[str]], None]) -> None:
    slugs = session.info.pop("feed_shows", None)
    if slugs is not None:
        on_commit(slugs)


def bump_stamp(connection: Connection) -> None:
    bumped = connection.execute(
        update(CatalogStamp)
        .where(CatalogStamp.id == STAMP_ID)
        .values(version=CatalogStamp.version + 1)
    )
    if bumped.rowcount == 0:
        try:
            with connection.begin_nested():
                connection.execute(insert(CatalogStamp).values(id=STAMP_ID, version=1))
        except IntegrityError:
            bump_stamp(connection)  # another writer created the row first


def current_stamp(connection: Connection | Session) -> int:
    version = connection.scalar(select(CatalogStamp.version).where(CatalogStamp.id == STAMP_ID))
    return version or 0


def _lookup_statement(column: str | None) -> Any:
    columns = [
        FeedCache.etag,
        FeedCache.last_modified,
        FeedCache.content_type,
        FeedCache.redirect_to,
        FeedCache.catalog_version,
        FeedCache.next_go_live,
        CatalogStamp.version,
    ]
    if column is not None:
        columns.append(getattr(FeedCache, column))
    return (
        select(*columns)
        .select_from(FeedCache)
        .outerjoin(CatalogStamp, CatalogStamp.id == literal_column(str(STAMP_ID)))
        .where(FeedCache.key == bindparam("key"))
    )


_RawLookup = tuple[str, bool, list[Callable[[Any], Any] | None]]
_raw_lookups: dict[tuple[str, str, str | None], _RawLookup] = {}


def _raw_lookup(dialect: Any, column: str | None) -> _RawLookup:
    """The lookup compiled once per database kind, with SQLAlchemy's own result processors
    (UTC datetimes, bytes), so a revalidation skips statement execution machinery."""
    cache_key = (dialect.name, dialect.driver, column)
    if cache_key not in _raw_lookups:
        statement = _lookup_statement(column)
        compiled = statement.compile(dialect=dialect)
        processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in statement.selected_columns
        ]
        _raw_lookups[cache_key] = (str(compiled), bool(compiled.positional), processors)
    return _raw_lookups[cache_key]


def lookup(
    connection: Connection, key: str, now: datetime, *, column: str | None
) -> CachedFeed | None:
    """The cached feed if it is still fresh, with the body `column` ("body"/"body_gzip"),
    or None if it must be rebuilt. One query, so a revalidation (304) costs one round trip."""
    sql, positional, processors = _raw_lookup(connection.dialect, column)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
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
    etag, last_modified, content_type, redirect_to, built_version, go_live, version = row[:7]
    if built_version != (version or 0):
        return None
    if go_live is not None and now >= go_live:
        return None
    body = row[7] if column is not None else None
    return CachedFeed(etag, last_modified, content_type, redirect_to, body)


def rebuild(
    session: Session, ref: feeds.FeedRef, site: feeds.FeedSite, now: datetime
) -> tuple[FeedCache, bool] | None:
    """Render `ref` and store it; None if its show, topic or guest is gone. The flag says
    whether the content changed (time to tell WebSub hubs)."""
    stamp = current_stamp(session)  # read first: what we render is at least this new
    rendered = opml.render_opml(session, site, now) if ref.kind == "opml" else None
    if rendered is None:
        rendered = feeds.render(session, ref, site, now)
    if rendered is None:
        return None
    body = rendered.body
    digest = hashlib.sha256(body + (rendered.redirect_to or "").encode()).hexdigest()[:40]
    etag = f'"{digest}"'
    previous = session.get(FeedCache, ref.key)
    changed = previous is None or previous.etag != etag
    row = previous or FeedCache(key=ref.key)
    row.catalog_version = stamp
    row.body = body
    row.body_gzip = gzip.compress(body, compresslevel=6, mtime=0) if changed else row.body_gzip
    row.etag = etag
    row.content_type = OPML_TYPE if ref.kind == "opml" else RSS_TYPE
    row.redirect_to = rendered.redirect_to
    if changed:
        row.last_modified = now.replace(microsecond=0)
    row.next_go_live = rendered.next_go_live
    row.built_at = now
    _store(session, row, previous is None)
    return row, changed and previous is not None


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
