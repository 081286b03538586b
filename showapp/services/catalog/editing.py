"""The studio's reads and edits: show settings, the episode list, and saving the editor.

Services flush; the view commits. Saving an episode always touches its row so that the
version column (Episode.version) catches a second, stale save even when only guests or
topics changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from showapp.columns import utc_now
from showapp.errors import InvalidInput, SlugTaken
from showapp.models import Appearance, Episode, EpisodeStatus, Guest, Show, Topic, episode_topics
from showapp.models.feeds import of_episode
from showapp.services.catalog import episode_slugs, writes
from showapp.services.catalog.apple_categories import check_category
from showapp.services.catalog.text import slugify
from showapp.services.paging import STUDIO_PAGE_SIZE, Listing, listing
from showapp.services.review import links as review_links
from showapp.services.stats import heard
from showapp.services.stats.counting import show_zone

# The editor's fields stored as it gives them (the others are checked or derived first).
_EDITED_AS_GIVEN = ("title", "summary", "notes_md", "season", "season_name", "episode_display",
                    "explicit", "itunes_block")  # fmt: skip
# Far beyond any real show, and far inside the 32-bit INTEGER columns season and number.
MAX_EPISODE_NUMBER = 1_000_000
# What a host may type as a decimal number, with a sign so that "-3" is told to be above 0.
_DECIMAL = re.compile(r"(?P<sign>[-+]?)(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?")


class StaleEdit(InvalidInput):
    """Someone saved this episode after the editor was opened."""


@dataclass(frozen=True)
class GuestCredit:
    name: str
    role: str = "guest"
    organisation: str = ""
    job_title: str = ""


@dataclass
class EpisodeChanges:
    """What the editor submits, already parsed into plain values."""

    version: int
    title: str
    slug: str
    status: EpisodeStatus
    summary: str = ""
    notes_md: str = ""
    season: int | None = None
    season_name: str = ""  # podcast:season's name ("Sponsors, not mentors"), with a season
    number: int | None = None
    podcast_episode: str = ""  # podcast:episode as typed, a decimal ("12.5"); see episode_numbers
    episode_display: str = ""  # podcast:episode's display ("Ch.3"), with a number
    episode_type: str = "full"
    explicit: bool = False
    itunes_block: bool = False  # hidden from Apple Podcasts (itunes:block)
    itunes_title: str = ""  # Apple's title, without episode numbers
    publish_at: datetime | None = None
    guests: list[GuestCredit] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def update_show(session: Session, show: Show, **fields: Any) -> Show:
    unknown = set(fields) - writes.SHOW_FIELDS - {"title"}
    if unknown:
        raise InvalidInput(f"unknown show fields: {', '.join(sorted(unknown))}")
    problem = check_category(fields.get("category", show.category), fields.get("subcategory", ""))
    if problem:
        raise InvalidInput(problem)
    zone = zone_of(fields.get("timezone", show.timezone)).key
    if zone != show_zone(show.timezone).key:
        # The studio home's heard episodes were worked out on the old zone's days.
        heard.forget(session)
    fields = writes.checked_show_urls(fields)
    for name, value in fields.items():
        setattr(show, name, value)
    session.flush()
    return show


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(f"'{name}' is not a time zone (for example Europe/Berlin).") from error


def time_zone_names() -> list[str]:
    return sorted(available_timezones())


def list_show_episodes(
    session: Session,
    show: Show,
    *,
    status: str | None = None,
    topic_slug: str | None = None,
    search: str | None = None,
    page: int | None = 1,
) -> Listing[Episode]:
    """A show's episodes for the studio, newest first, a page at a time (1,000 episodes took
    200 ms to list whole), with guests and topics loaded; those in the trash are on the trash
    page instead."""
    query = (
        select(Episode)
        .where(Episode.show_id == show.id, Episode.deleted_at.is_(None))
        .options(
            selectinload(Episode.topics),
            selectinload(Episode.appearances).selectinload(Appearance.guest),
        )
        .order_by(Episode.published_at.desc().nulls_first(), Episode.id.desc())
    )
    if status:
        # What the host sees: scheduled episodes whose time has come are listed as published.
        query = query.where(Episode.effective_status == EpisodeStatus(status))
    if topic_slug:
        tagged = select(episode_topics.c.episode_id).join(Topic).where(Topic.slug == topic_slug)
        query = query.where(Episode.id.in_(tagged))
    if search and search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        query = query.where(
            or_(
                Episode.title.ilike(pattern, escape="\\"),
                Episode.summary.ilike(pattern, escape="\\"),
                Episode.notes_md.ilike(pattern, escape="\\"),
            )
        )
    return listing(session, query, page, STUDIO_PAGE_SIZE)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def get_show_episode(session: Session, show: Show, episode_id: int) -> Episode | None:
    query = (
        select(Episode)
        .where(Episode.id == episode_id, Episode.show_id == show.id, Episode.deleted_at.is_(None))
        .options(
            selectinload(Episode.topics),
            selectinload(Episode.appearances).selectinload(Appearance.guest),
        )
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one_or_none()


def list_topics(session: Session) -> Sequence[Topic]:
    return session.scalars(select(Topic).order_by(Topic.name)).all()


def show_topic_choices(session: Session, show: Show) -> list[tuple[str, str]]:
    """(slug, name) of the topics on the show's episodes outside the trash, by name: the
    episode list's filter. Plain rows: 500 topic entities and their menu were half of the
    list's time at 100,000 episodes, and topics no episode of the show has find nothing."""
    on_show = (
        select(episode_topics.c.topic_id)
        .join(Episode, Episode.id == episode_topics.c.episode_id)
        .where(Episode.show_id == show.id, Episode.deleted_at.is_(None))
    )
    query = select(Topic.slug, Topic.name).where(Topic.id.in_(on_show)).order_by(Topic.name)
    return [(slug, name) for slug, name in session.execute(query)]


