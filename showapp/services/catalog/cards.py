"""Episodes as list pages show them: plain rows read with Core, not ORM objects.

A list page shows 20 episodes with their show, credits and topics. Loaded as ORM objects
(identity map, instrumented attributes, relationship collections set afterwards) they cost
2.2 ms of a 6 ms show page at 10,000 episodes; the same rows as tuples cost 0.6 ms
(bench/profile_site.py). A card has the attributes of the models the templates read
(`episode.show.slug`, `a.guest.name`, `topic.slug`), so the macros take either.

Every statement is built once per process with bound parameters (lookups.now_param).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from showapp.db import prepared, rows
from showapp.models import Appearance, Episode, Guest, Show, Topic, episode_topics
from showapp.services.catalog.lookups import live_credit


@dataclass(frozen=True, slots=True)
class ShowRef:
    id: int
    slug: str
    title: str
    artwork: str | None
    artwork_url: str | None


@dataclass(frozen=True, slots=True)
class GuestRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class CreditRef:
    guest: GuestRef
    role: str
    job_title: str
    organisation: str

    @property
    def guest_id(self) -> int:
        return self.guest.id


@dataclass(frozen=True, slots=True)
class TopicRef:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class EpisodeCard:
    id: int
    slug: str
    title: str
    summary: str
    published_at: datetime | None
    duration_seconds: float | None
    artwork: str | None
    updated_at: datetime
    show: ShowRef
    appearances: list[CreditRef] = field(default_factory=list)
    topics: list[TopicRef] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AppearanceCard:
    """A guest's appearance as their page lists it: the role then, and the episode."""

    id: int
    role: str
    job_title: str
    organisation: str
    episode: EpisodeCard


def appearances_by_ids(session: Session, ids: Sequence[int]) -> list[AppearanceCard]:
    """These appearances in the ids' order, each with its episode's card (brief)."""
    if not ids:
        return []
    found = {}
    for appearance_id, role, job_title, organisation, *card in rows(
        session, _appearances(), {"ids": list(ids)}
    ):
        found[appearance_id] = AppearanceCard(
            appearance_id, role, job_title, organisation, _card(card)
        )
    return [found[i] for i in ids if i in found]


def cards_by_ids(session: Session, ids: Sequence[int], *, brief: bool = False) -> list[EpisodeCard]:
    """Cards of these episodes in the ids' order (unknown ids left out; the caller has chosen
    live ones); `brief` leaves out credits and topics."""
    if not ids:
        return []
    found = {row.id: row for row in map(_card, rows(session, _cards(), {"ids": list(ids)}).all())}
    cards = [found[i] for i in ids if i in found]
    if cards and not brief:
        _add_credits_and_topics(session, cards)
    return cards


def _card(row: Any) -> EpisodeCard:
    (id_, slug, title, summary, published_at, duration, artwork, updated_at,
     show_id, show_slug, show_title, show_artwork, show_artwork_url) = row  # fmt: skip
    return EpisodeCard(
        id_, slug, title, summary or "", published_at, duration, artwork, updated_at,
        ShowRef(show_id, show_slug, show_title, show_artwork, show_artwork_url),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class EpisodePeople:
    """An episode's credits (of guests not in the trash) and topics, as its page shows them."""

    credits: list[CreditRef] = field(default_factory=list)
    topics: list[TopicRef] = field(default_factory=list)

    @property
    def guest_ids(self) -> list[int]:
        return [credit.guest.id for credit in self.credits]

    @property
    def topic_ids(self) -> list[int]:
        return [topic.id for topic in self.topics]


def people_of(session: Session, episode_id: int) -> EpisodePeople:
    """One episode's credits and topics as plain rows: loaded as ORM objects (Appearance,
    Guest, Topic) they were an eighth of the episode page's time."""
    return _people_by_episode(session, [episode_id])[episode_id]


def _people_by_episode(session: Session, ids: list[int]) -> dict[int, EpisodePeople]:
    found = {episode_id: EpisodePeople() for episode_id in ids}
    for episode_id, guest_id, slug, name, role, job_title, organisation in rows(
        session, _credits(), {"ids": ids}
    ).all():
        credit = CreditRef(GuestRef(guest_id, slug, name), role, job_title, organisation)
        found[episode_id].credits.append(credit)
    for episode_id, topic_id, slug, name in rows(session, _topics(), {"ids": ids}).all():
        found[episode_id].topics.append(TopicRef(topic_id, slug, name))
    return found


def _add_credits_and_topics(session: Session, cards: list[EpisodeCard]) -> None:
    people = _people_by_episode(session, [card.id for card in cards])
    for card in cards:
        card.appearances.extend(people[card.id].credits)
        card.topics.extend(people[card.id].topics)


@prepared
def _cards() -> Select[Any]:
    return (
        select(
            Episode.id,
            Episode.slug,
            Episode.title,
            Episode.summary,
            Episode.published_at,
            Episode.duration_seconds,
            Episode.artwork,
            Episode.updated_at,
            Show.id,
            Show.slug,
            Show.title,
            Show.artwork,
            Show.artwork_url,
        )  # fmt: skip
        .join(Show, Show.id == Episode.show_id)
        .where(Episode.id.in_(bindparam("ids", expanding=True)))
    )


@prepared
def _appearances() -> Select[Any]:
    return (
        select(
            Appearance.id,
            Appearance.role,
            Appearance.job_title,
            Appearance.organisation,
            *_cards().selected_columns,
        )  # fmt: skip
        .join(Episode, Episode.id == Appearance.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(Appearance.id.in_(bindparam("ids", expanding=True)))
    )


@prepared
def _credits() -> Select[Any]:
    # Credits of guests in the trash are not shown: live_credit's EXISTS, as lookups' own
    # credits query explains, keeps SQLite off a scan of every guest.
    return (
        select(
            Appearance.episode_id,
            Guest.id,
            Guest.slug,
            Guest.name,
            Appearance.role,
            Appearance.job_title,
            Appearance.organisation,
        )  # fmt: skip
        .join(Guest, Guest.id == Appearance.guest_id)
        .where(
            Appearance.episode_id.in_(bindparam("ids", expanding=True)),
            live_credit(),
        )
        .order_by(Appearance.episode_id, Appearance.position)
    )


@prepared
def _topics() -> Select[Any]:
    return (
        select(episode_topics.c.episode_id, Topic.id, Topic.slug, Topic.name)
        .join(Topic, Topic.id == episode_topics.c.topic_id)
        .where(episode_topics.c.episode_id.in_(bindparam("ids", expanding=True)))
        .order_by(episode_topics.c.episode_id, Topic.name)
    )
