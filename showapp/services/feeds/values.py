"""From catalog rows to the plain values a feed is rendered from: items, people, channels.

Rows come as ORM objects (tests, rss.build_feed) or as feed_queries' plain rows (the feeds'
fast path); both read the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from showapp.models import Episode, Show
from showapp.services import urls
from showapp.services.catalog.text import render_notes, sanitize_html
from showapp.services.feeds.items import Channel, Item, Person, xml_text
from showapp.services.feeds.queries import ShowRow


class EpisodeLike(Protocol):
    """An Episode row or a Core row with the same column names (the feed's fast path)."""

    @property
    def id(self) -> int: ...
    @property
    def guid(self) -> str: ...
    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def notes_md(self) -> str: ...
    @property
    def notes_html(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def audio_file(self) -> str | None: ...
    @property
    def audio_bytes(self) -> int | None: ...
    @property
    def audio_mime(self) -> str | None: ...
    @property
    def duration_seconds(self) -> float | None: ...
    @property
    def number(self) -> int | None: ...
    @property
    def season(self) -> int | None: ...
    @property
    def season_name(self) -> str: ...
    @property
    def podcast_episode(self) -> str: ...
    @property
    def episode_display(self) -> str: ...
    @property
    def episode_type(self) -> str: ...
    @property
    def explicit(self) -> bool: ...
    @property
    def itunes_block(self) -> bool: ...
    @property
    def itunes_title(self) -> str: ...
    @property
    def artwork(self) -> str | None: ...
    @property
    def audio_url(self) -> str | None: ...
    @property
    def artwork_url(self) -> str | None: ...
    @property
    def podcast_extras(self) -> list[Any] | None: ...


def guest_persons(episode: Episode, base_url: str) -> tuple[Person, ...]:
    return tuple(
        guest_person(a.guest.name, a.role, a.group, a.guest.photo, a.guest.links, a.guest.slug,
                     base_url, a.guest.photo_url)
        for a in episode.appearances
        if a.guest.deleted_at is None
    )  # fmt: skip


def guest_person(
    name: str,
    role: str,
    group: str,
    photo: str | None,
    links: Sequence[str] | None,
    slug: str,
    base_url: str,
    photo_url: str | None = None,
) -> Person:
    safe = urls.public_links(links)
    href = xml_text(safe[0]) if safe else urls.url(base_url, "guest", guest_slug=slug)
    # An imported podcast:person img stands in until a photo is uploaded.
    remote = xml_text(photo_url) if photo_url and urls.is_public_url(photo_url) else None
    img = urls.media_url(base_url, photo) if photo else remote
    return Person(xml_text(name), xml_text(role), xml_text(group), img, href)


def distinct_persons(persons: tuple[Person, ...]) -> tuple[Person, ...]:
    """Each person once per role, where they first came (hosts before guests): a studio host
    whom the episode also credits as host (an imported item's own podcast:person) is listed
    once, as the entry with an img and href when one of the two has them."""
    if len(persons) < 2:
        return persons
    at: dict[tuple[str, str], int] = {}
    kept: list[Person] = []
    for person in persons:
        key = (" ".join(person.name.split()).casefold(), person.role.casefold())
        index = at.get(key)
        if index is None:
            at[key] = len(kept)
            kept.append(person)
        elif _links(person) > _links(kept[index]):
            kept[index] = person
    return persons if len(kept) == len(persons) else tuple(kept)


def _links(person: Person) -> int:
    return bool(person.img) + bool(person.href)


def item_from_episode(
    episode: EpisodeLike,
    show_slug: str,
    base_url: str,
    persons: tuple[Person, ...],
    media_prefix: str = "",
) -> Item:
    """One item; `media_prefix` is a measurement service's prefix for our own enclosures."""
    if episode.published_at is None:
        raise ValueError("only episodes with a publication instant belong in a feed")
    # Rows written before notes were pre-rendered have no HTML yet.
    html = episode.notes_html or render_notes(episode.notes_md)
    return Item(
        guid=episode.guid,
        title=xml_text(episode.title) or "Untitled episode",
        link=urls.url(base_url, "episode", show_slug=show_slug, episode_slug=episode.slug),
        html=html or xml_text(episode.summary) or xml_text(episode.title),
        published=episode.published_at,
        enclosure_url=urls.audio_href(
            base_url, episode.audio_file, episode.audio_url, media_prefix
        ),
        enclosure_length=episode.audio_bytes,
        enclosure_type=episode.audio_mime,
        duration=round(episode.duration_seconds) if episode.duration_seconds is not None else None,
        episode=episode.number,
        season=episode.season,
        season_name=xml_text(episode.season_name or ""),
        podcast_episode=xml_text(episode.podcast_episode or ""),
        episode_display=xml_text(episode.episode_display or ""),
        episode_type=str(episode.episode_type),
        explicit=episode.explicit,
        block=episode.itunes_block,
        itunes_title=xml_text(episode.itunes_title or ""),
        image=urls.artwork_href(base_url, episode.artwork, episode.artwork_url),
        summary=xml_text(episode.summary),
        persons=distinct_persons(persons),
        podcast_extras=tuple(episode.podcast_extras or ()),
        episode_id=episode.id,
    )


def channel_from_show(
    show: Show | ShowRow,
    base_url: str,
    *,
    persons: tuple[Person, ...],
    last_build: datetime,
    hub_url: str = "",
    **overrides: Any,
) -> Channel:
    """The show's channel; topic feeds reuse it with another title, link and self URL."""
    fields: dict[str, Any] = {
        "title": xml_text(show.title),
        "link": urls.url(base_url, "show", show_slug=show.slug),
        "self_url": urls.feed_url(base_url, "show", show_slug=show.slug),
        # Apps render the channel description as HTML, as they do an item's notes: both are
        # cleaned with the same rules, so a host's <script> or onerror= never reaches them.
        "description": xml_text(sanitize_html(show.description)) or xml_text(show.title),
        "language": show.language or "en",
        "author": xml_text(show.author or show.owner_name or show.title),
        "podcast_guid": show.podcast_guid,
        "last_build": last_build,
        "owner_name": xml_text(show.owner_name or show.author),
        "owner_email": show.owner_email.strip(),
        "category": show.category,
        "subcategory": show.subcategory,
        "explicit": show.explicit,
        "show_type": str(show.show_type),
        "image": urls.artwork_href(base_url, show.artwork, show.artwork_url),
        "subtitle": xml_text(show.subtitle),
        "copyright": xml_text(show.copyright),
        "locked": show.locked,
        "funding_url": xml_text(show.funding_url) if urls.is_public_url(show.funding_url) else "",
        "funding_text": xml_text(show.funding_text),
        "medium": xml_text(show.medium),
        "update_frequency": xml_text(show.update_frequency),
        "update_rrule": xml_text(show.update_rrule),
        "new_feed_url": xml_text(show.new_feed_url),
        "block": show.itunes_block,
        "itunes_title": xml_text(show.itunes_title or ""),
        "complete": show.complete,
        "hub_url": xml_text(hub_url),
        "locked_owner": xml_text(show.locked_owner or ""),
        "podcast_extras": tuple(show.podcast_extras or ()),
    }
    fields.update(overrides)
    # The people an import kept go with the hosts (a feed that overrides the kept elements,
    # as the network's does, lists none of them), each person once.
    kept = fields["podcast_extras"]
    fields["persons"] = distinct_persons(persons + kept_persons(kept))
    fields["podcast_extras"] = tuple(tree for tree in kept if not _is_person(tree))
    return Channel(**fields)


def kept_persons(trees: Sequence[Any]) -> tuple[Person, ...]:
    """The channel-level podcast:person elements an import kept as trees (importing/p20.py),
    as persons; an img or href that is no public http(s) URL is left out."""
    found = []
    for tree in trees:
        name = xml_text(str(tree.get("text") or "")) if _is_person(tree) else ""
        if not name:
            continue
        attrs = tree.get("attrs") if isinstance(tree.get("attrs"), dict) else {}
        role = xml_text(str(attrs.get("role") or "")) or "host"
        group = xml_text(str(attrs.get("group") or "")) or "cast"
        found.append(
            Person(name, role, group, _public(attrs.get("img")), _public(attrs.get("href")))
        )
    return tuple(found)


def _is_person(tree: Any) -> bool:
    return isinstance(tree, dict) and tree.get("tag") == "person"


def _public(value: Any) -> str | None:
    return xml_text(value) if isinstance(value, str) and urls.is_public_url(value) else None
