"""The SQL of feeds, each statement built once per process.

A statement SQLAlchemy has seen before is only bound and run; a freshly built one is also
constructed and hashed into its cache key first, about 0.2 ms a query, more than SQLite takes
to answer most of them. A feed of 100 episodes runs six of these, so each statement here is
made once, with bind parameters for everything that varies between feeds and requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)

from showapp.models import (
    Advice,
    Appearance,
    Chapter,
    Episode,
    EpisodeStatus,
    Guest,
    LinkedFile,
    Show,
    ShowType,
    User,
    episode_topics,
    show_hosts,
)
from showapp.models import Soundbite as RichSoundbite
from showapp.models import Transcript as RichTranscript


class ShowRow(NamedTuple):
    """What a show's channel reads of it, as a plain row: an ORM load of the show cost more
    than every other fixed part of a small feed's render."""

    id: int
    slug: str
    title: str
    subtitle: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    language: str
    category: str
    subcategory: str
    explicit: bool
    show_type: ShowType
    artwork: str | None
    artwork_url: str | None
    copyright: str
    funding_url: str
    funding_text: str
    podcast_guid: str
    new_feed_url: str
    locked: bool
    locked_owner: str
    podcast_extras: list[Any] | None
    itunes_block: bool
    itunes_title: str
    complete: bool
    medium: str
    update_frequency: str
    update_rrule: str
    updated_at: datetime


# A show in the trash has no feeds (404) until restored.
SHOW_BY_SLUG = select(*[getattr(Show, name) for name in ShowRow._fields]).where(
    Show.slug == bindparam("slug"), Show.deleted_at.is_(None)
)


class Scope(NamedTuple):
    """The episodes a feed draws on: a condition made once per kind of feed, and the values
    of its parameters for this feed."""

    where: ColumnElement[bool]
    params: Mapping[str, Any]


_OF_SHOW = Episode.show_id == bindparam("show_id")
_OF_TOPIC = _OF_SHOW & Episode.id.in_(
    select(episode_topics.c.episode_id).where(episode_topics.c.topic_id == bindparam("topic_id"))
)
_OF_GUEST = Episode.id.in_(
    select(Appearance.episode_id).where(Appearance.guest_id == bindparam("guest_id"))
)
_LISTED = Episode.id.in_(bindparam("listed", expanding=True))
_BY_ID = Episode.id.in_(bindparam("ids", expanding=True))
# Published, or scheduled, and not in the trash (nor of a show in the trash): is_live()
# without its instant, which rows are compared with.
_SCHEDULED_OR_PUBLISHED = (
    Episode.status.in_([EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED])
    & Episode.deleted_at.is_(None)
    & Episode.show_id.not_in(select(Show.id).where(Show.deleted_at.is_not(None)))
)

EVERY_EPISODE = Scope(true(), {})


def of_show(show_id: int) -> Scope:
    return Scope(_OF_SHOW, {"show_id": show_id})


def of_topic(show_id: int, topic_id: int) -> Scope:
    return Scope(_OF_TOPIC, {"show_id": show_id, "topic_id": topic_id})


def of_guest(guest_id: int) -> Scope:
    return Scope(_OF_GUEST, {"guest_id": guest_id})


def narrowed(scope: Scope, episode_ids: Iterable[int]) -> Scope:
    """Only the episodes of `scope` among `episode_ids`."""
    return Scope(_narrowed(scope.where), {**scope.params, "listed": list(episode_ids)})


@cache
def _narrowed(where: ColumnElement[bool]) -> ColumnElement[bool]:
    return where & _LISTED


def by_id(episode_ids: list[int]) -> Scope:
    return Scope(_BY_ID, {"ids": episode_ids})


@cache
def live(where: ColumnElement[bool]) -> ColumnElement[bool]:
    """catalog.is_live(), with the instant a parameter ("now")."""
    return where & _SCHEDULED_OR_PUBLISHED & (Episode.published_at <= bindparam("now"))


def _episode_column(name: str) -> Any:
    if name == "notes_md":
        # Markdown is only rendered for rows written before notes were pre-rendered; reading
        # it for every row cost a seventh of the episode query.
        has_html = func.coalesce(Episode.notes_html, "") != ""
        return case((has_html, ""), else_=Episode.notes_md).label(name)
    return getattr(Episode, name)


