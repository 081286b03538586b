"""Seed the demo network. Idempotent: it only adds what is missing, matched by slug."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Episode, EpisodeType, Guest, Show
from showapp.services import urls
from showapp.services.audio import files as audio_files
from showapp.services.catalog import artwork, lookups, writes
from showapp.services.demo import advice, listeners, rich, tones
from showapp.services.demo.content import (
    DRAFT_EPISODE,
    EPISODES,
    GUESTS,
    SCHEDULED_EPISODE,
    SHOW,
    TOPICS,
    EpisodeData,
)
from showapp.services.wording import counted
from showapp.storage import Storage


def seed_demo(session: Session, storage: Storage, base_url: str) -> str:
    """Create the demo show with guests, topics and episodes that carry real MP3 audio, some
    with chapters, a transcript and a soundbite."""
    show = lookups.get_show(session, SHOW["slug"]) or _create_show(session, storage, base_url)
    guests = {data["name"]: _guest(session, data["name"]) for data in GUESTS}
    for topic in TOPICS:
        writes.find_or_create_topic(session, topic["name"], topic["description"])
    added = 0
    for index, data in enumerate([*EPISODES, DRAFT_EPISODE, SCHEDULED_EPISODE]):
        if _episode_exists(session, show, data["slug"]):
            continue
        _add_episode(session, show, data, guests, storage, seed=index)
        added += 1
    parts = rich.add_rich_parts(session, show)
    session.flush()
    loop = advice.add_advice_loop(session, show)
    # After the advice demo: listeners report on the advice it marked.
    heard = listeners.seed_listeners(session, show)
    return (
        f"Demo show '{show.title}' at /{show.slug}/: {counted(added, 'episode')} added, "
        f"{counted(parts, 'episode part')} (chapters, transcripts, soundbites) added, "
        f"{counted(loop, 'advice-loop item')} (advice, follow-ups, mentor links) added, "
        f"{counted(heard, 'listener report and story', 'listener reports and stories')} added."
    )


def _create_show(session: Session, storage: Storage, base_url: str) -> Show:
    fields = {key: value for key, value in SHOW.items() if key not in {"slug", "title"}}
    show = writes.create_show(
        session,
        slug=SHOW["slug"],
        title=SHOW["title"],
        feed_url=urls.feed_url(base_url, "show", show_slug=SHOW["slug"]),
        **fields,
    )
    show.artwork = artwork.write_demo_artwork(storage, show.slug, show.title)
    return show


def _guest(session: Session, name: str) -> Guest:
    data = next(item for item in GUESTS if item["name"] == name)
    guest = writes.find_or_create_guest(
        session,
        name,
        organisation=data["organisation"],
        job_title=data["job_title"],
        bio=data["bio"],
    )
    if not guest.links:
        guest.links = list(data["links"])
    return guest


def _episode_exists(session: Session, show: Show, slug: str) -> bool:
    query = select(Episode.id).where(Episode.show_id == show.id, Episode.slug == slug)
    return session.scalar(query) is not None


def _add_episode(
    session: Session,
    show: Show,
    data: EpisodeData,
    guests: dict[str, Guest],
    storage: Storage,
    seed: int,
) -> None:
    audio = io.BytesIO(tones.melody_mp3(seed, seconds=12 + (seed * 7) % 19))
    with audio_files.staged_audio(audio, storage, show.slug, f"{data['slug']}.mp3") as staged:
        episode = writes.create_episode(
            session,
            show,
            title=data["title"],
            slug=data["slug"],
            summary=data["summary"],
            notes_md=data["notes_md"],
            season=data["season"],
            number=data["number"],
            episode_type=EpisodeType(data["episode_type"]),
            audio=staged,
        )
        for credit in data["credits"]:
            writes.credit_guest(
                session,
                episode,
                guests[credit["guest"]],
                role=credit["role"],
                organisation=credit["organisation"],
                job_title=credit["job_title"],
            )
        for name in data["topics"]:
            writes.tag_topic(session, episode, writes.find_or_create_topic(session, name))
        if data is not DRAFT_EPISODE:
            writes.publish_episode(episode, utc_now() - timedelta(days=data["days_ago"]))
        session.flush()
        staged.keep()
