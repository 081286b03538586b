"""Import a show from any RSS podcast feed, or from a showapp export archive.

Re-running an import updates what changed and adds what is new, matched by GUID, so it never
duplicates. Problems with one episode are collected in the report and never stop the rest.
Progress goes to a callback (the CLI draws a bar; a studio page can poll it later).
Services flush, never commit: the caller owns the transaction.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import NotFound
from showapp.models import Appearance, Episode, EpisodeStatus, Guest, Show, episode_topics
from showapp.services import archive, feedfetch, feedmap, feedparse, mediafetch, studio, urls
from showapp.services.feedparse import FeedChannel, FeedItem
from showapp.services.importreport import (
    ImportLimits,
    ImportProgress,
    ImportReport,
    ProgressCallback,
    ignore_progress,
)
from showapp.services.text import slugify

log = logging.getLogger(__name__)
BATCH = 200
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
    channel = feedparse.read_channel(path)
    base = feed_url or channel.self_link or channel.link or None
    report = ImportReport(warnings=list(channel.warnings))
    show = _upsert_show(session, channel, base, feed_url, show_slug, site_base_url)
    report.show_slug = show.slug
    context = _EpisodeContext(session, show, base, report)
    done = 0
    for batch in _batches(feedparse.read_items(path, channel.recovered), BATCH):
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
    episodes_dir: Path,
    site_base_url: str,
    show_slug: str | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
    progress: ProgressCallback = ignore_progress,
) -> ImportReport:
    """SOURCE is an http(s) feed URL, a feed file, or a showapp export archive (.zip)."""
    if feedfetch.is_url(source):
        progress(ImportProgress("fetch", 0, 1, source))
        fetched = feedfetch.fetch_feed(
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
        return archive.import_archive(session, path, episodes_dir, progress=progress)
    return import_feed_file(
        session, path, feed_url=None, site_base_url=site_base_url, show_slug=show_slug,
        progress=progress,
    )  # fmt: skip


def _batches(items: Iterable[FeedItem], size: int) -> Iterator[list[FeedItem]]:
    batch: list[FeedItem] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _clip(value: str, length: int) -> str:
    return value.strip()[:length]


def _upsert_show(
    session: Session,
    channel: FeedChannel,
    base: str | None,
    feed_url: str | None,
    show_slug: str | None,
    site_base_url: str,
) -> Show:
    show = _find_show(session, channel, feed_url, show_slug)
    fields = _show_fields(channel, base)
    if show is None:
        slug = show_slug or slugify(channel.title) or "imported-show"
        if slug in urls.RESERVED_SLUGS:
            slug = f"{slug}-show"
        show = studio.create_show(
            session, slug=slug, title=_clip(channel.title, 255) or slug,
            feed_url=urls.feed_url(site_base_url, slug), **fields,
        )  # fmt: skip
        session.flush()
    else:
        _assign(show, {"title": _clip(channel.title, 255) or show.title, **fields})
    # A show that moves keeps its podcast:guid (the namespace says it must never change).
    guid = channel.podcast_guid.strip()
    if len(guid) == 36 and guid != show.podcast_guid and not _guid_taken(session, guid):
        show.podcast_guid = guid
    _assign(show, {"artwork_url": _artwork(channel, base), "source_feed_url": feed_url})
    return show


def _guid_taken(session: Session, guid: str) -> bool:
    return session.scalar(select(Show.id).where(Show.podcast_guid == guid)) is not None


def _find_show(
    session: Session, channel: FeedChannel, feed_url: str | None, show_slug: str | None
) -> Show | None:
    if show_slug:
        return session.scalars(select(Show).where(Show.slug == show_slug)).one_or_none()
    for column, value in (
        (Show.source_feed_url, feed_url),
        (Show.podcast_guid, channel.podcast_guid.strip()),
        (Show.slug, slugify(channel.title)),
    ):
        if value:
            found = session.scalars(select(Show).where(column == value)).first()
            if found is not None:
                return found
    return None


def _artwork(channel: FeedChannel, base: str | None) -> str | None:
    # Missing itunes:image is common on older feeds: the RSS <image><url> is the fallback.
    return feedmap.absolute_url(channel.itunes_image, base) or feedmap.absolute_url(
        channel.rss_image, base
    )


def _show_fields(channel: FeedChannel, base: str | None) -> dict[str, Any]:
    category, subcategory = channel.categories[0] if channel.categories else ("", "")
    explicit = feedmap.parse_explicit(channel.explicit)
    return {
        "subtitle": _clip(feedmap.plain_text(channel.subtitle), 255),
        "description": feedmap.plain_text(channel.description or channel.summary),
        "author": _clip(channel.author, 255),
        "owner_name": _clip(channel.owner_name, 255),
        "owner_email": _clip(channel.owner_email, 255),
        "language": _clip(channel.language, 16) or "en",
        "category": _clip(category, 64),
        "subcategory": _clip(subcategory, 64),
        "explicit": bool(explicit),
        "show_type": feedmap.show_type(channel.show_type),
        "copyright": _clip(channel.copyright, 255),
        "website": _clip(feedmap.absolute_url(channel.link, base) or "", 255),
        "funding_url": _clip(feedmap.absolute_url(channel.funding_url, base) or "", 255),
        "funding_text": _clip(channel.funding_text, 128),
    }


def _assign(row: Show | Episode, values: dict[str, Any]) -> bool:
    """Set only what differs, so an unchanged row is not rewritten (and its version kept)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


