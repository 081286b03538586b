"""Upsert one run's episodes in batches: matched by GUID, new rows bulk-inserted.

Per-episode problems go to the report and never stop the batch.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import (
    Appearance,
    Episode,
    Guest,
    LinkedFile,
    Show,
    Soundbite,
    episode_topics,
)
from showapp.services.catalog import writes
from showapp.services.catalog.text import slugify
from showapp.services.importing import parse as feed_parse
from showapp.services.importing.item_reader import ItemReader, fitting_url
from showapp.services.importing.parse import FeedItem
from showapp.services.importing.report import ImportReport

log = logging.getLogger(__name__)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def assign_changed(row: Show | Episode, values: dict[str, Any]) -> bool:
    """Set only what differs, so an unchanged row is not rewritten (and its version kept)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


class EpisodeBatchImporter(ItemReader):
    """State for one import run: slugs in use, topics and guests by name (and, in ItemReader,
    the GUIDs and enclosures seen)."""

    def __init__(self, session: Session, show: Show, base: str | None, report: ImportReport):
        super().__init__(show, base, report, utc_now())
        self.session = session
        self.slugs: set[str] = set(
            session.scalars(select(Episode.slug).where(Episode.show_id == show.id))
        )
        self.topic_ids: dict[str, int] = {}
        self.guest_ids: dict[str, int] = {}
        self.trashed_guests: set[str] = set()

    def finish(self) -> None:
        if self.zoneless_dates:
            self.report.warnings.append(
                f"{self.zoneless_dates} pubDates have no time zone; they were read as UTC"
            )

    def import_batch(self, items: list[FeedItem]) -> None:
        """Upsert a batch: new episodes, their topics and credits go in as bulk inserts."""
        prepared = [p for p in (self._prepare_safely(item) for item in items) if p is not None]
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
                self._rich_rows(episode.id, item, existing=True)
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
        files, bites = [], []
        for episode_id, item in zip(ids, items, strict=True):
            files += self._linked_files(episode_id, item)
            bites += self._soundbites(episode_id, item)
        # One statement each for the whole batch: per-episode inserts were most of the run.
        if files:
            self.session.execute(insert(LinkedFile), files)
        if bites:
            self.session.execute(insert(Soundbite), bites)

    def _rich_rows(self, episode_id: int, item: FeedItem, *, existing: bool) -> None:
        """The item's transcripts and chapters (linked where they live) and soundbites; on a
        re-run only what is not there yet, so nothing a host added or downloaded is lost."""
        files = self._linked_files(episode_id, item)
        bites = self._soundbites(episode_id, item)
        if existing and (files or bites):
            have = set(
                self.session.execute(
                    select(LinkedFile.kind, LinkedFile.url).where(
                        LinkedFile.episode_id == episode_id
                    )
                ).tuples()
            )
            files = [f for f in files if (f["kind"], f["url"]) not in have]
            timed = set(
                self.session.execute(
                    select(Soundbite.start_seconds, Soundbite.duration_seconds).where(
                        Soundbite.episode_id == episode_id
                    )
                ).tuples()
            )
            bites = [b for b in bites if (b["start_seconds"], b["duration_seconds"]) not in timed]
        if files:
            self.session.execute(insert(LinkedFile), files)
        if bites:
            self.session.execute(insert(Soundbite), bites)

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
        if not slug:
            self._problem(item, f"{person.name[:60]!r} has no letters or digits; not credited")
            return None
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
            img = fitting_url(
                self._url(item, person.img, f"podcast:person img of {person.name[:60]!r}")
            )
            if img and not guest.photo and guest.photo_url != img:
                guest.photo_url = img
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


def _topic_names(item: FeedItem) -> list[str]:
    names = [name.strip()[:128] for name in [*item.keywords, *item.categories]]
    unique = {slugify(name): name for name in reversed(names) if slugify(name)}
    return list(reversed(unique.values()))
