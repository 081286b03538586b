"""What a recorded media request keeps: the bytes the server really sent, and listener keys
under the right day's salt when one batch holds many requests and crosses midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, MediaRequest
from showapp.services.stats import recording
from tests.factories import APPLE, OVERCAST, make_committed_episode


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    return make_committed_episode(session, episodes_dir, "recorded", seconds=2)


def _sent_span(client: FlaskClient, episode: Episode, header: str) -> tuple[int, int]:
    """The bytes the app answers a Range header with, as (first, last); (0, -1) for none."""
    with client.get(f"/media/{episode.audio_file}", headers={"Range": header}) as response:
        if response.status_code == 416:
            return 0, -1
        if response.status_code == 200:
            return 0, int(response.headers["Content-Length"]) - 1
        assert response.status_code == 206
        content_range = response.content_range
        assert content_range.start is not None and content_range.stop is not None
        return content_range.start, content_range.stop - 1


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_recorded_span_is_what_the_server_sent(
    client: FlaskClient, episode: Episode, data: st.DataObject
) -> None:
    size = episode.audio_bytes or 0
    assert size > 0
    edge = st.integers(0, size + 10) | st.sampled_from([0, 1, size - 2, size - 1, size])
    first = data.draw(edge, "first")
    last = data.draw(st.none() | edge.filter(lambda last: last >= first), "last")
    spacing = data.draw(st.sampled_from(["", " "]), "spacing")
    header = f"bytes={spacing}{first}-{'' if last is None else last}"
    assert recording.requested_span("GET", header, size) == _sent_span(client, episode, header)


@pytest.mark.parametrize(
    "header",
    ["bytes=-500", "bytes=-999999", "bytes=0-1,5-9", "Bytes=0-1", "bytes=5-3", "bytes=x-y",
     "items=0-1", "bytes="],
)  # fmt: skip
def test_unusual_range_headers_are_read_as_sent(
    client: FlaskClient, episode: Episode, header: str
) -> None:
    size = episode.audio_bytes or 0
    span = recording.requested_span("GET", header, size)
    if "," in header:
        assert span == (0, 9)  # a multipart request counts from its first to its last byte
    else:
        assert span == _sent_span(client, episode, header)
    if header in {"bytes=5-3", "bytes=x-y"}:
        assert span == (0, -1)  # refused with 416: nothing to count


def test_one_batch_keys_each_request_under_its_own_days_salt(
    app: Flask, session: Session, episode: Episode
) -> None:
    name = str(episode.audio_file)
    before_midnight = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
    after_midnight = before_midnight + timedelta(minutes=2)
    hits = [
        recording.Hit(name, before_midnight, "GET", "192.0.2.1", APPLE, "bytes=0-1", None, None),
        recording.Hit(name, before_midnight, "GET", "192.0.2.1", APPLE, "bytes=2-99", None, None),
        recording.Hit(name, before_midnight, "GET", "192.0.2.2", APPLE, None, None, None),
        recording.Hit(name, before_midnight, "GET", "192.0.2.1", OVERCAST, None, None, None),
        recording.Hit(name, after_midnight, "GET", "192.0.2.1", APPLE, "bytes=100-", None, None),
    ]
    assert recording.store_hits(session, hits) == 5
    session.commit()
    rows = session.scalars(select(MediaRequest).order_by(MediaRequest.id)).all()
    # The batch dropped the salt of March 1st (two days old by its last request).
    salts = {day: recording.salt_for(session, day) for day in (date(2026, 3, 2), date(2026, 3, 3))}
    for hit, row in zip(hits, rows, strict=True):
        key = recording.listener_key(salts[hit.at.date()], hit.address, hit.user_agent)
        assert row.listener_key == key
    # The same listener keeps one key through the day and is followed across midnight.
    assert rows[0].listener_key == rows[1].listener_key == rows[4].previous_key
    assert rows[0].previous_key == rows[1].previous_key
    assert len({rows[0].listener_key, rows[2].listener_key, rows[3].listener_key}) == 3
    assert len({rows[0].previous_key, rows[2].previous_key, rows[3].previous_key}) == 3
    assert [(r.range_start, r.range_end) for r in rows[:2]] == [(0, 1), (2, 99)]
