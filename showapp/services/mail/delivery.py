"""Deliver what is due: claim each message, send it, record the outcome.

`deliver_due` is the whole of "sending mail": the in-process runner calls it every so often
today, and a job queue can call it instead with no other change. Unlike other services it
commits, once per message: a send is an effect outside the database, so its outcome is
recorded before the next one starts, and a claim (a lease on next_attempt_at, taken with a
conditional UPDATE) keeps two workers from sending the same message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from showapp.models import MailKind, MailStatus, OutboxMessage
from showapp.services.mail.transport import (
    Envelope,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    build_email,
    new_message_id,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    sender: str
    reply_to: str = ""
    # The unsubscribe URL for an address and kind (None: messages carry no List-Unsubscribe).
    unsubscribe_url: Callable[[str, MailKind], str] | None = None
    max_attempts: int = 6
    # The first retry waits this long; each next one twice as long as the one before.
    backoff_seconds: float = 60.0
    batch: int = 100
    # A claimed message is left alone by other workers this long (a worker killed mid-send).
    lease_seconds: float = 600.0


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    held: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(
    session: Session, transport: Transport | None, now: datetime, policy: DeliveryPolicy
) -> DeliveryReport:
    """Send every queued message whose time has come; with no transport (no SMTP server
    set), hold them for the studio's outbox instead."""
    if transport is None:
        return DeliveryReport(held=hold_due(session, now))
    report = DeliveryReport()
    due = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(policy.batch)
    ).all()
    session.commit()
    with transport:
        for message_id in due:
            if _claim(session, message_id, now, policy):
                _attempt(session, message_id, transport, now, policy, report)
    return report


def hold_due(session: Session, now: datetime) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .values(status=MailStatus.HELD, last_error="No SMTP server is set (SHOWAPP_SMTP_HOST).")
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def _claim(session: Session, message_id: int, now: datetime, policy: DeliveryPolicy) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MailStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=policy.lease_seconds))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _attempt(
    session: Session,
    message_id: int,
    transport: Transport,
    now: datetime,
    policy: DeliveryPolicy,
    report: DeliveryReport,
) -> None:
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None:
        return
    row.attempts += 1
    row.message_id = row.message_id or new_message_id(policy.sender)
    unsubscribe = (
        policy.unsubscribe_url(row.to_address, row.kind) if policy.unsubscribe_url else None
    )
    envelope = Envelope(policy.sender, policy.reply_to, unsubscribe)
    try:
        transport.send(build_email(row, envelope, row.message_id, now))
    except PermanentFailure as error:
        _fail(row, str(error), report)
    except TemporaryFailure as error:
        if row.attempts >= policy.max_attempts:
            _fail(row, f"Gave up after {row.attempts} attempts. Last: {error}", report)
        else:
            delay = policy.backoff_seconds * 2 ** (row.attempts - 1)
            row.next_attempt_at = now + timedelta(seconds=delay)
            row.last_error = str(error)
            report.retrying += 1
    else:
        row.status, row.sent_at, row.last_error = MailStatus.SENT, now, ""
        if row.kind == MailKind.INVITE:
            _forget_invite_link(row)
        report.sent += 1
    session.commit()


# The invites table keeps only a hash of an invitation's token, so that a copy of the database
# cannot be used to take the invitation; once the mail is sent the outbox keeps no copy either.
INVITE_LINK = re.compile(r"https?://[^\s\"'<>]*/invite/[A-Za-z0-9_-]+")
FORGOTTEN = "[the one-time link was sent and is not kept]"


def _forget_invite_link(row: OutboxMessage) -> None:
    row.text_body = INVITE_LINK.sub(FORGOTTEN, row.text_body)
    if row.html_body:
        row.html_body = INVITE_LINK.sub(FORGOTTEN, row.html_body)


def _fail(row: OutboxMessage, error: str, report: DeliveryReport) -> None:
    row.status, row.last_error = MailStatus.FAILED, error
    report.failed += 1
    report.errors.append(f"#{row.id} to {row.to_address}: {error}")
    log.warning("mail #%d to %s failed: %s", row.id, row.to_address, error)
