"""The outbox: every message the app queued, sent, held (no SMTP server set) or gave up on.

Admins see all of it; a host sees their shows' mail. A message's HTML part is shown in a
sandboxed frame (srcdoc, no scripts, its own origin), next to the plain-text part.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import InvalidInput
from showapp.mail import smtp_settings, this_app
from showapp.models import MailStatus, OutboxMessage
from showapp.services.mail import outbox
from showapp.studio import bp, list_page, redirect_303, signed_in_user


@bp.get("/outbox")
def outbox_list() -> ResponseReturnValue:
    session = get_session()
    user = signed_in_user()
    status = _status_filter(request.args.get("status", ""))
    return render_template(
        "studio/outbox.html",
        messages=outbox.list_messages(session, user, status=status, page=list_page()),
        counts=outbox.count_by_status(session, user),
        status=status,
        smtp=smtp_settings(this_app()),
    )


def _status_filter(value: str) -> MailStatus | None:
    if not value:
        return None
    try:
        return MailStatus(value)
    except ValueError:
        abort(404, "The outbox has no such list.")


@bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int) -> ResponseReturnValue:
    message = _message_or_abort(message_id)
    return render_template(
        "studio/outbox_message.html", message=message, smtp=smtp_settings(this_app())
    )


@bp.post("/outbox/<int:message_id>/send")
def resend_message(message_id: int) -> ResponseReturnValue:
    message = _message_or_abort(message_id)
    if smtp_settings(this_app()) is None:
        flash("No SMTP server is set (SHOWAPP_SMTP_HOST), so nothing can be sent.", "error")
        page = render_template("studio/outbox_message.html", message=message, smtp=None)
        return page, 409
    session = get_session()
    try:
        outbox.send_again(message)
    except InvalidInput as error:
        flash(str(error), "error")
        return render_template("studio/outbox_message.html", message=message, smtp=True), 409
    session.commit()
    flash(f"Queued again: it goes to {message.to_address} within moments.", "info")
    return redirect_303(url_for("studio.outbox_message", message_id=message.id))


def _message_or_abort(message_id: int) -> OutboxMessage:
    session = get_session()
    message = outbox.get_message(session, message_id)
    if message is None:
        abort(404, "The outbox has no such message.")
    if not outbox.may_see(session, signed_in_user(), message):
        abort(403, "This message is not about one of your shows.")
    return message