class EpisodeRow(NamedTuple):
    """An episode as feeds read it (a feed_values.EpisodeLike). SQLAlchemy's Row looks
    attributes up in Python, a third of a microsecond each; an item reads twenty, a named
    tuple's are C."""

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
    season_name: str
    podcast_episode: str
    episode_display: str
    episode_type: str
    explicit: bool
    itunes_block: bool
    itunes_title: str
    artwork: str | None
    audio_url: str | None
    artwork_url: str | None
    podcast_extras: list[Any] | None
    show_slug: str


EPISODE_FIELDS = EpisodeRow._fields[:-1]  # the last, show_slug, is the show's


@cache
def episodes(where: ColumnElement[bool]) -> Select[Any]:
    """EPISODE_FIELDS and the show's slug of the published and scheduled episodes, newest
    first: those not yet live come first, and the earliest of them is the feed's next change,
    so no second query looks for it."""
    return (
        select(*map(_episode_column, EPISODE_FIELDS), Show.slug.label("show_slug"))
        .join(Show, Show.id == Episode.show_id)
        .where(where, _SCHEDULED_OR_PUBLISHED, Episode.published_at.is_not(None))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
    )


@cache
def newest_live(where: ColumnElement[bool]) -> Select[Any]:
    """The `limit` newest live episodes of `episodes(where)`: the network feed's, which reads
    the published_at index backwards and stops, however many episodes the network has."""
    live_now = Episode.published_at <= bindparam("now")
    return episodes(where).where(live_now).limit(bindparam("limit"))


@cache
def next_go_live(where: ColumnElement[bool]) -> Select[Any]:
    return select(func.min(Episode.published_at)).where(
        where, _SCHEDULED_OR_PUBLISHED, Episode.published_at > bindparam("now")
    )


@cache
def credits(where: ColumnElement[bool]) -> Select[Any]:
    """(episode id, guest id, role, group, name, photo, slug, links as text) per credit. The
    links are read as text because the JSON type would decode them on every appearance row."""
    return (
        select(
            Appearance.episode_id, Appearance.guest_id, Appearance.role, Appearance.group,
            Guest.name, Guest.photo, Guest.slug, cast(Guest.links, String), Guest.photo_url,
        )
        .join(Episode, Episode.id == Appearance.episode_id)
        .join(Guest, Guest.id == Appearance.guest_id)
        .where(where, Guest.deleted_at.is_(None))  # a guest in the trash is credited nowhere
        .order_by(Appearance.episode_id, Appearance.position, Appearance.id)
    )  # fmt: skip


@cache
def rich(where: ColumnElement[bool]) -> Any:
    """(episode id, kind, text, language, start, duration) for the transcripts (text: format),
    chapter marks and soundbites (text: title), each kind in the order its tags go out. One
    round trip instead of three: small feeds pay per query."""
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
        transcript_rows.where(where),
        chapter_marks.where(where).distinct(),
        soundbite_rows.where(where),
    )
    return found.order_by("kind", "episode_id", "start")


@cache
def linked(where: ColumnElement[bool]) -> Select[Any]:
    """(episode id, kind, url, mime, language, rel, local file) of the transcripts and
    chapters files imported episodes link, in the order the source feed gave them."""
    return (
        select(
            LinkedFile.episode_id, LinkedFile.kind, LinkedFile.url, LinkedFile.mime,
            LinkedFile.language, LinkedFile.rel, LinkedFile.local_file,
        )
        .join(Episode, Episode.id == LinkedFile.episode_id)
        .where(where)
        .order_by(LinkedFile.episode_id, LinkedFile.position, LinkedFile.id)
    )  # fmt: skip


@cache
def advice(where: ColumnElement[bool]) -> Select[Any]:
    """(episode id, text, start, guest name) of the advice in the episodes, in the host's
    order; a guest in the trash is named nowhere, so their name reads as None."""
    named = case((Guest.deleted_at.is_(None), Guest.name), else_=null())
    return (
        select(Advice.episode_id, Advice.text, Advice.start_seconds, named)
        .join(Episode, Episode.id == Advice.episode_id)
        .outerjoin(Guest, Guest.id == Advice.guest_id)
        .where(where)
        .order_by(Advice.episode_id, Advice.position, Advice.id)
    )


HOSTS = (
    select(show_hosts.c.show_id, User.name)
    .join(User, User.id == show_hosts.c.user_id)
    .where(show_hosts.c.show_id.in_(bindparam("show_ids", expanding=True)))
    .order_by(show_hosts.c.show_id, User.name)
)
