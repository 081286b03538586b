"""Reads for the episode page beyond the episode itself: its neighbours in the show and the
episodes related to it, each a statement built once per process (see lookups.now_param)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from showapp.columns import utc_now
from showapp.db import prepared, rows
from showapp.models import Appearance, Episode, episode_topics
from showapp.services.catalog.cards import EpisodeCard, EpisodePeople, cards_by_ids
from showapp.services.catalog.lookups import is_live, live_tag, now_param

RELATED_LIMIT = 4
RELATED_CANDIDATES = 50
# Candidates with the most in common (newest added first on ties) checked for being live.
RELATED_SHORTLIST = 40


class EpisodeLink(NamedTuple):
    """A neighbouring episode of the same show, as the previous/next links show it."""

    id: int
    slug: str
    title: str
    published_at: datetime | None


@dataclass(frozen=True)
class Neighbours:
    previous: EpisodeLink | None
    next: EpisodeLink | None


def neighbours(session: Session, episode: Episode) -> Neighbours:
    """The previous (older) and next (newer) live episodes of the same show: one query for
    both, each inside the covering listing index, plain rows rather than entities."""
    if episode.published_at is None:
        return Neighbours(None, None)
    now = utc_now()
    params = {"show_id": episode.show_id, "episode_id": episode.id, "key": episode.published_at,
              "now": now, "older_bound": min(episode.published_at, now)}  # fmt: skip
    found = {row[0]: EpisodeLink(*row[1:]) for row in rows(session, _neighbours(), params)}
    return Neighbours(found.get(0), found.get(1))


@prepared
def _neighbours() -> Any:
    def live(now: Any) -> Any:
        return and_(
            Episode.show_id == bindparam("show_id"),
            is_live(now),
            Episode.id != bindparam("episode_id"),
        )

    key = bindparam("key", type_=Episode.published_at.type)
    columns = (Episode.id, Episode.slug, Episode.title, Episode.published_at)
    # Live now and no newer than this one, as one bound (the earlier of the two): given both,
    # SQLite walked down from now through every newer episode of the show (0.2 ms for the
    # oldest of 1,000) instead of starting at this one.
    older = (
        select(literal(0).label("newer"), *columns)
        .where(live(bindparam("older_bound", type_=Episode.published_at.type)))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .limit(1)
        .subquery()
    )
    newer = (
        select(literal(1).label("newer"), *columns)
        .where(live(now_param()), Episode.published_at >= key)
        .order_by(Episode.published_at.asc(), Episode.id.asc())
        .limit(1)
        .subquery()
    )
    return union_all(select(older), select(newer))


@dataclass(frozen=True)
class FollowUpLinks:
    """The live episode this one follows up, and the live ones that follow it up."""

    follows: EpisodeLink | None
    followed_in: list[EpisodeLink]


def follow_up_links(session: Session, episode: Episode) -> FollowUpLinks:
    now = utc_now()
    follows = None
    if episode.follows_up_id is not None:
        row = rows(session, _live_link(), {"id": episode.follows_up_id, "now": now}).first()
        follows = EpisodeLink(*row) if row is not None else None
    found = rows(session, _live_follow_ups(), {"id": episode.id, "now": now})
    return FollowUpLinks(follows, [EpisodeLink(*row) for row in found])


_LINK_COLUMNS = (Episode.id, Episode.slug, Episode.title, Episode.published_at)


@prepared
def _live_link() -> Select[Any]:
    return select(*_LINK_COLUMNS).where(Episode.id == bindparam("id"), is_live(now_param()))


@prepared
def _live_follow_ups() -> Select[Any]:
    # The follow-ups by id first: asked with the live filter in one WHERE, SQLite (even after
    # ANALYZE, as most rows share a NULL follows_up_id) walks the date index over every live
    # episode, 5 ms at 10,000, instead of finding the few follow-ups.
    follow_up = aliased(Episode)
    follow_ups = select(follow_up.id).where(follow_up.follows_up_id == bindparam("id"))
    return (
        select(*_LINK_COLUMNS)
        .where(Episode.id.in_(follow_ups), is_live(now_param()))
        .order_by(Episode.published_at, Episode.id)
    )


def related_episodes(
    session: Session,
    episode: Episode,
    people: EpisodePeople,
    links: FollowUpLinks,
    limit: int = RELATED_LIMIT,
) -> list[EpisodeCard]:
    """Live episodes sharing the most topics and guests with this one, newest first on ties;
    the episodes it follows up or is followed up in (`links`) come first, as the closest kin.

    Each topic contributes only its most recent episodes, so the cost stays flat however many
    episodes a popular topic collects."""
    linked = [link.id for link in [links.follows, *links.followed_in] if link is not None]
    guest_ids, topic_ids = people.guest_ids, people.topic_ids
    ids: list[int] = []
    if guest_ids or topic_ids:
        params: dict[str, Any] = {f"topic_{i}": topic_id for i, topic_id in enumerate(topic_ids)}
        params |= {"guest_ids": guest_ids, "episode_id": episode.id, "now": utc_now(),
                   "limit": limit}  # fmt: skip
        ids = list(rows(session, _related(len(topic_ids), bool(guest_ids)), params).scalars())
    ranked = [*linked, *(i for i in ids if i not in linked)][:limit]
    return cards_by_ids(session, ranked, brief=True)


@prepared
def _related(topics: int, guests: bool) -> Select[tuple[int]]:
    """The related-episodes query for an episode with this many topics, with or without
    guests: built once per shape, since building it costs more than running it."""
    # Each topic's newest live episodes: the newest tags by id were often drafts, or the old
    # episodes of a back catalogue imported last.
    tagged = episode_topics.c
    per_topic = [
        select(tagged.episode_id)
        .where(live_tag(bindparam(f"topic_{i}")))
        .order_by(tagged.listed_at.desc(), tagged.episode_id.desc())
        .limit(RELATED_CANDIDATES)
        .subquery()
        for i in range(topics)
    ]
    parts: list[Any] = [select(sub.c.episode_id.label("episode_id")) for sub in per_topic]
    if guests:
        # A shared guest says more about an interview than a shared topic: count it twice.
        shared_guest = select(Appearance.episode_id).where(
            Appearance.guest_id.in_(bindparam("guest_ids", expanding=True))
        )
        parts += [shared_guest, shared_guest]
    shared = union_all(*parts).subquery()
    # Scored on the ids alone, and only a shortlist joined to its episodes for the live
    # filter and the dates: joining every candidate cost a PK lookup each (300 per page).
    score = func.count().label("score")
    shortlist = (
        select(shared.c.episode_id, score)
        .where(shared.c.episode_id != bindparam("episode_id"))
        .group_by(shared.c.episode_id)
        .order_by(score.desc(), shared.c.episode_id.desc())
        .limit(RELATED_SHORTLIST)
        .subquery()
    )
    return (
        select(Episode.id)
        .join(shortlist, shortlist.c.episode_id == Episode.id)
        .where(is_live(now_param()))
        .order_by(shortlist.c.score.desc(), Episode.published_at.desc())
        .limit(bindparam("limit"))
    )
