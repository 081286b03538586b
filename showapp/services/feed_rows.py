"""Loading a feed's episodes as items: plain rows (no ORM objects, which keeps a 10,000-episode
render cheap), each guest read once, hosts, and the rich-episode tags (transcripts, chapters,
soundbites)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
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
    union_all,
)
from sqlalchemy.orm import Session

from showapp.models import (
    Appearance,
    Chapter,
    Episode,
    EpisodeStatus,
    EpisodeType,
    Guest,
    Show,
    User,
    show_hosts,
)
from showapp.models import Soundbite as RichSoundbite
from showapp.models import Transcript as RichTranscript
from showapp.services import rss, transcripts, urls
from showapp.services.catalog import is_live
from showapp.services.feed_items import FeedSite, Item, Person, Trailer, xml_text
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


def load_items(
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
        hosts = hosts_by_show(session, list({row.show_id for row in rows}))
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


def hosts_by_show(session: Session, show_ids: Sequence[int]) -> dict[int, tuple[Person, ...]]:
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
