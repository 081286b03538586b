"""Reads for the public site: each page's data in a fixed number of queries.

Lists are paged with offsets over covering indexes (ix_episodes_show_listing,
ix_episode_topics_topic), so a deep page costs about what the first does, and every list
loads what its template shows with selectinload: templates never reach the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, and_, func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from showapp.columns import utc_now
from showapp.models import Appearance, Episode, Guest, Show, Topic, episode_topics
from showapp.services.catalog.lookups import is_live, listing_options
from showapp.services.paging import Paged, offset

PAGE_SIZE = 20
RELATED_LIMIT = 4
RELATED_CANDIDATES = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Paged, Generic[T]):
    items: Sequence[T]
    page: int
    total: int
    per_page: int = PAGE_SIZE


@dataclass(frozen=True)
class Neighbours:
    previous: Episode | None
    next: Episode | None


def _episodes_by_ids(session: Session, ids: Sequence[int], *, brief: bool = False) -> list[Episode]:
    """Load a page of episodes by id, in the ids' order; `brief` loads only their shows."""
    if not ids:
        return []
    options = [joinedload(Episode.show, innerjoin=True)] if brief else listing_options()
    found = {
        e.id: e
        for e in session.scalars(select(Episode).where(Episode.id.in_(ids)).options(*options))
    }
    return [found[i] for i in ids if i in found]


def _paged_ids(
    session: Session, ids_query: Select[tuple[int]], page: int, per_page: int
) -> list[int]:
    return list(session.scalars(ids_query.limit(per_page).offset(offset(page, per_page))))


def latest_episodes(session: Session, limit: int = 10) -> list[Episode]:
    """The newest live episodes across the network."""
    query = (
        select(Episode.id)
        .where(is_live(utc_now()))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(limit)
    )
    return _episodes_by_ids(session, list(session.scalars(query)))


def show_episodes(
    session: Session, show: Show, page: int = 1, per_page: int = PAGE_SIZE
) -> Page[Episode]:
    live = and_(Episode.show_id == show.id, is_live(utc_now()))
    ids_query = (
        select(Episode.id).where(live).order_by(Episode.published_at.desc(), Episode.id.desc())
    )
    total = session.scalar(select(func.count()).select_from(Episode).where(live)) or 0
    ids = _paged_ids(session, ids_query, page, per_page)
    return Page(_episodes_by_ids(session, ids), page, total, per_page)


def topics_of(episodes: Sequence[Episode], limit: int = 12) -> list[Topic]:
    """The topics these (already loaded) episodes carry, most frequent first."""
    counts = Counter(topic.id for e in episodes for topic in e.topics)
    by_id = {topic.id: topic for e in episodes for topic in e.topics}
    return [by_id[i] for i, _ in counts.most_common(limit)]


def guests_of(episodes: Sequence[Episode], limit: int = 12) -> list[Guest]:
    seen: dict[int, Guest] = {}
    for episode in episodes:
        for appearance in episode.appearances:
            seen.setdefault(appearance.guest_id, appearance.guest)
    return list(seen.values())[:limit]


def neighbours(session: Session, episode: Episode) -> Neighbours:
    """The previous (older) and next (newer) live episodes of the same show."""
    if episode.published_at is None:
        return Neighbours(None, None)
    older, newer = _neighbour_ids(session, episode, episode.published_at)
    found = {
        e.id: e for e in _episodes_by_ids(session, [i for i in (older, newer) if i], brief=True)
    }
    return Neighbours(found.get(older or 0), found.get(newer or 0))


def _neighbour_ids(
    session: Session, episode: Episode, key: datetime
) -> tuple[int | None, int | None]:
    live = and_(Episode.show_id == episode.show_id, is_live(utc_now()), Episode.id != episode.id)
    # Ids first, both lookups in one round trip: each stays inside the covering listing index.
    older = (
        select(Episode.id, literal(0).label("newer"))
        .where(live, Episode.published_at <= key)
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(1)
        .subquery()
    )
    newer = (
        select(Episode.id, literal(1).label("newer"))
        .where(live, Episode.published_at >= key)
        .order_by(Episode.published_at.asc(), Episode.id.asc())
        .limit(1)
        .subquery()
    )
    found = dict(
        session.execute(
            union_all(select(older.c.newer, older.c.id), select(newer.c.newer, newer.c.id))
        )
        .tuples()
        .all()
    )
    return found.get(0), found.get(1)


