"""The mail runner: every SHOWAPP_MAIL_RUNNER_SECONDS, queue what is due and send the outbox.

`run_periodic(app)` is the whole job, a plain function of the app: the in-process thread
below calls it, `showapp mail run-periodic` calls it once (cron, a worker), and a job queue can
schedule it instead. Each process starts its thread on first use (after gunicorn's fork); a
commit that queued mail wakes it, so a message leaves seconds after its request.
"""

from __future__ import annotations

import logging
import os
import threading
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


class MailRunner:
    def __init__(self, app: Flask, interval: float) -> None:
        self._app = app
        self._interval = interval
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._pid = 0
        self._thread: threading.Thread | None = None

    def ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="showapp-mail", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pid = 0

    def run_once(self) -> RunReport | None:
        with self._run_lock:
            try:
                return run_periodic(self._app)
            except Exception:
                # The database or the SMTP server may be down; the next round tries again.
                log.exception("the mail runner's round failed")
                return None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self._interval)
            self._wake.clear()
