"""Knowing when a cached feed is stale: the catalog stamp and the log of what each stamp changed.

A cached feed is fresh while (1) the catalog stamp it was built at is still the current one and
(2) no scheduled episode in it has gone live since. Every transaction that writes a row a feed
shows bumps the stamp (session events below), so no write path can forget to invalidate. The
same events log which episodes each stamp changed: a stale feed whose changes are all episodes
re-renders only those items and splices them into its previous files (rebuild.py, files.py).
Reading the cache is lookup.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from showapp.db import after_outer_commit
from showapp.models import (
    Advice,
    Appearance,
    CatalogStamp,
    Chapter,
    Episode,
    EpisodeStatus,
    FeedChange,
    Guest,
    LinkedFile,
    NetworkSettings,
    Show,
    Soundbite,
    Topic,
    Transcript,
    User,
    episode_topics,
    show_hosts,
)
from showapp.models.feeds import EPISODE_OPTION
from showapp.services.feeds import rendering as feed_rendering
from showapp.services.feeds.queries import ShowRow

# Rows whose changes can show in some feed (the network's name titles guest and network feeds).
FEED_MODELS: tuple[type[Any], ...] = (
    Show, Episode, Guest, Appearance, Topic, User, Chapter, Transcript, Soundbite, LinkedFile,
    NetworkSettings, Advice,
)  # fmt: skip
FEED_TABLES = frozenset(
    [model.__tablename__ for model in FEED_MODELS] + [episode_topics.name, show_hosts.name]
)
EPISODE_MODELS: tuple[type[Any], ...] = (
    Episode, Appearance, Chapter, Transcript, Soundbite, LinkedFile, Advice,
)  # fmt: skip
# What a show's channel reads of it, less what its items read too: the slug is in every item's
# links and the author stands in for hosts in podcast:person.
_CHANNEL_FIELDS = frozenset(ShowRow._fields) - {"id", "slug", "author"}
STAMP_ID = 1
# Changes are logged for this many stamps; a feed older than that is rebuilt whole.
CHANGES_KEPT = 1000
# Past this many changed episodes a whole rebuild costs no more than splicing.
MOST_SPLICED = 200


def install(factory: sessionmaker[Session], on_commit: Callable[[set[str]], None]) -> None:
    """Bump the stamp on every feed-relevant write made through sessions from `factory`, and
    call `on_commit` with the changed show slugs after such a transaction commits."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _after_bulk_statement)
    after_outer_commit(factory, "feed_shows", on_commit)


def _changed_attributes(obj: Any) -> set[str]:
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
    # Every rebuild renders the channel anew, so a show edit its items never read keeps them.
    channel_only = [o for o in relevant if _channel_only(session, o)]
    _log_changes(connection, version, [o for o in relevant if o not in unseen + channel_only])
    show_ids = {o.id for o in relevant if isinstance(o, Show)}
    show_ids |= {o.show_id for o in relevant if isinstance(o, Episode)}
    episode_ids = {
        o.episode_id
        for o in relevant
        if isinstance(o, Appearance | Chapter | Transcript | Soundbite | LinkedFile | Advice)
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
        episode_id = state.execution_options.get(EPISODE_OPTION)  # models.feeds.of_episode
        connection.execute(insert(FeedChange).values(version=version, episode_id=episode_id))
        state.session.info.setdefault("feed_shows", set())


def _log_changes(connection: Connection, version: int, changed: list[Any]) -> None:
    """One row per changed episode, or one row without an episode when something else (a
    guest's name, a topic, a show's slug or hosts) changed, which may touch any item."""
    if not changed:
        return
    if all(isinstance(o, EPISODE_MODELS) for o in changed):
        ids = {o.id if isinstance(o, Episode) else o.episode_id for o in changed}
        rows = [{"version": version, "episode_id": episode_id} for episode_id in sorted(ids)]
    else:
        rows = [{"version": version, "episode_id": None}]
    connection.execute(insert(FeedChange), rows)


def _channel_only(session: Session, obj: Any) -> bool:
    """A show edited in place (not added, not deleted) in fields only its channel shows: its
    title, artwork, owner and the like."""
    if not isinstance(obj, Show) or obj not in session.dirty or obj in session.deleted:
        return False
    return _changed_attributes(obj) <= _CHANNEL_FIELDS


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


def gone_live(session: Session, since: datetime, upto: datetime) -> set[int] | None:
    """Scheduled episodes (of any show) whose time came after `since` up to `upto`: a feed
    built at `since` gains those of them it shows, and nothing else changes by itself. None
    when there are too many to splice."""
    found = set(
        session.scalars(
            select(Episode.id).where(
                Episode.status.in_([EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED]),
                Episode.deleted_at.is_(None),
                Episode.published_at > since,
                Episode.published_at <= upto,
            )
        )
    )
    return None if len(found) > MOST_SPLICED else found


def is_fresh(built_at_version: int, current_version: int, next_go_live: datetime | None,
             now: datetime) -> bool:  # fmt: skip
    """A cached feed is fresh while nothing it shows was written since it was built and no
    scheduled episode in it has gone live."""
    return built_at_version == current_version and (next_go_live is None or now < next_go_live)


def forget_changes_before(session: Session, stamp: int) -> None:
    """Keep the log to the last CHANGES_KEPT stamps (a feed older than that renders whole)."""
    session.execute(delete(FeedChange).where(FeedChange.version <= stamp - CHANGES_KEPT))


def feed_urls_for(base_url: str, show_slugs: Iterable[str]) -> list[str]:
    """What a change to these shows may have changed: their feeds and the network feed."""
    found = [
        feed_rendering.FeedRef("show", show_slug=slug).url(base_url) for slug in sorted(show_slugs)
    ]
    return [*found, feed_rendering.FeedRef("network").url(base_url)]
