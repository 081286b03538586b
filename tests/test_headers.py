"""Every response carries the security headers: a Content-Security-Policy that allows no inline
script, nosniff and a Referrer-Policy. Pages refuse to be framed, except the embeddable player;
feeds and media carry nosniff whether Flask or a WSGI layer beneath it answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers

from tests.page_types import Pages, make_every_page


@pytest.fixture
def pages(app: Flask, session: Session, episodes_dir: Path, client: FlaskClient) -> Pages:
    return make_every_page(session, episodes_dir, client)


def _directives(headers: Headers) -> dict[str, str]:
    policy = headers.get("Content-Security-Policy")
    assert policy, "no Content-Security-Policy"
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: value for name, value in pairs}


def _assert_page_headers(headers: Headers, *, framable: bool, name: str) -> None:
    directives = _directives(headers)
    assert directives["script-src"] == "'self'", name
    assert "unsafe-inline" not in directives["script-src"] + directives["default-src"], name
    assert directives["default-src"] == "'self'", name
    assert directives["style-src"] == "'self'", name
    assert directives["img-src"] == "'self' https: data:", name
    assert directives["media-src"] == "'self' https:", name
    assert (directives["base-uri"], directives["form-action"]) == ("'self'", "'self'"), name
    assert headers["X-Content-Type-Options"] == "nosniff", name
    assert headers["Referrer-Policy"] in {"strict-origin-when-cross-origin", "no-referrer"}, name
    if framable:
        assert directives["frame-ancestors"] == "*", name
        assert "X-Frame-Options" not in headers, name
    else:
        assert directives["frame-ancestors"] == "'none'", name
        assert headers["X-Frame-Options"] == "DENY", name


def test_every_page_type_sends_the_security_headers(
    app: Flask, pages: Pages, client: FlaskClient
) -> None:
    anonymous = app.test_client()
    for name, path in pages.public.items():
        response = anonymous.get(path)
        assert response.status_code == 200, name
        _assert_page_headers(response.headers, framable=name == "embed", name=name)
    for name, path in pages.studio.items():
        response = client.get(path)
        assert response.status_code == 200, name
        _assert_page_headers(response.headers, framable=False, name=name)


def test_only_the_embed_player_may_be_framed(app: Flask, pages: Pages) -> None:
    anonymous = app.test_client()
    embed = anonymous.get(pages.public["embed"])
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in embed.headers
    episode = anonymous.get(pages.public["episode"])
    assert "frame-ancestors 'none'" in episode.headers["Content-Security-Policy"]
    assert episode.headers["X-Frame-Options"] == "DENY"


def test_review_pages_keep_no_referrer_and_others_send_strict_origin(
    app: Flask, pages: Pages
) -> None:
    anonymous = app.test_client()
    assert anonymous.get(pages.public["review"]).headers["Referrer-Policy"] == "no-referrer"
    for name in ("home", "episode", "embed", "studio-login"):
        referrer = anonymous.get(pages.public[name]).headers["Referrer-Policy"]
        assert referrer == "strict-origin-when-cross-origin", name


def test_error_pages_carry_the_headers_too(app: Flask) -> None:
    response = app.test_client().get("/no-such-show/")
    assert response.status_code == 404
    _assert_page_headers(response.headers, framable=False, name="404")


def test_feeds_and_media_carry_nosniff_from_flask_and_the_fast_lane(
    app: Flask, pages: Pages
) -> None:
    anonymous = app.test_client()
    built = anonymous.get(pages.feed)  # rebuilt by the Flask view
    assert built.status_code == 200
    fresh = anonymous.get(pages.feed)  # answered by the fast lane, beneath Flask
    assert fresh.status_code == 200 and fresh.headers["ETag"] == built.headers["ETag"]
    assert "Content-Security-Policy" not in fresh.headers  # feeds are not documents
    unchanged = anonymous.get(pages.feed, headers={"If-None-Match": built.headers["ETag"]})
    assert unchanged.status_code == 304
    for response in (built, fresh, unchanged):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    audio = anonymous.get(pages.media)
    assert audio.status_code == 200
    assert audio.headers["X-Content-Type-Options"] == "nosniff"


def test_media_handed_to_nginx_carries_nosniff(app: Flask, pages: Pages) -> None:
    app.config["MEDIA_ACCEL"] = "x-accel"
    response = app.test_client().get(pages.media)
    assert response.status_code == 200 and response.headers["X-Accel-Redirect"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
