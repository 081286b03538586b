"""A studio upload larger than werkzeug's form memory limit streams through in large reads."""

from __future__ import annotations

import hashlib
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from showapp.models import Episode
from tests.factories import make_mp3, make_show
from tests.studio_helpers import csrf_token, login, make_user


def test_an_upload_many_reads_long_is_stored_whole(client: FlaskClient, session: Session) -> None:
    show = make_show(session, slug="leaders")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    audio = make_mp3(90.0, seed=8)  # ~720 KB: more than MAX_FORM_MEMORY_SIZE, many reads
    assert len(audio) > int(client.application.config.get("MAX_FORM_MEMORY_SIZE") or 500_000)
    token = csrf_token(client, "/studio/shows/leaders/episodes")
    stream, length, boundary = stream_encode_multipart(
        {"csrf_token": token, "audio": FileStorage(io.BytesIO(audio), filename="long.mp3")},
        use_tempfile=False,
    )
    response = client.post(
        "/studio/shows/leaders/episodes/upload",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    episode = session.scalars(select(Episode)).one()
    assert episode.audio_sha256 == hashlib.sha256(audio).hexdigest()
    assert episode.duration_seconds == pytest.approx(90.0, abs=0.5)
