"""Every studio URL rule, requested as anonymous, as a host of another show and as an admin.

The walk reads app.url_map, so a new studio route is covered the moment it exists; a new POST
route fails here until it has a sample request below that an admin may make.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from showapp.models import UserRole
from showapp.services import accounts, importjobs
from tests.factories import make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, login, make_user

PUBLIC = {"studio.login", "studio.accept_invite"}


def _png(size: int) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (10, 80, 160)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


SMALL_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Other</title>'
    b"<item><title>One</title><guid>other-1</guid>"
    b'<enclosure url="https://cdn.example/1.mp3" length="1" type="audio/mpeg"/></item>'
    b"</channel></rss>"
)


# What an admin sends to each POST endpoint: a real, valid request for it.
SAMPLE_POSTS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "studio.login": lambda ids: {"email": "admin@example.com", "password": ids["password"]},
    "studio.logout": lambda ids: {},
    "studio.accept_invite": lambda ids: {"password": "a brand new password"},
    "studio.upload_episode": lambda ids: {"audio": (io.BytesIO(make_mp3(2.0)), "talk.mp3")},
    "studio.edit_episode": lambda ids: {
        "version": str(ids["version"]),
        "title": "Renamed",
        "status": "draft",
        "episode_type": "full",
        "topics": "Mentoring",
    },
    "studio.preview_notes": lambda ids: {"notes_md": "**hi**"},
    "studio.new_show": lambda ids: {
        "title": "Brand new",
        "language": "en",
        "category": "Business",
        "subcategory": "Careers",
        "show_type": "episodic",
        "timezone": "Europe/Berlin",
    },
    "studio.edit_show": lambda ids: {
        "title": "Leaders renamed",
        "language": "en",
        "category": "Business",
        "subcategory": "",
        "show_type": "serial",
        "timezone": "UTC",
    },
    "studio.upload_show_artwork": lambda ids: {"artwork": (_png(1400), "cover.png")},
    "studio.users": lambda ids: {"email": "third@example.com", "name": "Third"},
    "studio.edit_user": lambda ids: {"shows": [ids["other_show_id"]]},
    "studio.set_user_active": lambda ids: {"active": "1"},
    "studio.reinvite_user": lambda ids: {},
    "studio.import_show": lambda ids: {
        "show": "other",
        "source_file": (io.BytesIO(SMALL_FEED), "feed.xml"),
    },
}


@pytest.fixture
def world(app: Flask, session: Session, episodes_dir: Path) -> dict[str, Any]:
    show = make_show(session, slug="leaders")
    other = make_show(session, slug="other")
    episode = make_episode(session, show, episodes_dir)
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    host = make_user(session, "host@example.com", shows=[other])
    invited, token = accounts.invite_host(session, "invited@example.com", "", [show.id])
    # An import the host started (hosts see their own imports, admins every one).
    job = importjobs.create_job(
        session, user=host, source="feed.xml", show=other, download_media=False
    )
    session.commit()
    return {
        "show_slug": show.slug,
        "episode_id": episode.id,
        "version": episode.version,
        "user_id": host.id,
        "token": token,
        "other_show_id": other.id,
        "job_id": job.id,
        "password": "correct horse battery",
    }


def studio_rules(app: Flask) -> list[Rule]:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("studio.")]
    assert len(rules) >= 10
    return rules


def _calls(app: Flask) -> list[tuple[Rule, str]]:
    return [
        (rule, method)
        for rule in studio_rules(app)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def _url(app: Flask, rule: Rule, ids: dict[str, Any]) -> str:
    values = {name: ids[name] for name in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("podcast.test")
        return adapter.build(rule.endpoint, values)


def _request(client: FlaskClient, method: str, url: str, data: dict[str, Any]) -> Any:
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=data, content_type="multipart/form-data")
    response.close()  # a download (the export zip) holds its file open until closed
    return response


def test_every_post_route_has_a_sample(app: Flask) -> None:
    posts = {rule.endpoint for rule, method in _calls(app) if method == "POST"}
    missing = posts - set(SAMPLE_POSTS)
    assert not missing, f"add a sample admin request to SAMPLE_POSTS for {sorted(missing)}"


def test_anonymous_visitors_are_sent_to_sign_in(
    app: Flask, world: dict[str, Any], episodes_dir: Path
) -> None:
    before = sorted(p for p in episodes_dir.rglob("*"))
    for rule, method in _calls(app):
        client = app.test_client()
        url = _url(app, rule, world)
        data = {"csrf_token": "x", **SAMPLE_POSTS.get(rule.endpoint, lambda ids: {})(world)}
        response = _request(client, method, url, data)
        where = f"{method} {url}"
        if rule.endpoint in PUBLIC:
            assert response.status_code < 500, where
            continue
        assert response.status_code in (303, 401, 403), where
        if response.status_code == 303:
            assert response.location.startswith("/studio/login"), where
    assert sorted(p for p in episodes_dir.rglob("*")) == before


def test_a_host_of_another_show_gets_403(
    app: Flask, world: dict[str, Any], episodes_dir: Path
) -> None:
    before = sorted(p for p in episodes_dir.rglob("*"))
    for rule, method in _calls(app):
        if rule.endpoint in PUBLIC:
            continue
        client = app.test_client()
        login(client, "host@example.com")
        token = csrf_token(client, "/studio/")
        data = {"csrf_token": token, **SAMPLE_POSTS.get(rule.endpoint, lambda ids: {})(world)}
        url = _url(app, rule, world)
        response = _request(client, method, url, data)
        where = f"{method} {url}"
        if (
            "show_slug" in rule.arguments
            or rule.endpoint.startswith("studio.")
            and (rule.endpoint in _admin_endpoints())
        ):
            assert response.status_code == 403, where
        else:
            assert response.status_code < 400, where
    assert sorted(p for p in episodes_dir.rglob("*")) == before


def _admin_endpoints() -> set[str]:
    from showapp.studio import ADMIN_ENDPOINTS

    return ADMIN_ENDPOINTS


def test_an_admin_can_use_every_route(app: Flask, world: dict[str, Any]) -> None:
    for rule, method in _calls(app):
        client = app.test_client()
        if rule.endpoint != "studio.accept_invite":
            login(client, "admin@example.com")
        token = csrf_token(client, "/studio/login")
        data = {"csrf_token": token, **SAMPLE_POSTS.get(rule.endpoint, lambda ids: {})(world)}
        url = _url(app, rule, world)
        response = _request(client, method, url, data)
        assert response.status_code < 400, f"{method} {url}: {response.status_code}"
        if method == "POST" and rule.endpoint == "studio.edit_episode":
            world["version"] += 1
