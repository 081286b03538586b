"""Queue messages in the caller's transaction, and read the outbox for the studio.

A message is a row first: it is sent only once the change it tells about is committed (the
row commits with it), and no request ever waits for an SMTP server.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import InvalidInput
from showapp.models import MailKind, MailStatus, OutboxMessage, User, UserRole, show_hosts
from showapp.services.mail import optouts
from showapp.services.paging import STUDIO_PAGE_SIZE, Listing, listing

# Kinds an address can opt out of; an invitation and a reply someone asked for always go.
OPTIONAL_KINDS = frozenset(
    {
        MailKind.DIGEST, MailKind.REVIEW_ACTIVITY, MailKind.FOLLOW_UPS, MailKind.REVIEW_LINK,
        MailKind.GUEST_INVITE,
    }
)  # fmt: skip
# Good enough to refuse typos and header injection; the SMTP server has the last word.
ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
MAX_SUBJECT = 255


def is_address(value: str) -> bool:
    return len(value) <= 255 and ADDRESS.fullmatch(value) is not None


def queue_message(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: MailKind,
    show_id: int | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction. None when the recipient opted
    out of this (optional) kind, or a message with this dedupe key is already queued."""
    address = to.strip()
    if not is_address(address):
        raise InvalidInput(f"'{address[:80]}' is not an e-mail address.")
    if not text.strip():
        raise InvalidInput("A message needs a plain-text part.")
    if kind in OPTIONAL_KINDS and optouts.is_opted_out(session, address, kind):
        return None
    if dedupe_key is not None and _by_key(session, dedupe_key) is not None:
        return None
    at = now or utc_now()
    message = OutboxMessage(
        created_at=at,
        to_address=address, subject=" ".join(subject.split())[:MAX_SUBJECT], text_body=text,
        html_body=html, kind=kind, show_id=show_id, status=MailStatus.QUEUED, attempts=0,
        next_attempt_at=at, last_error="", message_id="", dedupe_key=dedupe_key,
    )  # fmt: skip
    if dedupe_key is None:
        session.add(message)
        session.flush()
        return message
    # Another process may queue the same digest at the same moment: the unique key decides,
    # and only this insert is undone.
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def _by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == key)
    ).one_or_none()


def visible_to(user: User) -> list[ColumnElement[bool]]:
    """Filters for what `user` sees: everything for an admin, their shows' mail for a host."""
    if user.role == UserRole.ADMIN:
        return []
    own = select(show_hosts.c.show_id).where(show_hosts.c.user_id == user.id)
    return [OutboxMessage.show_id.in_(own)]


def list_messages(
    session: Session, user: User, *, status: MailStatus | None = None, page: int = 1
) -> Listing[OutboxMessage]:
    """A page of the messages `user` may see, newest first."""
    query = select(OutboxMessage).where(*visible_to(user))
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return listing(session, query.order_by(OutboxMessage.id.desc()), page, STUDIO_PAGE_SIZE)


def count_by_status(session: Session, user: User) -> dict[MailStatus, int]:
    query = (
        select(OutboxMessage.status, func.count())
        .where(*visible_to(user))
        .group_by(OutboxMessage.status)
    )
    counts = {status: 0 for status in MailStatus}
    counts.update({MailStatus(status): n for status, n in session.execute(query)})
    return counts


def get_message(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def may_see(session: Session, user: User, message: OutboxMessage) -> bool:
    if user.role == UserRole.ADMIN:
        return True
    if message.show_id is None:
        return False
    query = select(OutboxMessage.id).where(OutboxMessage.id == message.id, *visible_to(user))
    return session.scalars(query).first() is not None


def release_held(session: Session, now: datetime | None = None) -> int:
    """Queue every held message again (an SMTP server has been set since)."""
    query = select(OutboxMessage).where(OutboxMessage.status == MailStatus.HELD)
    held = session.scalars(query).all()
    for message in held:
        send_again(message, now)
    session.flush()
    return len(held)


def send_again(message: OutboxMessage, now: datetime | None = None) -> None:
    """Queue a held, failed or sent message for a fresh round of attempts."""
    if message.status == MailStatus.QUEUED:
        raise InvalidInput("This message is already waiting to be sent.")
    message.status = MailStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = now or utc_now()
    message.last_error = ""