class _EpisodeContext:
    """State for one import run: slugs in use, GUIDs seen, topics and guests by name."""

    def __init__(self, session: Session, show: Show, base: str | None, report: ImportReport):
        self.session = session
        self.show = show
        self.base = base
        self.report = report
        self.now = utc_now()
        self.seen_guids: set[str] = set()
        self.slugs: set[str] = set(
            session.scalars(select(Episode.slug).where(Episode.show_id == show.id))
        )
        self.topic_ids: dict[str, int] = {}
        self.guest_ids: dict[str, int] = {}
        self.zoneless_dates = 0

    def finish(self) -> None:
        if self.zoneless_dates:
            self.report.warnings.append(
                f"{self.zoneless_dates} pubDates have no time zone; they were read as UTC"
            )

    def import_batch(self, items: list[FeedItem]) -> None:
        """Upsert a batch: new episodes, their topics and credits go in as bulk inserts."""
        prepared = [p for p in (self._prepare(item) for item in items) if p is not None]
        existing = self._existing([guid for guid, _item, _fields in prepared])
        new_rows: list[dict[str, Any]] = []
        new_items: list[FeedItem] = []
        for guid, item, fields in prepared:
            episode = existing.get(guid)
            if episode is not None and episode.show_id != self.show.id:
                self._problem(item, f"GUID '{guid}' belongs to another show; skipped")
                self.report.skipped += 1
            elif episode is None:
                slug = self._free_slug(slugify(fields["title"]) or "episode")
                new_rows.append({"show_id": self.show.id, "guid": guid, "slug": slug, **fields})
                new_items.append(item)
            else:
                self._update(episode, fields)
                self._link_topics_one(episode, item)
                self._link_people_one(episode, item)
        if new_rows:
            self._insert_new(new_rows, new_items)

    def _insert_new(self, rows: list[dict[str, Any]], items: list[FeedItem]) -> None:
        self.session.flush()
        statement = insert(Episode).returning(Episode.id, sort_by_parameter_order=True)
        ids = list(self.session.scalars(statement, rows))
        self.report.created += len(ids)
        topic_rows = [
            {"episode_id": episode_id, "topic_id": self._topic_id(name)}
            for episode_id, item in zip(ids, items, strict=True)
            for name in _topic_names(item)
        ]
        if topic_rows:
            self.session.execute(insert(episode_topics), topic_rows)
        credit_rows = [
            row
            for episode_id, item in zip(ids, items, strict=True)
            for row in self._credit_rows(episode_id, item)
        ]
        if credit_rows:
            self.session.execute(insert(Appearance), credit_rows)

    def _credit_rows(self, episode_id: int, item: FeedItem) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        seen: set[tuple[int, str]] = set()
        for person in item.persons:
            guest_id = self._guest_id(person)
            role = person.role.lower()[:64]
            if (guest_id, role) in seen:
                continue
            seen.add((guest_id, role))
            rows.append(
                {"episode_id": episode_id, "guest_id": guest_id, "role": role,
                 "group": person.group.lower()[:64], "organisation": "", "job_title": "",
                 "position": len(rows)}
            )  # fmt: skip
        return rows

    def _existing(self, guids: list[str]) -> dict[str, Episode]:
        if not guids:
            return {}
        rows = self.session.scalars(select(Episode).where(Episode.guid.in_(guids)))
        return {episode.guid: episode for episode in rows}

    def _problem(self, item: FeedItem, text: str) -> None:
        label = item.title or item.guid or "untitled"
        self.report.problems.append(f"line {item.line}, '{label[:60]}': {text}")

    def _prepare(self, item: FeedItem) -> tuple[str, FeedItem, dict[str, Any]] | None:
        enclosure_url = feedmap.absolute_url(item.enclosure.get("url", ""), self.base)
        guid = item.guid.strip()
        if not guid:
            guid = feedmap.fallback_guid(item, enclosure_url)
            self._problem(item, f"empty <guid>; identified by '{guid[:80]}' instead")
        if len(guid) > 255:
            self._problem(item, "GUID longer than 255 characters; skipped")
            self.report.skipped += 1
            return None
        if guid in self.seen_guids:
            self._problem(item, f"duplicate GUID '{guid[:80]}' in the feed; later copy skipped")
            self.report.skipped += 1
            return None
        self.seen_guids.add(guid)
        return guid, item, self._fields(item, enclosure_url)

    def _fields(self, item: FeedItem, enclosure_url: str | None) -> dict[str, Any]:
        published_at = self._published_at(item)
        fields: dict[str, Any] = {
            "title": _clip(feedmap.plain_text(item.title), 255) or "Untitled episode",
            "summary": feedmap.plain_text(item.summary or item.subtitle),
            "notes_html": feedmap.notes_html(item),
            "published_at": published_at,
            "season": feedmap.parse_positive_int(item.season),
            "number": feedmap.parse_positive_int(item.number),
            "episode_type": feedmap.episode_type(item.episode_type),
            "explicit": bool(feedmap.parse_explicit(item.explicit)),
            "artwork_url": feedmap.absolute_url(item.image, self.base),
            "audio_url": enclosure_url,
            "duration_seconds": feedmap.parse_duration(item.duration),
            "source_extras": self._extras(item),
        }
        fields["audio_mime"] = None
        fields["audio_bytes"] = None
        if enclosure_url is None:
            why = "relative without a feed address" if item.enclosure.get("url") else "missing"
            self._problem(item, f"no usable enclosure ({why}); imported as a draft")
        else:
            declared = item.enclosure.get("type", "")
            fields["audio_mime"] = feedmap.audio_mime(declared, enclosure_url)
            length = feedmap.parse_positive_int(item.enclosure.get("length", ""))
            fields["audio_bytes"] = length or 0
        fields["status"] = self._status(enclosure_url, published_at)
        return fields

    def _status(self, enclosure_url: str | None, published_at: datetime | None) -> EpisodeStatus:
        if enclosure_url is None or published_at is None:
            return EpisodeStatus.DRAFT
        return EpisodeStatus.SCHEDULED if published_at > self.now else EpisodeStatus.PUBLISHED

    def _published_at(self, item: FeedItem) -> datetime | None:
        published_at, zoned = feedmap.parse_date(item.pub_date)
        if published_at is None:
            self._problem(item, f"unreadable pubDate '{item.pub_date[:40]}'; imported as a draft")
        elif not zoned and item.pub_date.strip():
            self.zoneless_dates += 1
        return published_at

    def _extras(self, item: FeedItem) -> dict[str, Any]:
        extras: dict[str, Any] = {}
        transcripts = [
            {**t, "url": url}
            for t in item.transcripts
            if (url := feedmap.absolute_url(t.get("url", ""), self.base))
        ]
        if transcripts:
            extras["transcripts"] = transcripts
        chapters_url = feedmap.absolute_url(item.chapters.get("url", ""), self.base)
        if chapters_url:
            extras["chapters"] = {**item.chapters, "url": chapters_url}
        link = feedmap.absolute_url(item.link, self.base)
        if link:
            extras["link"] = link
        if "transcripts" in extras or "chapters" in extras:
            key = item.guid or link or item.title
            self.report.extras[key] = {k: v for k, v in extras.items() if k != "link"}
        return extras

    def _update(self, episode: Episode, fields: dict[str, Any]) -> None:
        if episode.audio_file:
            # Downloaded audio is ours now: its measured size, type and length win.
            for name in ("audio_bytes", "audio_mime", "duration_seconds"):
                fields.pop(name, None)
        if _assign(episode, fields):
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def _free_slug(self, base: str) -> str:
        candidate, suffix = base, 2
        while candidate in self.slugs:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        self.slugs.add(candidate)
        return candidate

    def _link_topics_one(self, episode: Episode, item: FeedItem) -> None:
        for name in _topic_names(item):
            topic = studio.find_or_create_topic(self.session, name)
            studio.tag_topic(self.session, episode, topic)

    def _topic_id(self, name: str) -> int:
        slug = slugify(name)
        if slug not in self.topic_ids:
            self.topic_ids[slug] = studio.find_or_create_topic(self.session, name).id
        return self.topic_ids[slug]

    def _guest_id(self, person: feedparse.Person) -> int:
        slug = slugify(person.name)
        if slug not in self.guest_ids:
            guest = studio.find_or_create_guest(self.session, person.name[:128])
            self.guest_ids[slug] = guest.id
            if person.href and person.href not in guest.links:
                guest.links = [*guest.links, person.href]
        return self.guest_ids[slug]

    def _link_people_one(self, episode: Episode, item: FeedItem) -> None:
        if not item.persons:
            return
        rows = self.session.execute(
            select(Appearance.guest_id, Appearance.role).where(Appearance.episode_id == episode.id)
        )
        credited = {(guest_id, role) for guest_id, role in rows}
        for row in self._credit_rows(episode.id, item):
            if (row["guest_id"], row["role"]) not in credited:
                guest = self.session.get_one(Guest, row["guest_id"])
                studio.credit_guest(
                    self.session, episode, guest, role=row["role"], group=row["group"],
                    organisation="", job_title="",
                )  # fmt: skip


