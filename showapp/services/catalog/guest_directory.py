"""The public guest directory (/guests/): everyone heard in a live episode, A to Z.

The directory is walked by key, not by page number: a page starts after (or ends before) a
guest, or at a letter, and every page is an index seek of ix_guests_directory. Page numbers
made the 417th page of 20,000 guests walk the 20,000 names before it (and count them all)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.db import prepared, rows
from showapp.models import Appearance, Guest
from showapp.services.catalog.lookups import listed_guest, live_listed_credit, now_param
from showapp.services.paging import offset

GUESTS_PER_PAGE = 48
LETTERS = tuple(string.ascii_lowercase)

Key = tuple[str, int]  # (lower(name), id): the directory's order


class DirectoryGuest(NamedTuple):
    """What the directory shows of a guest."""

    id: int
    slug: str
    name: str
    photo: str | None
    job_title: str | None
    organisation: str | None


@dataclass(frozen=True)
class GuestEntry:
    guest: DirectoryGuest
    episodes: int  # live episodes they are on


@dataclass(frozen=True)
class Directory:
    """One page of the directory and the ways on from it."""

    items: list[GuestEntry]
    previous: int | None  # the page before ends before this guest (?before=)
    next: int | None  # the page after starts after this guest (?after=)
    letters: dict[str, bool]  # a to z: does any listed guest's name start with it
    letter: str | None  # the letter the page starts in, when it is one of LETTERS

    @property
    def first(self) -> bool:
        return self.previous is None


def _name() -> ColumnElement[str]:
    return func.lower(Guest.name)


def _past(forward: bool) -> ColumnElement[bool]:
    """Guests after (or before) the key :name, :id in directory order. Written as a range on
    the name and a tie-break on the id, which SQLite seeks in the expression index; a
    row-value comparison made it scan the index from the start."""
    name, ident = _name(), Guest.id
    key_name, key_id = bindparam("name", type_=String()), bindparam("id", type_=Integer())
    if forward:
        return and_(name >= key_name, or_(name > key_name, ident > key_id))
    return and_(name <= key_name, or_(name < key_name, ident < key_id))


def public_guests(
    session: Session,
    *,
    after: int | None = None,
    before: int | None = None,
    letter: str | None = None,
    per_page: int | None = None,
) -> Directory | None:
    """A page of the guests with a live episode, not in the trash, by name (case ignored),
    with how many live episodes each is on: the first page, or the page after or before a
    guest (by id; None when there is no such guest), or the page starting at a letter.
    Guests only drafts credit are not public yet."""
    per_page = per_page or GUESTS_PER_PAGE
    now = utc_now()
    anchor = after if after is not None else before
    key: Key | None = None
    if anchor is not None:
        key = _key_of(session, anchor)
        if key is None:
            return None
    elif letter is not None:
        key = (letter, 0)  # ids start at 1: every name from the letter on
    forward = before is None
    window = _window(session, now, key, forward, per_page + 1)
    more = len(window) > per_page
    window = window[:per_page]
    if not forward:
        window.reverse()
        if not more:  # back at the start: the first page, full
            return public_guests(session, per_page=per_page)
    guests = [guest for guest, _ in window]
    previous = _previous(session, now, window, key is None, forward, more)
    following = _following(session, now, window, forward, more)
    counts = _live_episode_counts(session, [guest.id for guest in guests], now)
    first_letter = guests[0].name[:1].lower() if guests else ""
    return Directory(
        items=[GuestEntry(guest, counts.get(guest.id, 0)) for guest in guests],
        previous=previous,
        next=following,
        letters=_letters(session, now),
        letter=first_letter if first_letter and first_letter in LETTERS else None,
    )


def guest_before_page(session: Session, page: int, per_page: int | None = None) -> int | None:
    """The guest the old numbered page `page` (2 and on) started after, to send its links on
    to the page by key; None past the end. Walks the names before it, once per old link."""
    per_page = per_page or GUESTS_PER_PAGE
    return session.scalar(
        select(Guest.id)
        .where(listed_guest(utc_now()))
        .order_by(_name(), Guest.id)
        .limit(1)
        .offset(offset(page, per_page) - 1)
    )


def _key_of(session: Session, guest_id: int) -> Key | None:
    """A guest's place in the directory, listed or not (a page may start after a guest who
    has since gone to the trash)."""
    row = rows(session, _key_statement(), {"id": guest_id}).first()
    return (row[0], row[1]) if row is not None else None


@prepared
def _key_statement() -> Select[Any]:
    return select(_name(), Guest.id).where(Guest.id == bindparam("id", type_=Integer()))


Window = list[tuple[DirectoryGuest, Key]]


def _window(session: Session, now: datetime, key: Key | None, forward: bool, limit: int) -> Window:
    """Guests from `key` on (or back), each with its key as the database lowers the name
    (SQLite's lower() leaves letters outside ASCII as they are; Python's would not)."""
    params: dict[str, Any] = {"now": now, "limit": limit}
    if key is not None:
        params.update(name=key[0], id=key[1])
    found = rows(session, _window_statement(key is not None, forward), params)
    return [(DirectoryGuest(*row[:-1]), (row[-1], row[0])) for row in found]


@prepared
def _window_statement(keyed: bool, forward: bool) -> Select[Any]:
    order = (_name(), Guest.id) if forward else (_name().desc(), Guest.id.desc())
    shown = (Guest.id, Guest.slug, Guest.name, Guest.photo, Guest.job_title, Guest.organisation)
    query = select(*shown, _name()).where(listed_guest(now_param())).order_by(*order)
    if keyed:
        query = query.where(_past(forward))
    return query.limit(bindparam("limit", type_=Integer()))


def _previous(
    session: Session, now: datetime, window: Window, at_start: bool, forward: bool, more: bool
) -> int | None:
    if not window or at_start:
        return None
    guest, key = window[0]
    if not forward:
        return guest.id if more else None
    return guest.id if _any_past(session, now, key, forward=False) else None


def _following(
    session: Session, now: datetime, window: Window, forward: bool, more: bool
) -> int | None:
    if not window:
        return None
    guest, key = window[-1]
    if forward:
        return guest.id if more else None
    return guest.id if _any_past(session, now, key, forward=True) else None


def _any_past(session: Session, now: datetime, key: Key, *, forward: bool) -> bool:
    params = {"now": now, "name": key[0], "id": key[1], "limit": 1}
    return rows(session, _window_statement(True, forward), params).first() is not None


def _letters(session: Session, now: datetime) -> dict[str, bool]:
    """For each letter, whether a listed guest's name starts with it, so the letter bar only
    links letters that lead somewhere: the first name at or after each letter, 26 index seeks
    in one statement. Checked here rather than bounded by the next letter in SQL, where a
    locale's collation may place '{' (after 'z') before the letters."""
    row = rows(session, _letters_statement(), {"now": now}).one()
    return {
        letter: first is not None and first.startswith(letter)
        for letter, first in zip(LETTERS, row, strict=True)
    }


@prepared
def _letters_statement() -> Select[Any]:
    name, now = _name(), now_param()
    return select(
        *(
            select(name)
            .where(listed_guest(now), name >= literal(letter))
            .order_by(name)
            .limit(1)
            .scalar_subquery()
            .label(letter)
            for letter in LETTERS
        )
    )


def _live_episode_counts(session: Session, guest_ids: list[int], now: datetime) -> dict[int, int]:
    """Live episodes per guest (a guest in two roles on one episode counts it once)."""
    if not guest_ids:
        return {}
    found = rows(session, _counts_statement(), {"ids": guest_ids, "now": now})
    return {guest_id: count for guest_id, count in found.tuples()}


@prepared
def _counts_statement() -> Select[Any]:
    return (
        select(Appearance.guest_id, func.count(func.distinct(Appearance.episode_id)))
        .where(
            Appearance.guest_id.in_(bindparam("ids", expanding=True)),
            live_listed_credit(now_param()),
        )
        .group_by(Appearance.guest_id)
    )
