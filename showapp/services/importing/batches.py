"""Upsert one run's episodes in batches: matched by GUID, new rows bulk-inserted.

Per-episode problems go to the report and never stop the batch.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Appearance, Episode, EpisodeStatus, Guest, Show, episode_topics
from showapp.services.catalog import writes
from showapp.services.catalog.text import slugify
from showapp.services.importing import mapping as feed_mapping
from showapp.services.importing import parse as feed_parse
from showapp.services.importing.parse import FeedItem
from showapp.services.importing.report import ImportReport

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def clip(value: str, length: int) -> str:
    return value.strip()[:length]


def assign_changed(row: Show | Episode, values: dict[str, Any]) -> bool:
    """Set only what differs, so an unchanged row is not rewritten (and its version kept)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


class EpisodeBatchImporter:
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
        self.trashed_guests: set[str] = set()
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
                self._problem(
                    item,
                    f"GUID '{guid}' belongs to another show; skipped "
                    "(use --show SLUG to update that show)",
                )
                self.report.skipped += 1
            elif episode is not None and episode.deleted_at is not None:
                # A GUID is never reused, and a host's delete is not undone by a feed.
                self._problem(item, f"GUID '{guid[:80]}' is a deleted episode's; skipped")
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
            guest_id = self._guest_id(person, item)
            if guest_id is None:
                continue
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

    def _url(self, item: FeedItem, value: str, label: str) -> str | None:
        problems: list[str] = []
        found = feed_mapping.checked_url(value, self.base, label, problems)
        for text in problems:
            self._problem(item, text)
        return found

    def _problem(self, item: FeedItem, text: str) -> None:
        label = item.title or item.guid or "untitled"
        self.report.problems.append(f"line {item.line}, '{label[:60]}': {text}")

    def _prepare(self, item: FeedItem) -> tuple[str, FeedItem, dict[str, Any]] | None:
        enclosure_url = feed_mapping.absolute_url(item.enclosure.get("url", ""), self.base)
        guid = item.guid.strip()
        if not guid:
            guid = feed_mapping.fallback_guid(item, enclosure_url)
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
            "title": clip(feed_mapping.plain_text(item.title), 255) or "Untitled episode",
            "summary": feed_mapping.plain_text(item.summary or item.subtitle),
            "notes_html": feed_mapping.notes_html(item),
            "published_at": published_at,
            "season": feed_mapping.parse_positive_int(item.season),
            "number": feed_mapping.parse_positive_int(item.number),
            "episode_type": feed_mapping.episode_type(item.episode_type),
            "explicit": bool(feed_mapping.parse_explicit(item.explicit)),
            "artwork_url": self._url(item, item.image, "itunes:image"),
            "audio_url": enclosure_url,
            "duration_seconds": feed_mapping.parse_duration(item.duration),
            "source_extras": self._extras(item),
        }
        fields["audio_mime"] = None
        fields["audio_bytes"] = None
        if enclosure_url is None:
            why = _unusable(item.enclosure.get("url", ""), self.base)
            self._problem(item, f"no usable enclosure ({why}); imported as a draft")
        else:
            declared = item.enclosure.get("type", "")
            fields["audio_mime"] = feed_mapping.audio_mime(declared, enclosure_url)
            length = feed_mapping.parse_positive_int(item.enclosure.get("length", ""))
            fields["audio_bytes"] = length or 0
        fields["status"] = self._status(enclosure_url, published_at)
        # Every row carries the same keys: the bulk insert of new episodes sends them together.
        released = fields["status"] != EpisodeStatus.DRAFT
        fields["first_published_at"] = published_at if released else None
        return fields

    def _status(self, enclosure_url: str | None, published_at: datetime | None) -> EpisodeStatus:
        if enclosure_url is None or published_at is None:
            return EpisodeStatus.DRAFT
        return EpisodeStatus.SCHEDULED if published_at > self.now else EpisodeStatus.PUBLISHED

    def _published_at(self, item: FeedItem) -> datetime | None:
        published_at, zoned = feed_mapping.parse_date(item.pub_date)
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
            if (url := self._url(item, t.get("url", ""), "podcast:transcript url"))
        ]
        if transcripts:
            extras["transcripts"] = transcripts
        chapters_url = self._url(item, item.chapters.get("url", ""), "podcast:chapters url")
        if chapters_url:
            extras["chapters"] = {**item.chapters, "url": chapters_url}
        link = self._url(item, item.link, "link")
        if link:
            extras["link"] = link
        if "transcripts" in extras or "chapters" in extras:
            key = item.guid or link or item.title
            self.report.extras[key] = {k: v for k, v in extras.items() if k != "link"}
        return extras

    def _update(self, episode: Episode, fields: dict[str, Any]) -> None:
        if episode.first_published_at is not None:
            fields.pop("first_published_at", None)  # public once stays true (its page answers 410)
        if episode.audio_file:
            # Downloaded audio is ours now: its measured size, type and length win.
            for name in ("audio_bytes", "audio_mime", "duration_seconds"):
                fields.pop(name, None)
        if assign_changed(episode, fields):
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
            topic = writes.find_or_create_topic(self.session, name)
            writes.tag_topic(self.session, episode, topic)

    def _topic_id(self, name: str) -> int:
        slug = slugify(name)
        if slug not in self.topic_ids:
            self.topic_ids[slug] = writes.find_or_create_topic(self.session, name).id
        return self.topic_ids[slug]

    def _guest_id(self, person: feed_parse.Person, item: FeedItem) -> int | None:
        """The guest to credit, made if new; None (and a problem in the report) for a guest in
        the trash: an admin deleted them, and a feed does not bring their credits back."""
        slug = slugify(person.name)
        if slug in self.trashed_guests:
            self._problem(item, f"{person.name[:60]!r} is in the guest trash; not credited")
            return None
        if slug not in self.guest_ids:
            guest = writes.find_or_create_guest(self.session, person.name[:128])
            if guest.deleted_at is not None:
                self.trashed_guests.add(slug)
                return self._guest_id(person, item)
            self.guest_ids[slug] = guest.id
            href = self._url(item, person.href, f"podcast:person href of {person.name[:60]!r}")
            if href and href not in guest.links:
                guest.links = [*guest.links, href]
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
                writes.credit_guest(
                    self.session, episode, guest, role=row["role"], group=row["group"],
                    organisation="", job_title="",
                )  # fmt: skip


def _unusable(value: str, base: str | None) -> str:
    value = value.strip()
    if not value:
        return "missing"
    if base is None and not _SCHEME.match(value):
        return "relative without a feed address"
    return f"{value[:80]!r} is not an http(s) URL"


def _topic_names(item: FeedItem) -> list[str]:
    names = [name.strip()[:128] for name in [*item.keywords, *item.categories]]
    unique = {slugify(name): name for name in reversed(names) if slugify(name)}
    return list(reversed(unique.values()))
