"""Reads for the public site: each page's data in a fixed number of queries.

Lists are paged with offsets over covering indexes (ix_episodes_show_listing,
ix_episode_topics_topic), so a deep page costs about what the first does, and every list
loads what its template shows (as cards.py's plain rows): templates never reach the
database. Each statement is built once per process with bound parameters (lookups.now_param):
building one and computing its cache key cost more than running it. The episode page's
neighbours and related episodes are in episode_page.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.db import prepared, rows
from showapp.models import (
    Appearance,
    Episode,
    Guest,
    Show,
    Topic,
    episode_topics,
)
from showapp.services.catalog.cards import (
    AppearanceCard,
    EpisodeCard,
    GuestRef,
    ShowRef,
    TopicRef,
    appearances_by_ids,
    cards_by_ids,
)
from showapp.services.catalog.lookups import (
    is_live,
    listed_topic,
    live_listed_credit,
    live_tag,
    now_param,
    show_is_live,
)
from showapp.services.paging import Paged, offset

PAGE_SIZE = 20
RELATED_TOPIC_CANDIDATES = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Paged, Generic[T]):
    items: Sequence[T]
    page: int
    total: int
    per_page: int = PAGE_SIZE


def _paged_ids(
    session: Session,
    query: Select[tuple[int]],
    params: dict[str, Any],
    page: int,
    per_page: int,
) -> list[int]:
    """A page of a statement built once: it ends in LIMIT :limit OFFSET :offset."""
    window = {"limit": per_page, "offset": offset(page, per_page)}
    return list(rows(session, query, {**params, **window}).scalars())


def _count(session: Session, query: Select[tuple[int]], params: dict[str, Any]) -> int:
    return rows(session, query, params).scalar() or 0


HOME_SHOWS = 12  # show tiles on the network home; the rest are on /shows/
HOME_LATEST = 4  # latest episodes on the network home: one row of its grid at desktop width
SHOWS_PAGE_SIZE = 24  # a multiple of 2, 3 and 4: the grid's rows stay full


def shows_page(session: Session, page: int = 1, per_page: int = SHOWS_PAGE_SIZE) -> Page[Show]:
    """A page of the shows outside the trash, A to Z: the network home shows the first
    HOME_SHOWS, so it costs the same with 5 shows or 500."""
    total = session.scalar(_show_count()) or 0
    window = {"limit": per_page, "offset": offset(page, per_page)}
    return Page(session.scalars(_shows_by_title(), window).all(), page, total, per_page)


@prepared
def _show_count() -> Select[tuple[int]]:
    return select(func.count()).select_from(Show).where(show_is_live())


@prepared
def _shows_by_title() -> Select[tuple[Show]]:
    return _windowed(select(Show).where(show_is_live()).order_by(Show.title, Show.id))


def latest_episodes(session: Session, limit: int = HOME_LATEST) -> list[EpisodeCard]:
    """The newest live episodes across the network."""
    ids = list(rows(session, _latest(), {"now": utc_now(), "limit": limit}).scalars())
    return cards_by_ids(session, ids)


@prepared
def _latest() -> Select[tuple[int]]:
    return (
        select(Episode.id)
        .where(is_live(now_param()))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(bindparam("limit"))
    )


def show_episodes(
    session: Session, show: Show, page: int = 1, per_page: int = PAGE_SIZE
) -> Page[EpisodeCard]:
    params = {"show_id": show.id, "now": utc_now()}
    total = _count(session, _show_listing(True), params)
    ids = _paged_ids(session, _show_listing(False), params, page, per_page)
    return Page(cards_by_ids(session, ids), page, total, per_page)


@prepared
def _show_listing(count: bool) -> Select[tuple[int]]:
    """A show's live episodes, newest first (or their count): inside ix_episodes_show_listing."""
    live = and_(Episode.show_id == bindparam("show_id"), is_live(now_param()))
    if count:
        return select(func.count()).select_from(Episode).where(live)
    return _windowed(
        select(Episode.id).where(live).order_by(Episode.published_at.desc(), Episode.id.desc())
    )


def _windowed(query: Select[Any]) -> Select[Any]:
    return query.limit(bindparam("limit")).offset(bindparam("offset"))


def topics_of(episodes: Sequence[EpisodeCard], limit: int = 12) -> list[TopicRef]:
    """The topics these (already loaded) episodes carry, most frequent first."""
    counts = Counter(topic.id for e in episodes for topic in e.topics)
    by_id = {topic.id: topic for e in episodes for topic in e.topics}
    return [by_id[i] for i, _ in counts.most_common(limit)]


def guests_of(episodes: Sequence[EpisodeCard], limit: int = 12) -> list[GuestRef]:
    seen: dict[int, GuestRef] = {}
    for episode in episodes:
        for appearance in episode.appearances:
            seen.setdefault(appearance.guest_id, appearance.guest)
    return list(seen.values())[:limit]


def get_guest(session: Session, slug: str) -> Guest | None:
    return session.scalars(_by_slug(Guest), {"slug": slug}).one_or_none()


@prepared
def _by_slug(model: Any) -> Select[Any]:
    return select(model).where(model.slug == bindparam("slug"))


def guest_appearances(
    session: Session, guest: Guest, page: int = 1, per_page: int = PAGE_SIZE
) -> Page[AppearanceCard]:
    """The guest's appearances on live episodes, newest first, with episode and show."""
    params = {"guest_id": guest.id, "now": utc_now()}
    total = _count(session, _guest_listing(True), params)
    ids = _paged_ids(session, _guest_listing(False), params, page, per_page)
    return Page(appearances_by_ids(session, ids), page, total, per_page)


