"""Audio files that carry their metadata: tag a copy, swap it in, remove the old file later.

A published file is never modified in place: podcast apps may be mid-download. Each change
writes a NEW file (copy, tag, fsync, rename into place) and points the episode at it in the
caller's transaction, so the media URL changes and the GUID does not. The old file is removed
only after the caller commits; if anything fails, the previous file and URL keep serving.

    with tagging.tag_episode_audio(session, episode, storage, base_url):
        session.commit()
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import Chapter, Episode, EpisodeAudioName, EpisodeStatus, Show
from showapp.services import urls
from showapp.services.audio.files import AUDIO_TYPES, StagedAudio
from showapp.services.audio.tags import TagValues, write_tagged_copy
from showapp.services.catalog import chapters as chapter_service
from showapp.services.catalog import writes
from showapp.storage import Storage

log = logging.getLogger(__name__)


@dataclass
class AudioSwap:
    """A tagged file written and referenced by the episode, waiting for the commit."""

    storage: Storage
    old_name: str | None
    new_name: str

    def finish(self) -> None:
        """After the commit: the old file is no longer referenced, so remove it."""
        if self.old_name and self.old_name != self.new_name:
            self.storage.delete(self.old_name)

    def discard(self) -> None:
        """After a rollback: the episode still points at the old file; drop the new one."""
        self.storage.delete(self.new_name)

    def __enter__(self) -> AudioSwap:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.finish()
        else:
            self.discard()


def find_by_sha256(
    session: Session, sha256: str, excluding: Episode | None = None
) -> Episode | None:
    """An episode (other than `excluding`) whose upload had exactly these bytes, with its
    show loaded."""
    query = select(Episode).where(Episode.audio_sha256 == sha256)
    if excluding is not None:
        query = query.where(Episode.id != excluding.id)
    episode = session.scalars(query.order_by(Episode.id).limit(1)).first()
    if episode is not None:
        session.get(Show, episode.show_id)
    return episode


def duplicate_message(session: Session, episode: Episode) -> str:
    show = session.get(Show, episode.show_id)
    where = f"{show.slug if show else '?'}/{episode.slug}"
    return f"This audio file was already uploaded as '{episode.title}' ({where})."


class SameAudio(InvalidInput):
    """The file uploaded to replace an episode's audio is the audio it already has."""


class DuplicateAudio(InvalidInput):
    """The file uploaded to replace an episode's audio is another episode's."""

    def __init__(self, message: str, episode: Episode) -> None:
        super().__init__(message)
        self.episode = episode


def check_replacement(
    session: Session, episode: Episode, sha256: str, *, allow_duplicate: bool
) -> None:
    """Before replacing an episode's audio with an upload of these bytes: refuse the file the
    episode already has (nothing would change but its URL) and, unless allowed, a file another
    episode was uploaded with, as a new upload is refused (the same audio published twice)."""
    if episode.audio_file is not None and episode.audio_sha256 == sha256:
        raise SameAudio(f"This file is already the audio of '{episode.title}'.")
    duplicate = None if allow_duplicate else find_by_sha256(session, sha256, excluding=episode)
    if duplicate is not None:
        raise DuplicateAudio(duplicate_message(session, duplicate), duplicate)


def tag_episode_audio(
    session: Session, episode: Episode, storage: Storage, base_url: str
) -> AudioSwap:
    """Write the episode's metadata into a new copy of its audio and point the episode at it."""
    if episode.audio_file is None:
        raise InvalidInput("The episode has no audio file to tag.")
    extension = Path(episode.audio_file).suffix
    # On S3 a temporary download: mutagen needs a seekable local file.
    with storage.working_copy(episode.audio_file) as source:
        return _swap_in(session, episode, source, extension, storage, base_url)


class RetagRaced(Exception):
    """The episode's audio changed while a background retag wrote its copy: run it again."""


def retag_in_background(session: Session, episode_id: int, storage: Storage, base_url: str) -> bool:
    """The retag job (jobs/tasks.py): tag a new copy of a public episode's audio with what its
    rows say now and swap it in. Returns whether a new file was swapped in.

    The swap is a bulk UPDATE conditional on the file it started from, in a transaction of its
    own: it does not bump the episode's version (the host's open editor stays valid) and, if
    the audio changed meanwhile (new audio, another retag), nothing is swapped and RetagRaced
    asks the queue to run it again on the newer file. The old file serves until the commit."""
    episode = session.get(Episode, episode_id)
    if episode is None or not needs_tags(episode):
        return False
    old_name = episode.audio_file
    assert old_name is not None
    show = _show(session, episode)
    values = tag_values(session, show, episode, storage, base_url)
    extension = Path(old_name).suffix
    new_name = f"{show.slug}/{episode.slug}-{secrets.token_hex(4)}{extension}"
    with storage.working_copy(old_name) as source:
        size = _store_tagged_copy(storage, source, new_name, extension, values)
    swap = AudioSwap(storage, old_name, new_name)
    try:
        swapped = session.execute(
            update(Episode)
            .where(Episode.id == episode_id, Episode.audio_file == old_name)
            .values(audio_file=new_name, audio_bytes=size)
            .execution_options(synchronize_session=False)
        )
        if swapped.rowcount != 1:  # type: ignore[attr-defined]
            raise RetagRaced(f"episode {episode_id}: its audio changed while it was tagged")
        session.merge(EpisodeAudioName(name=old_name, episode_id=episode_id))
        session.commit()
    except BaseException:
        session.rollback()
        swap.discard()
        raise
    swap.finish()
    return True


