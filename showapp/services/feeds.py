"""Which feeds exist and what goes in each: per show, per topic of a show, per guest, network.

Every item carries the episode's own guid in every feed, so an app subscribed to a show and a
guest feed recognises the same episode and never downloads it twice. Episodes are read as plain
rows (no ORM objects), which keeps a 10,000-episode rebuild cheap.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Row,
    Select,
    String,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
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


class EpisodeRow(NamedTuple):
    """An episode as feeds read it (an rss.EpisodeLike). SQLAlchemy's Row looks attributes up in
    Python, a third of a microsecond each; an item reads twenty, a named tuple's are C."""

    id: int
    show_id: int
    guid: str
    slug: str
    title: str
    summary: str
    notes_md: str
    notes_html: str | None
    published_at: datetime
    audio_file: str | None
    audio_bytes: int | None
    audio_mime: str | None
    duration_seconds: float | None
    number: int | None
    season: int | None
    episode_type: str
    explicit: bool
    artwork: str | None
    audio_url: str | None
    artwork_url: str | None
    show_slug: str


def _episode_column(name: str) -> Any:
    if name == "notes_md":
        # Markdown is only rendered for rows written before notes were pre-rendered; reading
        # it for every row cost a seventh of the episode query.
        has_html = func.coalesce(Episode.notes_html, "") != ""
        return case((has_html, ""), else_=Episode.notes_md).label(name)
    return getattr(Episode, name)


_EPISODE_COLUMNS = tuple(_episode_column(name) for name in EpisodeRow._fields[:-1])
MOST_LISTED = 500


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
    # By show id, when the plan read them for its channel: _items then needs no query for them.
    hosts: Mapping[int, tuple[Person, ...]] | None = None


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
        items, trailers, last_build = _items(session, plan.scope, site, now, plan.floor, plan.hosts)
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
        loaded, trailers, _last = _items(session, scope, site, now, None, plan.hosts)
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
    hosts = _hosts(session, [show.id])
    channel = _show_channel(show, site, hosts)
    return FeedPlan(scope, show.updated_at, channel, show.new_feed_url or None, hosts)


def _topic_feed(session: Session, ref: FeedRef, site: FeedSite) -> FeedPlan | None:
    show = _show_by_slug(session, ref.show_slug)
    topic = session.scalars(select(Topic).where(Topic.slug == ref.topic_slug)).one_or_none()
    if show is None or topic is None:
        return None
    tagged = select(episode_topics.c.episode_id).where(episode_topics.c.topic_id == topic.id)
    scope = (Episode.show_id == show.id) & Episode.id.in_(tagged)
    hosts = _hosts(session, [show.id])
    self_url = ref.url(site.base_url)
    channel = _show_channel(
        show,
        site,
        hosts,
        title=xml_text(f"{show.title}: {topic.name}"),
        link=urls.topic_url(site.base_url, show.slug, topic.slug),
        self_url=self_url,
        description=xml_text(topic.description)
        or xml_text(f"Episodes of {show.title} about {topic.name}."),
        podcast_guid=derived_guid(self_url),
        new_feed_url="",
    )
    return FeedPlan(scope, show.updated_at, channel, hosts=hosts)


def _show_channel(
    show: Show, site: FeedSite, hosts: Mapping[int, tuple[Person, ...]], **overrides: Any
) -> Callable[[tuple[Trailer, ...], datetime], Channel]:
    """The show's channel (a topic feed overrides title, link and the like), made once the
    trailers and last-build instant are known."""

    def channel(trailers: tuple[Trailer, ...], last_build: datetime) -> Channel:
        return rss.channel_from_show(
            show,
            site.base_url,
            persons=hosts.get(show.id, ()),
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
    hosts: Mapping[int, tuple[Person, ...]] | None = None,
) -> tuple[list[Item], tuple[Trailer, ...], datetime]:
    """Live episodes in `scope`, newest first, as items; their trailers; the last-build instant.
    `hosts` (by show id) saves a query when the caller has read them for its channel."""
    live = scope & is_live(now)
    result = _plain_rows(session).execute(
        select(*_EPISODE_COLUMNS, Show.slug.label("show_slug"))
        .join(Show, Show.id == Episode.show_id)
        .where(live)
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    )
    rows = list(map(EpisodeRow._make, result.all()))
    loaded = _loaded(live, rows)
    guests = _guests(session, loaded, site.base_url)
    if hosts is None:
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
    extras = _rich_extras(session, loaded, rows, site.base_url)
    if extras:
        items = [i._replace(**extras.get(r.id, {})) for i, r in zip(items, rows, strict=True)]
    trailers = tuple(_trailer(item) for item in items if item.episode_type == EpisodeType.TRAILER)
    stamps = [i.published for i in items] + ([floor] if floor else [])
    last_build = max(stamps) if stamps else now
    return items, tuple(t for t in trailers if t is not None), last_build


def _loaded(live: ColumnElement[bool], rows: Sequence[EpisodeRow]) -> ColumnElement[bool]:
    """The loaded episodes, for the queries that follow: by id when they are few (a rebuild of
    a few changed episodes, where joining the scope again would scan the whole show), else the
    live scope again, as thousands of ids are slow to bind and can pass parameter limits."""
    if len(rows) <= MOST_LISTED:
        return Episode.id.in_([row.id for row in rows])
    return live


def _plain_rows(session: Session) -> Connection:
    """The session's connection, for reads that want plain rows: the ORM's per-row work costs
    more than the database on a big feed. Flushes first, as an ORM query would."""
    if session.autoflush:
        session.flush()
    return session.connection()


