"""Import a show from any RSS podcast feed, or from a showapp export archive.

Re-running an import updates what changed and adds what is new, matched by GUID, so it never
duplicates. Problems with one episode are collected in the report and never stop the rest.
Progress goes to a callback (the CLI draws a bar; a studio page can poll it later).
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.errors import BadAudio, InvalidInput, NotFound
from showapp.models import Episode, EpisodeStatus, Show
from showapp.services import urls
from showapp.services.catalog import writes
from showapp.services.catalog.apple_categories import check_category
from showapp.services.catalog.text import slugify
from showapp.services.importing import archive, media_download, p20
from showapp.services.importing import fetch as feed_fetch
from showapp.services.importing import mapping as feed_mapping
from showapp.services.importing import parse as feed_parse
from showapp.services.importing.batches import EpisodeBatchImporter, assign_changed
from showapp.services.importing.item_reader import clip
from showapp.services.importing.parse import FeedChannel, FeedItem
from showapp.services.importing.report import (
    ImportLimits,
    ImportProgress,
    ImportReport,
    ProgressCallback,
    ignore_progress,
)
from showapp.storage import Storage

log = logging.getLogger(__name__)
BATCH = 100
DEFAULT_LIMITS = ImportLimits()


def import_feed_file(
    session: Session,
    path: Path,
    *,
    feed_url: str | None,
    site_base_url: str,
    show_slug: str | None = None,
    progress: ProgressCallback = ignore_progress,
) -> ImportReport:
    """Import an RSS feed stored at `path`; `feed_url` is where it was fetched from, if anywhere."""
    channel = feed_parse.read_channel(path)
    base = _base(channel, feed_url)
    report = ImportReport(warnings=list(channel.warnings))
    known = _show_of_guids(session, path, channel.recovered) if show_slug is None else None
    existing = set(session.scalars(select(Show.id)))
    show = _upsert_show(session, channel, base, feed_url, show_slug, site_base_url, report, known)
    report.show_slug = show.slug
    if show.id not in existing:
        progress(ImportProgress("episodes", 0, channel.item_count, new_show=show.slug))
    context = EpisodeBatchImporter(session, show, base, report)
    done = 0
    items = _screened(feed_parse.read_items(path, channel.recovered), report)
    for batch in _batches(items, BATCH):
        context.import_batch(batch)
        done += len(batch)
        progress(ImportProgress("episodes", done, channel.item_count))
    context.finish()
    session.flush()
    return report


def import_source(
    session: Session,
    source: str,
    *,
    work_dir: Path,
    storage: Storage,
    site_base_url: str,
    show_slug: str | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
    progress: ProgressCallback = ignore_progress,
) -> ImportReport:
    """SOURCE is an http(s) feed URL, a feed file, or a showapp export archive (.zip)."""
    if feed_fetch.is_url(source):
        progress(ImportProgress("fetch", 0, 1, source))
        fetched = feed_fetch.fetch_feed(
            source, work_dir, max_bytes=limits.max_feed_bytes, timeout=limits.timeout
        )
        try:
            if fetched.final_url != source:
                log.info("feed %s redirected to %s", source, fetched.final_url)
            return import_feed_file(
                session, fetched.path, feed_url=fetched.final_url,
                site_base_url=site_base_url, show_slug=show_slug, progress=progress,
            )  # fmt: skip
        finally:
            fetched.path.unlink(missing_ok=True)
    path = Path(source)
    if not path.is_file():
        raise NotFound(f"No such feed file or URL: {source}")
    if zipfile.is_zipfile(path):
        bounds = archive.ArchiveLimits(max_total_bytes=limits.max_archive_bytes)
        return archive.import_archive(session, path, storage, progress, bounds)
    return import_feed_file(
        session, path, feed_url=None, site_base_url=site_base_url, show_slug=show_slug,
        progress=progress,
    )  # fmt: skip


def _base(channel: FeedChannel, feed_url: str | None) -> str | None:
    """Where the channel's relative URLs start: its xml:base, against the feed's address."""
    address = feed_url or channel.self_link or channel.link or None
    if channel.xml_base:
        try:
            return urljoin(address or "", channel.xml_base) or address
        except ValueError:
            return address
    return address


def _show_of_guids(session: Session, path: Path, lenient: bool) -> Show | None:
    """The show that already holds this feed's first episodes: how a re-run of a feed with
    neither a podcast:guid nor a self link finds the show it made the first time."""
    guids: list[str] = []
    for item in feed_parse.read_items(path, lenient):
        if item.guid.strip():
            guids.append(item.guid.strip()[:255])
        if len(guids) == 20:
            break
    if not guids:
        return None
    owners = session.execute(
        select(Episode.show_id, func.count())
        .where(Episode.guid.in_(guids))
        .group_by(Episode.show_id)
        .order_by(func.count().desc())
    ).first()
    # Most of them, not one stray shared GUID: a different feed is a different show.
    if owners is None or owners[1] * 2 < len(guids):
        return None
    return session.get(Show, owners[0])


def _screened(items: Iterable[FeedItem], report: ImportReport) -> Iterator[FeedItem]:
    """The items with each link their kept Podcasting 2.0 elements may not carry dropped
    (p20.drop_unsafe), and named in the report."""
    for item in items:
        label = item.title or item.guid or "untitled"
        for text in _unsafe_links(item.podcast_extras):
            report.problems.append(f"line {item.line}, '{label[:60]}': {text}")
        yield item


def _unsafe_links(trees: list[dict[str, Any]]) -> list[str]:
    return [
        f"{where} {value[:80]!r} is not a safe link; not stored"
        for tree in trees
        for where, value in p20.drop_unsafe(tree)
    ]


def _batches(items: Iterable[FeedItem], size: int) -> Iterator[list[FeedItem]]:
    batch: list[FeedItem] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert_show(
    session: Session,
    channel: FeedChannel,
    base: str | None,
    feed_url: str | None,
    show_slug: str | None,
    site_base_url: str,
    report: ImportReport,
    known: Show | None,
) -> Show:
    source = feed_url or channel.self_link or None
    show = _find_show(session, channel, source, show_slug) or known
    if show is not None and show.deleted_at is not None:
        raise InvalidInput(
            f"The show '{show.title}' this feed updates is in the trash: restore it first."
        )
    fields = _show_fields(channel, base, report.problems)
    fields.update(_category(channel.categories, report))
    _note_lock(channel, fields, report)
    title = clip(feed_mapping.plain_text(channel.title), 255)
    if show is None:
        slug = show_slug or _free_show_slug(session, slugify(title) or "imported-show")
        # What only an import sets (the lock's owner, kept P2.0 elements) goes on afterwards.
        kept = {name: fields.pop(name) for name in ("locked_owner", "podcast_extras")}
        show = writes.create_show(
            session, slug=slug, title=title or slug,
            feed_url=urls.feed_url(site_base_url, "show", show_slug=slug), **fields,
        )  # fmt: skip
        assign_changed(show, kept)
        session.flush()
    else:
        assign_changed(show, {"title": title or show.title, **fields})
    # A show that moves keeps its podcast:guid (the namespace says it must never change).
    guid = channel.podcast_guid.strip()
    if len(guid) == 36 and guid != show.podcast_guid and not _guid_taken(session, guid):
        show.podcast_guid = guid
    artwork_url = _artwork(channel, base, report.problems)
    if artwork_url is not None and len(artwork_url) > 2048:
        artwork_url = None
    # A file import without a self link keeps the address the show was matched by, if any.
    source = source or show.source_feed_url
    assign_changed(show, {"artwork_url": artwork_url, "source_feed_url": source})
    return show


def _note_lock(channel: FeedChannel, fields: dict[str, Any], report: ImportReport) -> None:
    if not fields["locked"]:
        return
    owner = fields["locked_owner"] or fields["owner_email"]
    report.notes.append(
        "The feed is locked (podcast:locked yes"
        + (f", owner {owner}" if owner else "")
        + "): it stays locked here, so directories refuse to move it without the owner. "
        "Unlock it in the show's feed settings when you are ready to move the listing."
    )


def _free_show_slug(session: Session, base: str) -> str:
    # Another show with the same title is a different show: it never gets merged into.
    base = f"{base}-show" if base in urls.RESERVED_SLUGS else base
    candidate, suffix = base, 2
    while session.scalar(select(Show.id).where(Show.slug == candidate)) is not None:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


def _guid_taken(session: Session, guid: str) -> bool:
    return session.scalar(select(Show.id).where(Show.podcast_guid == guid)) is not None


def _find_show(
    session: Session, channel: FeedChannel, source: str | None, show_slug: str | None
) -> Show | None:
    """The show a re-run updates: by --show, else by where the feed came from or its guid."""
    if show_slug:
        return session.scalars(select(Show).where(Show.slug == show_slug)).one_or_none()
    for column, value in (
        (Show.source_feed_url, source),
        (Show.podcast_guid, channel.podcast_guid.strip()),
    ):
        if value:
            found = session.scalars(select(Show).where(column == value)).first()
            if found is not None:
                return found
    return None


def _artwork(channel: FeedChannel, base: str | None, problems: list[str]) -> str | None:
    # Missing itunes:image is common on older feeds: the RSS <image><url> is the fallback.
    return feed_mapping.checked_url(
        channel.itunes_image, base, "channel itunes:image", problems
    ) or feed_mapping.checked_url(channel.rss_image, base, "channel image url", problems)


def _show_fields(channel: FeedChannel, base: str | None, problems: list[str]) -> dict[str, Any]:
    explicit = feed_mapping.parse_explicit(channel.explicit)
    problems += [f"channel {text}" for text in _unsafe_links(channel.podcast_extras)]
    return {
        "subtitle": clip(feed_mapping.plain_text(channel.subtitle), 255),
        # The site shows a show's description as text (an episode's notes are HTML).
        "description": feed_mapping.plain_text(
            channel.description or channel.summary, paragraphs=True
        ),
        "author": clip(channel.author, 255),
        "owner_name": clip(channel.owner_name, 255),
        "owner_email": clip(channel.owner_email, 255),
        "language": _language(channel.language, problems),
        "explicit": bool(explicit),
        "show_type": feed_mapping.show_type(channel.show_type),
        "copyright": clip(channel.copyright, 255),
        "website": _url_field(channel.link, base, "channel link", problems),
        "funding_url": _url_field(channel.funding_url, base, "channel podcast:funding", problems),
        "funding_text": clip(channel.funding_text, 128),
        "locked": channel.locked.strip().lower() == "yes",
        "locked_owner": clip(channel.locked_owner, 255),
        "itunes_block": feed_mapping.parse_block(channel.itunes_block),
        "itunes_title": clip(feed_mapping.plain_text(channel.itunes_title), 255),
        "complete": channel.itunes_complete.strip().lower() == "yes",
        "medium": _medium(channel.medium),
        "update_frequency": clip(feed_mapping.plain_text(channel.update_frequency), 128),
        "update_rrule": clip(channel.update_rrule, 255),
        "podcast_extras": [*_channel_persons(channel, base, problems), *channel.podcast_extras],
    }


def _channel_persons(
    channel: FeedChannel, base: str | None, problems: list[str]
) -> list[dict[str, Any]]:
    """The channel's podcast:person elements as kept trees (p20.py), which the feed writes
    back at channel level: role and group as an item's credits store them, img and href only
    as http(s) URLs, as for an item's."""
    trees: list[dict[str, Any]] = []
    for person in channel.persons:
        name = clip(feed_mapping.plain_text(person.name), 128)
        if not name:
            continue
        attrs = {"role": clip(person.role.lower(), 64) or "host",
                 "group": clip(person.group.lower(), 64) or "cast"}  # fmt: skip
        for attribute in ("img", "href"):
            label = f"channel podcast:person {attribute} of {name[:60]!r}"
            url = feed_mapping.checked_url(getattr(person, attribute), base, label, problems)
            if url is not None and len(url) <= 2048:
                attrs[attribute] = url
        trees.append({"tag": p20.PERSON, "attrs": attrs, "text": name})
    if channel.person_count > len(channel.persons):
        problems.append(
            f"channel has {channel.person_count} podcast:person elements; the first "
            f"{len(channel.persons)} are kept"
        )
    return trees


