"""Choosing the storage backend, and the public-base redirect of a bucket behind a CDN."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import create_app
from showapp.config import ConfigError
from showapp.media.recorder import get_recorder
from showapp.models import MediaRequest
from showapp.storage import storage_of
from tests.factories import make_episode, make_show
from tests.s3server import S3Server

CDN = "https://cdn.example.com/podcasts"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"STORAGE": "ftp"}, "SHOWAPP_STORAGE must be local or s3"),
        ({"STORAGE": "s3"}, "needs SHOWAPP_S3_BUCKET"),
    ],
)
def test_a_bad_storage_setting_stops_the_app(
    app_config: dict[str, Any], settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app({**app_config, **settings})


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if "cdn" not in request.keywords:
        return app_config
    server: S3Server = request.getfixturevalue("s3_server")
    return {**app_config, **server.app_config(server.new_bucket(), S3_PUBLIC_BASE_URL=CDN)}


@pytest.mark.cdn
def test_with_a_public_base_media_redirects_there_and_still_counts(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, storage_of(app))
    session.commit()
    name = str(episode.audio_file)
    for method in ("GET", "HEAD"):
        answer = client.open(f"/media/{name}", method=method)
        assert answer.status_code == 302 and answer.headers["Location"] == f"{CDN}/{name}"
    artwork = client.get("/media/leaders/none-300.jpg")  # not checked: the CDN answers 404
    assert artwork.status_code == 302
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 2  # the audio's GET and HEAD, counted
    counted = session.scalars(select(MediaRequest.method).order_by(MediaRequest.id)).all()
    assert counted == ["GET", "HEAD"]