def list_guests(session: Session) -> Sequence[Guest]:
    """The guests the editor offers: not those in the trash."""
    query = select(Guest).where(Guest.deleted_at.is_(None)).order_by(Guest.name)
    return session.scalars(query).all()


def save_episode(session: Session, show: Show, episode: Episode, changes: EpisodeChanges) -> None:
    """Apply the editor's changes, refusing a save made from an older version."""
    if changes.version != episode.version:
        raise StaleEdit("Someone else saved this episode after you opened it.")
    # Any query below may autoflush the episode's UPDATE, so the whole save is guarded.
    with stale_edits():
        automatic = episode_slugs.follows_title(episode, changes.slug)
        _check_slug(session, show, episode, changes.slug)
        if changes.season_name and changes.season is None:
            raise InvalidInput("A season name goes with a season number: enter the season too.")
        episode.number, episode.podcast_episode = episode_numbers(changes)
        for name in _EDITED_AS_GIVEN:
            setattr(episode, name, changes.__dict__[name])
        episode.title = _required(changes.title)
        episode.itunes_title = changes.itunes_title.strip()
        episode.episode_type = changes.episode_type  # type: ignore[assignment]
        episode.slug = changes.slug or episode.slug
        if automatic:  # decided before the save: a draft's address follows its new title
            episode.slug = episode_slugs.slug_for_title(session, show, episode, episode.title)
        if _is_release(episode.effective_status, changes.status):
            review_links.check_may_release(session, episode, show.require_guest_approval)
        _apply_status(episode, changes.status, changes.publish_at)
        episode.updated_at = utc_now()
        _replace_credits(session, episode, changes)
        session.flush()


def episode_numbers(changes: EpisodeChanges) -> tuple[int | None, str]:
    """The editor's whole number and decimal number as the episode stores them: `number`
    (itunes:episode, always whole) and `podcast_episode` (podcast:episode where it is not
    `number`; "" writes `number` there too), the rule imports follow (item_reader._numbers).

    A whole decimal ("7", "7.0") is the number: it fills an empty number, beside the same
    number it is not kept twice, and beside another it is kept, as an import keeps it. A
    fraction without a whole number stays alone: podcast:episode says 12.5 and no
    itunes:episode is written, as Apple takes only whole numbers (for serial shows the feed
    health page asks for one); no number is made up, since 12 or 13 may be another episode's.
    The host sees both fields, so a changed number keeps the decimal left beside it. A display
    name needs either number: it is an attribute of podcast:episode, written only with one."""
    number, decimal = changes.number, checked_podcast_episode(changes.podcast_episode)
    if decimal.isdigit() and number in (None, int(decimal)):
        number, decimal = int(decimal), ""
    if changes.episode_display and number is None and not decimal:
        raise InvalidInput(
            "An episode display name goes with an episode number: enter the number or the "
            "decimal number too."
        )
    return number, decimal


def checked_podcast_episode(text: str) -> str:
    """A decimal episode number as typed ("012.50") in its shortest form ("12.5"; "7.0" is
    "7"), "" for none; InvalidInput, saying why, unless it is above 0, has at most two
    decimals and is at most MAX_EPISODE_NUMBER."""
    typed = text.strip()
    if not typed:
        return ""
    found = _decimal(typed)
    if found is None:
        pointed = typed.replace(",", ".", 1)
        if pointed != typed and _decimal(pointed):
            raise InvalidInput(f"Write the decimal episode number with a point: {pointed}.")
        raise InvalidInput(
            f"'{typed[:24]}' is not a decimal episode number: write it in digits, such as 12.5."
        )
    whole = found["whole"].lstrip("0") or "0"
    fraction = (found["fraction"] or "").rstrip("0")
    if len(fraction) > 2:
        raise InvalidInput(
            f"The decimal episode number {typed[:24]} has more than two decimals: "
            "round it to two at most, such as 12.25."
        )
    value = Decimal(f"{whole}.{fraction or '0'}")
    if found["sign"] == "-" or not 0 < value <= MAX_EPISODE_NUMBER:
        raise InvalidInput(
            f"The decimal episode number is a number above 0 and up to {MAX_EPISODE_NUMBER:,}, "
            "such as 12.5."
        )
    return f"{whole}.{fraction}" if fraction else whole


