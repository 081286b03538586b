"""The episode trash: deleting moves an episode here, restoring takes it back, and after
TRASH_DAYS a purge removes its content and files for good.

An episode in the trash (deleted_at set) is public nowhere: lookups.is_live() and the feed
queries leave it out, so its page, feeds, search, sitemap and OPML drop it at once, and the
session hooks rebuild the feeds and empty the page cache as for any other edit.

A purged episode keeps a tombstone row: id, show, GUID, slug, title and dates, nothing else.
Its GUID is then never given out again (writes.new_guid, the importers skip it), its old page
answers 410, and the downloads already counted (which reference the row, and which rollups
rebuild days from) stay in the show's totals. Files are removed only after the purge commits
(remove_files), so a purge that fails never loses a file whose row survived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from showapp.columns import utc_now
from showapp.models import (
    Appearance,
    Chapter,
    DailyDownloads,
    Episode,
    LinkedFile,
    ReviewComment,
    ReviewLink,
    Show,
    Soundbite,
    Transcript,
    episode_topics,
)
from showapp.models.feeds import of_episode
from showapp.services.catalog.artwork import COPY_SIZES, copy_name
from showapp.storage import BadName, Storage

TRASH_DAYS = 30
# A column that names an episode: a model's episode_id, or a link table's.
EpisodeColumn = QueryableAttribute[int] | ColumnElement[int]


@dataclass(frozen=True)
class EpisodeLosses:
    """What deleting an episode takes away, for the confirmation page."""

    files: list[str]
    chapters: int
    transcripts: int
    soundbites: int
    review_links: int
    guests: int
    topics: int
    downloads: int  # counted so far; they stay in the show's totals
    was_public: bool


def _count(session: Session, episode_column: EpisodeColumn, episode: Episode) -> int:
    return session.scalar(select(func.count()).where(episode_column == episode.id)) or 0


def episode_losses(session: Session, episode: Episode) -> EpisodeLosses:
    downloads = select(func.coalesce(func.sum(DailyDownloads.downloads), 0)).where(
        DailyDownloads.episode_id == episode.id
    )
    first = episode.first_published_at
    return EpisodeLosses(
        files=episode_files(session, episode),
        chapters=_count(session, Chapter.episode_id, episode),
        transcripts=_count(session, Transcript.episode_id, episode),
        soundbites=_count(session, Soundbite.episode_id, episode),
        review_links=_count(session, ReviewLink.episode_id, episode),
        guests=_count(session, Appearance.episode_id, episode),
        topics=_count(session, episode_topics.c.episode_id, episode),
        downloads=int(session.scalar(downloads) or 0),
        was_public=first is not None and first <= utc_now(),
    )


def episode_files(session: Session, episode: Episode) -> list[str]:
    """The files under EPISODES_DIR that belong to this episode alone: its audio, its artwork
    in every size, and the transcripts and chapters files an import copied."""
    return own_files(episode) + copied_files(session, Episode.id == episode.id)


def own_files(episode: Episode) -> list[str]:
    """The files the episode's own row names: audio, and artwork with its smaller copies."""
    return named_files(episode.audio_file, episode.artwork)


def named_files(audio_file: str | None, artwork: str | None) -> list[str]:
    names = [audio_file] if audio_file else []
    if artwork:
        names += [artwork] + [copy_name(artwork, size) for size in COPY_SIZES]
    return names


def copied_files(session: Session, *where: ColumnElement[bool]) -> list[str]:
    """The transcripts and chapters files an import copied (services/importing/media_extras.py)
    for the episodes `where` selects: one query however many episodes, as /media rereads
    these on every catalog change."""
    query = (
        select(LinkedFile.local_file)
        .join(Episode, Episode.id == LinkedFile.episode_id)
        .where(LinkedFile.local_file.is_not(None), *where)
    )
    return [str(name) for name in session.scalars(query)]


def trashed_files(session: Session) -> frozenset[str]:
    """The files of every episode in the trash (purged ones have none left)."""
    trashed = (Episode.deleted_at.is_not(None), Episode.purged_at.is_(None))
    names = [name for episode in session.scalars(select(Episode).where(*trashed))
             for name in own_files(episode)]  # fmt: skip
    return frozenset(names + copied_files(session, *trashed))


