"""Loading a feed's episodes as items: plain rows (no ORM objects, which keeps a 10,000-episode
render cheap), each guest read once, hosts, and the rich-episode tags (transcripts, chapters,
soundbites)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from showapp.models import EpisodeType
from showapp.services import urls
from showapp.services.catalog import transcripts
from showapp.services.catalog.text import clock
from showapp.services.feeds import queries as feed_queries
from showapp.services.feeds import values as feed_values
from showapp.services.feeds.items import FeedSite, Item, Person, Trailer, xml_text
from showapp.services.feeds.items import Soundbite as FeedSoundbite
from showapp.services.feeds.items import Transcript as FeedTranscript
from showapp.services.feeds.queries import EpisodeRow, Scope

MOST_LISTED = 500


class Loaded(NamedTuple):
    items: list[Item]
    trailers: tuple[Trailer, ...]
    last_build: datetime
    next_go_live: datetime | None  # the earliest scheduled episode's instant, if any


def load_items(
    session: Session,
    scope: Scope,
    site: FeedSite,
    now: datetime,
    floor: datetime | None,
    hosts: Mapping[int, tuple[Person, ...]] | None = None,
    limit: int | None = None,
) -> Loaded:
    """Live episodes in `scope`, newest first (the `limit` newest, if given), as items; their
    trailers; the last-build instant; the next go-live. `hosts` (by show id) saves a query
    when the caller has read them."""
    connection = plain_rows(session)
    if limit is None:
        result = connection.execute(feed_queries.episodes(scope.where), scope.params)
        rows = list(map(EpisodeRow._make, result.all()))
        upcoming = 0
        while upcoming < len(rows) and rows[upcoming].published_at > now:
            upcoming += 1
        go_live = rows[upcoming - 1].published_at if upcoming else None
        del rows[:upcoming]
        loaded = _loaded(scope, now, rows)
    else:
        # Bounded: the scope's scheduled episodes could be any number, so the next go-live
        # is its own query; the rest reads only the rows listed, by id.
        bounded = {**scope.params, "now": now, "limit": limit}
        result = connection.execute(feed_queries.newest_live(scope.where), bounded)
        rows = list(map(EpisodeRow._make, result.all()))
        go_live = next_go_live(session, scope, now)
        loaded = feed_queries.by_id([row.id for row in rows])
    guests = _guests(connection, loaded, site.base_url)
    if hosts is None:
        hosts = hosts_by_show(session, list({row.show_id for row in rows}))
    items = [
        feed_values.item_from_episode(
            row,
            row.show_slug,
            site.base_url,
            hosts.get(row.show_id, ()) + guests.get(row.id, ()),
            site.media_prefix,
        )
        for row in rows
    ]
    extras = _rich_extras(connection, loaded, rows, site.base_url)
    for episode_id, notes in _advice_notes(connection, loaded).items():
        extras.setdefault(episode_id, {})["advice_html"] = notes
    if extras:
        items = [_with_extras(i, extras.get(r.id)) for i, r in zip(items, rows, strict=True)]
    trailers = tuple(_trailer(item) for item in items if item.episode_type == EpisodeType.TRAILER)
    stamps = [i.published for i in items] + ([floor] if floor else [])
    last_build = max(stamps) if stamps else now
    return Loaded(items, tuple(t for t in trailers if t is not None), last_build, go_live)


def _with_extras(item: Item, extras: dict[str, Any] | None) -> Item:
    if not extras:
        return item
    advice_html = extras.pop("advice_html", "")
    return item._replace(html=item.html + advice_html, **extras)


def _advice_notes(connection: Connection, episodes: Scope) -> dict[int, str]:
    """The "Advice in this episode" list each episode's show notes end with: guest — text
    (at 12:30), every value escaped, as the notes are HTML."""
    found: dict[int, list[str]] = defaultdict(list)
    for episode_id, text, start, name in connection.execute(
        feed_queries.advice(episodes.where), episodes.params
    ):
        said = f"{escape(name)} — {escape(text)}" if name else escape(text)
        at = f" (at {clock(start)})" if start is not None else ""
        found[episode_id].append(f"<li>{said}{at}</li>")
    return {
        episode_id: "<h3>Advice in this episode</h3><ul>" + "".join(lines) + "</ul>"
        for episode_id, lines in found.items()
    }


def _loaded(scope: Scope, now: datetime, rows: Sequence[EpisodeRow]) -> Scope:
    """The loaded episodes, for the queries that follow: by id when they are few (a rebuild of
    a few changed episodes, where joining the scope again would scan the whole show), else the
    live scope again, as thousands of ids are slow to bind and can pass parameter limits."""
    if len(rows) <= MOST_LISTED:
        return feed_queries.by_id([row.id for row in rows])
    return Scope(feed_queries.live(scope.where), {**scope.params, "now": now})


def plain_rows(session: Session) -> Connection:
    """The session's connection, for reads that want plain rows: the ORM's per-row work costs
    more than the database on a big feed. Flushes first, as an ORM query would."""
    if session.autoflush:
        session.flush()
    return session.connection()


def _rich_extras(
    connection: Connection, episodes: Scope, rows: Sequence[Any], base_url: str
) -> dict[int, dict[str, Any]]:
    """podcast:transcript, podcast:chapters and podcast:soundbite values per episode id, for
    the episodes that have any."""
    found = connection.execute(feed_queries.rich(episodes.where), episodes.params).all()
    linked = connection.execute(feed_queries.linked(episodes.where), episodes.params).all()
    if not found and not linked:
        return {}
    slugs_of = {row.id: {"show_slug": row.show_slug, "episode_slug": row.slug} for row in rows}
    extras: dict[int, dict[str, Any]] = defaultdict(dict)
    for episode_id, kind, text, language, start, duration in found:
        slugs = slugs_of[episode_id]
        if kind == "chapters":
            extras[episode_id]["chapters_url"] = urls.url(base_url, "chapters", **slugs)
        elif kind == "soundbite":
            bite = FeedSoundbite(start, duration, text)
            extras[episode_id]["soundbites"] = (*extras[episode_id].get("soundbites", ()), bite)
        else:
            query = f"?lang={quote(language)}"
            timed = urls.url(base_url, "transcript", **slugs, extension=text) + query
            plain = urls.url(base_url, "transcript", **slugs, extension="txt") + query
            extras[episode_id]["transcripts"] = (
                *extras[episode_id].get("transcripts", ()),
                FeedTranscript(timed, transcripts.FORMATS[text], language, captions=True),
                FeedTranscript(plain, "text/plain", language),
            )
    _linked_extras(extras, linked, base_url)
    return extras


def _linked_extras(extras: dict[int, dict[str, Any]], linked: Sequence[Any], base_url: str) -> None:
    """Imported transcripts and chapters files, from our copy once downloaded, else where the
    old host serves them; what the host made in showapp comes first."""
    for episode_id, kind, url, mime, language, rel, local_file in linked:
        href = urls.media_url(base_url, local_file) if local_file else url
        if kind == "chapters":
            if "chapters_url" not in extras[episode_id]:
                extras[episode_id]["chapters_url"] = href
                extras[episode_id]["chapters_type"] = mime or "application/json+chapters"
        else:
            found = FeedTranscript(href, mime or "text/plain", language or None, rel == "captions")
            extras[episode_id]["transcripts"] = (*extras[episode_id].get("transcripts", ()), found)


def _trailer(item: Item) -> Trailer | None:
    if not item.enclosure_url:
        return None
    return Trailer(
        title=item.title,
        url=item.enclosure_url,
        published=item.published,
        length=item.enclosure_length,
        mime=item.enclosure_type,
        season=item.season,
    )


def _guests(
    connection: Connection, episodes: Scope, base_url: str
) -> dict[int, tuple[Person, ...]]:
    """podcast:person values per episode id. Each credit (guest, role, group) becomes one
    Person, built once however many episodes it is on; the guest's links are decoded then."""
    credits = connection.execute(feed_queries.credits(episodes.where), episodes.params).all()
    persons: dict[tuple[int, str, str], Person] = {}
    people: dict[int, list[Person]] = defaultdict(list)
    for episode_id, guest_id, role, group, name, photo, slug, links, photo_url in credits:
        person = persons.get((guest_id, role, group))
        if person is None:
            person = persons[guest_id, role, group] = feed_values.guest_person(
                name,
                role,
                group,
                photo,
                json.loads(links) if links else None,
                slug,
                base_url,
                photo_url,
            )
        people[episode_id].append(person)
    return {episode_id: tuple(found) for episode_id, found in people.items()}


def hosts_by_show(session: Session, show_ids: Sequence[int]) -> dict[int, tuple[Person, ...]]:
    """Hosts by show: the named studio users hosting it. Never the show's author: that is
    itunes:author, often a company ("DW.COM | Deutsche Welle"), and no person the show has."""
    if not show_ids:
        return {}
    rows = plain_rows(session).execute(feed_queries.HOSTS, {"show_ids": list(show_ids)}).all()
    hosts: dict[int, list[Person]] = defaultdict(list)
    for show_id, name in rows:
        if name is not None and name.strip():
            hosts[show_id].append(Person(name=xml_text(name)))
    return {show_id: tuple(found) for show_id, found in hosts.items()}


def next_go_live(session: Session, scope: Scope, now: datetime) -> datetime | None:
    query = feed_queries.next_go_live(scope.where)
    found: datetime | None = plain_rows(session).scalar(query, {**scope.params, "now": now})
    return found
