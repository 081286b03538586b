"""The mail runner: every SHOWAPP_MAIL_RUNNER_SECONDS, queue what is due and send the outbox.

`run_periodic(app)` is the whole job, a plain function of the app: the in-process thread
below calls it, `showapp mail run-periodic` calls it once (cron, a worker), and a job queue can
schedule it instead. Each process starts its thread on first use (after gunicorn's fork); a
commit that queued mail wakes it, so a message leaves seconds after its request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session  # noqa: TID251 - the session type only

from showapp import db
from showapp.columns import utc_now
from showapp.mail import delivery_policy, make_transport
from showapp.mail.messages import PeriodicCounts, queue_periodic
from showapp.services.mail.delivery import DeliveryReport, deliver_due

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunReport:
    queued: PeriodicCounts
    delivered: DeliveryReport


def run_periodic(app: Flask, now: datetime | None = None) -> RunReport:
    """Queue the digests, reminders, replies and review news that are due, then deliver."""
    now = now or utc_now()
    with db.new_session(app) as session:
        queued = queue_periodic(app, session, now)
        session.commit()
        delivered = deliver_now(app, session, now)
    return RunReport(queued, delivered)


def deliver_now(app: Flask, session: Session, now: datetime | None = None) -> DeliveryReport:
    return deliver_due(session, make_transport(app), now or utc_now(), delivery_policy(app))