def trash_episode(session: Session, episode: Episode, now: datetime | None = None) -> None:
    episode.deleted_at = now or utc_now()
    session.flush()


def restore_episode(session: Session, episode: Episode) -> None:
    """Back where it was, with its status, address and GUID: public again if it was."""
    episode.deleted_at = None
    session.flush()


def get_trashed_episode(session: Session, show: Show, episode_id: int) -> Episode | None:
    query = select(Episode).where(
        Episode.id == episode_id,
        Episode.show_id == show.id,
        Episode.deleted_at.is_not(None),
        Episode.purged_at.is_(None),
    )
    return session.scalars(query).one_or_none()


def list_trashed_episodes(session: Session, show: Show) -> Sequence[Episode]:
    """The show's trash, most recently deleted first."""
    query = (
        select(Episode)
        .where(
            Episode.show_id == show.id,
            Episode.deleted_at.is_not(None),
            Episode.purged_at.is_(None),
        )
        .order_by(Episode.deleted_at.desc(), Episode.id.desc())
    )
    return session.scalars(query).all()


def purge_date(episode: Episode) -> datetime | None:
    """When the purge command takes this trashed episode for good."""
    if episode.deleted_at is None:
        return None
    return episode.deleted_at + timedelta(days=TRASH_DAYS)


def purge_episode(session: Session, episode: Episode, now: datetime | None = None) -> list[str]:
    """Reduce a trashed episode to its tombstone and return the files to remove once the
    transaction has committed (remove_files)."""
    if episode.deleted_at is None:
        raise ValueError("Only an episode in the trash can be purged.")
    files = episode_files(session, episode)
    links = select(ReviewLink.id).where(ReviewLink.episode_id == episode.id)
    session.execute(delete(ReviewComment).where(ReviewComment.link_id.in_(links)))
    session.execute(delete(ReviewLink).where(ReviewLink.episode_id == episode.id))
    for rows in (
        delete(Appearance).where(Appearance.episode_id == episode.id),
        delete(episode_topics).where(episode_topics.c.episode_id == episode.id),
        delete(Chapter).where(Chapter.episode_id == episode.id),
        delete(Transcript).where(Transcript.episode_id == episode.id),
        delete(Soundbite).where(Soundbite.episode_id == episode.id),
        delete(LinkedFile).where(LinkedFile.episode_id == episode.id),
    ):
        session.execute(of_episode(rows, episode.id))
    session.expire(episode, ["appearances", "topics"])
    for name in ("summary", "notes_md", "notes_html"):
        setattr(episode, name, "")
    episode.audio_file = episode.audio_url = episode.audio_sha256 = None
    episode.artwork = episode.artwork_url = None
    episode.source_extras = {}
    episode.purged_at = now or utc_now()
    session.flush()
    return files


def due_for_purge(session: Session, now: datetime | None = None) -> Sequence[Episode]:
    """Trashed episodes whose TRASH_DAYS are over, oldest first."""
    cutoff = (now or utc_now()) - timedelta(days=TRASH_DAYS)
    query = (
        select(Episode)
        .where(Episode.deleted_at <= cutoff, Episode.purged_at.is_(None))
        .order_by(Episode.deleted_at, Episode.id)
    )
    return session.scalars(query).all()


def purge_due(session: Session, now: datetime | None = None) -> tuple[int, list[str]]:
    """Purge every episode due; returns how many, and the files to remove after the commit.
    Run again, it finds nothing left to do."""
    files: list[str] = []
    due = due_for_purge(session, now)
    for episode in due:
        files += purge_episode(session, episode, now)
    return len(due), files


def remove_files(storage: Storage, names: Iterable[str]) -> int:
    """Remove purged files; call only after the purge committed. Returns how many existed."""
    removed = 0
    for name in names:
        try:
            if storage.exists(name):
                storage.delete(name)
                removed += 1
        except BadName:
            continue  # stored names are ours, but a path outside the storage is never removed
    return removed
