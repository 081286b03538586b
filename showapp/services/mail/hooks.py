"""A session hook: call back after a commit that queued mail (the rows are there by then)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from showapp.db import after_outer_commit
from showapp.models import OutboxMessage

QUEUED = "showapp.mail_queued"


def after_mail_commits(sessions: sessionmaker[Session], callback: Callable[[], None]) -> None:
    @event.listens_for(sessions, "before_flush")
    def _note(session: Session, _context: object, _instances: object) -> None:
        if any(isinstance(obj, OutboxMessage) for obj in session.new):
            session.info[QUEUED] = True

    # Forgotten on a rollback, though a spurious wake-up would cost only one look at the
    # outbox (a missed one, a runner interval).
    after_outer_commit(sessions, QUEUED, lambda _queued: callback())
