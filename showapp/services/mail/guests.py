"""A guest's private e-mail address, given where a host mails them (review links)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Appearance, Episode, Guest, User, UserRole, show_hosts
from showapp.services.mail.outbox import is_address


def clean_address(value: str) -> str:
    """ "" stays ""; anything else must look like one address."""
    address = value.strip()
    if address and not is_address(address):
        raise InvalidInput(f"'{address[:80]}' is not an e-mail address (like name@example.com).")
    return address


def set_guest_email(session: Session, guest_id: int, value: str, user: User) -> Guest | None:
    """Store the address given for the guest; an empty field keeps the one on file.

    The address is the guest's for every show (their digests go there), so one already on
    file is replaced only by an admin or by a host of every show the guest is credited on:
    a host of one show cannot redirect another show's mail."""
    guest = session.get(Guest, guest_id)
    address = clean_address(value)
    if guest is None or not address or address == guest.email:
        return guest
    if guest.email and not may_replace_address(session, guest, user):
        raise InvalidInput(
            f"{guest.name} is also a guest of shows you do not host, and has an e-mail address "
            "on file already: leave the field empty to use it, or ask an admin to change it."
        )
    guest.email = address
    session.flush()
    return guest


def may_replace_address(session: Session, guest: Guest, user: User) -> bool:
    if user.role == UserRole.ADMIN:
        return True
    hosted = select(show_hosts.c.show_id).where(show_hosts.c.user_id == user.id)
    elsewhere = (
        select(Episode.id)
        .join(Appearance, Appearance.episode_id == Episode.id)
        .where(Appearance.guest_id == guest.id, Episode.show_id.not_in(hosted))
        .limit(1)
    )
    return session.scalar(elsewhere) is None
