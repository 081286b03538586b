"""The fast lane answers fresh cached feeds before Flask runs, with the very headers the feed
view sends; anything it cannot answer goes on to the app."""

from __future__ import annotations

import gzip

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.models import Show
from showapp.services.feeds import settings as feed_settings

FEED = "/pod/feed.xml"
COMPARED = ("Content-Type", "Content-Length", "Content-Encoding", "ETag", "Last-Modified",
            "Cache-Control", "Vary", "X-Content-Type-Options")  # fmt: skip


@pytest.fixture
def flask_calls(app: Flask) -> list[str]:
    """Paths of the requests that reached Flask's dispatch."""
    seen: list[str] = []
    app.before_request(lambda: seen.append(_path()) and None)
    return seen


def _path() -> str:
    from flask import request

    return request.path


def _headers(response: object) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in COMPARED}  # type: ignore[attr-defined]


@pytest.mark.parametrize("coding", [{}, {"Accept-Encoding": "gzip"}])
def test_fresh_feed_is_answered_before_flask_with_the_views_headers(
    client: FlaskClient, pod: Show, flask_calls: list[str], coding: dict[str, str]
) -> None:
    built = client.get(FEED, headers=coding)  # stale: the view rebuilds and answers
    assert flask_calls == [FEED]
    again = client.get(FEED, headers=coding)
    assert flask_calls == [FEED]  # answered by the fast lane
    assert again.status_code == built.status_code == 200
    assert again.data == built.data
    assert _headers(again) == _headers(built)
    if coding:
        assert b"<title>First</title>" in gzip.decompress(again.data)


def test_revalidation_and_head_in_the_fast_lane(
    client: FlaskClient, pod: Show, flask_calls: list[str]
) -> None:
    first = client.get(FEED)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        response = client.get(FEED, headers=headers)
        assert response.status_code == 304 and response.data == b""
        assert response.headers["ETag"] == etag
        assert "Content-Type" not in response.headers
    head = client.head(FEED)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    assert flask_calls == [FEED]


def test_what_the_fast_lane_cannot_answer_reaches_the_app(
    client: FlaskClient, pod: Show, session: Session, flask_calls: list[str]
) -> None:
    client.get(FEED)
    assert client.get("/nope/feed.xml").status_code == 404
    # The app refuses it (its CSRF check runs before routing does, and before our counter).
    assert client.post(FEED).status_code == 400
    feed_settings.move_feed(pod, "https://feeds.example.com/pod.xml")
    session.commit()
    assert client.get(FEED).status_code == 301  # stale, rebuilt by the view
    assert client.get(FEED).status_code == 301  # moved feeds are the view's to answer
    assert flask_calls == [FEED, "/nope/feed.xml", FEED, FEED]