# RFC 5646 in the shapes feeds use: en, en-US, pt-br, zh-Hant-TW, es-419.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")


def _language(value: str, problems: list[str]) -> str:
    value = value.strip()
    if len(value) <= 16 and _LANGUAGE_TAG.fullmatch(value):
        return value
    if value:
        problems.append(f"channel language {value[:80]!r} is not a language tag; 'en' stored")
    return "en"


def _category(categories: list[tuple[str, str]], report: ImportReport) -> dict[str, str]:
    """The first itunes:category on Apple's list (Apple reads the first; a show here has one),
    with its subcategory when Apple lists it under it. What is not kept is said."""
    chosen: tuple[str, str] | None = None
    others: list[str] = []
    for category, subcategory in categories:
        named = f"{category} > {subcategory}" if subcategory else category
        if check_category(category, "") is not None:
            report.problems.append(
                f"channel itunes:category {named[:80]!r} is not on Apple's list; not stored"
            )
        elif chosen is not None:
            others.append(repr(named[:80]))
        elif subcategory and check_category(category, subcategory) is not None:
            report.problems.append(
                f"channel itunes:category {named[:80]!r}: the subcategory is not on Apple's "
                f"list; {category!r} stored without it"
            )
            chosen = (category, "")
        else:
            chosen = (category, subcategory)
    if chosen is not None and others:
        kept = " > ".join(filter(None, chosen))
        report.notes.append(
            f"A show here has one category: {kept!r}, the feed's first on Apple's list, is "
            f"kept, and {', '.join(others)} {'is' if len(others) == 1 else 'are'} not."
        )
    category, subcategory = chosen or ("", "")
    return {"category": clip(category, 64), "subcategory": clip(subcategory, 64)}