@prepared
def _guest_listing(count: bool) -> Select[tuple[int]]:
    # The credits' own copies of their episodes' listing (migration 0035): counted and walked
    # newest first inside ix_appearances_listed, without reading the episode rows.
    live = and_(Appearance.guest_id == bindparam("guest_id"), live_listed_credit(now_param()))
    if count:
        return select(func.count()).where(live)
    listed = select(Appearance.id).where(live)
    return _windowed(listed.order_by(Appearance.listed_at.desc(), Appearance.id.desc()))


def get_topic(session: Session, slug: str) -> Topic | None:
    return session.scalars(_by_slug(Topic), {"slug": slug}).one_or_none()


def shows_on_topic(session: Session, show_ids: Sequence[int]) -> list[ShowRef]:
    """These shows (those with a live episode on a topic: TopicPage.show_ids), A to Z: each
    offers a feed of just that topic's episodes."""
    return [ShowRef(*row) for row in rows(session, _shows_by_id(), {"ids": list(show_ids)})]


@prepared
def _shows_by_id() -> Select[Any]:
    columns = (Show.id, Show.slug, Show.title, Show.artwork, Show.artwork_url)
    return (
        select(*columns).where(Show.id.in_(bindparam("ids", expanding=True))).order_by(Show.title)
    )


def list_topics(session: Session) -> list[TopicRef]:
    """Topics with at least one live episode, A to Z, as plain rows: loaded as 500 Topic
    objects they took 7 ms (the network of 100,000 episodes), the query 0.6."""
    return [TopicRef(*row) for row in rows(session, _listed_topics(), {"now": utc_now()}).all()]


@prepared
def _listed_topics() -> Select[Any]:
    columns = (Topic.id, Topic.slug, Topic.name)
    return select(*columns).where(listed_topic(now_param())).order_by(Topic.name)


@dataclass(frozen=True)
class TopicPage(Page[EpisodeCard]):
    """A page of a topic's live episodes, with what the rest of the topic page needs from
    the same read: the shows that last had an episode on it, among its newest TOPIC_NEWEST
    (each has a feed of the topic, offered in the page head; at most TOPIC_FEEDS, so a topic
    that 100 shows cover does not make every page on it heavier), and the newest episodes'
    ids."""

    show_ids: tuple[int, ...] = ()
    newest_ids: tuple[int, ...] = ()


TOPIC_NEWEST = 200  # the topic page gathers advice from this many of its latest episodes
TOPIC_FEEDS = 12


def topic_episodes(
    session: Session, topic: Topic, page: int = 1, per_page: int = PAGE_SIZE
) -> TopicPage:
    """The topic's newest live episodes serve the page, the shows and where the advice comes
    from; a page beyond them is read on its own. The tags carry what makes an episode live
    (models.catalog.episode_topics), so the count and the listing stay inside
    ix_episode_topics_listed, and the listing stops at its window: the page does not grow
    with the topic."""
    params = {"topic_id": topic.id, "now": utc_now()}
    newest = rows(session, _topic_listing(), {**params, "limit": TOPIC_NEWEST, "offset": 0})
    found = newest.all()
    start = offset(page, per_page)
    if start + per_page <= len(found) or len(found) < TOPIC_NEWEST:
        ids = [row[0] for row in found[start : start + per_page]]
    else:
        window = {"limit": per_page, "offset": start}
        ids = [row[0] for row in rows(session, _topic_listing(), {**params, **window})]
    return TopicPage(
        cards_by_ids(session, ids),
        page,
        _count(session, _topic_count(), params),
        per_page,
        show_ids=tuple(dict.fromkeys(row[1] for row in found))[:TOPIC_FEEDS],
        newest_ids=tuple(row[0] for row in found),
    )


def _topic_live(query: Select[Any]) -> Select[Any]:
    return query.where(live_tag(bindparam("topic_id")))


@prepared
def _topic_listing() -> Select[tuple[int, int]]:
    tagged = episode_topics.c
    newest_first = (tagged.listed_at.desc(), tagged.episode_id.desc())
    query = select(tagged.episode_id, tagged.show_id).order_by(*newest_first)
    return _windowed(_topic_live(query))


@prepared
def _topic_count() -> Select[tuple[int]]:
    return _topic_live(select(func.count()).select_from(episode_topics))


def related_topics(session: Session, topic: Topic, limit: int = 8) -> list[TopicRef]:
    """Topics that most often share a live episode with this one (among its latest 200)."""
    params = {"topic_id": topic.id, "now": utc_now(), "limit": limit}
    return [TopicRef(*row) for row in rows(session, _related_topics(), params)]


@prepared
def _related_topics() -> Select[Any]:
    # Its most recent live episodes only, as related_episodes does: the cost stays flat
    # however many episodes the topic collects, and a draft's other topics stay unpublished.
    tagged = episode_topics.c
    mine = (
        _topic_live(select(tagged.episode_id))
        .order_by(tagged.listed_at.desc(), tagged.episode_id.desc())
        .limit(RELATED_TOPIC_CANDIDATES)
    )
    score = func.count().label("score")
    return (
        select(Topic.id, Topic.slug, Topic.name)
        .join(episode_topics, tagged.topic_id == Topic.id)
        .where(tagged.episode_id.in_(mine), Topic.id != bindparam("topic_id"))
        .group_by(Topic.id, Topic.slug, Topic.name)
        .order_by(score.desc(), Topic.name)
        .limit(bindparam("limit"))
    )
