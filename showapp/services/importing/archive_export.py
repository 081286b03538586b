"""Export a show to a zip archive: a JSON manifest plus every file the show uses.

The zip is written streaming: media files are copied in chunks and never held in memory.
"""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from showapp.errors import NotFound
from showapp.models import (
    Appearance,
    Episode,
    Guest,
    Show,
    SlugRedirect,
    Topic,
)
from showapp.services.catalog.artwork import COPY_SIZES, copy_name
from showapp.services.images import photo_names
from showapp.services.importing.archive_format import (
    FORMAT,
    MANIFEST,
    VERSION,
    model_values,
    show_files,
)
from showapp.services.importing.archive_parts import (
    ExportState,
    export_guest_links,
    export_parts,
)
from showapp.services.importing.archive_review import review_links, review_record
from showapp.services.importing.fetch import CHUNK_BYTES
from showapp.storage import Storage


def export_show(
    session: Session,
    show_slug: str,
    storage: Storage,
    target: Path,
    *,
    with_review: bool = False,
) -> int:
    """Write the show's archive to `target`; returns the number of media files included.
    Guest review state (links, comments, decisions) goes only `with_review`."""
    show = session.scalars(
        select(Show).where(Show.slug == show_slug).options(selectinload(Show.hosts))
    ).one_or_none()
    if show is None:
        raise NotFound(f"No show has the slug '{show_slug}'.")
    episodes = session.scalars(
        select(Episode)
        .where(Episode.show_id == show.id)
        .order_by(Episode.id)
        .options(
            selectinload(Episode.appearances).selectinload(Appearance.guest),
            selectinload(Episode.topics),
        )
    ).all()
    manifest = _manifest(session, show, episodes, with_review)
    media = _media_names(manifest, storage)
    manifest["media"] = [f"media/{name}" for name in media]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(MANIFEST, "w") as raw:
            _write_json(raw, manifest)
        for name in media:
            _add_media(archive, storage, name)
    return len(media)


def _manifest(
    session: Session, show: Show, episodes: Sequence[Episode], with_review: bool
) -> dict[str, Any]:
    guests: dict[int, Guest] = {}
    topics: dict[int, Topic] = {}
    state = ExportState(guids={episode.id: episode.guid for episode in episodes})
    parts = export_parts(session, show, "episodes", state)
    show_parts = export_parts(session, show, "shows", state).get(show.id, {})
    reviews = review_links(session, show) if with_review else {}
    records = []
    for episode in episodes:
        record = model_values(episode)
        if episode.follows_up_id in state.guids:
            record["follows_up"] = state.guids[episode.follows_up_id]
        record["topics"] = [topic.slug for topic in episode.topics]
        record["appearances"] = []
        for appearance in episode.appearances:
            guests[appearance.guest.id] = appearance.guest
            record["appearances"].append(
                {**model_values(appearance), "guest": appearance.guest.slug}
            )
        topics.update({topic.id: topic for topic in episode.topics})
        record["parts"] = parts.get(episode.id, {})
        if with_review:
            links = reviews.get(episode.id, [])
            guests.update({link.guest.id: link.guest for link in links})
            record["review"] = [review_record(link, show.hosts) for link in links]
        records.append(record)
    # Guests that advice, follow-ups or stories name go too, credited or not.
    others = state.guest_ids - set(guests)
    if others:
        guests.update({g.id: g for g in session.scalars(select(Guest).where(Guest.id.in_(others)))})
    return {
        "format": FORMAT,
        "version": VERSION,
        "with_review": with_review,
        "show": model_values(show),
        "show_parts": show_parts,
        "hosts": [model_values(user) for user in show.hosts],
        "guests": [model_values(guest) for guest in guests.values()],
        "guest_links": export_guest_links(session, guests),
        "topics": [model_values(topic) for topic in topics.values()],
        "redirects": _redirects(session, guests, topics),
        "episodes": records,
    }


def _redirects(
    session: Session, guests: dict[int, Guest], topics: dict[int, Topic]
) -> list[dict[str, Any]]:
    """The old slugs of the guests and topics in the archive."""
    query = select(SlugRedirect).where(
        SlugRedirect.guest_id.in_(guests) | SlugRedirect.topic_id.in_(topics)
    )
    records = []
    for redirect in session.scalars(query.order_by(SlugRedirect.id)):
        record = model_values(redirect)
        if redirect.guest_id is not None:
            record["guest"] = guests[redirect.guest_id].slug
        if redirect.topic_id is not None:
            record["topic"] = topics[redirect.topic_id].slug
        records.append(record)
    return records


def _media_names(manifest: dict[str, Any], storage: Storage) -> list[str]:
    """Every file the show uses that exists: audio, artwork with its smaller copies, any file
    an episode part names, and the photos of its guests in every size."""
    names = show_files(manifest)
    artwork = [manifest["show"].get("artwork")] + [e.get("artwork") for e in manifest["episodes"]]
    names += [copy_name(name, size) for name in artwork if name for size in COPY_SIZES]
    for guest in manifest["guests"]:
        names += photo_names(guest.get("photo"))
    return sorted({name for name in names if storage.exists(name)})


def _write_json(raw: IO[bytes], manifest: dict[str, Any]) -> None:
    # Compact: the daily download figures of a long-running show are most of the manifest,
    # which may be at most ArchiveLimits.max_manifest_bytes (about 550,000 such rows).
    raw.write(json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode())


def _add_media(archive: zipfile.ZipFile, storage: Storage, name: str) -> None:
    source = storage.local_path(name)
    if source is not None:
        info = zipfile.ZipInfo.from_file(source, f"media/{name}")
    else:
        info = zipfile.ZipInfo(f"media/{name}", time.localtime()[:6])
        info.external_attr = 0o644 << 16
    # Audio and images are compressed already: store them as they are.
    info.compress_type = zipfile.ZIP_STORED
    with storage.open(name) as handle, archive.open(info, "w", force_zip64=True) as out:
        shutil.copyfileobj(handle, out, CHUNK_BYTES)