def _topic_names(item: FeedItem) -> list[str]:
    names = [name.strip()[:128] for name in [*item.keywords, *item.categories]]
    unique = {slugify(name): name for name in reversed(names) if slugify(name)}
    return list(reversed(unique.values()))


def list_remote_episodes(session: Session, show: Show) -> list[int]:
    """Episodes whose audio still lives on the old host: what --download-media fetches."""
    query = select(Episode.id).where(
        Episode.show_id == show.id, Episode.audio_file.is_(None), Episode.audio_url.is_not(None)
    )
    return list(session.scalars(query.order_by(Episode.id)))


def download_episode_audio(
    session: Session,
    episode_id: int,
    *,
    episodes_dir: Path,
    limits: ImportLimits = DEFAULT_LIMITS,
    on_progress: mediafetch.ByteProgress | None = None,
) -> list[str]:
    """Fetch one episode's audio into the media folder; returns warnings (size/length drift).

    Raises FetchError or BadAudio; the caller reports it and carries on with the next one.
    """
    episode = session.get(Episode, episode_id, options=[])
    if episode is None or episode.audio_url is None:
        raise NotFound("That episode has no remote audio.")
    show_slug = session.scalars(select(Show.slug).where(Show.id == episode.show_id)).one()
    downloaded = mediafetch.download_audio(
        episode.audio_url, episodes_dir=episodes_dir, show_slug=show_slug,
        episode_slug=episode.slug, guid=episode.guid, declared_mime=episode.audio_mime or "",
        max_bytes=limits.max_media_bytes, timeout=limits.timeout, on_progress=on_progress,
    )  # fmt: skip
    warnings = _verify(episode, downloaded)
    episode.audio_file = downloaded.relative_name
    episode.audio_bytes = downloaded.size
    episode.audio_sha256 = downloaded.sha256
    episode.audio_mime = downloaded.info.mime
    episode.duration_seconds = downloaded.info.duration_seconds
    episode.bitrate = downloaded.info.bitrate
    episode.sample_rate = downloaded.info.sample_rate
    episode.channels = downloaded.info.channels
    session.flush()
    return warnings


def _verify(episode: Episode, downloaded: mediafetch.DownloadedAudio) -> list[str]:
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
