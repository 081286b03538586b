"""Delivery to a real SMTP server (aiosmtpd): headers, parts, retries with backoff, 4xx and 5xx
answers, giving up, and one send per message however many runners look."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import db
from showapp.columns import utc_now
from showapp.mail.runner import deliver_now
from showapp.models import MailKind, MailStatus, OutboxMessage
from showapp.services.mail import optouts, outbox
from tests.mail_helpers import free_port, html_part, local, smtp_server, text_part


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_port: int) -> dict[str, Any]:
    return {
        **app_config,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "MAIL_FROM": "Leaders <mail@podcast.test>",
        "MAIL_REPLY_TO": "hosts@podcast.test",
        "MAIL_MAX_ATTEMPTS": 3,
    }


def _queue(session: Session, kind: MailKind = MailKind.DIGEST, **fields: Any) -> OutboxMessage:
    values: dict[str, Any] = {
        "to": "grace@example.com",
        "subject": "2 listeners tried your advice",
        "text": "Hello Grace,\n\nListeners tried it.\n",
        "html": "<!doctype html><html lang='en'><title>x</title><p>Listeners tried it.</p>",
    }
    values.update(fields)
    message = outbox.queue_message(session, kind=kind, **values)
    assert message is not None
    session.commit()
    return message


def _deliver(app: Flask, at: Any = None) -> Any:
    with db.new_session(app) as session:
        return deliver_now(app, session, at or utc_now())


def _row(app: Flask, message_id: int) -> OutboxMessage:
    with db.new_session(app) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_a_digest_goes_out_with_every_header_both_parts_and_one_click_unsubscribe(
    app: Flask, session: Session, client: FlaskClient, smtp_port: int
) -> None:
    queued = _queue(session)
    with smtp_server(smtp_port) as inbox:
        report = _deliver(app)
    assert (report.sent, report.failed) == (1, 0)
    mail = inbox.only()
    assert inbox.recipients == [["grace@example.com"]]
    assert mail["From"] == "Leaders <mail@podcast.test>"
    assert mail["To"] == "grace@example.com"
    assert mail["Reply-To"] == "hosts@podcast.test"
    assert mail["Subject"] == "2 listeners tried your advice"
    assert abs((parsedate_to_datetime(mail["Date"]) - utc_now()).total_seconds()) < 60
    assert mail["Message-ID"].endswith("@podcast.test>")
    assert mail.get_content_type() == "multipart/alternative"
    assert text_part(mail) == "Hello Grace,\n\nListeners tried it.\n"
    assert "Listeners tried it." in (html_part(mail) or "")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = _row(app, queued.id)
    assert (row.status, row.attempts, row.message_id) == (MailStatus.SENT, 1, mail["Message-ID"])

    # RFC 8058: the mail program POSTs the one-click body to the List-Unsubscribe URL.
    url = local(mail["List-Unsubscribe"].strip("<>"))
    answer = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    session.expire_all()
    assert optouts.is_opted_out(session, "Grace@Example.com", MailKind.DIGEST)
    assert outbox.queue_message(
        session, to="grace@example.com", subject="s", text="t", kind=MailKind.DIGEST
    ) is None  # fmt: skip
    # A reply she asked for still goes.
    assert outbox.queue_message(
        session, to="grace@example.com", subject="s", text="t", kind=MailKind.REPLY
    ) is not None  # fmt: skip


def test_a_plain_text_message_is_not_multipart_and_an_invite_has_no_unsubscribe(
    app: Flask, session: Session, smtp_port: int
) -> None:
    _queue(session, MailKind.INVITE, html=None, to="new@example.com")
    with smtp_server(smtp_port) as inbox:
        _deliver(app)
    mail = inbox.only()
    assert mail.get_content_type() == "text/plain"
    assert "List-Unsubscribe" not in mail


def test_a_refused_connection_is_retried_with_backoff_and_delivered_once_the_server_is_up(
    app: Flask, session: Session, smtp_port: int
) -> None:
    queued = _queue(session)
    start = utc_now()
    report = _deliver(app, start)  # nothing listens on the port yet
    assert (report.sent, report.retrying) == (0, 1)
    row = _row(app, queued.id)
    assert row.status == MailStatus.QUEUED and row.attempts == 1
    assert "Refused" in row.last_error or "refused" in row.last_error
    assert row.next_attempt_at == start + timedelta(seconds=60)
    first_id = row.message_id
    with smtp_server(smtp_port) as inbox:
        assert _deliver(app, start + timedelta(seconds=30)).sent == 0  # not due yet
        assert inbox.messages == []
        assert _deliver(app, start + timedelta(seconds=61)).sent == 1
    row = _row(app, queued.id)
    assert (row.status, row.attempts, row.last_error) == (MailStatus.SENT, 2, "")
    # The retry is the same message to the receiver: same Message-ID.
    assert inbox.only()["Message-ID"] == first_id


def test_a_4xx_answer_is_retried_and_then_delivered(
    app: Flask, session: Session, smtp_port: int
) -> None:
    queued = _queue(session)
    start = utc_now()
    with smtp_server(smtp_port) as inbox:
        inbox.replies.append("451 4.3.0 Mailbox busy, try again later")
        assert _deliver(app, start).retrying == 1
        row = _row(app, queued.id)
        assert row.status == MailStatus.QUEUED
        assert row.last_error.startswith("SMTP 451")
        assert _deliver(app, start + timedelta(seconds=61)).sent == 1
    assert len(inbox.messages) == 1


def test_a_5xx_answer_fails_at_once_and_the_next_message_still_goes(
    app: Flask, session: Session, smtp_port: int
) -> None:
    refused = _queue(session, to="nobody@example.com")
    fine = _queue(session, to="grace@example.com", subject="Another")
    with smtp_server(smtp_port) as inbox:
        inbox.replies.append("550 5.1.1 No such user here")
        report = _deliver(app)
    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
    row = _row(app, refused.id)
    assert (row.status, row.attempts) == (MailStatus.FAILED, 1)
    assert row.last_error.startswith("SMTP 550")
    assert _row(app, fine.id).status == MailStatus.SENT
    assert [m["To"] for m in inbox.messages] == ["grace@example.com"]


def test_it_gives_up_after_the_last_attempt_with_the_error_kept(
    app: Flask, session: Session
) -> None:
    queued = _queue(session)
    at = utc_now()
    delays = []
    for _ in range(3):  # MAIL_MAX_ATTEMPTS
        _deliver(app, at)
        row = _row(app, queued.id)
        delays.append((row.next_attempt_at - at).total_seconds())
        at = row.next_attempt_at
    assert row.status == MailStatus.FAILED
    assert row.attempts == 3
    assert row.last_error.startswith("Gave up after 3 attempts")
    assert delays[:2] == [60, 120]  # doubled each time


def test_two_runners_at_once_send_each_message_once(
    app: Flask, session: Session, smtp_port: int
) -> None:
    for n in range(6):
        _queue(session, to=f"guest{n}@example.com")
    with smtp_server(smtp_port) as inbox:
        runners = [threading.Thread(target=_deliver, args=(app,)) for _ in range(2)]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(60)
    assert sorted(m["To"] for m in inbox.messages) == [f"guest{n}@example.com" for n in range(6)]


def test_the_same_dedupe_key_is_queued_once(session: Session) -> None:
    first = outbox.queue_message(
        session, to="a@example.com", subject="s", text="t", kind=MailKind.DIGEST,
        dedupe_key="digest:guest:1:2026-W49",
    )  # fmt: skip
    again = outbox.queue_message(
        session, to="a@example.com", subject="s", text="t", kind=MailKind.DIGEST,
        dedupe_key="digest:guest:1:2026-W49",
    )  # fmt: skip
    assert first is not None and again is None


@pytest.mark.parametrize("address", ["", "grace", "a@b", "x@y.z\r\nBcc: victim@example.com"])
def test_a_message_needs_an_address_and_a_text_part(session: Session, address: str) -> None:
    from showapp.errors import InvalidInput

    with pytest.raises(InvalidInput):
        outbox.queue_message(session, to=address, subject="s", text="t", kind=MailKind.REPLY)
    with pytest.raises(InvalidInput):
        outbox.queue_message(
            session, to="a@example.com", subject="s", text="  ", kind=MailKind.REPLY
        )


def test_send_again_from_the_outbox_queues_a_failed_message_for_a_new_round(
    app: Flask, session: Session, client: FlaskClient, smtp_port: int
) -> None:
    from showapp.models import UserRole
    from tests.studio_helpers import csrf_token, login, make_user

    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    refused = _queue(session, to="grace@example.com")
    with smtp_server(smtp_port) as inbox:
        inbox.replies.append("552 5.2.2 Mailbox full")
        _deliver(app)
        login(client, "admin@example.com")
        page = client.get(f"/studio/outbox/{refused.id}").get_data(as_text=True)
        assert "SMTP 552" in page and "Send again" in page
        token = csrf_token(client, f"/studio/outbox/{refused.id}")
        answer = client.post(f"/studio/outbox/{refused.id}/send", data={"csrf_token": token})
        assert answer.status_code == 303
        row = _row(app, refused.id)
        assert (row.status, row.attempts, row.last_error) == (MailStatus.QUEUED, 0, "")
        # A message already waiting is not queued twice.
        again = client.post(f"/studio/outbox/{refused.id}/send", data={"csrf_token": token})
        assert again.status_code == 409
        assert _deliver(app).sent == 1
        assert _row(app, refused.id).status == MailStatus.SENT
    assert [m["To"] for m in inbox.messages] == ["grace@example.com"]


def test_a_commit_that_queues_mail_has_the_job_queue_send_it(
    app_config: dict[str, Any], smtp_port: int
) -> None:
    from showapp import create_app
    from tests.conftest import POSTGRES_URL, _truncate_all

    # Jobs run where they are enqueued in the tests: the commit's "mail.send" job sends it.
    app = create_app({**app_config, "MAIL_AUTO_SEND": True})
    try:
        with smtp_server(smtp_port) as inbox:
            with db.new_session(app) as session:
                outbox.queue_message(
                    session, to="grace@example.com", subject="Tried it", text="Hello",
                    kind=MailKind.DIGEST,
                )  # fmt: skip
                session.flush()
                assert inbox.messages == []  # nothing leaves before the commit
                session.commit()
            assert [m["To"] for m in inbox.messages] == ["grace@example.com"]
            assert _row_status(app) == MailStatus.SENT
    finally:
        if POSTGRES_URL:
            _truncate_all(app)
        db.get_engine(app).dispose()


def _row_status(app: Flask) -> MailStatus:
    with db.new_session(app) as session:
        return session.scalars(select(OutboxMessage.status)).one()


def test_mail_send_held_sends_what_was_held_before_a_server_was_set(
    app: Flask, session: Session, smtp_port: int
) -> None:
    held = _queue(session)
    held.status = MailStatus.HELD
    session.commit()
    with smtp_server(smtp_port) as inbox:
        plain = app.test_cli_runner().invoke(args=["mail", "send"])
        assert plain.exit_code == 0 and "Sent 0 messages" in plain.output
        result = app.test_cli_runner().invoke(args=["mail", "send", "--held"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 held message again." in result.output and "Sent 1 message" in result.output
    assert [m["To"] for m in inbox.messages] == ["grace@example.com"]
