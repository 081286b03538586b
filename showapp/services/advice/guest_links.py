"""Mentor and sponsor links between guests: "X mentored Y", "X sponsored Y".

A mentor gives advice; a sponsor puts their own reputation on the line for the other person
(the distinction the show's first article draws). Listeners walk these links on guest pages,
so only guests whose page is public (outside the trash, heard in a live episode) are linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, case, exists, select
from sqlalchemy.orm import Session, aliased

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import Appearance, Episode, Guest, GuestLink, GuestLinkKind, Show
from showapp.services.catalog.lookups import is_live, now_param

MAX_NOTE = 280
HELP = (
    "A mentor advised them; a sponsor put their own reputation on the line for them "
    "(named them for a role, vouched for them in the room)."
)
# The studio form's choices: how this guest relates to the other one.
RELATIONS = {
    "mentored": ("mentored", GuestLinkKind.MENTOR, True),
    "sponsored": ("sponsored", GuestLinkKind.SPONSOR, True),
    "mentored_by": ("was mentored by", GuestLinkKind.MENTOR, False),
    "sponsored_by": ("was sponsored by", GuestLinkKind.SPONSOR, False),
}
# Headings on the public page, by (kind, this guest is the mentor/sponsor).
HEADINGS = {
    (GuestLinkKind.MENTOR, False): "Mentored by",
    (GuestLinkKind.MENTOR, True): "Mentored",
    (GuestLinkKind.SPONSOR, False): "Sponsored by",
    (GuestLinkKind.SPONSOR, True): "Sponsored",
}


@dataclass(frozen=True)
class LinkedGuest:
    link_id: int
    name: str
    slug: str
    note: str


@dataclass(frozen=True)
class LinkGroup:
    heading: str
    guests: list[LinkedGuest]


def find_guest(session: Session, wanted: str) -> Guest | None:
    """A guest outside the trash by address (slug) or exact name."""
    wanted = wanted.strip()
    if not wanted:
        return None
    query = select(Guest).where(
        Guest.deleted_at.is_(None), (Guest.slug == wanted) | (Guest.name == wanted)
    )
    return session.scalars(query.order_by(Guest.id)).first()


def add_link(
    session: Session, guest: Guest, *, relation: str, other: str, note: str = ""
) -> GuestLink:
    """Record how `guest` relates to the guest named in `other` (slug or exact name)."""
    if relation not in RELATIONS:
        raise InvalidInput("Choose mentored, sponsored, was mentored by or was sponsored by.")
    found = find_guest(session, other)
    if found is None:
        raise InvalidInput(f"No guest is called '{other.strip()}': use their name or address.")
    if found.id == guest.id:
        raise InvalidInput("A guest cannot mentor or sponsor themselves.")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is {len(note)} characters long; keep it to {MAX_NOTE}.")
    label, kind, forward = RELATIONS[relation]
    giver, receiver = (guest, found) if forward else (found, guest)
    duplicate = select(GuestLink.id).where(
        GuestLink.from_guest_id == giver.id,
        GuestLink.to_guest_id == receiver.id,
        GuestLink.kind == kind,
    )
    if session.scalar(duplicate) is not None:
        raise InvalidInput(
            f"That is recorded already: {giver.name} {kind.value}ed {receiver.name}."
        )
    link = GuestLink(from_guest_id=giver.id, to_guest_id=receiver.id, kind=kind, note=note)
    session.add(link)
    session.flush()
    return link


def remove_link(session: Session, guest: Guest, link_id: int) -> bool:
    """Remove a link this guest is on either end of; False when there is none."""
    link = session.get(GuestLink, link_id)
    if link is None or guest.id not in (link.from_guest_id, link.to_guest_id):
        return False
    session.delete(link)
    session.flush()
    return True


def studio_links(session: Session, guest: Guest) -> list[LinkGroup]:
    """Every link of the guest, in the four groups, the trash included (hosts may tidy)."""
    return _groups(session, guest, public=False)


def public_links(session: Session, guest: Guest) -> list[LinkGroup]:
    """The guest's links to guests whose pages are public, in the four groups (empty ones
    left out)."""
    return [group for group in _groups(session, guest, public=True) if group.guests]


def _groups(session: Session, guest: Guest, *, public: bool) -> list[LinkGroup]:
    params: dict[str, Any] = {"guest_id": guest.id}
    if public:
        params["now"] = utc_now()
    grouped: dict[tuple[GuestLinkKind, bool], list[LinkedGuest]] = {key: [] for key in HEADINGS}
    for link_id, kind, note, name, slug, is_giver in session.execute(_links(public), params):
        grouped[kind, bool(is_giver)].append(LinkedGuest(link_id, name, slug, note))
    return [LinkGroup(HEADINGS[key], found) for key, found in grouped.items()]


@cache
def _links(public: bool) -> Select[Any]:
    """Built once per process with bound parameters (see catalog.lookups.now_param): the
    guest page is public, and building the statement cost more than running it."""
    guest_id: BindParameter[int] = bindparam("guest_id")
    other = aliased(Guest)
    outward = GuestLink.from_guest_id == guest_id
    other_end = case((outward, GuestLink.to_guest_id), else_=GuestLink.from_guest_id)
    query = (
        select(GuestLink.id, GuestLink.kind, GuestLink.note, other.name, other.slug, outward)
        .join(other, other.id == other_end)
        .where((GuestLink.from_guest_id == guest_id) | (GuestLink.to_guest_id == guest_id))
        .order_by(other.name)
    )
    if not public:
        return query
    heard = exists().where(
        Appearance.guest_id == other.id,
        Appearance.episode_id == Episode.id,
        is_live(now_param()),
    )
    return query.where(other.deleted_at.is_(None), heard)


def shows_of(session: Session, guest: Guest) -> list[tuple[str, str]]:
    """(slug, title) of the shows outside the trash the guest is credited on: where the
    studio's guest page offers to set a follow-up."""
    query = (
        select(Show.slug, Show.title)
        .join(Episode, Episode.show_id == Show.id)
        .join(Appearance, Appearance.episode_id == Episode.id)
        .where(Appearance.guest_id == guest.id, Show.deleted_at.is_(None))
        .group_by(Show.slug, Show.title)
        .order_by(Show.title)
    )
    return [(slug, title) for slug, title in session.execute(query)]
