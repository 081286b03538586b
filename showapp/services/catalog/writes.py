"""Writes: shows, episodes, guests and topics. Services flush; the caller commits."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput, SlugTaken
from showapp.models import (
    PODCAST_GUID_NAMESPACE,
    Appearance,
    Episode,
    EpisodeStatus,
    EpisodeType,
    Guest,
    Show,
    Topic,
    episode_topics,
)
from showapp.models.feeds import of_episode
from showapp.services import urls
from showapp.services.audio.files import AudioInfo, StagedAudio
from showapp.services.catalog.text import slugify

SHOW_FIELDS = {
    "subtitle", "description", "author", "owner_name", "owner_email", "language", "category",
    "subcategory", "explicit", "show_type", "copyright", "website", "funding_url",
    "funding_text", "timezone", "require_guest_approval",
    # feed settings: lock, Apple block and title, complete, medium, update frequency
    "locked", "itunes_block", "itunes_title", "complete", "medium", "update_frequency",
    "update_rrule",
    # the show page: subscribe buttons and the brand colour
    "apple_podcasts_url", "spotify_url", "overcast_url", "pocket_casts_url", "antennapod_url",
    "youtube_music_url", "castbox_url", "podcast_addict_url", "podcast_index_url",
    "fountain_url", "amazon_music_url", "accent_color",
    # the listeners' "Did you have a great mentor?" call
    "mentor_call_open", "mentor_call_prompt",
}  # fmt: skip
# Where listeners subscribe besides our RSS feed: (column, name) in the order pages list them.
DIRECTORIES = (
    ("apple_podcasts_url", "Apple Podcasts"), ("spotify_url", "Spotify"),
    ("youtube_music_url", "YouTube Music"), ("amazon_music_url", "Amazon Music"),
    ("overcast_url", "Overcast"), ("pocket_casts_url", "Pocket Casts"),
    ("antennapod_url", "AntennaPod"), ("castbox_url", "Castbox"),
    ("podcast_addict_url", "Podcast Addict"), ("fountain_url", "Fountain"),
    ("podcast_index_url", "Podcast Index"),
)  # fmt: skip
# Show fields that are links on pages and in feeds, with the names the form gives them.
SHOW_URL_FIELDS = {"website": "website", "funding_url": "funding link"} | {
    column: f"{name} link" for column, name in DIRECTORIES
}


def podcast_guid_for(feed_url: str) -> str:
    """Podcasting 2.0 podcast:guid: UUIDv5 of the feed URL without scheme or trailing slash."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def create_show(session: Session, *, slug: str, title: str, feed_url: str, **fields: Any) -> Show:
    unknown = set(fields) - SHOW_FIELDS
    if unknown:
        raise InvalidInput(f"unknown show fields: {', '.join(sorted(unknown))}")
    fields = checked_show_urls(fields)
    title = _required(title, "title")
    slug = _valid_slug(slug or slugify(title))
    if slug in urls.RESERVED_SLUGS:
        raise InvalidInput(f"'{slug}' is reserved for the site's own pages; choose another.")
    if session.scalar(select(exists().where(Show.slug == slug, Show.deleted_at.is_not(None)))):
        raise SlugTaken(
            f"The show at '{slug}' is in the trash: its address is free only once it is deleted "
            "for good (Trash page), or restore it."
        )
    if session.scalar(select(exists().where(Show.slug == slug))):
        raise SlugTaken(f"A show with the address '{slug}' already exists.")
    show = Show(slug=slug, title=title, podcast_guid=podcast_guid_for(feed_url), **fields)
    _add_unique(session, show, f"A show with the address '{slug}' already exists.")
    return show


def new_guid(session: Session) -> str:
    """A GUID no episode has had: purged episodes keep theirs as tombstones (trash.py), so
    checking the table covers them, and a podcast app never sees one reused."""
    while True:
        guid = str(uuid.uuid4())
        if session.scalars(select(Episode.id).where(Episode.guid == guid)).first() is None:
            return guid