_MEDIUMS = frozenset({"podcast", "music", "video", "film", "audiobook", "newsletter", "blog",
                      "publisher", "course", "mixed", "podcastL", "musicL", "videoL", "filmL",
                      "audiobookL", "newsletterL", "blogL", "publisherL", "courseL"})  # fmt: skip


def _medium(value: str) -> str:
    value = value.strip()
    return value if value in _MEDIUMS else "podcast"


def _url_field(value: str, base: str | None, label: str, problems: list[str]) -> str:
    found = feed_mapping.checked_url(value, base, label, problems) or ""
    # The columns hold 255 characters; a longer link is dropped, since a cut one is broken.
    if len(found) > 255:
        problems.append(f"{label} is longer than 255 characters; not stored")
        return ""
    return found


def list_remote_episodes(session: Session, show: Show) -> list[tuple[int, str]]:
    """(id, title) of episodes whose audio is still on the old host, for --download-media."""
    query = select(Episode.id, Episode.title).where(
        Episode.show_id == show.id, Episode.audio_file.is_(None), Episode.audio_url.is_not(None)
    )
    return [(row.id, row.title) for row in session.execute(query.order_by(Episode.id))]


def download_episode_audio(
    session: Session,
    episode_id: int,
    *,
    storage: Storage,
    limits: ImportLimits = DEFAULT_LIMITS,
    on_progress: media_download.ByteProgress | None = None,
) -> list[str]:
    """Fetch one episode's audio into the media folder; returns warnings (size/length drift).

    Raises FetchError or BadAudio; the caller reports it and carries on with the next one.
    """
    episode = session.get(Episode, episode_id, options=[])
    if episode is None or episode.audio_url is None:
        raise NotFound("That episode has no remote audio.")
    if episode.audio_mime and not episode.audio_mime.startswith("audio/"):
        # Video and other media stay linked: showapp stores and probes MP3 and M4A only.
        raise BadAudio(f"'{episode.title}' is {episode.audio_mime}; left on the old host")
    show_slug = session.scalars(select(Show.slug).where(Show.id == episode.show_id)).one()
    try:
        downloaded = media_download.download_audio(
            episode.audio_url, storage=storage, show_slug=show_slug,
            episode_slug=episode.slug, guid=episode.guid, declared_mime=episode.audio_mime or "",
            max_bytes=limits.max_media_bytes, timeout=limits.timeout, on_progress=on_progress,
        )  # fmt: skip
    except feed_fetch.FetchError as error:
        if error.status not in (404, 410):
            raise
        hold_back(episode, f"the audio answered HTTP {error.status}")
        session.flush()
        raise MediaGone(f"{error}; the episode is now a draft") from error
    warnings = _verify(episode, downloaded)
    episode.audio_file = downloaded.relative_name
    writes.record_audio_facts(episode, downloaded.size, downloaded.sha256, downloaded.info)
    session.flush()
    return warnings


