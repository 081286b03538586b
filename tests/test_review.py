"""Guest review through the real app: links, the preview page, comments, decisions, and the
studio's side (states, replies, resolving, the approval rule)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.columns import utc_now
from showapp.media.recorder import get_recorder
from showapp.models import MediaRequest, ReviewComment, ReviewLink
from showapp.services.catalog import writes
from tests.review_helpers import (
    Draft,
    create_link,
    form_key,
    form_token,
    local_path,
    make_draft,
)
from tests.studio_helpers import csrf_token, login


@pytest.fixture
def draft(session: Session, episodes_dir: Path) -> Draft:
    return make_draft(session, episodes_dir)


@pytest.fixture
def host(app: Flask, draft: Draft) -> FlaskClient:
    client = app.test_client()
    assert login(client, "host@example.com").status_code == 303
    return client


@pytest.fixture
def review_url(host: FlaskClient, draft: Draft) -> str:
    return local_path(create_link(host, draft, message="Could you check the notes?"))


def _comments(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(ReviewComment.id))) or 0


def _comment(guest: FlaskClient, url: str, **fields: str) -> tuple[int, str]:
    page = guest.get(url).get_data(as_text=True)
    data = {"csrf_token": form_token(page), "key": form_key(page), "anchor": "general"}
    data.update(fields)
    response = guest.post(f"{url}/comments", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_the_guest_sees_the_real_episode_page_marked_as_a_private_preview(
    app: Flask, review_url: str, draft: Draft
) -> None:
    guest = app.test_client()
    response = guest.get(review_url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview — not yet public" in page
    cache = app.extensions.get("showapp.page_cache")
    assert cache is None or not any("/review/" in key[0] for key in cache.pages)
    assert "<h1>Mentoring with Grace</h1>" in page
    assert '<section class="player"' in page and "player.js" in page
    assert "<strong>mentoring</strong>" in page  # the notes, rendered as on the public page
    assert "Could you check the notes?" in page
    assert '<meta name="robots" content="noindex">' in page
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert f'src="{review_url}/audio"' in page
    # The public address of the draft still does not exist.
    assert guest.get("/leaders/episodes/mentoring-with-grace").status_code == 404


def test_the_studio_shows_each_guests_state_and_a_mail_ready_link(
    app: Flask, host: FlaskClient, draft: Draft
) -> None:
    page = host.get(draft.review_path).get_data(as_text=True)
    assert "no link" in page and "Create review link" in page
    url = create_link(host, draft, message="Hi Grace, please have a listen.")
    page = host.get(draft.review_path).get_data(as_text=True)
    assert "not opened" in page
    mail = re.search(r"<textarea[^>]*data-mail-text>(.*?)</textarea>", page, re.S)
    assert mail and "Hi Grace, please have a listen." in mail.group(1) and url in mail.group(1)
    app.test_client().get(local_path(url))
    assert "viewed" in host.get(draft.review_path).get_data(as_text=True)


def test_comments_pinned_to_times_and_passages_are_stored_once_and_shown_back(
    app: Flask, host: FlaskClient, review_url: str, session: Session
) -> None:
    guest = app.test_client()
    page = guest.get(review_url).get_data(as_text=True)
    data = {
        "csrf_token": form_token(page),
        "key": form_key(page),
        "anchor": "time",
        "start": "0:02",
        "end": "0:04",
        "body": "Please cut this <b>cough</b>.",
    }
    first = guest.post(f"{review_url}/comments", data=data)
    again = guest.post(f"{review_url}/comments", data=data)  # a double click
    assert first.status_code == again.status_code == 303
    assert _comments(session) == 1
    status, _ = _comment(
        guest, review_url, anchor="profile", quote="Grace runs ops.", body="I run ops and sales."
    )
    assert status == 303
    status, _ = _comment(
        guest,
        review_url,
        anchor="notes",
        quote="Head of Ops at Acme",
        body="My title is now VP Operations",
    )
    assert status == 303
    page = guest.get(review_url).get_data(as_text=True)
    assert "Please cut this &lt;b&gt;cough&lt;/b&gt;." in page
    assert "<b>cough</b>" not in page
    assert "0:02 – 0:04" in page and "My title is now VP Operations" in page
    assert "On the guest profile:" in page and "I run ops and sales." in page
    studio_page = host.get(host_path(review_url, host, session)).get_data(as_text=True)
    assert "commented" in studio_page
    assert studio_page.index("Play from 0:02") < studio_page.index("VP Operations")
    assert 'data-play-at="2.0"' in studio_page


def host_path(review_url: str, host: FlaskClient, session: Session) -> str:
    link = session.scalars(select(ReviewLink)).one()
    return f"/studio/shows/leaders/episodes/{link.episode_id}/review"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "   "}, "The comment is empty"),
        ({"body": "x" * 2001}, "at most 2000 fit"),
        ({"anchor": "time", "start": "0:30", "body": "Cut"}, "past the end of the audio"),
        ({"anchor": "time", "start": "soon", "body": "Cut"}, "is not a time like 12:40"),
        ({"anchor": "time", "start": "0:04", "end": "0:01", "body": "Cut"}, "must come after"),
        ({"anchor": "notes", "body": "Wrong"}, "Quote the passage"),
        ({"anchor": "elsewhere", "body": "Hm"}, "Choose what the comment is about"),
        ({"key": "short", "body": "Hm"}, "its key is not valid"),
    ],
)
def test_bad_comments_get_a_clear_message_and_store_nothing(
    app: Flask, review_url: str, session: Session, fields: dict[str, str], message: str
) -> None:
    status, page = _comment(app.test_client(), review_url, **fields)
    assert status == 400
    assert message in page and "Nothing was saved." in page
    assert _comments(session) == 0


def test_a_post_without_the_csrf_token_is_refused(
    app: Flask, review_url: str, session: Session
) -> None:
    response = app.test_client().post(f"{review_url}/comments", data={"body": "Hi"})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    assert _comments(session) == 0


def test_a_tampered_token_gets_a_clear_page(app: Flask, review_url: str) -> None:
    token = review_url.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for url in (f"/review/{tampered}", "/review/guess", f"/review/{tampered}/audio"):
        response = app.test_client().get(url)
        assert response.status_code == 404
        assert "This review link" in response.get_data(as_text=True)


def test_expired_and_withdrawn_links_explain_themselves(
    app: Flask, host: FlaskClient, draft: Draft, review_url: str, session: Session
) -> None:
    link = session.scalars(select(ReviewLink)).one()
    link.expires_at = utc_now() - timedelta(minutes=1)
    session.commit()
    expired = app.test_client().get(review_url)
    assert expired.status_code == 410
    assert "expired" in expired.get_data(as_text=True)
    assert expired.headers["X-Robots-Tag"].startswith("noindex")
    # Renewing an expired link makes a new URL.
    renewed = local_path(create_link(host, draft, days=3))
    assert renewed != review_url and app.test_client().get(renewed).status_code == 200
    token = csrf_token(host, draft.review_path)
    host.post(
        f"{draft.review_path}/links",
        data={"csrf_token": token, "guest_id": draft.guest_id, "action": "revoke"},
    )
    withdrawn = app.test_client().get(renewed)
    assert withdrawn.status_code == 410
    assert "withdrawn" in withdrawn.get_data(as_text=True)
    assert app.test_client().get(f"{renewed}/audio").status_code == 410


def test_the_host_chooses_how_long_a_link_lasts(
    host: FlaskClient, draft: Draft, session: Session
) -> None:
    create_link(host, draft, days=3)
    link = session.scalars(select(ReviewLink)).one()
    assert timedelta(days=2, hours=23) < link.expires_at - utc_now() <= timedelta(days=3)
    token = csrf_token(host, draft.review_path)
    refused = host.post(
        f"{draft.review_path}/links",
        data={"csrf_token": token, "guest_id": draft.guest_id, "days": 400, "action": "create"},
    )
    assert refused.status_code == 400
    session.expire_all()
    assert session.scalars(select(ReviewLink)).one().expires_at == link.expires_at


def test_the_preview_is_in_no_feed_sitemap_or_search(
    app: Flask, review_url: str, client: FlaskClient
) -> None:
    assert app.test_client().get(review_url).status_code == 200
    for url in ("/leaders/feed.xml", "/sitemap.xml", "/search?q=Mentoring", "/leaders/", "/"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        body = response.get_data(as_text=True)
        assert "Mentoring with Grace" not in body and "/review/" not in body, url


def test_preview_plays_are_never_counted_as_downloads(
    app: Flask, review_url: str, session: Session, draft: Draft
) -> None:
    guest = app.test_client()
    with guest.get(f"{review_url}/audio") as whole:
        assert whole.status_code == 200 and whole.mimetype == "audio/mpeg"
        assert "private" in whole.headers["Cache-Control"]
    with guest.get(f"{review_url}/audio", headers={"Range": "bytes=0-99"}) as part:
        assert part.status_code == 206 and len(part.get_data()) == 100
    recorder = get_recorder(app)
    assert recorder is not None
    assert recorder.flush() == 0
    # The same file through /media is recorded once the episode is published (a draft's
    # audio is not served there): the recorder was working all along.
    episode = session.get(type(draft.episode), draft.episode.id)
    assert episode is not None and episode.audio_file
    audio_file = episode.audio_file
    with guest.get(f"/media/{audio_file}") as withheld:
        assert withheld.status_code == 404
    writes.publish_episode(episode)
    session.commit()
    with guest.get(f"/media/{audio_file}") as counted:
        assert counted.status_code == 200
    assert recorder.flush() == 1
    session.expire_all()
    rows = session.scalars(select(MediaRequest)).all()
    assert len(rows) == 1


def test_host_replies_and_resolutions_show_when_the_guest_comes_back(
    app: Flask, host: FlaskClient, review_url: str, draft: Draft, session: Session
) -> None:
    guest = app.test_client()
    _comment(guest, review_url, body="Please link my book.")
    comment = session.scalars(select(ReviewComment)).one()
    token = csrf_token(host, draft.review_path)
    for action, body in (("reply", "Done, it is in the notes."), ("resolve", "")):
        response = host.post(
            f"{draft.review_path}/comments",
            data={"csrf_token": token, "comment_id": comment.id, "action": action, "body": body},
        )
        assert response.status_code == 303
    reply = {
        "csrf_token": token,
        "comment_id": comment.id,
        "action": "reply",
        "body": "Also linked your site.",
        "key": "k" * 24,
    }
    assert host.post(f"{draft.review_path}/comments", data=reply).status_code == 303
    assert host.post(f"{draft.review_path}/comments", data=reply).status_code == 303
    empty = host.post(
        f"{draft.review_path}/comments",
        data={"csrf_token": token, "comment_id": comment.id, "action": "reply", "body": " "},
    )
    assert empty.status_code == 400
    page = app.test_client().get(review_url).get_data(as_text=True)
    assert "Host:</strong> Done, it is in the notes." in page and "resolved" in page
    assert "Also linked your site." in page
    assert _comments(session) == 3  # the comment, one reply, the other reply stored once


def test_asking_for_changes_needs_a_message_then_shows_in_the_studio(
    app: Flask, host: FlaskClient, review_url: str, draft: Draft
) -> None:
    guest = app.test_client()
    page = guest.get(review_url).get_data(as_text=True)
    empty = guest.post(
        f"{review_url}/decision", data={"csrf_token": form_token(page), "decision": "changes"}
    )
    assert empty.status_code == 400 and "message is empty" in empty.get_data(as_text=True)
    asked = guest.post(
        f"{review_url}/decision",
        data={"csrf_token": form_token(page), "decision": "changes", "message": "Fix my title"},
    )
    assert asked.status_code == 303
    studio_page = host.get(draft.review_path).get_data(as_text=True)
    assert "changes requested" in studio_page and "Fix my title" in studio_page


def _publish(host: FlaskClient, draft: Draft, session: Session) -> tuple[int, str]:
    session.expire_all()
    episode = session.get(type(draft.episode), draft.episode.id)
    assert episode is not None
    url = f"/studio/shows/leaders/episodes/{episode.id}"
    response = host.post(
        url,
        data={
            "csrf_token": csrf_token(host, url),
            "version": episode.version,
            "title": episode.title,
            "status": "published",
            "episode_type": "full",
            "notes_md": episode.notes_md,
            "guests-0-name": "Grace Lee",
            "guests-0-role": "guest",
            "guests-0-organisation": "Acme",
            "guests-0-job_title": "Head of Ops",
        },
    )
    return response.status_code, response.get_data(as_text=True)


def test_a_show_can_require_every_invited_guests_approval(
    app: Flask, host: FlaskClient, review_url: str, draft: Draft, session: Session
) -> None:
    draft.show.require_guest_approval = True
    session.commit()
    status, page = _publish(host, draft, session)
    assert status == 400
    assert "Still missing: Grace Lee." in page
    assert "Still missing: Grace Lee" in host.get(draft.review_path).get_data(as_text=True)
    guest = app.test_client()
    form = guest.get(review_url).get_data(as_text=True)
    approved = guest.post(
        f"{review_url}/decision", data={"csrf_token": form_token(form), "decision": "approve"}
    )
    assert approved.status_code == 303
    status, _ = _publish(host, draft, session)
    assert status == 303
    # Once public, the link becomes the guest's "what came of your advice" page, which
    # leads to the episode's public page (tests/test_advice_review.py).
    after = app.test_client().get(review_url)
    assert after.status_code == 200
    assert "What came of your advice" in after.get_data(as_text=True)
    public = "/leaders/episodes/mentoring-with-grace"
    assert f'href="{public}"' in after.get_data(as_text=True)
    assert app.test_client().get(public).status_code == 200


def test_without_the_setting_publishing_does_not_wait_for_guests(
    host: FlaskClient, review_url: str, draft: Draft, session: Session
) -> None:
    status, _ = _publish(host, draft, session)
    assert status == 303


def test_the_show_setting_is_saved_from_the_settings_form(
    host: FlaskClient, draft: Draft, session: Session
) -> None:
    url = "/studio/shows/leaders/settings"
    response = host.post(
        url,
        data={
            "csrf_token": csrf_token(host, url),
            "title": "Leaders",
            "language": "en",
            "category": "Business",
            "subcategory": "",
            "show_type": "episodic",
            "timezone": "UTC",
            "require_guest_approval": "y",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(type(draft.show), draft.show.id).require_guest_approval  # type: ignore[union-attr]


def test_guest_writes_are_rate_limited(app: Flask, review_url: str, session: Session) -> None:
    guest = app.test_client()
    page = guest.get(review_url).get_data(as_text=True)
    statuses = [
        guest.post(
            f"{review_url}/comments", data={"csrf_token": form_token(page), "body": ""}
        ).status_code
        for _ in range(31)
    ]
    assert statuses == [400] * 30 + [429]
    assert _comments(session) == 0


def test_only_guests_credited_on_the_episode_get_links(
    host: FlaskClient, draft: Draft, session: Session
) -> None:
    token = csrf_token(host, draft.review_path)
    response = host.post(
        f"{draft.review_path}/links",
        data={
            "csrf_token": token,
            "guest_id": draft.guest_id + 999,
            "days": 14,
            "action": "create",
        },
    )
    assert response.status_code == 400
    assert "credited on this episode" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(ReviewLink.id))) == 0


def test_a_guest_behind_an_https_proxy_can_comment(
    app_config: dict[str, Any], review_url: str, session: Session
) -> None:
    """The review page sends no Referer (Referrer-Policy: no-referrer), so the app must not
    take X-Forwarded-Proto: an https request would make Flask-WTF demand a Referer."""
    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1})
    guest = proxied.test_client()
    guest.environ_base.update(HTTP_X_FORWARDED_FOR="198.51.100.7", HTTP_X_FORWARDED_PROTO="https")
    status, page = _comment(guest, review_url, body="Fine by me.")
    assert status == 303, page
    assert _comments(session) == 1
    db.get_engine(proxied).dispose()
