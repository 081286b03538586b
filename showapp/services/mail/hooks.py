"""A session hook: call back after a commit that queued mail (the rows are there by then)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from showapp.models import OutboxMessage

QUEUED = "showapp.mail_queued"


def after_mail_commits(sessions: sessionmaker[Session], callback: Callable[[], None]) -> None:
    @event.listens_for(sessions, "before_flush")
    def _note(session: Session, _context: object, _instances: object) -> None:
        if any(isinstance(obj, OutboxMessage) for obj in session.new):
            session.info[QUEUED] = True

    # A savepoint's release and rollback come as a commit and a rollback too: only the
    # outermost transaction's count.
    @event.listens_for(sessions, "after_commit")
    def _call(session: Session) -> None:
        if not session.in_nested_transaction() and session.info.pop(QUEUED, False):
            callback()

    # A spurious wake-up costs one look at the outbox; a missed one, a runner interval.
    @event.listens_for(sessions, "after_rollback")
    def _forget(session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(QUEUED, None)
