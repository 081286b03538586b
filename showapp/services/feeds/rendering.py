"""Which feeds exist and what goes in each: per show, per topic of a show, per guest, network.

Every item carries the episode's own guid in every feed, so an app subscribed to a show and a
guest feed recognises the same episode and never downloads it twice. The episodes themselves
are loaded by rows.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from showapp.models import (
    PODCAST_GUID_NAMESPACE,
    Episode,
    EpisodeType,
    Guest,
    Show,
    Topic,
)
from showapp.services import urls
from showapp.services.catalog import guests_topics
from showapp.services.catalog.text import sanitize_html
from showapp.services.feeds import queries as feed_queries
from showapp.services.feeds import rows as feed_rows
from showapp.services.feeds import rss
from showapp.services.feeds import values as feed_values
from showapp.services.feeds.items import Channel, Item, Person, Trailer, xml_text
from showapp.services.feeds.items import FeedSite as FeedSite  # where callers have found it
from showapp.services.feeds.queries import Scope, ShowRow


@dataclass(frozen=True)
class FeedRef:
    """Names one feed: kind is "show", "topic", "guest", "network" (or "opml", the list)."""

    kind: str
    show_slug: str = ""
    topic_slug: str = ""
    guest_slug: str = ""

    @property
    def key(self) -> str:
        return ":".join(filter(None, [self.kind, self.show_slug, self.topic_slug, self.guest_slug]))

    def url(self, base_url: str) -> str:
        slugs = {"show_slug": self.show_slug, "topic_slug": self.topic_slug,
                 "guest_slug": self.guest_slug}  # fmt: skip
        return urls.feed_url(base_url, self.kind, **{k: v for k, v in slugs.items() if v})


@dataclass(frozen=True)
class RenderedFeed:
    """A feed's pieces and the items they came from (in order), or a moved feed's new URL."""

    parts: rss.FeedParts
    items: list[Item]
    next_go_live: datetime | None
    redirect_to: str | None = None

    @property
    def body(self) -> bytes:
        return self.parts.joined()


@dataclass(frozen=True)
class FeedPlan:
    """What a feed shows: the episodes in `scope`, under a channel made once the trailers and
    the last-build instant are known; or, for a moved feed, where it went."""

    scope: Scope
    floor: datetime | None  # last-build never earlier than this (the show's last edit)
    channel: Callable[[tuple[Trailer, ...], datetime], Channel]
    redirect_to: str | None = None
    # By show id, when the plan read them for its channel: _items then needs no query for them.
    hosts: Mapping[int, tuple[Person, ...]] | None = None
    # A show that moved host still sends its whole feed with the 301, so that apps reading
    # the body of a redirect see itunes:new-feed-url (docs/feeds.md).
    body_with_redirect: bool = False
    # The network feed carries only the newest `limit` live episodes (SHOWAPP_NETWORK_FEED_LIMIT).
    limit: int | None = None


MOVED = rss.FeedParts(b"", [], b"")


def derived_guid(feed_url: str) -> str:
    """podcast:guid for feeds that are not a show's own: UUIDv5 of the URL, as the spec says."""
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, feed_url.split("://", 1)[-1].rstrip("/")))


def render(session: Session, ref: FeedRef, site: FeedSite, now: datetime) -> RenderedFeed | None:
    """The feed `ref` names as of `now`, or None when its show, topic or guest does not exist."""
    with rss.gc_paused():
        plan = _plan(session, ref, site, now)
        if plan is None:
            return None
        if plan.redirect_to and not plan.body_with_redirect:
            return RenderedFeed(MOVED, [], None, redirect_to=plan.redirect_to)
        loaded = feed_rows.load_items(
            session, plan.scope, site, now, plan.floor, plan.hosts, plan.limit
        )
        parts = rss.render_parts(plan.channel(loaded.trailers, loaded.last_build), loaded.items)
        return RenderedFeed(parts, loaded.items, loaded.next_go_live, plan.redirect_to)


def limit_of(ref: FeedRef, site: FeedSite) -> int | None:
    """How many items the feed `ref` carries at most (None: every live episode of its scope)."""
    return site.network_limit if ref.kind == "network" else None


