"""Reads for pages and feeds: what is public, loaded with everything the page shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import Session, defer, joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption

from showapp.columns import UTCDateTime, utc_now
from showapp.models import (
    Appearance,
    Episode,
    EpisodeStatus,
    Guest,
    Show,
    Topic,
    episode_topics,
)

PAGE_SIZE = 20


def now_param() -> BindParameter[datetime]:
    """`:now` for statements built once (see prepared_*): pass {"now": utc_now()} to run them.
    Building a statement and computing its cache key cost more than running it on SQLite, so
    the public pages' hot reads are built once per process and only their values change."""
    return bindparam("now", type_=UTCDateTime())


def is_live(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Published, or scheduled with its time come: scheduling needs no background worker.
    An episode in the trash, or of a show in the trash, is never live, whatever its status."""
    return and_(
        # Two equalities, not IN (...): SQLAlchemy splices an IN list into the SQL text on
        # every execution (10 of a small statement's 36 µs), and most statements of a public
        # page ask this.
        or_(Episode.status == EpisodeStatus.PUBLISHED, Episode.status == EpisodeStatus.SCHEDULED),
        Episode.published_at.is_not(None),
        Episode.published_at <= now,
        Episode.deleted_at.is_(None),
        in_live_show(),
    )


def live_tag(topic: BindParameter[int]) -> ColumnElement[bool]:
    """For episode_topics: a tag of this topic on a live episode, read off the tag alone (the
    listed time and show its triggers copy from the episode, models.catalog.episode_topics):
    is_live's rule inside ix_episode_topics_listed, which also orders them newest first."""
    return and_(episode_topics.c.topic_id == topic, live_listed_tag(now_param()))


def live_listed_tag(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """For episode_topics: a tag on a live episode, of any topic, read off its copies."""
    tagged = episode_topics.c
    return and_(tagged.listed_at <= now, tagged.show_id.not_in(_trashed_show_ids()))


def listed_topic(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """For a Topic: tagged on a live episode, read off its tags' copies (live_listed_tag)."""
    tagged = episode_topics.c
    return select(tagged.topic_id).where(tagged.topic_id == Topic.id, live_listed_tag(now)).exists()


def listed_guest(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """For a Guest: heard in a live episode and not in the trash, read off the guest alone
    (listed_since, which triggers keep: models.catalog.Guest), inside ix_guests_directory."""
    return and_(Guest.deleted_at.is_(None), Guest.listed_since <= now)


def live_listed_credit(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """For an Appearance: on a live episode, read off the credit's copies (as live_tag)."""
    return and_(Appearance.listed_at <= now, Appearance.show_id.not_in(_trashed_show_ids()))


def in_live_show() -> ColumnElement[bool]:
    """For an Episode: its show is not in the trash (services/catalog/show_trash.py). A NOT IN
    over the few trashed shows (indexed), so listings keep their own plans."""
    return Episode.show_id.not_in(_trashed_show_ids())


def _trashed_show_ids() -> Select[tuple[int]]:
    return select(Show.id).where(Show.deleted_at.is_not(None))


def show_is_live() -> ColumnElement[bool]:
    """For a Show: not in the trash, nor purged."""
    return Show.deleted_at.is_(None)


def live_credit() -> ColumnElement[bool]:
    """For an Appearance: its guest is not in the trash (services/catalog/guest_trash.py), so
    the credit may show in public."""
    return Appearance.guest.has(Guest.deleted_at.is_(None))


def episode_page_options() -> list[ExecutableOption]:
    """What public pages, feeds and the search index read of an episode: credits of trashed
    guests left out."""
    return [
        # The guest rides along in the credits' query: one round trip fewer than a second select.
        selectinload(Episode.appearances.and_(live_credit())).joinedload(
            Appearance.guest, innerjoin=True
        ),
        selectinload(Episode.topics),
    ]


def listing_options() -> list[ExecutableOption]:
    """Episodes in a list, with their show joined in: one query fewer than a second select."""
    return [joinedload(Episode.show, innerjoin=True), *episode_page_options()]


def list_shows(session: Session) -> Sequence[Show]:
    """Shows not in the trash, for the site and the studio alike."""
    return session.scalars(select(Show).where(show_is_live()).order_by(Show.title)).all()


def get_show(session: Session, slug: str) -> Show | None:
    """The show at this address, unless it is in the trash (see show_in_trash)."""
    return session.scalars(_show_by_slug(), {"slug": slug}).one_or_none()


@cache
def _show_by_slug() -> Select[tuple[Show]]:
    return select(Show).where(Show.slug == bindparam("slug"), show_is_live())


def show_in_trash(session: Session, slug: str) -> bool:
    """A show at this address is in the trash: its pages answer 410, its slug is not free."""
    query = select(Show.id).where(Show.slug == slug, Show.deleted_at.is_not(None))
    return session.scalars(query).first() is not None


def get_show_by_id(session: Session, show_id: int) -> Show | None:
    return session.get(Show, show_id)


def count_live_episodes(session: Session, show: Show, now: datetime | None = None) -> int:
    query = select(func.count(Episode.id)).where(
        Episode.show_id == show.id, is_live(now or utc_now())
    )
    return session.scalar(query) or 0


def list_live_episodes(
    session: Session,
    show: Show,
    *,
    now: datetime | None = None,
    limit: int | None = PAGE_SIZE,
    offset: int = 0,
) -> Sequence[Episode]:
    """Episodes listeners may see in lists and feeds, newest first, with guests and topics."""
    query = (
        select(Episode)
        .where(Episode.show_id == show.id, is_live(now or utc_now()))
        .order_by(Episode.published_at.desc(), Episode.id.desc())
        .options(*episode_page_options())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return session.scalars(query).all()


def get_public_episode(
    session: Session, show: Show, slug: str, now: datetime | None = None
) -> Episode | None:
    """A live episode, or an unlisted one (reachable by its link, never listed). Its credits
    and topics are not loaded: most callers only ask whether it is public (its chapters,
    transcript, embed, review and advice pages); the episode page reads them as rows
    (cards.people_of)."""
    params = {"show_id": show.id, "slug": slug, "now": now or utc_now()}
    return session.scalars(_public_episode(), params).one_or_none()


@cache
def _public_episode() -> Select[tuple[Episode]]:
    return select(Episode).where(
        Episode.show_id == bindparam("show_id"), Episode.slug == bindparam("slug"), _is_public()
    )


def get_show_and_public_episode(
    session: Session, show_slug: str, slug: str, now: datetime | None = None
) -> tuple[Show, Episode] | None:
    """The show at `show_slug` (not in the trash) and its public episode at `slug`, as
    get_show and get_public_episode find them, in one statement: the episode page needs both,
    and each ORM load cost a twentieth of the page. None if either is missing."""
    params = {"show_slug": show_slug, "slug": slug, "now": now or utc_now()}
    row = session.execute(_show_and_public_episode(), params).one_or_none()
    return None if row is None else (row[0], row[1])


@cache
def _show_and_public_episode() -> Select[tuple[Show, Episode]]:
    return (
        select(Show, Episode)
        .join(Episode, Episode.show_id == Show.id)
        .where(Show.slug == bindparam("show_slug"), show_is_live())
        .where(Episode.slug == bindparam("slug"), _is_public())
        # Kept Podcasting 2.0 elements are for feeds and exports; no page shows them.
        .options(*(defer(column) for column in _FEED_ONLY))
    )


_FEED_ONLY = (Show.podcast_extras, Episode.source_extras, Episode.podcast_extras)


def _is_public() -> ColumnElement[bool]:
    """Live, or unlisted (reachable by its link, never listed) with its audio."""
    unlisted = and_(
        Episode.status == EpisodeStatus.UNLISTED,
        Episode.audio_file.is_not(None),
        Episode.deleted_at.is_(None),
        in_live_show(),
    )
    return or_(is_live(now_param()), unlisted)


def was_withdrawn(session: Session, show: Show, slug: str, now: datetime | None = None) -> bool:
    """The episode at this address was public once: asked when it is not public now (in the
    trash, purged, or taken back to draft), its page answers 410 rather than 404. An episode
    that never went live stays 404, trashed or not, so its address tells nobody anything."""
    query = select(Episode.id).where(
        Episode.show_id == show.id,
        Episode.slug == slug,
        Episode.first_published_at.is_not(None),
        Episode.first_published_at <= (now or utc_now()),
    )
    return session.scalars(query).first() is not None


def get_episode_by_audio(session: Session, audio_file: str) -> Episode | None:
    return session.scalars(select(Episode).where(Episode.audio_file == audio_file)).one_or_none()


def withheld_audio(session: Session, now: datetime | None = None) -> dict[str, float]:
    """Our files that listeners may not fetch at `now`, each with the UNIX time it goes live
    (infinity for drafts and for every file of an episode in the trash): what /media checks
    on every request.

    The exact complement of get_public_episode for an episode's files (audio, artwork in
    every size, copied transcripts and chapters): live and unlisted episodes' are served; a
    trashed episode's are withheld whatever its status, and so is the photo of a guest in
    the trash, and every file of a show in the trash."""
    from showapp.models import LinkedFile
    from showapp.services.catalog.guest_trash import trashed_photos
    from showapp.services.catalog.show_trash import trashed_show_files
    from showapp.services.catalog.trash import named_files, trashed_files

    now = now or utc_now()
    # Every file that follows its episode: audio, artwork in every size, copied transcripts
    # and chapters files.
    unpublished = (
        Episode.deleted_at.is_(None),
        Episode.status != EpisodeStatus.UNLISTED,
        not_(is_live(now)),
    )
    withheld: dict[str, float] = {}
    episodes = select(
        Episode.audio_file, Episode.artwork, Episode.status, Episode.published_at
    ).where(*unpublished)
    for audio_file, artwork, status, published_at in session.execute(episodes):
        live_from = _goes_live(status, published_at)
        withheld |= dict.fromkeys(named_files(audio_file, artwork), live_from)
    copies = (
        select(LinkedFile.local_file, Episode.status, Episode.published_at)
        .join(Episode, Episode.id == LinkedFile.episode_id)
        .where(LinkedFile.local_file.is_not(None), *unpublished)
    )
    for local_file, status, published_at in session.execute(copies):
        withheld[str(local_file)] = _goes_live(status, published_at)
    withheld |= dict.fromkeys(trashed_files(session), math.inf)
    withheld |= dict.fromkeys(trashed_show_files(session), math.inf)
    return withheld | dict.fromkeys(trashed_photos(session), math.inf)


def _goes_live(status: EpisodeStatus, published_at: datetime | None) -> float:
    timed = status in (EpisodeStatus.PUBLISHED, EpisodeStatus.SCHEDULED)
    return published_at.timestamp() if timed and published_at is not None else math.inf