def _decimal(text: str) -> re.Match[str] | None:
    found = _DECIMAL.fullmatch(text)
    return found if found and (found["whole"] or found["fraction"]) else None


def claim_version(session: Session, episode: Episode, version: str | None) -> None:
    """Begin a save of something of the episode's own (chapters, soundbites, its audio) made
    from a page opened at `version`: refuse it if the episode changed since, then take the
    next version before writing anything else. The UPDATE locks the episode's row, so a
    simultaneous save of the same episode waits for this one, then matches no row (StaleEdit,
    a 409) instead of mixing its rows with ours or failing on them with a 500. A post without
    a version (a script) is still ordered after any other save, and the last one wins."""
    if version:
        try:
            opened_at = int(version)
        except ValueError as error:
            raise InvalidInput("The form's version is not a number; reload the page.") from error
        if opened_at != episode.version:
            raise StaleEdit("Someone else changed this episode after you opened this page.")
    with stale_edits():
        episode.updated_at = utc_now()
        session.flush()


@contextmanager
def stale_edits() -> Iterator[None]:
    """Turn the version column's StaleDataError into StaleEdit, wherever the flush happens
    (an explicit flush, an autoflush before a query, or the commit)."""
    try:
        yield
    except StaleDataError as error:
        # Another save landed between our read and this write.
        raise StaleEdit("Someone else saved this episode while you were saving.") from error


def _required(title: str) -> str:
    if not title.strip():
        raise InvalidInput("The title is required.")
    return title.strip()


def _check_slug(session: Session, show: Show, episode: Episode, slug: str) -> None:
    if not slug or slug == episode.slug:
        return
    if episode.published_at is not None and episode.status != EpisodeStatus.DRAFT:
        raise InvalidInput(
            "The address cannot change once the episode is published: podcast apps and "
            "shared links use it."
        )
    if slug != slugify(slug):
        raise InvalidInput(
            f"'{slug}' is not a valid address: use lower-case letters, digits and hyphens."
        )
    taken = select(Episode.id).where(
        Episode.show_id == show.id, Episode.slug == slug, Episode.id != episode.id
    )
    if session.scalars(taken).first() is not None:
        raise SlugTaken(f"Another episode of this show already uses the address '{slug}'.")


def _is_release(current: EpisodeStatus, wanted: EpisodeStatus) -> bool:
    released = (EpisodeStatus.SCHEDULED, EpisodeStatus.PUBLISHED)
    return wanted in released and current not in released


def _apply_status(episode: Episode, status: EpisodeStatus, publish_at: datetime | None) -> None:
    _set_status(episode, status, publish_at)
    writes.note_release(episode)


def _set_status(episode: Episode, status: EpisodeStatus, publish_at: datetime | None) -> None:
    if _same_minute(publish_at, episode.published_at):
        # The editor shows the time to the minute: saving it back unchanged must not move
        # the episode's pubDate (18:27:12 to 18:27:00), which apps read as a new release.
        publish_at = episode.published_at
    if status == EpisodeStatus.DRAFT:
        episode.status, episode.published_at = status, None
        return
    if not episode.has_audio:
        raise InvalidInput("An episode needs its audio before it can be published.")
    if status == EpisodeStatus.SCHEDULED:
        if publish_at is None or publish_at <= utc_now():
            raise InvalidInput("A scheduled episode needs a publish time in the future.")
        episode.status, episode.published_at = status, publish_at
    elif status == EpisodeStatus.PUBLISHED:
        already = episode.effective_status == EpisodeStatus.PUBLISHED and episode.published_at
        episode.status = status
        episode.published_at = publish_at or (episode.published_at if already else utc_now())
    else:
        episode.status = status


def _same_minute(typed: datetime | None, stored: datetime | None) -> bool:
    return (
        typed is not None
        and stored is not None
        and typed == stored.replace(second=0, microsecond=0)
    )


def _replace_credits(session: Session, episode: Episode, changes: EpisodeChanges) -> None:
    credits = delete(Appearance).where(Appearance.episode_id == episode.id)
    tags = delete(episode_topics).where(episode_topics.c.episode_id == episode.id)
    session.execute(of_episode(credits, episode.id))
    session.execute(of_episode(tags, episode.id))
    session.expire(episode, ["appearances", "topics"])
    for credit in changes.guests:
        guest = writes.find_or_create_guest(
            session, credit.name, organisation=credit.organisation, job_title=credit.job_title
        )
        if guest.deleted_at is not None:
            # Crediting them would add a credit no page shows, without a word to the host.
            raise InvalidInput(
                f"{guest.name} is in the guest trash: restore them, or remove this credit, "
                "before saving."
            )
        writes.credit_guest(
            session,
            episode,
            guest,
            role=credit.role,
            organisation=credit.organisation,
            job_title=credit.job_title,
        )
    for name in dict.fromkeys(changes.topics):
        writes.tag_topic(session, episode, writes.find_or_create_topic(session, name))