def checked_show_urls(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with the show's links trimmed; InvalidInput if one is not http(s)."""
    checked = dict(fields)
    for name, label in SHOW_URL_FIELDS.items():
        if name in checked:
            checked[name] = urls.public_url(checked[name], label)
    if "accent_color" in checked:
        checked["accent_color"] = hex_color(checked["accent_color"], "accent colour")
    return checked


def hex_color(value: str | None, label: str) -> str:
    """`value` as a lower-case #rrggbb colour, or "" when empty; InvalidInput otherwise."""
    value = (value or "").strip().lower()
    if value and not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise InvalidInput(
            f"The {label} must be a colour written #rrggbb, e.g. #1a6b5c (not {value[:20]!r})."
        )
    return value


def create_episode(
    session: Session,
    show: Show,
    *,
    title: str,
    slug: str | None = None,
    audio: StagedAudio | None = None,
    **fields: Any,
) -> Episode:
    """Add an episode as a draft. Its GUID is set here, once, and never changes."""
    title = _required(title, "title")
    if slug:
        slug = _valid_slug(slug)
        if _episode_slug_taken(session, show, slug):
            raise SlugTaken(f"Another episode of this show already uses the address '{slug}'.")
    else:
        slug = _free_episode_slug(session, show, slugify(title) or "episode")
    episode = Episode(show_id=show.id, title=title, slug=slug, guid=new_guid(session), **fields)
    if audio is not None:
        attach_audio(episode, audio, show.slug)
    _add_unique(session, episode, f"Another episode of this show already uses '{slug}'.")
    return episode


def add_episode(
    session: Session,
    show: Show,
    audio: StagedAudio,
    *,
    title: str,
    guests: tuple[str, ...] | list[str] = (),
    topics: tuple[str, ...] | list[str] = (),
    publish: bool = False,
    publish_at: datetime | None = None,
    **fields: Any,
) -> Episode:
    """Create an episode from staged audio, crediting guests and tagging topics by name."""
    episode = create_episode(session, show, title=title, audio=audio, **fields)
    for name in guests:
        credit_guest(session, episode, find_or_create_guest(session, name))
    for name in topics:
        tag_topic(session, episode, find_or_create_topic(session, name))
    if publish:
        publish_episode(episode, publish_at)
    session.flush()
    return episode


def tag_topic(session: Session, episode: Episode, topic: Topic) -> None:
    tagged = select(episode_topics).where(
        episode_topics.c.episode_id == episode.id, episode_topics.c.topic_id == topic.id
    )
    if session.execute(tagged).first() is None:
        tag = insert(episode_topics).values(episode_id=episode.id, topic_id=topic.id)
        session.execute(of_episode(tag, episode.id))
        session.expire(episode, ["topics"])


def attach_audio(episode: Episode, audio: StagedAudio, show_slug: str) -> None:
    episode.audio_file = audio.relative_name(show_slug, episode.slug)
    record_audio_facts(episode, audio.size, audio.sha256, audio.info)


def record_audio_facts(episode: Episode, size: int, sha256: str, info: AudioInfo) -> None:
    """What the feed and player need from a probed file, stored when the file is written."""
    episode.audio_bytes = size
    episode.audio_sha256 = sha256
    episode.audio_mime = info.mime
    episode.duration_seconds = info.duration_seconds
    episode.bitrate = info.bitrate
    episode.sample_rate = info.sample_rate
    episode.channels = info.channels


def publish_episode(episode: Episode, at: datetime | None = None) -> None:
    """Publish now, or schedule for a future instant (it goes live then by itself)."""
    if not episode.has_audio:
        raise InvalidInput("An episode needs its audio before it can be published.")
    when = at or utc_now()
    episode.published_at = when
    episode.status = EpisodeStatus.SCHEDULED if when > utc_now() else EpisodeStatus.PUBLISHED
    note_release(episode)


def note_release(episode: Episode) -> None:
    """Keep first_published_at, the instant listeners could first reach the episode, after its
    status changed: once that instant has passed it stays, so a withdrawn page answers 410."""
    first = episode.first_published_at
    if first is not None and first <= utc_now():
        return
    released = episode.status in (EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED)
    episode.first_published_at = episode.published_at if released else None


def find_or_create_guest(
    session: Session, name: str, *, organisation: str = "", job_title: str = "", bio: str = ""
) -> Guest:
    name = _required(name, "guest name")
    slug = _slug_of_name(name, "guest")
    guest = session.scalars(select(Guest).where(Guest.slug == slug)).one_or_none()
    if guest is None:
        guest = Guest(
            name=name, slug=slug, organisation=organisation, job_title=job_title, bio=bio, links=[]
        )
        session.add(guest)
        session.flush()
    return guest


def find_or_create_topic(session: Session, name: str, description: str = "") -> Topic:
    name = _required(name, "topic name")
    slug = _slug_of_name(name, "topic")
    topic = session.scalars(select(Topic).where(Topic.slug == slug)).one_or_none()
    if topic is None:
        topic = Topic(name=name, slug=slug, description=description)
        session.add(topic)
        session.flush()
    return topic


def credit_guest(
    session: Session,
    episode: Episode,
    guest: Guest,
    *,
    role: str = "guest",
    group: str = "cast",
    organisation: str | None = None,
    job_title: str | None = None,
) -> Appearance:
    """Credit a guest, keeping their affiliation as it was at the time of this interview."""
    position = session.scalar(
        select(func.count(Appearance.id)).where(Appearance.episode_id == episode.id)
    )
    appearance = Appearance(
        episode_id=episode.id,
        guest_id=guest.id,
        role=role.lower(),
        group=group.lower(),
        organisation=guest.organisation if organisation is None else organisation,
        job_title=guest.job_title if job_title is None else job_title,
        position=position or 0,
    )
    session.add(appearance)
    session.flush()
    session.expire(episode, ["appearances"])
    return appearance


def next_episode_number(session: Session, show: Show) -> int:
    highest = session.scalar(
        select(func.max(Episode.number)).where(
            Episode.show_id == show.id, Episode.episode_type == EpisodeType.FULL
        )
    )
    return (highest or 0) + 1


def _episode_slug_taken(session: Session, show: Show, slug: str) -> bool:
    query = exists().where(Episode.show_id == show.id, Episode.slug == slug)
    return bool(session.scalar(select(query)))


def _free_episode_slug(session: Session, show: Show, base: str) -> str:
    candidate, suffix = base, 2
    while _episode_slug_taken(session, show, candidate):
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


def _required(value: str | None, label: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(f"The {label} is required.")
    return cleaned


def _slug_of_name(name: str, kind: str) -> str:
    slug = slugify(name)
    if not slug:
        raise InvalidInput(
            f"The {kind} name '{name[:60]}' has no letters or digits to make an address from."
        )
    return slug


def _valid_slug(slug: str) -> str:
    if not slug:
        raise InvalidInput(
            "Choose an address: the title has no letters or digits to make one from."
        )
    if slug != slugify(slug):
        raise InvalidInput(
            f"'{slug}' is not a valid address: use lower-case letters, digits and hyphens."
        )
    return slug


def _add_unique(session: Session, row: Show | Episode, message: str) -> None:
    # A concurrent writer can take the slug between our check and this insert; the savepoint
    # keeps the rest of the caller's transaction usable when that happens.
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        raise SlugTaken(message) from error