def needs_tags(episode: Episode) -> bool:
    """A public episode's file carries its details; a draft's is tagged when published."""
    return (
        episode.status != EpisodeStatus.DRAFT
        and episode.audio_file is not None
        and episode.deleted_at is None
    )


def publish_and_tag(
    session: Session, episode: Episode, storage: Storage, base_url: str
) -> AudioSwap:
    writes.publish_episode(episode)
    return tag_episode_audio(session, episode, storage, base_url)


def replace_audio(
    session: Session, episode: Episode, staged: StagedAudio, storage: Storage, base_url: str
) -> AudioSwap:
    """New audio for an episode: new file and URL, same GUID; tagged when already public."""
    _check_chapters_fit(session, episode, staged.info.duration_seconds)
    old_name = episode.audio_file
    writes.record_audio_facts(episode, staged.size, staged.sha256, staged.info)
    if episode.status == EpisodeStatus.DRAFT:
        swap = _place_untagged(session, episode, staged, storage)
    else:
        swap = _swap_in(
            session, episode, staged.temp_path, staged.info.extension, storage, base_url
        )
    swap.old_name = old_name
    remember_old_name(session, episode, old_name)
    return swap


def remember_old_name(session: Session, episode: Episode, old_name: str | None) -> None:
    """Keep the name a file is renamed away from: podcast apps still fetch it for a while, and
    the download figures match their hits to the episode by this name."""
    if old_name and old_name != episode.audio_file:
        session.merge(EpisodeAudioName(name=old_name, episode_id=episode.id))


def _place_untagged(
    session: Session, episode: Episode, staged: StagedAudio, storage: Storage
) -> AudioSwap:
    show = _show(session, episode)
    new_name = staged.relative_name(show.slug, episode.slug)
    episode.audio_file = new_name
    session.flush()
    staged.keep()
    return AudioSwap(storage, None, new_name)


def _check_chapters_fit(session: Session, episode: Episode, duration: float) -> None:
    for chapter in chapter_service.list_chapters(session, episode):
        if chapter.start_seconds >= duration:
            raise InvalidInput(
                f"Chapter '{chapter.title}' starts at {chapter.start_seconds:.1f} s, after the "
                f"new audio ends ({duration:.1f} s); edit the chapters first."
            )


def _show(session: Session, episode: Episode) -> Show:
    show = session.get(Show, episode.show_id)
    if show is None:
        raise InvalidInput("The episode's show no longer exists.")
    return show


def _swap_in(
    session: Session,
    episode: Episode,
    source: Path,
    extension: str,
    storage: Storage,
    base_url: str,
) -> AudioSwap:
    old_name = episode.audio_file
    show = _show(session, episode)
    values = tag_values(session, show, episode, storage, base_url)
    new_name = f"{show.slug}/{episode.slug}-{secrets.token_hex(4)}{extension}"
    # Stored under a NEW name: the old object serves until the caller commits.
    size = _store_tagged_copy(storage, source, new_name, extension, values)
    swap = AudioSwap(storage, old_name, new_name)
    try:
        episode.audio_file = new_name
        episode.audio_bytes = size
        remember_old_name(session, episode, old_name)
        session.flush()
    except BaseException:
        swap.discard()
        raise
    return swap


def _store_tagged_copy(
    storage: Storage, source: Path, new_name: str, extension: str, values: TagValues
) -> int:
    """Write the tagged copy in place (local) or in the staging folder, then upload it (S3)."""
    target = storage.local_path(new_name)
    if target is not None:
        write_tagged_copy(source, target, extension, values)
        return target.stat().st_size
    folder = storage.staging_dir(new_name.rsplit("/", 1)[0])
    staged = folder / f".tag-{secrets.token_hex(8)}{extension}.part"
    try:
        write_tagged_copy(source, staged, extension, values)
        size = staged.stat().st_size
        storage.move_in(new_name, staged, AUDIO_TYPES[extension])
    finally:
        staged.unlink(missing_ok=True)
    return size


def tag_values(
    session: Session, show: Show, episode: Episode, storage: Storage, base_url: str
) -> TagValues:
    chapters = chapter_service.list_chapters(session, episode)
    return TagValues(
        title=episode.title,
        artist=show.author or show.title,
        album=show.title,
        track=episode.number,
        year=str((episode.published_at or utc_now()).year),
        comment=episode.summary,
        page_url=urls.url(base_url, "episode", show_slug=show.slug, episode_slug=episode.slug),
        artwork=_artwork(storage, episode.artwork or show.artwork),
        chapters=_chapter_spans(chapters, episode.duration_seconds or 0.0),
    )


def _artwork(storage: Storage, relative: str | None) -> tuple[bytes, str] | None:
    if not relative:
        return None
    try:
        data = storage.read_bytes(relative)
    except FileNotFoundError:
        log.warning("artwork %s is missing; tagging without it", relative)
        return None
    mime = "image/png" if Path(relative).suffix.lower() == ".png" else "image/jpeg"
    return data, mime


def _chapter_spans(
    chapters: Sequence[Chapter], duration: float
) -> list[tuple[float, float, str, str]]:
    if not chapters:
        return []
    ends = [c.start_seconds for c in chapters[1:]] + [duration]
    return [(c.start_seconds, end, c.title, c.url) for c, end in zip(chapters, ends, strict=True)]