def related_episodes(
    session: Session, episode: Episode, limit: int = RELATED_LIMIT
) -> list[Episode]:
    """Live episodes sharing the most topics and guests with this one, newest first on ties.

    Each topic contributes only its most recent episodes, so the cost stays flat however many
    episodes a popular topic collects."""
    guest_ids = [a.guest_id for a in episode.appearances]
    per_topic = [
        select(episode_topics.c.episode_id)
        .where(episode_topics.c.topic_id == topic.id)
        .order_by(episode_topics.c.episode_id.desc())
        .limit(RELATED_CANDIDATES)
        .subquery()
        for topic in episode.topics
    ]
    parts = [select(sub.c.episode_id.label("episode_id")) for sub in per_topic]
    if guest_ids:
        # A shared guest says more about an interview than a shared topic: count it twice.
        guests = select(Appearance.episode_id).where(Appearance.guest_id.in_(guest_ids))
        parts += [guests, guests]
    if not parts:
        return []
    shared = union_all(*parts).subquery()
    score = func.count().label("score")
    query = (
        select(Episode.id)
        .join(shared, shared.c.episode_id == Episode.id)
        .where(Episode.id != episode.id, is_live(utc_now()))
        .group_by(Episode.id, Episode.published_at)
        .order_by(score.desc(), Episode.published_at.desc())
        .limit(limit)
    )
    return _episodes_by_ids(session, list(session.scalars(query)), brief=True)


def get_guest(session: Session, slug: str) -> Guest | None:
    return session.scalars(select(Guest).where(Guest.slug == slug)).one_or_none()


def guest_appearances(
    session: Session, guest: Guest, page: int = 1, per_page: int = PAGE_SIZE
) -> Page[Appearance]:
    """The guest's appearances on live episodes, newest first, with episode and show."""
    live = and_(Appearance.guest_id == guest.id, is_live(utc_now()))
    joined = select(Appearance.id).join(Episode, Episode.id == Appearance.episode_id).where(live)
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    ids = _paged_ids(
        session, joined.order_by(Episode.published_at.desc(), Appearance.id.desc()), page, per_page
    )
    if not ids:
        return Page([], page, total, per_page)
    rows = session.scalars(
        select(Appearance)
        .where(Appearance.id.in_(ids))
        .options(
            joinedload(Appearance.episode, innerjoin=True).joinedload(Episode.show, innerjoin=True),
            joinedload(Appearance.episode, innerjoin=True).selectinload(Episode.topics),
        )
    ).all()
    order = {appearance_id: i for i, appearance_id in enumerate(ids)}
    return Page(sorted(rows, key=lambda a: order[a.id]), page, total, per_page)


def get_topic(session: Session, slug: str) -> Topic | None:
    return session.scalars(select(Topic).where(Topic.slug == slug)).one_or_none()


def shows_on_topic(session: Session, topic: Topic) -> Sequence[Show]:
    """Shows with a live episode on this topic: each offers a feed of just those episodes."""
    on_topic = Episode.topics.any(Topic.id == topic.id)
    query = (
        select(Show)
        .where(Show.episodes.any(and_(on_topic, is_live(utc_now()))))
        .order_by(Show.title)
    )
    return session.scalars(query).all()


def list_topics(session: Session) -> Sequence[Topic]:
    """Topics with at least one live episode."""
    live = Topic.episodes.any(is_live(utc_now()))
    return session.scalars(select(Topic).where(live).order_by(Topic.name)).all()


def topic_episodes(
    session: Session, topic: Topic, page: int = 1, per_page: int = PAGE_SIZE
) -> Page[Episode]:
    live = and_(episode_topics.c.topic_id == topic.id, is_live(utc_now()))
    joined = (
        select(Episode.id)
        .join(episode_topics, episode_topics.c.episode_id == Episode.id)
        .where(live)
    )
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    ids = _paged_ids(
        session, joined.order_by(Episode.published_at.desc(), Episode.id.desc()), page, per_page
    )
    return Page(_episodes_by_ids(session, ids), page, total, per_page)


def related_topics(session: Session, topic: Topic, limit: int = 8) -> Sequence[Topic]:
    """Topics that most often share an episode with this one."""
    mine = select(episode_topics.c.episode_id).where(episode_topics.c.topic_id == topic.id)
    score = func.count().label("score")
    query = (
        select(Topic)
        .join(episode_topics, episode_topics.c.topic_id == Topic.id)
        .where(episode_topics.c.episode_id.in_(mine), Topic.id != topic.id)
        .group_by(Topic.id)
        .order_by(score.desc(), Topic.name)
        .limit(limit)
    )
    return session.scalars(query).all()


@dataclass(frozen=True)
class SitemapEntry:
    path: tuple[str, ...]
    last_modified: datetime | None


def sitemap_entries(session: Session) -> list[SitemapEntry]:
    """Every public page's address parts: ("show", slug), ("episode", show, slug), ..."""
    entries = [
        SitemapEntry(("show", slug), updated)
        for slug, updated in session.execute(
            select(Show.slug, Show.updated_at).where(Show.deleted_at.is_(None))
        )
    ]
    now = utc_now()
    episodes = select(Show.slug, Episode.slug, Episode.updated_at).join(Show).where(is_live(now))
    entries += [SitemapEntry(("episode", s, e), u) for s, e, u in session.execute(episodes)]
    guests = select(Guest.slug).where(
        Guest.deleted_at.is_(None), Guest.appearances.any(Appearance.episode.has(is_live(now)))
    )
    entries += [SitemapEntry(("guest", slug), None) for slug in session.scalars(guests)]
    topics = select(Topic.slug).where(Topic.episodes.any(is_live(now)))
    entries += [SitemapEntry(("topic", slug), None) for slug in session.scalars(topics)]
    return entries
