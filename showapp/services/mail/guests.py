"""A guest's private e-mail address, given where a host mails them (review links)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Guest
from showapp.services.mail.outbox import is_address


def clean_address(value: str) -> str:
    """ "" stays ""; anything else must look like one address."""
    address = value.strip()
    if address and not is_address(address):
        raise InvalidInput(f"'{address[:80]}' is not an e-mail address (like name@example.com).")
    return address


def set_guest_email(session: Session, guest_id: int, value: str) -> Guest | None:
    """Store the address given for the guest; an empty field keeps the one on file."""
    guest = session.get(Guest, guest_id)
    address = clean_address(value)
    if guest is not None and address and address != guest.email:
        guest.email = address
        session.flush()
    return guest