class MediaGone(InvalidInput):
    """The old host answered 404 or 410 for the audio. Unlike other download errors, the
    change it made (the episode is a draft now, with the reason) is to be committed."""


def hold_back(episode: Episode, reason: str) -> None:
    """Dead media is not published: the episode becomes a draft that says why (feed health
    lists it), and the host decides what to do."""
    episode.status = EpisodeStatus.DRAFT
    issues = [*(episode.source_extras or {}).get("import_issues", []), reason]
    episode.source_extras = {**(episode.source_extras or {}), "import_issues": issues}


def _verify(episode: Episode, downloaded: media_download.DownloadedAudio) -> list[str]:
    """Compare what the feed claimed with what arrived; feeds are often off, so only warn."""
    warnings: list[str] = []
    if episode.audio_bytes and episode.audio_bytes != downloaded.size:
        warnings.append(
            f"'{episode.title}': the feed said {episode.audio_bytes:,} bytes, "
            f"the file has {downloaded.size:,}"
        )
    claimed = episode.duration_seconds
    measured = downloaded.info.duration_seconds
    if claimed and abs(claimed - measured) > max(2.0, 0.02 * measured):
        warnings.append(
            f"'{episode.title}': the feed said {claimed:.0f} s, the audio lasts {measured:.0f} s"
        )
    return warnings
