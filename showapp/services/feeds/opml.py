"""/feeds.opml: every feed of the install, for apps and directories that import a list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from showapp.models import Appearance, Episode, Guest, Show, Topic, episode_topics
from showapp.services.catalog.lookups import is_live
from showapp.services.feeds.items import xml_text
from showapp.services.feeds.queries import EVERY_EPISODE
from showapp.services.feeds.rendering import FeedRef, FeedSite, RenderedFeed
from showapp.services.feeds.rows import next_go_live
from showapp.services.feeds.rss import FeedParts


def list_feeds(session: Session, now: datetime) -> list[tuple[FeedRef, str]]:
    """Every feed with its title, for /feeds.opml: network, shows, their topics, guests."""
    feeds: list[tuple[FeedRef, str]] = [(FeedRef("network"), "Every show")]
    shows = session.scalars(
        select(Show).where(Show.deleted_at.is_(None)).order_by(Show.title)
    ).all()
    topics = _live_pairs(
        session, now, Topic, episode_topics.c.topic_id, episode_topics.c.episode_id
    )
    for show in shows:
        feeds.append((FeedRef("show", show_slug=show.slug), show.title))
        for topic in topics.get(show.id, []):
            feeds.append((FeedRef("topic", show.slug, topic.slug), f"{show.title}: {topic.name}"))
    guests = _live_pairs(session, now, Guest, Appearance.guest_id, Appearance.episode_id)
    unique = {guest.id: guest for found in guests.values() for guest in found}
    for guest in sorted(unique.values(), key=lambda g: g.name):
        feeds.append((FeedRef("guest", guest_slug=guest.slug), guest.name))
    return feeds


def _live_pairs(
    session: Session, now: datetime, model: Any, target_id: Any, episode_id: Any
) -> dict[int, list[Any]]:
    # Plain columns: PostgreSQL cannot DISTINCT over a JSON column such as Guest.links.
    rows: Sequence[Row[Any]] = session.execute(
        select(Episode.show_id, model.id, model.slug, model.name)
        .distinct()
        .select_from(target_id.table)
        .join(Episode, Episode.id == episode_id)
        .join(model, model.id == target_id)
        .where(is_live(now), *([Guest.deleted_at.is_(None)] if model is Guest else []))
        .order_by(model.name)
    ).all()
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.show_id].append(row)
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