def render_changes(
    session: Session, ref: FeedRef, site: FeedSite, now: datetime, episode_ids: Iterable[int]
) -> RenderedFeed | None:
    """The channel as of `now` with only the items of `episode_ids` that the feed shows now
    (a rebuild splices them into the previous body); None as `render` would, or if moved."""
    with rss.gc_paused():
        plan = _plan(session, ref, site, now)
        if plan is None or plan.redirect_to:
            return None
        wanted = set(episode_ids)
        # The changed items and every trailer (the channel lists trailers) in one load, by id:
        # an OR of the two conditions read every episode of the feed.
        where, params = plan.scope
        trailer_ids = select(Episode.id).where(where, Episode.episode_type == EpisodeType.TRAILER)
        listed = wanted | set(session.scalars(trailer_ids, params))
        scope = feed_queries.narrowed(plan.scope, listed)
        loaded = feed_rows.load_items(session, scope, site, now, None, plan.hosts)
        items = [item for item in loaded.items if item.episode_id in wanted]
        latest_live = select(func.max(Episode.published_at)).where(feed_queries.live(where))
        latest = session.scalar(latest_live, {**params, "now": now})
        stamps = [stamp for stamp in (latest, plan.floor) if stamp is not None]
        last_build = max(stamps) if stamps else now
        parts = rss.render_parts(plan.channel(loaded.trailers, last_build), items)
        return RenderedFeed(parts, items, feed_rows.next_go_live(session, plan.scope, now))


def _plan(session: Session, ref: FeedRef, site: FeedSite, now: datetime) -> FeedPlan | None:
    if ref.kind == "show":
        return _show_feed(session, ref, site)
    if ref.kind == "topic":
        return _topic_feed(session, ref, site, now)
    if ref.kind == "guest":
        return _guest_feed(session, ref, site, now)
    return _network_feed(session, ref, site)


def _show_by_slug(session: Session, slug: str) -> ShowRow | None:
    connection = feed_rows.plain_rows(session)
    found = connection.execute(feed_queries.SHOW_BY_SLUG, {"slug": slug}).one_or_none()
    return None if found is None else ShowRow._make(found)


def _show_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan | None:
    show = _show_by_slug(session, ref.show_slug)
    if show is None:
        return None
    hosts = feed_rows.hosts_by_show(session, [show.id])
    channel = _show_channel(show, site, hosts)
    return FeedPlan(
        feed_queries.of_show(show.id), show.updated_at, channel, show.new_feed_url or None, hosts,
        body_with_redirect=True,
    )  # fmt: skip


def _topic_feed(session: Session, ref: FeedRef, site: FeedSite, now: datetime) -> FeedPlan | None:
    show = _show_by_slug(session, ref.show_slug)
    if show is None:
        return None
    topic = session.scalars(select(Topic).where(Topic.slug == ref.topic_slug)).one_or_none()
    if topic is None:
        merged_into = guests_topics.resolve_slug_redirect(session, "topic", ref.topic_slug)
        if merged_into is None:
            return None
        return _moved(
            urls.feed_url(site.base_url, "topic", show_slug=show.slug, topic_slug=merged_into)
        )
    scope = feed_queries.of_topic(show.id, topic.id)
    # A topic this show has no live episode on has no feed (404): an empty feed looks to
    # directories like a broken show, and nothing links to it.
    if not _has_live_episode(session, scope, now):
        return None
    hosts = feed_rows.hosts_by_show(session, [show.id])
    self_url = ref.url(site.base_url)
    channel = _show_channel(
        show,
        site,
        hosts,
        title=xml_text(f"{show.title}: {topic.name}"),
        link=urls.url(site.base_url, "topic", topic_slug=topic.slug),
        self_url=self_url,
        description=xml_text(sanitize_html(topic.description))
        or xml_text(f"Episodes of {show.title} about {topic.name}."),
        podcast_guid=derived_guid(self_url),
        new_feed_url="",
        itunes_title="",  # the show's Apple title names the show, not this topic's feed
    )
    return FeedPlan(scope, show.updated_at, channel, hosts=hosts)


def _show_channel(
    show: ShowRow, site: FeedSite, hosts: Mapping[int, tuple[Person, ...]], **overrides: Any
) -> Callable[[tuple[Trailer, ...], datetime], Channel]:
    """The show's channel (a topic feed overrides title, link and the like), made once the
    trailers and last-build instant are known."""

    def channel(trailers: tuple[Trailer, ...], last_build: datetime) -> Channel:
        return feed_values.channel_from_show(
            show,
            site.base_url,
            persons=hosts.get(show.id, ()),
            last_build=last_build,
            hub_url=site.hub_url,
            trailers=trailers,
            **overrides,
        )

    return channel


