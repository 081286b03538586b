"""The mail runner's work: queue what is due and send the outbox. `run_periodic(app)` is the
whole round, a plain function of the app: the "mail.periodic" job runs it every minute
(showapp/jobs/tasks.py) and `showapp mail run-periodic` once; "mail.send" runs `deliver_now`
after each commit that queued a message.
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
