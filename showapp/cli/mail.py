"""`showapp mail send` and `showapp mail run-periodic`: the mail jobs' work, by hand or from
cron when the job queue does not send (SHOWAPP_MAIL_AUTO_SEND=false)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.mail import smtp_settings
from showapp.mail.runner import deliver_now, run_periodic
from showapp.services.mail import outbox
from showapp.services.mail.delivery import DeliveryReport
from showapp.services.wording import counted


@click.group("mail")
def mail_group() -> None:
    """The outbox: send it, and queue digests, reminders and replies that are due."""


@mail_group.command("send")
@click.option("--held", is_flag=True, help="Send the messages held while no server was set, too.")
@with_appcontext
def send_command(held: bool) -> None:
    """Send every queued message that is due (held instead when no SMTP server is set)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with db.new_session(app) as session:
        if held and smtp_settings(app) is not None:
            released = outbox.release_held(session)
            session.commit()
            click.echo(f"Queued {counted(released, 'held message')} again.")
        report = deliver_now(app, session)
    _echo(report, smtp_settings(app) is not None)


@mail_group.command("run-periodic")
@with_appcontext
def run_periodic_command() -> None:
    """One round of the mail runner: queue what is due, then send (run it every minute)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = run_periodic(app)
    queued = result.queued
    click.echo(
        f"Queued {counted(queued.digests, 'digest')}, "
        f"{counted(queued.follow_ups, 'follow-up reminder')}, "
        f"{counted(queued.replies, 'reply', 'replies')} and "
        f"{counted(queued.review_activity, 'review notice')}."
    )
    _echo(result.delivered, smtp_settings(app) is not None)


def _echo(report: DeliveryReport, smtp: bool) -> None:
    if not smtp:
        click.echo(f"No SMTP server is set: held {counted(report.held, 'message')} in the outbox.")
        return
    click.echo(
        f"Sent {counted(report.sent, 'message')}; {report.retrying} to retry later, "
        f"{report.failed} failed."
    )
    for error in report.errors:
        click.echo(f"  {error}", err=True)