def _guest_feed(session: Session, ref: FeedRef, site: FeedSite, now: datetime) -> FeedPlan | None:
    guest = session.scalars(select(Guest).where(Guest.slug == ref.guest_slug)).one_or_none()
    if guest is not None and guest.deleted_at is not None:
        return None  # in the trash: no feed (404) until restored
    if guest is None:
        merged_into = guests_topics.resolve_slug_redirect(session, "guest", ref.guest_slug)
        if merged_into is None:
            return None
        return _moved(urls.feed_url(site.base_url, "guest", guest_slug=merged_into))
    scope = feed_queries.of_guest(guest.id)
    # Like the guest's page: no feed (404) before an episode with them is live, or their name
    # and bio would be out before the episode is.
    if not _has_live_episode(session, scope, now):
        return None
    fields = {
        "title": xml_text(f"{guest.name} on {site.site_title}"),
        "link": urls.url(site.base_url, "guest", guest_slug=guest.slug),
        "description": xml_text(sanitize_html(guest.bio))
        or xml_text(f"Every episode with {guest.name}."),
        "image": urls.media_url(site.base_url, guest.photo) if guest.photo else None,
    }
    channel = partial(_cross_show_channel, session, scope, site, ref, fields)
    return FeedPlan(scope, guest.created_at, channel)


def _has_live_episode(session: Session, scope: feed_queries.Scope, now: datetime) -> bool:
    live = select(exists().where(feed_queries.live(scope.where)))
    return bool(session.scalar(live, {**scope.params, "now": now}))


def _moved(new_url: str) -> FeedPlan:
    """A guest or topic merged into another, or given a new slug: its feed answers 301 to the
    new one's, which podcast apps follow and then poll instead."""

    def no_channel(_trailers: tuple[Trailer, ...], _last_build: datetime) -> Channel:
        raise AssertionError("a moved feed is never rendered")

    return FeedPlan(feed_queries.EVERY_EPISODE, None, no_channel, redirect_to=new_url)


def _network_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan:
    scope = feed_queries.EVERY_EPISODE
    fields = {
        "title": xml_text(site.site_title) or "showapp",
        "link": site.base_url + "/",
        "description": xml_text(f"Every episode of every show on {site.site_title}."),
        "image": None,
    }
    channel = partial(_cross_show_channel, session, scope, site, ref, fields)
    return FeedPlan(scope, None, channel, limit=limit_of(ref, site))


def _cross_show_channel(
    session: Session,
    scope: Scope,
    site: FeedSite,
    ref: FeedRef,
    fields: dict[str, Any],
    _trailers: tuple[Trailer, ...],
    last_build: datetime,
) -> Channel:
    """Guest and network feeds span shows: they borrow owner, category, language and (when they
    have none of their own) artwork from the show that published most recently in them.
    They list no trailers: those belong to each show's own feed."""
    fields = dict(fields)
    latest = select(Episode.show_id).where(scope.where).order_by(Episode.published_at.desc())
    lead_id = session.scalar(latest.limit(1), scope.params)
    lead = session.get(Show, lead_id) if lead_id is not None else None
    if lead is None:  # no live episode: the first show not in the trash stands in
        lead = session.scalars(
            select(Show).where(Show.deleted_at.is_(None)).order_by(Show.id).limit(1)
        ).first()
    self_url = ref.url(site.base_url)
    if lead is None:
        return Channel(
            self_url=self_url,
            language="en",
            author=site.site_title,
            podcast_guid=derived_guid(self_url),
            last_build=last_build,
            hub_url=site.hub_url,
            **fields,
        )
    artwork = lead.artwork or session.scalar(
        select(Show.artwork)
        .where(Show.artwork.is_not(None), Show.deleted_at.is_(None))
        .order_by(Show.id)
        .limit(1)
    )
    fields["image"] = fields["image"] or (
        urls.media_url(site.base_url, artwork) if artwork else None
    )
    return feed_values.channel_from_show(
        lead,
        site.base_url,
        persons=(),
        last_build=last_build,
        hub_url=site.hub_url,
        self_url=self_url,
        author=xml_text(site.site_title),
        podcast_guid=derived_guid(self_url),
        subtitle="",
        new_feed_url="",
        locked=False,
        funding_url="",
        update_frequency="",
        show_type="episodic",
        itunes_title="",  # the lead show's Apple title is not this feed's
        # Nor are its choices for its own feed: hidden from Apple, complete, or the Podcasting
        # 2.0 elements it kept (a podroll, a verification txt) would hide, end or speak for
        # the network's and a guest's feeds whenever it published last.
        block=False,
        complete=False,
        podcast_extras=(),
        update_rrule="",
        **fields,
    )
