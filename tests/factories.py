"""Typed factories for test data; every default can be overridden."""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Episode, Guest, Show, Topic
from showapp.services import urls
from showapp.services.audio import files as audio_files
from showapp.services.catalog import writes
from showapp.services.demo import tones
from showapp.storage import LocalStorage, Storage

_counter = itertools.count(1)


def as_storage(where: Path | Storage) -> Storage:
    """The tests' media folder as a storage backend; a backend (S3 in tests/test_storage*.py)
    as it is."""
    return LocalStorage(where) if isinstance(where, Path) else where


BASE_URL = "http://podcast.test"
# Real podcast apps' user agents, as the OPAWG list knows them.
APPLE = "Podcasts/1410.53 CFNetwork/1111 Darwin/19.0.0 (x86_64)"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"


def make_mp3(seconds: float = 3.0, seed: int = 1) -> bytes:
    return tones.melody_mp3(seed, seconds)


def write_mp3(path: Path, seconds: float = 3.0, seed: int = 1) -> Path:
    path.write_bytes(make_mp3(seconds, seed))
    return path


def make_show(session: Session, **overrides: Any) -> Show:
    n = next(_counter)
    fields: dict[str, Any] = {
        "slug": f"show-{n}",
        "title": f"Show {n}",
        "description": "A show about mentors.",
        "author": "Ada Host",
        "owner_name": "Ada Host",
        "owner_email": "ada@example.com",
        "category": "Business",
        "subcategory": "Management",
    }
    fields.update(overrides)
    slug = fields.pop("slug")
    return writes.create_show(
        session, slug=slug, feed_url=urls.feed_url(BASE_URL, "show", show_slug=slug), **fields
    )


def make_episode(
    session: Session,
    show: Show,
    episodes_dir: Path | Storage,
    *,
    seconds: float = 3.0,
    published_at: datetime | None | bool = True,
    **overrides: Any,
) -> Episode:
    """An episode with real MP3 audio; published a day ago unless told otherwise."""
    n = next(_counter)
    fields: dict[str, Any] = {"title": f"Episode {n}", "notes_md": "Some *notes*."}
    fields.update(overrides)
    audio = io.BytesIO(make_mp3(seconds, seed=n))
    stored_in = as_storage(episodes_dir)
    with audio_files.staged_audio(audio, stored_in, show.slug, "upload.mp3") as staged:
        episode = writes.create_episode(session, show, audio=staged, **fields)
        if published_at is True:
            writes.publish_episode(episode, utc_now() - timedelta(days=1))
        elif isinstance(published_at, datetime):
            writes.publish_episode(episode, published_at)
        session.flush()
        staged.keep()
    return episode


def make_show_with_episodes(
    session: Session, episodes_dir: Path | Storage, titles: Sequence[str], **show_fields: Any
) -> tuple[Show, list[Episode]]:
    """A show and a published episode of each title, in that order."""
    show = make_show(session, **show_fields)
    return show, [make_episode(session, show, episodes_dir, title=title) for title in titles]


def make_committed_episode(
    session: Session, episodes_dir: Path | Storage, show_slug: str, **overrides: Any
) -> Episode:
    """An episode of a show of its own, committed: the one subject of a test."""
    episode = make_episode(session, make_show(session, slug=show_slug), episodes_dir, **overrides)
    session.commit()
    return episode


def add_topic(session: Session, episode: Episode, name: str) -> Topic:
    """Tag the episode with the topic of that name, made if it is new."""
    topic = writes.find_or_create_topic(session, name)
    writes.tag_topic(session, episode, topic)
    return topic


def add_guest(session: Session, episode: Episode, name: str) -> Guest:
    """Credit the guest of that name, made if new, on the episode."""
    guest = writes.find_or_create_guest(session, name)
    writes.credit_guest(session, episode, guest)
    return guest


class ListingStates(NamedTuple):
    """Two shows and an episode in each state a listing tells apart: aired three days ago,
    scheduled two days ahead, a draft, and aired on the other show two days ago."""

    leaders: Show
    other: Show
    aired: Episode
    later: Episode
    draft: Episode
    elsewhere: Episode


def make_listing_states(session: Session, episodes_dir: Path) -> ListingStates:
    now = utc_now()
    leaders, other = make_show(session, slug="leaders"), make_show(session, slug="other")

    def aired_on(show: Show, title: str, days: float | None) -> Episode:
        when: datetime | bool = False if days is None else now + timedelta(days=days)
        return make_episode(session, show, episodes_dir, title=title, published_at=when)

    aired, later = aired_on(leaders, "Aired", -3), aired_on(leaders, "Later", 2)
    draft, elsewhere = aired_on(leaders, "Draft", None), aired_on(other, "Elsewhere", -2)
    return ListingStates(leaders, other, aired, later, draft, elsewhere)
