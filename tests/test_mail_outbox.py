"""The studio's outbox: with no SMTP server mail is held and shown there; who sees what; the
unsubscribe pages' answers to bad and old links."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.mail.runner import run_periodic
from showapp.models import MailKind, MailOptOut, MailStatus, OutboxMessage, Show, UserRole
from showapp.services.mail import optouts, outbox
from tests.factories import make_show
from tests.studio_helpers import csrf_token, login, make_user

HTML = (
    "<!doctype html><html lang='en'><head><title>Hi</title></head><body><main>"
    "<p>Hello <b>Grace</b></p><script>parent.document.title='owned'</script></main></body></html>"
)


@pytest.fixture
def shows(session: Session) -> dict[str, Show]:
    leaders = make_show(session, slug="leaders", title="Leaders")
    other = make_show(session, slug="other", title="Other")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    make_user(session, "host@example.com", shows=[leaders])
    make_user(session, "stranger@example.com", shows=[other])
    session.commit()
    return {"leaders": leaders, "other": other}


def _queue(session: Session, show: Show | None, **fields: Any) -> OutboxMessage:
    values: dict[str, Any] = {"to": "grace@example.com", "subject": "Please listen",
                              "text": "Hello Grace,\nthe link: http://podcast.test/review/x\n",
                              "html": HTML, "kind": MailKind.REVIEW_LINK}  # fmt: skip
    values.update(fields)
    message = outbox.queue_message(session, show_id=show.id if show else None, **values)
    assert message is not None
    session.commit()
    return message


def test_with_no_smtp_server_mail_is_held_and_shown_in_the_outbox(
    app: Flask, session: Session, client: FlaskClient, shows: dict[str, Show]
) -> None:
    message = _queue(session, shows["leaders"])
    report = run_periodic(app).delivered
    assert report.held == 1 and report.sent == 0
    session.refresh(message)
    assert message.status == MailStatus.HELD
    login(client, "host@example.com")
    listing = client.get("/studio/outbox").get_data(as_text=True)
    assert "No SMTP server is set" in listing
    assert "Please listen" in listing and "Held (1)" in listing
    page = client.get(f"/studio/outbox/{message.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hello Grace,\nthe link: http://podcast.test/review/x" in html
    # The HTML part only inside a sandboxed frame, escaped into srcdoc: no live markup here.
    assert "<iframe" in html and " sandbox " in html
    assert "<script>parent" not in html and "&lt;script&gt;parent" in html
    assert "Send again" not in html  # nothing to send it with
    resend = client.post(
        f"/studio/outbox/{message.id}/send", data={"csrf_token": csrf_token(client, "/studio/")}
    )
    assert resend.status_code == 409
    assert "No SMTP server is set" in resend.get_data(as_text=True)
    session.refresh(message)
    assert message.status == MailStatus.HELD


def test_hosts_see_their_shows_mail_and_admins_see_all(
    app: Flask, session: Session, shows: dict[str, Show]
) -> None:
    own = _queue(session, shows["leaders"], subject="About Leaders")
    foreign = _queue(session, shows["other"], subject="About Other")
    invite = _queue(session, None, subject="An invitation", kind=MailKind.INVITE)
    host = app.test_client()
    login(host, "host@example.com")
    listing = host.get("/studio/outbox").get_data(as_text=True)
    assert "About Leaders" in listing
    assert "About Other" not in listing and "An invitation" not in listing
    assert host.get(f"/studio/outbox/{own.id}").status_code == 200
    assert host.get(f"/studio/outbox/{foreign.id}").status_code == 403
    assert host.get(f"/studio/outbox/{invite.id}").status_code == 403
    admin = app.test_client()
    login(admin, "admin@example.com")
    listing = admin.get("/studio/outbox").get_data(as_text=True)
    assert all(s in listing for s in ("About Leaders", "About Other", "An invitation"))
    assert admin.get("/studio/outbox?status=held").status_code == 200
    assert admin.get("/studio/outbox?status=nonsense").status_code == 404


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_outbox_routes_refuse_strangers_and_unknown_ids(
    app: Flask, session: Session, shows: dict[str, Show], method: str
) -> None:
    message = _queue(session, shows["leaders"])
    path = f"/studio/outbox/{message.id}" + ("/send" if method == "POST" else "")
    anonymous = app.test_client().open(path, method=method, data={"csrf_token": "x"})
    assert anonymous.status_code == 303 and anonymous.location.startswith("/studio/login")
    stranger = app.test_client()
    login(stranger, "stranger@example.com")
    token = csrf_token(stranger, "/studio/")
    answer = stranger.open(path, method=method, data={"csrf_token": token})
    assert answer.status_code == 403
    admin = app.test_client()
    login(admin, "admin@example.com")
    token = csrf_token(admin, "/studio/")
    unknown = path.replace(f"/{message.id}", "/999999")
    assert admin.open(unknown, method=method, data={"csrf_token": token}).status_code == 404
    if method == "POST":
        assert admin.post(path, data={}).status_code == 400  # no CSRF token
    session.refresh(message)
    assert message.status == MailStatus.QUEUED and message.attempts == 0


def _token(email: str, kind: MailKind, age_seconds: int = 0) -> str:
    class Aged(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    aged = URLSafeTimedSerializer("test-secret", salt=optouts.TOKEN_SALT, signer=Aged)
    return str(aged.dumps([email, kind.value]))


def test_unsubscribe_asks_then_stops_every_optional_kind_when_asked_to(
    session: Session, client: FlaskClient
) -> None:
    token = _token("sam@example.com", MailKind.FOLLOW_UPS)
    page = client.get(f"/unsubscribe/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "sam@example.com" in text and "follow-ups" in text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert not optouts.is_opted_out(session, "sam@example.com", MailKind.FOLLOW_UPS)
    done = client.post(f"/unsubscribe/{token}", data={"scope": "all"})
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    for kind in (MailKind.FOLLOW_UPS, MailKind.DIGEST, MailKind.REVIEW_ACTIVITY):
        assert optouts.is_opted_out(session, "sam@example.com", kind)
    # Twice is fine.
    assert client.post(f"/unsubscribe/{token}", data={"scope": "all"}).status_code == 200
    assert outbox.queue_message(
        session, to="sam@example.com", subject="s", text="t", kind=MailKind.REPLY
    ) is not None  # fmt: skip


@pytest.mark.parametrize(
    ("token", "status", "says"),
    [
        ("not-a-token", 400, "not valid"),
        (_token("sam@example.com", MailKind.DIGEST)[:-3] + "abc", 400, "not valid"),
        (_token("sam@example.com", MailKind.DIGEST, age_seconds=401 * 86400), 410, "expired"),
    ],
)
def test_a_bad_or_old_unsubscribe_link_says_so_and_changes_nothing(
    session: Session, client: FlaskClient, token: str, status: int, says: str
) -> None:
    one_click = {"List-Unsubscribe": "One-Click"}
    path = f"/unsubscribe/{token}"
    for answer in (client.get(path), client.post(path, data=one_click)):
        assert answer.status_code == status
        assert says in answer.get_data(as_text=True)
    assert session.scalars(select(MailOptOut)).all() == []


def test_the_mail_commands_hold_without_smtp_and_say_so(
    app: Flask, session: Session, shows: dict[str, Show]
) -> None:
    _queue(session, shows["leaders"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "run-periodic"])
    assert result.exit_code == 0, result.output
    assert "Queued 0 digests" in result.output
    assert "held 1 message in the outbox" in result.output
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "held 0 messages" in result.output


def test_the_outbox_comes_fifty_messages_a_page_newest_first(
    client: FlaskClient, session: Session, shows: dict[str, Show]
) -> None:
    for n in range(1, 53):
        _queue(session, shows["leaders"], subject=f"Message number {n:02d}")
    login(client, "host@example.com")
    first = client.get("/studio/outbox").get_data(as_text=True)
    assert first.count("data-message") == 50
    assert "Message number 52" in first and "Message number 03" in first
    assert "Message number 02" not in first and "Page 1 of 2 (52)" in first
    second = client.get("/studio/outbox?page=2").get_data(as_text=True)
    assert second.count("data-message") == 2 and "Message number 01" in second
    assert client.get("/studio/outbox?page=nonsense").status_code == 404
