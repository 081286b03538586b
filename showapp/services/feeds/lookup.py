"""Reading the feed cache: is the stored feed under a key still fresh, and what are its validators.

A revalidation (304) costs this one indexed query, so it skips as much machinery as it safely
can: the statement is compiled once per database kind, and the fast lane (feed/fastlane.py)
runs it on connections of its own, kept out of the pool and in autocommit.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, event, literal_column, select

from showapp.columns import utc_now
from showapp.models import CatalogStamp, FeedCache
from showapp.services.feeds.stamps import STAMP_ID, is_fresh


@dataclass(frozen=True, slots=True)
class CachedFeed:
    etag: str
    last_modified: datetime
    content_type: str
    redirect_to: str | None

    @property
    def digest(self) -> str:
        """Names the stored files (feeds/files.py)."""
        return self.etag.strip('"')


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


class FastLookup:
    """`lookup` as of now, on DBAPI connections of its own: taken from a free list, used for
    one query in autocommit (so nothing is left to roll back) and put back. The pool's
    checkout, pre-ping and reset-on-return cost more than the query itself."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def __call__(self, key: str) -> CachedFeed | None:
        try:
            connection = self.idle.get_nowait()
        except queue.Empty:
            connection = self._connect()
        try:
            found = lookup_raw(connection, self.engine.dialect, key, utc_now())
        except self.engine.dialect.loaded_dbapi.Error:
            connection.close()  # e.g. the server restarted; the next call connects anew
            return None
        self.idle.put(connection)
        return found

    def _connect(self) -> Any:
        pooled = self.engine.raw_connection()
        pooled.detach()  # ours now: the pool neither resets nor counts it
        connection: Any = pooled.dbapi_connection
        if self.engine.dialect.name == "postgresql":
            connection.autocommit = True
        return connection

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return


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
    if not is_fresh(built_version, version or 0, go_live, now):
        return None
    return CachedFeed(etag, last_modified, content_type, redirect_to)
