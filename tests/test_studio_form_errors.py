"""Refused studio forms answer with their own page at 400: the message shown, what was typed
kept, nothing stored (guests and topics, episode uploads, deactivating oneself, feed moves)."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from showapp.models import Episode, Guest, Show, Topic, User, UserRole
from showapp.services.catalog import writes
from tests.factories import make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, make_user, sign_in_new_user

GUEST = "/studio/guests/ada-lovelace"
TOPIC = "/studio/topics/mentoring"
EPISODES = "/studio/shows/leaders/episodes"
SETTINGS = "/studio/shows/leaders/settings"
TYPED = {
    "name": "Ada King",
    "organisation": "Analytical Engines Ltd",
    "job_title": "Countess",
    "bio": "Wrote the first program.",
    "email": "ada@example.com",
    "links": "https://example.com/ada\nhttps://example.org/notes",
}


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    guest = writes.find_or_create_guest(session, "Ada Lovelace", bio="Stored bio.")
    guest.organisation = "Stored org"
    writes.find_or_create_guest(session, "Grace Hopper")
    writes.find_or_create_topic(session, "Mentoring")
    writes.find_or_create_topic(session, "Hiring")
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN, shows=[show])


def _page(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _fresh(session: Session) -> Session:
    session.rollback()
    session.expire_all()
    return session


def _guest(session: Session, slug: str = "ada-lovelace") -> Guest:
    return _fresh(session).scalars(select(Guest).where(Guest.slug == slug)).one()


# 1. Guests and topics keep what was typed.


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "ada-lovelace", "links": "https://example.com/ada\njavascript:alert(1)"},
         "The guest link must be an http(s) URL"),
        ({"slug": "grace-hopper"}, "Another guest already uses the address 'grace-hopper'"),
        ({"slug": "ada-lovelace", "email": "not-an-address"},
         "'not-an-address' is not an e-mail address"),
    ],
)  # fmt: skip
def test_a_refused_guest_edit_keeps_what_was_typed_and_stores_nothing(
    admin: FlaskClient, session: Session, fields: dict[str, str], message: str
) -> None:
    typed = {**TYPED, **fields}
    response = admin.post(GUEST, data={"csrf_token": csrf_token(admin, GUEST), **typed})
    assert response.status_code == 400
    page = _page(response)
    assert f"Nothing was changed: {message}" in page
    assert f'name="name" value="{typed["name"]}"' in page
    assert f'name="slug" value="{typed["slug"]}"' in page
    assert f'value="{typed["organisation"]}"' in page and f'value="{typed["job_title"]}"' in page
    assert f'value="{typed["email"]}"' in page
    assert f">{typed['bio']}</textarea>" in page and f">{typed['links']}</textarea>" in page
    # The page still names, and posts to, the stored guest.
    assert "<h1>Ada Lovelace</h1>" in page and f'action="{GUEST}"' in page
    guest = _guest(session)
    assert (guest.name, guest.organisation, guest.bio, guest.email, guest.links) == (
        "Ada Lovelace", "Stored org", "Stored bio.", "", []
    )  # fmt: skip


def test_a_good_guest_edit_is_saved_and_the_form_shows_the_stored_values(
    admin: FlaskClient, session: Session
) -> None:
    response = admin.post(
        GUEST, data={"csrf_token": csrf_token(admin, GUEST), **TYPED, "slug": "ada-lovelace"}
    )
    assert response.status_code == 303
    assert _guest(session).links == ["https://example.com/ada", "https://example.org/notes"]
    page = _page(admin.get(GUEST))
    assert 'value="Analytical Engines Ltd"' in page and f">{TYPED['links']}</textarea>" in page


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("hiring", "Another topic already uses the address 'hiring'"),
        ("Not A Slug", "'Not A Slug' is not a valid address"),
    ],
)
def test_a_refused_topic_edit_keeps_what_was_typed_and_stores_nothing(
    admin: FlaskClient, session: Session, slug: str, message: str
) -> None:
    typed = {"name": "Mentorship", "slug": slug, "description": "Learning from elders."}
    response = admin.post(TOPIC, data={"csrf_token": csrf_token(admin, TOPIC), **typed})
    assert response.status_code == 400
    page = _page(response)
    assert f"Nothing was changed: {message}" in page
    assert 'name="name" value="Mentorship"' in page and f'name="slug" value="{slug}"' in page
    assert ">Learning from elders.</textarea>" in page
    assert "<h1>Mentoring</h1>" in page and f'action="{TOPIC}"' in page
    topics = _fresh(session).scalars(select(Topic)).all()
    assert {(t.slug, t.name, t.description) for t in topics} == {
        ("mentoring", "Mentoring", ""), ("hiring", "Hiring", "")
    }  # fmt: skip


# 2. Refusals without JavaScript are pages, not redirects.


def _upload(client: FlaskClient, body: bytes | None, name: str, **headers: str) -> Any:
    fields: dict[str, Any] = {"csrf_token": csrf_token(client, EPISODES)}
    if body is not None:
        fields["audio"] = FileStorage(io.BytesIO(body), filename=name)
    stream, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    return client.post(
        f"{EPISODES}/upload",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        (PNG, "cover.mp3", "is not"),
        (bytes(range(256)) * 8, "noise.mp3", "is not"),
        (make_mp3(3.0)[:-700], "cut.mp3", "damaged"),
        (b"some notes", "notes.txt", "is not a supported audio file"),
        (None, "", "Choose an MP3 or M4A file to upload."),
    ],
)
def test_a_refused_upload_without_javascript_is_the_upload_page_at_400(
    admin: FlaskClient,
    session: Session,
    episodes_dir: Path,
    body: bytes | None,
    name: str,
    message: str,
) -> None:
    response = _upload(admin, body, name)
    assert response.status_code == 400 and response.location is None
    assert response.mimetype == "text/html"
    page = _page(response)
    assert 'id="upload-form"' in page
    shown = page.split('id="upload-error"')[1].split("</p>")[0]
    assert " hidden" not in shown.split(">")[0] and message in shown
    assert _fresh(session).scalar(select(func.count(Episode.id))) == 0
    assert not [p for p in episodes_dir.rglob("*") if p.is_file()]


def test_a_refused_upload_by_script_is_still_json(admin: FlaskClient) -> None:
    response = _upload(admin, PNG, "cover.mp3", Accept="application/json")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]


def test_the_upload_page_hides_the_error_box_when_there_is_no_error(admin: FlaskClient) -> None:
    page = admin.get(EPISODES).get_data(as_text=True)
    assert '<p id="upload-error" class="flash flash-error" role="alert" hidden></p>' in page


def test_an_admin_deactivating_themselves_gets_the_people_page_at_400(
    admin: FlaskClient, session: Session
) -> None:
    me = _fresh(session).scalars(select(User).where(User.email == "admin@example.com")).one()
    response = admin.post(
        f"/studio/users/{me.id}/active",
        data={"csrf_token": csrf_token(admin, "/studio/users"), "active": "0"},
    )
    assert response.status_code == 400 and response.location is None
    page = _page(response)
    assert "You cannot deactivate your own account." in page and "<h1>People</h1>" in page
    # The invitation form on this page still posts to the people page, not here.
    assert 'action="/studio/users"' in page
    assert _fresh(session).get(User, me.id).active  # type: ignore[union-attr]
    assert admin.get("/studio/").status_code == 200


def test_deactivating_another_host_still_redirects(admin: FlaskClient, session: Session) -> None:
    other = make_user(session, "host@example.com")
    session.commit()
    response = admin.post(
        f"/studio/users/{other.id}/active",
        data={"csrf_token": csrf_token(admin, "/studio/users"), "active": "0"},
    )
    assert response.status_code == 303
    assert not _fresh(session).get(User, other.id).active  # type: ignore[union-attr]


# 3. A feed cannot move to its own address.


def _settings(client: FlaskClient, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(client, SETTINGS),
        "title": "Leaders",
        "subtitle": "Changed",
        "language": "en",
        "category": "Business",
        "subcategory": "Management",
        "show_type": "episodic",
        "timezone": "UTC",
        **fields,
    }


def _show(session: Session) -> Show:
    return _fresh(session).scalars(select(Show).where(Show.slug == "leaders")).one()


@pytest.mark.parametrize(
    "own",
    [
        "http://podcast.test/leaders/feed.xml",  # the configured BASE_URL
        "https://PODCAST.test/leaders/feed.xml/",  # scheme, host case, trailing slash
        "http://podcast.test:80/leaders//./feed.xml?utm=x#top",
        "http://podcast.test/%6Ceaders/feed.xml",
        "http://localhost/leaders/feed.xml",  # the host this request came in on
    ],
)
def test_moving_a_feed_to_its_own_address_is_refused(
    admin: FlaskClient, session: Session, own: str
) -> None:
    response = admin.post(SETTINGS, data=_settings(admin, new_feed_url=own))
    assert response.status_code == 400
    page = _page(response)
    assert "is this show's own feed" in page and f'value="{own}"' in page
    assert 'value="Changed"' in page
    show = _show(session)
    assert (show.new_feed_url, show.subtitle) == ("", "")
    assert admin.get("/leaders/feed.xml").status_code == 200


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://feeds.example.com/leaders/feed.xml",  # the same path on another host
        "http://podcast.test:8080/leaders/feed.xml",  # another port
        "http://podcast.test/other/feed.xml",  # another feed here
    ],
)
def test_moving_a_feed_elsewhere_is_still_saved(
    admin: FlaskClient, session: Session, elsewhere: str
) -> None:
    response = admin.post(SETTINGS, data=_settings(admin, new_feed_url=elsewhere))
    assert response.status_code == 303
    assert _show(session).new_feed_url == elsewhere
    moved = admin.get("/leaders/feed.xml")
    assert moved.status_code == 301 and moved.headers["Location"] == elsewhere


def test_a_topic_is_not_renamed_to_another_topics_name(
    admin: FlaskClient, session: Session
) -> None:
    typed = {"name": "HIRING", "slug": "mentoring", "description": ""}
    response = admin.post(TOPIC, data={"csrf_token": csrf_token(admin, TOPIC), **typed})
    assert response.status_code == 400
    assert "The topic 'hiring' already has the name 'HIRING'" in _page(response)
    names = set(_fresh(session).scalars(select(Topic.name)))
    assert names == {"Mentoring", "Hiring"}
    typed["name"] = "Mentoring well"
    response = admin.post(TOPIC, data={"csrf_token": csrf_token(admin, TOPIC), **typed})
    assert response.status_code == 303


def test_the_refused_upload_pages_links_lead_to_the_list(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = _fresh(session).scalars(select(Show).where(Show.slug == "leaders")).one()
    for n in range(51):  # past one page of the studio's list
        make_episode(session, show, episodes_dir, title=f"Talk {n}", seconds=0.5)
    session.commit()
    response = _upload(admin, PNG, "cover.mp3")
    assert response.status_code == 400
    nxt = re.search(r'<a rel="next" href="([^"]+)"', response.get_data(as_text=True))
    assert nxt is not None and nxt[1] == f"{EPISODES}?page=2"
    assert admin.get(nxt[1]).status_code == 200
