"""Which feeds exist and what goes in each: per show, per topic of a show, per guest, network.

Every item carries the episode's own guid in every feed, so an app subscribed to a show and a
guest feed recognises the same episode and never downloads it twice. Episodes are read as plain
rows (no ORM objects), which keeps a 10,000-episode rebuild cheap.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from showapp.models import (
    PODCAST_GUID_NAMESPACE,
    Appearance,
    Chapter,
    Episode,
    EpisodeStatus,
    EpisodeType,
    Guest,
    Show,
    Topic,
    User,
    episode_topics,
    show_hosts,
)
from showapp.models import Soundbite as RichSoundbite
from showapp.models import Transcript as RichTranscript
from showapp.services import rss, transcripts, urls
from showapp.services.catalog import is_live
from showapp.services.feed_items import Channel, Item, Person, Trailer, xml_text
from showapp.services.feed_items import Soundbite as FeedSoundbite
from showapp.services.feed_items import Transcript as FeedTranscript

_EPISODE_COLUMNS = (
    Episode.id, Episode.show_id, Episode.guid, Episode.slug, Episode.title, Episode.summary,
    Episode.notes_md, Episode.notes_html, Episode.published_at, Episode.audio_file,
    Episode.audio_bytes, Episode.audio_mime, Episode.duration_seconds, Episode.number,
    Episode.season, Episode.episode_type, Episode.explicit, Episode.artwork, Episode.audio_url,
    Episode.artwork_url,
)  # fmt: skip


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
        if self.kind == "show":
            return urls.feed_url(base_url, self.show_slug)
        if self.kind == "topic":
            return urls.topic_feed_url(base_url, self.show_slug, self.topic_slug)
        if self.kind == "guest":
            return urls.guest_feed_url(base_url, self.guest_slug)
        if self.kind == "opml":
            return urls.opml_url(base_url)
        return urls.network_feed_url(base_url)


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

    scope: ColumnElement[bool]
    floor: datetime | None  # last-build never earlier than this (the show's last edit)
    channel: Callable[[tuple[Trailer, ...], datetime], Channel]
    redirect_to: str | None = None


MOVED = rss.FeedParts(b"", [], b"")


@dataclass(frozen=True)
class FeedSite:
    base_url: str
    site_title: str
    hub_url: str = ""
    media_prefix: str = ""  # SHOWAPP_MEDIA_PREFIX_URL, for our own enclosures


def derived_guid(feed_url: str) -> str:
    """podcast:guid for feeds that are not a show's own: UUIDv5 of the URL, as the spec says."""
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, feed_url.split("://", 1)[-1].rstrip("/")))


def render(session: Session, ref: FeedRef, site: FeedSite, now: datetime) -> RenderedFeed | None:
    """The feed `ref` names as of `now`, or None when its show, topic or guest does not exist."""
    with rss.gc_paused():
        plan = _plan(session, ref, site)
        if plan is None:
            return None
        if plan.redirect_to:
            return RenderedFeed(MOVED, [], None, redirect_to=plan.redirect_to)
        items, trailers, last_build = _items(session, plan.scope, site, now, plan.floor)
        parts = rss.render_parts(plan.channel(trailers, last_build), items)
        return RenderedFeed(parts, items, next_go_live(session, plan.scope, now))


def render_changes(
    session: Session, ref: FeedRef, site: FeedSite, now: datetime, episode_ids: Iterable[int]
) -> RenderedFeed | None:
    """The channel as of `now` with only the items of `episode_ids` that the feed shows now
    (a rebuild splices them into the previous body); None as `render` would, or if moved."""
    with rss.gc_paused():
        plan = _plan(session, ref, site)
        if plan is None or plan.redirect_to:
            return None
        wanted = set(episode_ids)
        # The changed items and every trailer (the channel lists trailers) in one load.
        scope = plan.scope & (
            Episode.id.in_(list(wanted)) | (Episode.episode_type == EpisodeType.TRAILER)
        )
        loaded, trailers, _last = _items(session, scope, site, now, None)
        items = [item for item in loaded if item.episode_id in wanted]
        latest = session.scalar(select(func.max(Episode.published_at)).where(
            plan.scope & is_live(now)))  # fmt: skip
        stamps = [stamp for stamp in (latest, plan.floor) if stamp is not None]
        last_build = max(stamps) if stamps else now
        parts = rss.render_parts(plan.channel(trailers, last_build), items)
        return RenderedFeed(parts, items, next_go_live(session, plan.scope, now))