def _rich_extras(
    session: Session, episodes: ColumnElement[bool], rows: Sequence[Any], base_url: str
) -> dict[int, dict[str, Any]]:
    """podcast:transcript, podcast:chapters and podcast:soundbite values per episode id, for
    the episodes that have any."""
    found = _rich_rows(_plain_rows(session), episodes)
    if not found:
        return {}
    slugs = {row.id: (row.show_slug, row.slug) for row in rows}
    extras: dict[int, dict[str, Any]] = defaultdict(dict)
    for episode_id, kind, text, language, start, duration in found:
        show_slug, episode_slug = slugs[episode_id]
        if kind == "chapters":
            extras[episode_id]["chapters_url"] = urls.chapters_url(base_url, *slugs[episode_id])
        elif kind == "soundbite":
            bite = FeedSoundbite(start, duration, text)
            extras[episode_id]["soundbites"] = (*extras[episode_id].get("soundbites", ()), bite)
        else:
            query = f"?lang={quote(language)}"
            timed = urls.transcript_url(base_url, show_slug, episode_slug, text) + query
            plain = urls.transcript_url(base_url, show_slug, episode_slug, "txt") + query
            extras[episode_id]["transcripts"] = (
                *extras[episode_id].get("transcripts", ()),
                FeedTranscript(timed, transcripts.FORMATS[text], language, captions=True),
                FeedTranscript(plain, "text/plain", language),
            )
    return extras


def _rich_rows(connection: Connection, episodes: ColumnElement[bool]) -> Sequence[Row[Any]]:
    """(episode id, kind, text, language, start, duration) for the transcripts (text: format),
    chapter marks and soundbites (text: title) of `episodes`, each kind in the order its tags
    go out. One round trip instead of three: small feeds pay per query."""
    no_text, no_number = cast(null(), String), cast(null(), Float)
    transcript_rows = select(
        RichTranscript.episode_id, literal_column("'transcript'").label("kind"),
        RichTranscript.format.label("text"), RichTranscript.language.label("language"),
        cast(RichTranscript.id, Float).label("start"), no_number.label("duration"),
    ).join(Episode, Episode.id == RichTranscript.episode_id)  # fmt: skip
    chapter_marks = select(
        Chapter.episode_id, literal_column("'chapters'"), no_text, no_text, no_number, no_number
    ).join(Episode, Episode.id == Chapter.episode_id)
    soundbite_rows: Select[Any] = select(
        RichSoundbite.episode_id, literal_column("'soundbite'"), RichSoundbite.title, no_text,
        RichSoundbite.start_seconds, RichSoundbite.duration_seconds,
    ).join(Episode, Episode.id == RichSoundbite.episode_id)  # fmt: skip
    found = union_all(
        transcript_rows.where(episodes),
        chapter_marks.where(episodes).distinct(),
        soundbite_rows.where(episodes),
    )
    return connection.execute(found.order_by("kind", "episode_id", "start")).all()


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
    session: Session, episodes: ColumnElement[bool], base_url: str
) -> dict[int, tuple[Person, ...]]:
    """podcast:person values per episode id. Each credit (guest, role, group) becomes one
    Person, built once however many episodes it is on; the guest's links are decoded then
    too, read as text because the JSON type would decode them on every appearance row."""
    credits = _plain_rows(session).execute(
        select(
            Appearance.episode_id, Appearance.guest_id, Appearance.role, Appearance.group,
            Guest.name, Guest.photo, Guest.slug, cast(Guest.links, String),
        )
        .join(Episode, Episode.id == Appearance.episode_id)
        .join(Guest, Guest.id == Appearance.guest_id)
        .where(episodes)
        .order_by(Appearance.episode_id, Appearance.position, Appearance.id)
    ).all()  # fmt: skip
    persons: dict[tuple[int, str, str], Person] = {}
    people: dict[int, list[Person]] = defaultdict(list)
    for episode_id, guest_id, role, group, name, photo, slug, links in credits:
        person = persons.get((guest_id, role, group))
        if person is None:
            person = persons[guest_id, role, group] = rss.guest_person(
                name, role, group, photo, json.loads(links) if links else None, slug, base_url
            )
        people[episode_id].append(person)
    return {episode_id: tuple(found) for episode_id, found in people.items()}


def _hosts(session: Session, show_ids: Sequence[int]) -> dict[int, tuple[Person, ...]]:
    """Hosts by show: the studio users hosting it, else the show's author."""
    if not show_ids:
        return {}
    connection = _plain_rows(session)
    rows = connection.execute(
        select(Show.id, Show.author, User.name)
        .outerjoin(show_hosts, show_hosts.c.show_id == Show.id)
        .outerjoin(User, User.id == show_hosts.c.user_id)
        .where(Show.id.in_(show_ids))
        .order_by(Show.id, User.name)
    ).all()
    hosts: dict[int, list[Person]] = {}
    authors: dict[int, str] = {}
    for show_id, author, name in rows:
        authors[show_id] = author
        found = hosts.setdefault(show_id, [])
        if name is not None and name.strip():
            found.append(Person(name=xml_text(name)))
    for show_id, author in authors.items():
        if not hosts[show_id] and author.strip():
            hosts[show_id].append(Person(name=xml_text(author)))
    return {show_id: tuple(found) for show_id, found in hosts.items() if found}


def next_go_live(session: Session, scope: ColumnElement[bool], now: datetime) -> datetime | None:
    upcoming = select(func.min(Episode.published_at)).where(
        scope,
        Episode.status.in_([EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED]),
        Episode.published_at > now,
    )
    found: datetime | None = _plain_rows(session).scalar(upcoming)
    return found
