"""Each message, end to end: made by what hosts, guests and listeners do, sent to a real SMTP
server (aiosmtpd), read there, and its links followed through the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.mail.runner import run_periodic
from showapp.models import (
    Advice,
    AdviceReport,
    Appearance,
    Episode,
    FollowUp,
    Guest,
    MailKind,
    MentorStory,
    Moderation,
    OutboxMessage,
    ReviewComment,
    ReviewLink,
    Show,
    UserRole,
)
from showapp.services.catalog import writes
from showapp.services.mail import optouts
from tests.factories import make_episode, make_show
from tests.mail_helpers import Inbox, free_port, html_part, links, local, smtp_server, text_part
from tests.review_helpers import create_link, form_token, local_path, make_draft
from tests.studio_helpers import csrf_token, login, make_user


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_port: int) -> dict[str, Any]:
    return {**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port}


@pytest.fixture
def inbox(smtp_port: int) -> Any:
    with smtp_server(smtp_port) as received:
        yield received


@dataclass
class Loop:
    show: Show
    episode: Episode
    guest: Guest
    advice: Advice


@pytest.fixture
def loop(session: Session, episodes_dir: Path) -> Loop:
    """Leaders, a published episode where Grace (with an e-mail) gave a piece of advice; a host."""
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, title="Night shifts", slug="night-shifts")
    guest = writes.find_or_create_guest(session, "Grace Lee")
    guest.email = "Grace@Example.com"
    writes.credit_guest(session, episode, guest)
    advice = Advice(
        episode_id=episode.id, guest_id=guest.id, text="Pair every new lead with a mentor."
    )
    session.add(advice)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    return Loop(show, episode, guest, advice)


def _report(session: Session, loop: Loop, status: Moderation, **fields: Any) -> AdviceReport:
    values: dict[str, Any] = {"story": "I tried it on my team.", "name": "Sam", "status": status}
    values.update(fields)
    report = AdviceReport(advice_id=loop.advice.id, **values)
    session.add(report)
    session.commit()
    return report


def _run(app: Flask, at: Any = None) -> Any:
    return run_periodic(app, at or utc_now())


def test_the_weekly_digest_tells_the_guest_and_its_links_work(
    app: Flask, session: Session, client: FlaskClient, loop: Loop, inbox: Inbox
) -> None:
    shared = _report(session, loop, Moderation.APPROVED, consent_to_publish=True,
                     story="Paired two leads; both stayed.", name="Sam K")  # fmt: skip
    private = _report(session, loop, Moderation.APPROVED, story="Secret details", name="Jo")
    rejected = _report(session, loop, Moderation.REJECTED, story="BUY PILLS http://spam.example")
    pending = _report(session, loop, Moderation.PENDING, story="Not yet moderated")
    result = _run(app)
    assert result.queued.digests == 1 and result.delivered.sent == 1
    mail = inbox.only()
    assert mail["To"] == "Grace@Example.com"
    assert mail["Subject"] == "2 listeners tried your advice"
    text = text_part(mail)
    assert "Pair every new lead with a mentor." in text and "Night shifts" in text
    assert "Sam K tried it" in text and "Paired two leads; both stayed." in text
    # Without consent the listener is "a listener" and their story stays with the show.
    assert "A listener tried it." in text and "Secret details" not in text and "Jo" not in text
    assert "spam.example" not in text and "Not yet moderated" not in text
    assert "Paired two leads" in (html_part(mail) or "")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    session.expire_all()
    notified = {r.id: r.guest_notified_at for r in session.scalars(select(AdviceReport))}
    assert notified[shared.id] and notified[private.id]
    assert notified[rejected.id] is None and notified[pending.id] is None

    # "See what came of your advice" answers (the review link, kept alive for a year).
    outcomes = next(url for url in links(text) if "/review/" in url)
    assert client.get(local(outcomes), follow_redirects=True).status_code == 200
    episode_url = next(url for url in links(text) if "/episodes/" in url)
    assert client.get(local(episode_url)).status_code == 200

    # The unsubscribe link: a page that asks, then a POST that opts her out of digests.
    unsubscribe = local(next(url for url in links(text) if "/unsubscribe/" in url))
    page = client.get(unsubscribe)
    assert page.status_code == 200 and "Grace@Example.com".lower() in page.get_data(as_text=True)
    assert client.post(unsubscribe, data={"scope": "kind"}).status_code == 200
    assert optouts.is_opted_out(session, "grace@example.com", MailKind.DIGEST)
    _report(session, loop, Moderation.APPROVED)
    assert _run(app, utc_now() + timedelta(days=8)).queued.digests == 0
    assert len(inbox.messages) == 1


def test_at_most_one_digest_a_week(app: Flask, session: Session, loop: Loop, inbox: Inbox) -> None:
    _report(session, loop, Moderation.APPROVED)
    now = utc_now()
    assert _run(app, now).queued.digests == 1
    later = _report(session, loop, Moderation.APPROVED, story="A second try")
    assert _run(app, now + timedelta(days=1)).queued.digests == 0
    assert _run(app, now + timedelta(days=6, hours=23)).queued.digests == 0
    assert _run(app, now + timedelta(days=7, minutes=1)).queued.digests == 1
    assert [m["Subject"] for m in inbox.messages] == ["1 listener tried your advice"] * 2
    session.refresh(later)
    assert later.guest_notified_at is not None


def test_no_digest_for_a_guest_without_an_address_or_in_the_trash(
    app: Flask, session: Session, loop: Loop, inbox: Inbox
) -> None:
    _report(session, loop, Moderation.APPROVED)
    loop.guest.email = ""
    session.commit()
    assert _run(app).queued.digests == 0
    loop.guest.email = "grace@example.com"
    loop.guest.deleted_at = utc_now()
    session.commit()
    assert _run(app).queued.digests == 0
    assert inbox.messages == []


def test_follow_ups_due_go_to_the_hosts_once_a_day(
    app: Flask, session: Session, loop: Loop, inbox: Inbox
) -> None:
    today = utc_now().date()
    due = FollowUp(show_id=loop.show.id, guest_id=loop.guest.id, note="Ask Grace how it went",
                   due_on=today - timedelta(days=1))  # fmt: skip
    also = FollowUp(show_id=loop.show.id, advice_id=loop.advice.id, note="Check the pairing",
                    due_on=today)  # fmt: skip
    later = FollowUp(show_id=loop.show.id, note="Not yet", due_on=today + timedelta(days=30))
    done = FollowUp(show_id=loop.show.id, note="Done already", due_on=today, done_at=utc_now())
    session.add_all([due, also, later, done])
    session.commit()
    assert _run(app).queued.follow_ups == 1
    mail = inbox.only()
    assert mail["To"] == "host@example.com" and mail["Subject"] == "2 follow-ups due"
    text = text_part(mail)
    assert "Ask Grace how it went" in text and "Check the pairing" in text
    assert "Not yet" not in text and "Done already" not in text
    assert "Pair every new lead" in text  # the advice it is about
    session.expire_all()
    assert session.get(FollowUp, due.id).reminded_at is not None  # type: ignore[union-attr]
    assert session.get(FollowUp, later.id).reminded_at is None  # type: ignore[union-attr]
    # A follow-up that falls due later the same day waits for tomorrow's mail.
    session.add(FollowUp(show_id=loop.show.id, note="Late addition", due_on=today))
    session.commit()
    assert _run(app).queued.follow_ups == 0
    assert _run(app, utc_now() + timedelta(days=1)).queued.follow_ups == 1
    assert "Late addition" in text_part(inbox.messages[-1])


def test_a_hosts_reply_reaches_the_listener_once_and_never_for_a_rejected_report(
    app: Flask, session: Session, loop: Loop, inbox: Inbox
) -> None:
    answered = _report(session, loop, Moderation.APPROVED, email="sam@example.com",
                       host_reply="Thank you, Sam!")  # fmt: skip
    _report(session, loop, Moderation.REJECTED, email="victim@example.com",
            host_reply="Please stop.")  # fmt: skip
    _report(session, loop, Moderation.APPROVED, host_reply="No address given")
    story = MentorStory(
        show_id=loop.show.id, mentor_name="Ms Okafor", story="She taught me.", name="Lee",
        email="lee@example.com", host_reply="What a story.",
    )  # fmt: skip
    session.add(story)
    session.commit()
    assert _run(app).queued.replies == 2
    # (Grace's digest of the approved reports goes too.)
    replies = [m for m in inbox.messages if m["To"] != "Grace@Example.com"]
    sent = {m["To"]: text_part(m) for m in replies}
    assert set(sent) == {"sam@example.com", "lee@example.com"}
    assert "Thank you, Sam!" in sent["sam@example.com"]
    assert "Pair every new lead with a mentor." in sent["sam@example.com"]
    assert "What a story." in sent["lee@example.com"] and "Ms Okafor" in sent["lee@example.com"]
    # A reply is what they asked for: no unsubscribe header, even after opting out of all.
    assert all("List-Unsubscribe" not in m for m in replies)
    session.expire_all()
    assert session.get(AdviceReport, answered.id).replied_at is not None  # type: ignore[union-attr]
    assert _run(app).queued.replies == 0
    # A new reply (the moderation page clears replied_at) is a new message; the same is not.
    answered.host_reply, answered.replied_at = "One more thing, Sam.", None
    session.commit()
    assert _run(app).queued.replies == 1
    assert "One more thing, Sam." in text_part(inbox.messages[-1])


def test_guest_comments_and_decision_reach_the_hosts_batched(
    app: Flask, session: Session, episodes_dir: Path, inbox: Inbox
) -> None:
    draft = make_draft(session, episodes_dir)
    make_user(session, "cohost@example.com", shows=[draft.show])
    make_user(session, "other@example.com")
    session.commit()
    host = app.test_client()
    login(host, "host@example.com")
    guest = app.test_client()
    review = local_path(create_link(host, draft))
    for body in ("Cut the cough at the start", "Spell my company Acme Inc."):
        page = guest.get(review).get_data(as_text=True)
        answer = guest.post(f"{review}/comments", data={
            "csrf_token": form_token(page), "anchor": "general", "body": body})  # fmt: skip
        assert answer.status_code == 303
    now = utc_now()
    # The guest is still writing: nothing yet.
    assert _run(app, now).queued.review_activity == 0
    assert _run(app, now + timedelta(minutes=4)).queued.review_activity == 2
    assert sorted(m["To"] for m in inbox.messages) == ["cohost@example.com", "host@example.com"]
    text = text_part(inbox.messages[0])
    assert "Grace Lee commented on" in inbox.messages[0]["Subject"]
    assert "Cut the cough" in text and "Acme Inc." in text
    studio = local(next(url for url in links(text) if "/studio/" in url))
    assert host.get(studio).status_code == 200
    # Her approval goes at once, with her message, and old comments are not repeated.
    page = guest.get(review).get_data(as_text=True)
    decision = {"decision": "approve", "message": "Lovely, ship it"}
    guest.post(f"{review}/decision", data={"csrf_token": form_token(page), **decision})
    assert _run(app).queued.review_activity == 2
    approval = inbox.messages[-1]
    assert "Grace Lee approved" in approval["Subject"]
    assert "Lovely, ship it" in text_part(approval) and "Cut the cough" not in text_part(approval)
    assert (
        session.scalars(
            select(ReviewComment).where(ReviewComment.hosts_notified_at.is_(None))
        ).all()
        == []
    )
    assert _run(app, utc_now() + timedelta(minutes=10)).queued.review_activity == 0


def test_an_invitation_is_mailed_with_a_link_that_lets_the_host_in(
    app: Flask, session: Session, client: FlaskClient, inbox: Inbox
) -> None:
    show = make_show(session, slug="leaders")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    login(client, "admin@example.com")
    answer = client.post("/studio/users", data={
        "csrf_token": csrf_token(client, "/studio/users"), "email": "new@example.com",
        "name": "New Host", "shows": [show.id]})  # fmt: skip
    assert answer.status_code == 201
    assert _run(app).delivered.sent == 1
    mail = inbox.only()
    assert mail["To"] == "new@example.com" and "invited" in mail["Subject"]
    link = local(next(url for url in links(text_part(mail)) if "/studio/invite/" in url))
    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    accepted = newcomer.post(link, data={
        "csrf_token": csrf_token(newcomer, link), "password": "a brand new password"})  # fmt: skip
    assert accepted.status_code == 303
    # Once sent, the outbox keeps no usable copy of the one-time link.
    kept = session.scalars(select(OutboxMessage)).one()
    assert link.rsplit("/", 1)[1] not in kept.text_body + (kept.html_body or "")
    assert "the one-time link was sent and is not kept" in kept.text_body


def test_a_review_link_is_mailed_to_the_address_the_host_gives(
    app: Flask, session: Session, episodes_dir: Path, inbox: Inbox
) -> None:
    draft = make_draft(session, episodes_dir)
    host = app.test_client()
    login(host, "host@example.com")
    answer = host.post(f"{draft.review_path}/links", data={
        "csrf_token": csrf_token(host, draft.review_path), "guest_id": draft.guest_id,
        "days": "7", "message": "Have a listen before Friday", "action": "create",
        "email": "grace@example.com"}, follow_redirects=True)  # fmt: skip
    assert "on its way to grace@example.com" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(Guest, draft.guest_id).email == "grace@example.com"  # type: ignore[union-attr]
    _run(app)
    mail = inbox.only()
    text = text_part(mail)
    assert "Have a listen before Friday" in text and "Mentoring with Grace" in text
    review = local(next(url for url in links(text) if "/review/" in url))
    assert app.test_client().get(review).status_code == 200
    # A bad address is refused with a message, and nothing is stored or queued.
    refused = host.post(f"{draft.review_path}/links", data={
        "csrf_token": csrf_token(host, draft.review_path), "guest_id": draft.guest_id,
        "days": "7", "action": "create", "email": "not an address"})  # fmt: skip
    assert refused.status_code == 400
    assert "is not an e-mail address" in refused.get_data(as_text=True)
    assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_a_host_cannot_redirect_the_mail_of_a_guest_another_show_shares(
    app: Flask, session: Session, episodes_dir: Path
) -> None:
    draft = make_draft(session, episodes_dir)
    guest = session.get(Guest, draft.guest_id)
    assert guest is not None
    guest.email = "grace@lee.example"
    other = make_show(session, slug="other", title="Other show")
    elsewhere = make_episode(session, other, episodes_dir, title="Grace elsewhere")
    writes.credit_guest(session, elsewhere, guest)
    session.commit()
    host = app.test_client()
    login(host, "host@example.com")

    def send(email: str) -> Any:
        return host.post(f"{draft.review_path}/links", data={
            "csrf_token": csrf_token(host, draft.review_path), "guest_id": draft.guest_id,
            "days": "7", "action": "create", "email": email})  # fmt: skip

    refused = send("mallory@example.com")
    assert refused.status_code == 400
    assert "also a guest of shows you do not host" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Guest, draft.guest_id).email == "grace@lee.example"  # type: ignore[union-attr]
    assert session.scalars(select(OutboxMessage)).all() == []
    assert session.scalars(select(ReviewLink)).all() == []  # nothing half-written
    # An empty field uses the address on file; the same address is fine too.
    for email in ("", "grace@lee.example"):
        assert send(email).status_code == 303
    assert [m.to_address for m in session.scalars(select(OutboxMessage))] == [
        "grace@lee.example",
        "grace@lee.example",
    ]
    # Once the other show's credit is gone, the guest is this host's alone to change.
    session.delete(session.scalars(select(Appearance).where(
        Appearance.episode_id == elsewhere.id)).one())  # fmt: skip
    session.commit()
    assert send("grace@new.example").status_code == 303
    session.expire_all()
    assert session.get(Guest, draft.guest_id).email == "grace@new.example"  # type: ignore[union-attr]


def test_an_admin_can_give_a_guest_a_private_address(
    app: Flask, session: Session, client: FlaskClient, loop: Loop
) -> None:
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    login(client, "admin@example.com")
    url = f"/studio/guests/{loop.guest.slug}"
    form = {"csrf_token": csrf_token(client, url), "name": "Grace Lee", "slug": loop.guest.slug}
    assert client.post(url, data={**form, "email": "grace@lee.example"}).status_code == 303
    session.expire_all()
    assert session.get(Guest, loop.guest.id).email == "grace@lee.example"  # type: ignore[union-attr]
    assert "grace@lee.example" not in client.get(f"/guests/{loop.guest.slug}").get_data(
        as_text=True
    )
    assert client.post(url, data={**form, "email": "nope"}).status_code == 400


def test_local_today_follows_the_shows_time_zone(loop: Loop) -> None:
    from datetime import UTC, datetime

    from showapp.services.stats.counting import local_today

    loop.show.timezone = "Pacific/Kiritimati"  # UTC+14
    noon = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert local_today(noon, loop.show.timezone) == date(2026, 12, 7)


def test_a_listener_whose_story_the_host_takes_up_is_invited_by_mail(
    app: Flask, session: Session, client: FlaskClient, loop: Loop, inbox: Inbox
) -> None:
    told = MentorStory(
        show_id=loop.show.id, mentor_name="Ms Okafor", story="She vouched for me.",
        name="Lee Park", email="lee@example.com", status=Moderation.APPROVED,
    )  # fmt: skip
    named = MentorStory(
        show_id=loop.show.id, mentor_name="Mr Berg", story="He asked questions.", name="Ana",
        email="ana@example.com", status=Moderation.APPROVED,
    )  # fmt: skip
    session.add_all([told, named])
    session.commit()
    login(client, "host@example.com")
    queue = "/studio/shows/leaders/listeners"
    token = csrf_token(client, queue + "?state=approved&kind=stories")
    for story, who in ((told, "storyteller"), (named, "mentor"), (told, "storyteller")):
        answer = client.post(
            f"{queue}/story/{story.id}/guest", data={"csrf_token": token, "who": who}
        )
        assert answer.status_code == 303
    _run(app)
    # Only the listener who told the story is asked, once; the mentor has no address here.
    mail = inbox.only()
    assert mail["To"] == "lee@example.com" and mail["Subject"] == "Would you come on Leaders?"
    text = text_part(mail)
    assert "Ms Okafor" in text and "host@example.com" in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.get(local(next(u for u in links(text) if "/leaders/" in u))).status_code == 200
