"""Read one feed item into the values of an episode, repairing what can be repaired and
naming the rest: enclosures (type from the extension, encoded URLs, lengths that are not
sizes, duplicates), durations, dates, and the item's transcripts, chapters and soundbites.

Problems go to the run's report, and those about the media are kept with the episode too
(source_extras["import_issues"]), so feed health can list them later.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from showapp.models import EpisodeStatus, Show
from showapp.services.importing import mapping as feed_mapping
from showapp.services.importing.parse import FeedItem
from showapp.services.importing.report import ImportReport

log = logging.getLogger(__name__)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def clip(value: str, length: int) -> str:
    return value.strip()[:length]


class ItemReader:
    """The per-item half of an import run: what it has seen and what it reports."""

    def __init__(self, show: Show, base: str | None, report: ImportReport, now: datetime):
        self.show = show
        self.base = base
        self.report = report
        self.now = now
        self.seen_guids: set[str] = set()
        self.zoneless_dates = 0
        # Enclosure URL -> GUID of the first item using it (Apple drops the later ones).
        self.enclosures: dict[str, str] = {}
        self.issues: list[str] = []  # this item's, while it is being prepared

    def _linked_files(self, episode_id: int, item: FeedItem) -> list[dict[str, Any]]:
        base = self._base(item)
        found = [("transcript", t) for t in item.transcripts]
        if item.chapters:
            found.append(("chapters", item.chapters))
        rows: list[dict[str, Any]] = []
        for kind, attributes in found:
            url = self._url(item, attributes.get("url", ""), f"podcast:{kind} url", base)
            if url is None or len(url) > 2048:
                continue
            rows.append(
                {"episode_id": episode_id, "kind": kind, "position": len(rows), "url": url,
                 "mime": clip(attributes.get("type", ""), 64),
                 "language": clip(attributes.get("language", ""), 16),
                 "rel": clip(attributes.get("rel", ""), 32), "local_file": None}
            )  # fmt: skip
        return rows

    def _soundbites(self, episode_id: int, item: FeedItem) -> list[dict[str, Any]]:
        rows = []
        for bite in item.soundbites:
            start = feed_mapping.parse_duration(bite.get("startTime", ""))
            length = feed_mapping.parse_duration(bite.get("duration", ""))
            if start is None or not length:
                self._problem(item, "podcast:soundbite without a start and a duration; dropped")
                continue
            rows.append(
                {"episode_id": episode_id, "start_seconds": start, "duration_seconds": length,
                 "title": clip(feed_mapping.plain_text(bite.get("title", "")), 128)}
            )  # fmt: skip
        return rows

    def _base(self, item: FeedItem) -> str | None:
        """Where the item's relative URLs start: its xml:base, resolved against the feed's."""
        if not item.base:
            return self.base
        try:
            return urljoin(self.base or "", item.base) or self.base
        except ValueError:
            return self.base

    def _url(self, item: FeedItem, value: str, label: str, base: str | None = None) -> str | None:
        problems: list[str] = []
        found = feed_mapping.checked_url(value, base or self._base(item), label, problems)
        raw = value.strip()
        if found is not None and found != raw and (" " in raw or not raw.isascii()):
            self._repair(item, f"{label} had spaces or non-ASCII characters; encoded")
        for text in problems:
            # Reported, not kept with the episode: the refused value may be a script.
            self._problem(item, text, keep=False)
        return found

    def _problem(self, item: FeedItem, text: str, *, keep: bool = True) -> None:
        """A defect the import could not repair: in the report, and kept with the episode
        (`keep`) so feed health lists it too."""
        label = item.title or item.guid or "untitled"
        self.report.problems.append(f"line {item.line}, '{label[:60]}': {text}")
        if keep:
            self.issues.append(text)

    def _repair(self, item: FeedItem, text: str) -> None:
        """A defect the import fixed: reported, and kept with the episode for feed health."""
        label = item.title or item.guid or "untitled"
        self.report.repairs.append(f"line {item.line}, '{label[:60]}': {text}")
        self.issues.append(f"repaired: {text}")

    def _prepare_safely(self, item: FeedItem) -> tuple[str, FeedItem, dict[str, Any]] | None:
        # One bad field never stops the rest: an item that cannot be read is skipped, said so.
        self.issues = []
        try:
            return self._prepare(item)
        except (ValueError, OverflowError, TypeError, KeyError) as error:
            log.warning("import: item at line %s unreadable", item.line, exc_info=True)
            self._problem(item, f"could not be read ({error.__class__.__name__}); skipped")
            self.report.skipped += 1
            return None

    def _prepare(self, item: FeedItem) -> tuple[str, FeedItem, dict[str, Any]] | None:
        enclosure_url = feed_mapping.absolute_url(item.enclosure.get("url", ""), self._base(item))
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

    def _explicit(self, item: FeedItem) -> bool:
        """The item's itunes:explicit, else the show's: Apple reads an item without the tag
        as its channel, and writing `false` for it would list an explicit show's episodes
        as clean."""
        explicit = feed_mapping.parse_explicit(item.explicit)
        return bool(self.show.explicit) if explicit is None else explicit

    def _fields(self, item: FeedItem, enclosure_url: str | None) -> dict[str, Any]:
        published_at = self._published_at(item)
        fields: dict[str, Any] = {
            "title": clip(feed_mapping.plain_text(item.title), 255) or "Untitled episode",
            "summary": feed_mapping.plain_text(item.summary or item.subtitle),
            "notes_html": feed_mapping.notes_html(item),
            "published_at": published_at,
            **self._numbers(item),
            "episode_type": feed_mapping.episode_type(item.episode_type),
            "explicit": self._explicit(item),
            "itunes_block": feed_mapping.parse_block(item.itunes_block),
            "itunes_title": clip(feed_mapping.plain_text(item.itunes_title), 255),
            "artwork_url": fitting_url(self._url(item, item.image, "itunes:image")),
            "audio_url": enclosure_url,
            "duration_seconds": self._duration(item),
            "podcast_extras": item.podcast_extras,
        }
        fields["audio_mime"] = None
        fields["audio_bytes"] = None
        if enclosure_url is None:
            why = _unusable(item.enclosure.get("url", ""), self._base(item))
            self._problem(item, f"no usable enclosure ({why}); imported as a draft")
        else:
            fields.update(self._enclosure(item, enclosure_url))
            if not feed_mapping.is_media_type(fields["audio_mime"]):
                enclosure_url = None  # a web page is no episode: kept as a draft, said so
        fields["source_extras"] = self._extras(item)
        fields["status"] = self._status(enclosure_url, published_at)
        # Every row carries the same keys: the bulk insert of new episodes sends them together.
        released = fields["status"] != EpisodeStatus.DRAFT
        fields["first_published_at"] = published_at if released else None
        return fields

    def _numbers(self, item: FeedItem) -> dict[str, Any]:
        """Season (with podcast:season's name) and episode numbers. itunes:episode is a whole
        number and podcast:episode a decimal one (12.5): `number` is the first, or the second
        when that is whole, and `podcast_episode` keeps the second where it differs."""
        season = feed_mapping.parse_positive_int(item.season)
        number = feed_mapping.parse_positive_int(item.number)
        decimal = feed_mapping.parse_decimal(item.podcast_episode)
        if decimal is None and item.podcast_episode.strip():
            shown = item.podcast_episode.strip()[:24]
            text = f"podcast:episode {shown!r} is not a positive number; left out"
            self._problem(item, text, keep=False)
        if number is None and decimal is not None and decimal.isdigit():
            number = feed_mapping.parse_positive_int(decimal)
        own = decimal if decimal is not None and decimal != str(number) else ""
        # A name goes with the number it names: none without one.
        season_name = item.season_name if season else ""
        display = item.episode_display if own or number else ""
        return {
            "season": season,
            "season_name": self._label(item, "podcast:season name", season_name, 128),
            "number": number,
            "podcast_episode": own,
            "episode_display": self._label(item, "podcast:episode display", display, 32),
        }

    def _label(self, item: FeedItem, label: str, value: str, length: int) -> str:
        """A name the namespace bounds in length, shortened at a word when it is longer (as
        apps would show it), and said so."""
        text = feed_mapping.plain_text(value)
        if len(text) <= length:
            return text
        short = feed_mapping.shorten(text, length)
        self._repair(item, f"{label} is longer than {length} characters; shortened to {short!r}")
        return short

    def _enclosure(self, item: FeedItem, url: str) -> dict[str, Any]:
        """Type and length of a usable enclosure, repairing what can be and saying so."""
        raw_url = item.enclosure.get("url", "").strip()
        if url != raw_url and (" " in raw_url or not raw_url.isascii()):
            self._repair(item, "enclosure URL had spaces or non-ASCII characters; encoded")
        declared = item.enclosure.get("type", "").strip().lower()
        mime = feed_mapping.audio_mime(declared, url)
        if declared and mime != feed_mapping.MIME_ALIASES.get(declared, declared):
            self._repair(item, f"enclosure typed {declared[:40]} is {mime} by its extension")
        elif declared in feed_mapping.MIME_ALIASES:
            self._repair(item, f"enclosure type {declared} written as {mime}")
        if not feed_mapping.is_media_type(mime):
            self._problem(item, f"the enclosure is {mime[:40]}, not audio or video; "
                          "imported as a draft")  # fmt: skip
        raw_length = item.enclosure.get("length", "").strip()
        length = feed_mapping.parse_positive_int(raw_length)
        if length is None:
            what = f"length {raw_length[:24]!r} is not a size" if raw_length else "has no length"
            self._problem(item, f"enclosure {what}; published as length 0 until the media is "
                          "downloaded and measured")  # fmt: skip
        if item.enclosure_count > 1:
            self._problem(item, f"{item.enclosure_count} enclosures; only the first is kept")
        first = self.enclosures.setdefault(url, item.guid or url)
        if first != (item.guid or url):
            self._problem(item, f"the same enclosure URL as the item '{first[:60]}'")
        return {"audio_mime": clip(mime, 64), "audio_bytes": length or 0}

    def _duration(self, item: FeedItem) -> float | None:
        seconds = feed_mapping.parse_duration(item.duration)
        if seconds is None and item.duration.strip():
            self._problem(item, f"unreadable itunes:duration {item.duration[:24]!r}; left out")
        elif seconds == 0:
            self._problem(item, "itunes:duration is 0; left out until the media is measured")
            seconds = None
        elif seconds is not None and seconds > feed_mapping.MAX_INT:
            self._problem(item, "itunes:duration is implausibly long; left out")
            seconds = None
        return seconds

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
        """The original link, and what the import found wrong with the item (feed health
        lists it with the episode)."""
        extras: dict[str, Any] = {}
        link = self._url(item, item.link, "link")
        if link:
            extras["link"] = link
        if item.transcripts or item.chapters:
            key = item.guid or link or item.title
            self.report.extras[key] = {"transcripts": len(item.transcripts),
                                       "chapters": int(bool(item.chapters))}  # fmt: skip
        if self.issues:
            extras["import_issues"] = list(self.issues)
        return extras


def _unusable(value: str, base: str | None) -> str:
    value = value.strip()
    if not value:
        return "missing"
    if base is None and not _SCHEME.match(value):
        return "relative without a feed address"
    return f"{value[:80]!r} is not an http(s) URL"


def fitting_url(url: str | None, length: int = 2048) -> str | None:
    # A URL cut to fit a column is a broken link: a longer one is not kept.
    return url if url is not None and len(url) <= length else None
