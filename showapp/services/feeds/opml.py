"""/feeds.opml: the install's feeds (within list_feeds' bounds), for apps that import a list."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple
from xml.etree import ElementTree

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.db import rows
from showapp.models import Appearance, Guest, Show, Topic, episode_topics
from showapp.services.catalog.lookups import live_listed_credit, live_listed_tag, show_is_live
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
    shows = rows(
        session, select(Show.id, Show.slug, Show.title).where(show_is_live()).order_by(Show.title)
    ).all()
    topics = _most_covered_topics(session, now)
    for show_id, show_slug, show_title in shows:
        feeds.append((FeedRef("show", show_slug=show_slug), show_title))
        for topic in _a_to_z(topics.get(show_id, [])):
            feeds.append((FeedRef("topic", show_slug, topic.slug), f"{show_title}: {topic.name}"))
    for guest in _a_to_z(_guests_heard_most(session, now)):
        feeds.append((FeedRef("guest", guest_slug=guest.slug), guest.name))
    return feeds


class _Named(NamedTuple):
    id: int
    slug: str
    name: str


def _a_to_z(found: list[_Named]) -> list[_Named]:
    return sorted(found, key=lambda row: (row.name, row.id))


# Both read the live rule off the tags' and credits' copies of their episode's show and listed
# time, and rank in SQL: joining every tag and credit to its episode and ranking 200,000 rows
# in Python took about a second at 100,000 episodes.
def _most_covered_topics(session: Session, now: datetime) -> dict[int, list[_Named]]:
    """Per show, its TOPICS_PER_SHOW topics with the most live episodes."""
    tagged = episode_topics.c
    counted = (
        select(tagged.show_id, tagged.topic_id, func.count().label("episodes"))
        .where(live_listed_tag(now))
        .group_by(tagged.topic_id, tagged.show_id)
        .subquery()
    )
    rank = func.row_number().over(
        partition_by=counted.c.show_id,
        order_by=(counted.c.episodes.desc(), Topic.name, Topic.id),
    )
    ranked = (
        select(counted.c.show_id, Topic.id, Topic.slug, Topic.name, rank.label("rank"))
        .join(Topic, Topic.id == counted.c.topic_id)
        .subquery()
    )
    columns = (ranked.c.show_id, ranked.c.id, ranked.c.slug, ranked.c.name)
    found: dict[int, list[_Named]] = defaultdict(list)
    for show_id, *topic in rows(
        session, select(*columns).where(ranked.c.rank <= TOPICS_PER_SHOW)
    ).all():
        found[show_id].append(_Named(*topic))
    return found


def _guests_heard_most(session: Session, now: datetime) -> list[_Named]:
    """The GUESTS guests (not in the trash) with the most live episodes across the shows."""
    heard = (
        select(Appearance.guest_id, func.count(Appearance.episode_id.distinct()).label("episodes"))
        .where(live_listed_credit(now))
        .group_by(Appearance.guest_id)
        .subquery()
    )
    query = (
        select(Guest.id, Guest.slug, Guest.name)
        .join(heard, heard.c.guest_id == Guest.id)
        .where(Guest.deleted_at.is_(None))
        .order_by(heard.c.episodes.desc(), Guest.name, Guest.id)
        .limit(GUESTS)
    )
    return [_Named(*row) for row in rows(session, query).all()]


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