def _plan(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan | None:
    if ref.kind == "show":
        return _show_feed(session, ref, site)
    if ref.kind == "topic":
        return _topic_feed(session, ref, site)
    if ref.kind == "guest":
        return _guest_feed(session, ref, site)
    return _network_feed(session, ref, site)


def _show_by_slug(session: Session, slug: str) -> Show | None:
    return session.scalars(select(Show).where(Show.slug == slug)).one_or_none()


def _show_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan | None:
    show = _show_by_slug(session, ref.show_slug)
    if show is None:
        return None
    scope = Episode.show_id == show.id
    channel = _show_channel(session, show, site)
    return FeedPlan(scope, show.updated_at, channel, redirect_to=show.new_feed_url or None)


def _topic_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan | None:
    show = _show_by_slug(session, ref.show_slug)
    topic = session.scalars(select(Topic).where(Topic.slug == ref.topic_slug)).one_or_none()
    if show is None or topic is None:
        return None
    tagged = select(episode_topics.c.episode_id).where(episode_topics.c.topic_id == topic.id)
    scope = (Episode.show_id == show.id) & Episode.id.in_(tagged)
    self_url = ref.url(site.base_url)
    channel = _show_channel(
        session,
        show,
        site,
        title=xml_text(f"{show.title}: {topic.name}"),
        link=urls.topic_url(site.base_url, show.slug, topic.slug),
        self_url=self_url,
        description=xml_text(topic.description)
        or xml_text(f"Episodes of {show.title} about {topic.name}."),
        podcast_guid=derived_guid(self_url),
        new_feed_url="",
    )
    return FeedPlan(scope, show.updated_at, channel)


def _show_channel(
    session: Session, show: Show, site: FeedSite, **overrides: Any
) -> Callable[[tuple[Trailer, ...], datetime], Channel]:
    """The show's channel (a topic feed overrides title, link and the like), made once the
    trailers and last-build instant are known."""

    def channel(trailers: tuple[Trailer, ...], last_build: datetime) -> Channel:
        return rss.channel_from_show(
            show,
            site.base_url,
            persons=_hosts(session, [show.id]).get(show.id, ()),
            last_build=last_build,
            hub_url=site.hub_url,
            trailers=trailers,
            **overrides,
        )

    return channel


def _guest_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan | None:
    guest = session.scalars(select(Guest).where(Guest.slug == ref.guest_slug)).one_or_none()
    if guest is None:
        return None
    scope = Episode.id.in_(select(Appearance.episode_id).where(Appearance.guest_id == guest.id))
    fields = {
        "title": xml_text(f"{guest.name} on {site.site_title}"),
        "link": urls.guest_url(site.base_url, guest.slug),
        "description": xml_text(guest.bio) or xml_text(f"Every episode with {guest.name}."),
        "image": urls.media_url(site.base_url, guest.photo) if guest.photo else None,
    }
    channel = partial(_cross_show_channel, session, scope, site, ref, fields)
    return FeedPlan(scope, guest.created_at, channel)


def _network_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan:
    scope = true()
    fields = {
        "title": xml_text(site.site_title) or "showapp",
        "link": site.base_url + "/",
        "description": xml_text(f"Every episode of every show on {site.site_title}."),
        "image": None,
    }
    return FeedPlan(scope, None, partial(_cross_show_channel, session, scope, site, ref, fields))


def _cross_show_channel(
    session: Session,
    scope: ColumnElement[bool],
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
    lead_id = session.scalar(
        select(Episode.show_id).where(scope).order_by(Episode.published_at.desc()).limit(1)
    )
    lead = session.get(Show, lead_id) if lead_id is not None else None
    if lead is None:
        lead = session.scalars(select(Show).order_by(Show.id).limit(1)).first()
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
        select(Show.artwork).where(Show.artwork.is_not(None)).order_by(Show.id).limit(1)
    )
    fields["image"] = fields["image"] or (
        urls.media_url(site.base_url, artwork) if artwork else None
    )
    return rss.channel_from_show(
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
        **fields,
    )


def _items(
    session: Session,
    scope: ColumnElement[bool],
    site: FeedSite,
    now: datetime,
    floor: datetime | None,
) -> tuple[list[Item], tuple[Trailer, ...], datetime]:
    """Live episodes in `scope`, newest first, as items; their trailers; the last-build instant."""
    live = scope & is_live(now)
    rows = session.execute(
        select(*_EPISODE_COLUMNS, Show.slug.label("show_slug"))
        .join(Show, Show.id == Episode.show_id)
        .where(live)
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    ).all()
    guests = _guests(session, live, site.base_url)
    hosts = _hosts(session, list({row.show_id for row in rows}))
    items = [
        rss.item_from_episode(
            row,
            row.show_slug,
            site.base_url,
            hosts.get(row.show_id, ()) + guests.get(row.id, ()),
            site.media_prefix,
        )
        for row in rows
    ]
    extras = _rich_extras(session, rows, site.base_url)
    items = [i._replace(**extras.get(r.id, {})) for i, r in zip(items, rows, strict=True)]
    trailers = tuple(_trailer(item) for item in items if item.episode_type == EpisodeType.TRAILER)
    stamps = [i.published for i in items] + ([floor] if floor else [])
    last_build = max(stamps) if stamps else now
    return items, tuple(t for t in trailers if t is not None), last_build


def _rich_extras(session: Session, rows: Sequence[Any], base_url: str) -> dict[int, dict[str, Any]]:
    """podcast:transcript, podcast:chapters and podcast:soundbite values per episode id."""
    slugs = {row.id: (row.show_slug, row.slug) for row in rows}
    extras: dict[int, dict[str, Any]] = {episode_id: {} for episode_id in slugs}
    if not slugs:
        return extras
    ids = list(slugs)
    for episode_id, fmt, language in session.execute(
        select(RichTranscript.episode_id, RichTranscript.format, RichTranscript.language)
        .where(RichTranscript.episode_id.in_(ids))
        .order_by(RichTranscript.episode_id, RichTranscript.id)
    ):
        show_slug, episode_slug = slugs[episode_id]
        query = f"?lang={quote(language)}"
        timed = urls.transcript_url(base_url, show_slug, episode_slug, fmt) + query
        plain = urls.transcript_url(base_url, show_slug, episode_slug, "txt") + query
        extras[episode_id]["transcripts"] = (
            *extras[episode_id].get("transcripts", ()),
            FeedTranscript(timed, transcripts.FORMATS[fmt], language, captions=True),
            FeedTranscript(plain, "text/plain", language),
        )
    with_chapters = session.scalars(
        select(Chapter.episode_id).where(Chapter.episode_id.in_(ids)).distinct()
    )
    for episode_id in with_chapters:
        extras[episode_id]["chapters_url"] = urls.chapters_url(base_url, *slugs[episode_id])
    for bite in session.scalars(
        select(RichSoundbite)
        .where(RichSoundbite.episode_id.in_(ids))
        .order_by(RichSoundbite.episode_id, RichSoundbite.start_seconds)
    ):
        extras[bite.episode_id]["soundbites"] = (
            *extras[bite.episode_id].get("soundbites", ()),
            FeedSoundbite(bite.start_seconds, bite.duration_seconds, bite.title),
        )
    return extras


def _trailer(item: Item) -> Trailer | None:
    if not item.enclosure_url:
        return None
    return Trailer(
        title=item.title,
        url=item.enclosure_url,
        published=item.published,
        length=item.enclosure_length,
        mime=item.enclosure_type,
        season=item.season,
    )


def _guests(
    session: Session, live: ColumnElement[bool], base_url: str
) -> dict[int, tuple[Person, ...]]:
    rows = session.execute(
        select(
            Appearance.episode_id,
            Appearance.role,
            Appearance.group,
            Guest.name,
            Guest.photo,
            Guest.links,
            Guest.slug,
        )  # fmt: skip
        .join(Guest, Guest.id == Appearance.guest_id)
        .where(Appearance.episode_id.in_(select(Episode.id).where(live)))
        .order_by(Appearance.episode_id, Appearance.position, Appearance.id)
    ).all()
    people: dict[int, list[Person]] = defaultdict(list)
    for row in rows:
        people[row.episode_id].append(
            rss.guest_person(
                row.name, row.role, row.group, row.photo, row.links, row.slug, base_url
            )
        )
    return {episode_id: tuple(found) for episode_id, found in people.items()}


def _hosts(session: Session, show_ids: Sequence[int]) -> dict[int, tuple[Person, ...]]:
    """Hosts by show: the studio users hosting it, else the show's author."""
    if not show_ids:
        return {}
    rows = session.execute(
        select(show_hosts.c.show_id, User.name)
        .join(User, User.id == show_hosts.c.user_id)
        .where(show_hosts.c.show_id.in_(show_ids))
        .order_by(show_hosts.c.show_id, User.name)
    ).all()
    hosts: dict[int, list[Person]] = defaultdict(list)
    for row in rows:
        if row.name.strip():
            hosts[row.show_id].append(Person(name=xml_text(row.name)))
    missing = [show_id for show_id in show_ids if show_id not in hosts]
    if missing:
        for show_id, author in session.execute(
            select(Show.id, Show.author).where(Show.id.in_(missing))
        ):
            if author.strip():
                hosts[show_id].append(Person(name=xml_text(author)))
    return {show_id: tuple(found) for show_id, found in hosts.items()}


def next_go_live(session: Session, scope: ColumnElement[bool], now: datetime) -> datetime | None:
    upcoming = select(func.min(Episode.published_at)).where(
        scope,
        Episode.status.in_([EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED]),
        Episode.published_at > now,
    )
    found: datetime | None = session.scalar(upcoming)
    return found
