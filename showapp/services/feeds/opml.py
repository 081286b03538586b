"""/feeds.opml: the install's feeds (within list_feeds' bounds), for apps that import a list."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from xml.etree import ElementTree

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from showapp.models import Appearance, Episode, Guest, Show, Topic, episode_topics
from showapp.services.catalog.lookups import is_live
from showapp.services.feeds.items import xml_text
from showapp.services.feeds.queries import EVERY_EPISODE
from showapp.services.feeds.rendering import FeedRef, FeedSite, RenderedFeed
from showapp.services.feeds.rows import next_go_live
from showapp.services.feeds.rss import FeedParts

# Bounds, so the file stays small however large the network grows (9.8 MB at 100,000
# episodes when it listed every topic and guest feed): a show's most covered topics, and
# the guests heard most; every other topic or guest feed is offered on its own page.
TOPICS_PER_SHOW = 20
GUESTS = 200


def list_feeds(session: Session, now: datetime) -> list[tuple[FeedRef, str]]:
    """Feeds with their titles, for /feeds.opml: the network, every show, each show's
    TOPICS_PER_SHOW topics with the most live episodes, and the GUESTS guests with the most
    live episodes across the shows (each list A to Z)."""
    feeds: list[tuple[FeedRef, str]] = [(FeedRef("network"), "Every show")]
    shows = session.scalars(
        select(Show).where(Show.deleted_at.is_(None)).order_by(Show.title)
    ).all()
    topics = _live_counts(
        session, now, Topic, episode_topics.c.topic_id, episode_topics.c.episode_id
    )
    for show in shows:
        feeds.append((FeedRef("show", show_slug=show.slug), show.title))
        for topic in _most(topics.get(show.id, []), TOPICS_PER_SHOW):
            feeds.append((FeedRef("topic", show.slug, topic.slug), f"{show.title}: {topic.name}"))
    guests = _across_shows(
        _live_counts(session, now, Guest, Appearance.guest_id, Appearance.episode_id)
    )
    for guest in _most(guests, GUESTS):
        feeds.append((FeedRef("guest", guest_slug=guest.slug), guest.name))
    return feeds


class _Counted(NamedTuple):
    id: int
    slug: str
    name: str
    episodes: int


def _across_shows(per_show: dict[int, list[_Counted]]) -> list[_Counted]:
    episodes: Counter[int] = Counter()
    first: dict[int, _Counted] = {}
    for found in per_show.values():
        for row in found:
            episodes[row.id] += row.episodes
            first.setdefault(row.id, row)
    return [first[key]._replace(episodes=total) for key, total in episodes.items()]


def _most(found: list[_Counted], limit: int) -> list[_Counted]:
    heard_most = sorted(found, key=lambda row: (-row.episodes, row.name, row.id))[:limit]
    return sorted(heard_most, key=lambda row: (row.name, row.id))


def _live_counts(
    session: Session, now: datetime, model: Any, target_id: Any, episode_id: Any
) -> dict[int, list[_Counted]]:
    """Per show, the topics (or guests) of its live episodes, with how many each has."""
    # Plain columns: PostgreSQL cannot group by a JSON column such as Guest.links.
    columns = (model.id, model.slug, model.name)
    rows: Sequence[Row[Any]] = session.execute(
        select(Episode.show_id, *columns, func.count(Episode.id.distinct()))
        .select_from(target_id.table)
        .join(Episode, Episode.id == episode_id)
        .join(model, model.id == target_id)
        .where(is_live(now), *([Guest.deleted_at.is_(None)] if model is Guest else []))
        .group_by(Episode.show_id, *columns)
    ).all()
    found: dict[int, list[_Counted]] = defaultdict(list)
    for show_id, *counted in rows:
        found[show_id].append(_Counted(*counted))
    return found


def render_opml(session: Session, site: FeedSite, now: datetime) -> RenderedFeed:
    """OPML 2.0 listing every feed, for apps and directories that import subscriptions."""
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = xml_text(f"{site.site_title} feeds")
    body = ElementTree.SubElement(opml, "body")
    for ref, title in list_feeds(session, now):
        ElementTree.SubElement(
            body,
            "outline",
            type="rss",
            text=xml_text(title),
            title=xml_text(title),
            xmlUrl=ref.url(site.base_url),
        )
    document = ElementTree.tostring(opml, encoding="utf-8", xml_declaration=True)
    # One part, no items: the file store keeps it like a feed with an empty channel.
    parts = FeedParts(document, [], b"")
    return RenderedFeed(parts, [], next_go_live(session, EVERY_EPISODE, now))
