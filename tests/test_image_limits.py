"""A picture with more pixels than Pillow will decode (a decompression bomb: a 48 KB PNG of
20000x20000) is refused at every upload point like any other bad picture: 400, its size and
the limit named, what was typed kept, nothing stored. And replacing an episode's artwork
removes the files of the artwork it replaces, on both storage backends."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, stream_encode_multipart

from showapp.models import Episode, Guest, Show, UserRole
from showapp.services import network
from showapp.services.catalog.artwork import copy_name
from showapp.storage import Storage, storage_of
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, edit_form, sign_in_new_user

SHOW = "/studio/shows/leaders"
GUEST = "/studio/guests/priya-raman"
NETWORK = "/studio/network"
TYPED = "Typed before the upload"
BOMB = 20000  # past twice Image.MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError
WARNED = 10000  # past the limit, under twice it: Pillow warns (an error under pytest here)


@cache
def _blank_png(side: int) -> bytes:
    """A real PNG of side x side, one bit a pixel: a few KB however many pixels it has."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


def _artwork_png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1400, 1400), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def storage(app: Flask) -> Storage:
    return storage_of(app)


@pytest.fixture
def admin(client: FlaskClient, session: Session, storage: Storage) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    add_guest(session, make_episode(session, show, storage, title="Talk"), "Priya Raman")
    session.commit()
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN, shows=[show])


def _post(client: FlaskClient, url: str, fields: dict[str, Any]) -> TestResponse:
    # Encoded in memory: werkzeug would spool a large body to a temporary file nobody closes.
    stream, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    return client.post(
        url,
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _file(body: bytes, name: str = "picture.png") -> FileStorage:
    return FileStorage(io.BytesIO(body), filename=name)


def _episode(session: Session) -> Episode:
    session.rollback()
    session.expire_all()
    return session.scalars(select(Episode)).one()


def _show_artwork(client: FlaskClient, session: Session, body: bytes) -> TestResponse:
    token = csrf_token(client, f"{SHOW}/settings")
    return _post(client, f"{SHOW}/artwork", {"csrf_token": token, "artwork": _file(body)})


def _episode_artwork(client: FlaskClient, session: Session, body: bytes) -> TestResponse:
    url = f"{SHOW}/episodes/{_episode(session).id}"
    form = edit_form(client, url, title=TYPED, status="published")
    return _post(client, url, {**form, "artwork": _file(body)})


def _guest_photo(client: FlaskClient, session: Session, body: bytes) -> TestResponse:
    token = csrf_token(client, GUEST)
    return _post(client, f"{GUEST}/photo", {"csrf_token": token, "photo": _file(body)})


def _network_logo(client: FlaskClient, session: Session, body: bytes) -> TestResponse:
    fields = {"csrf_token": csrf_token(client, NETWORK), "name": TYPED, "color": "#1a6b5c"}
    return _post(client, NETWORK, {**fields, "logo": _file(body)})


def _rows(session: Session) -> tuple[Any, ...]:
    """Every column an upload point could change."""
    session.rollback()
    session.expire_all()
    show = session.scalars(select(Show)).one()
    episode = _episode(session)
    guest = session.scalars(select(Guest)).one()
    settings = network.stored(session)
    return (
        show.artwork,
        (episode.title, episode.artwork, episode.version),
        guest.photo,
        settings and (settings.name, settings.logo, settings.color),
    )


class UploadPoint(NamedTuple):
    upload: Callable[[FlaskClient, Session, bytes], TestResponse]
    refusal: str  # the message, with {side} for the picture's width and height
    keeps_typed: bool  # the form has other fields, which must come back as typed


ARTWORK = "The artwork is {side}x{side}; Apple accepts at most 3000x3000."
POINTS = [
    pytest.param(UploadPoint(_show_artwork, ARTWORK, False), id="show-artwork"),
    pytest.param(UploadPoint(_episode_artwork, ARTWORK, True), id="episode-artwork"),
    pytest.param(
        UploadPoint(
            _guest_photo, "The photo is {side}x{side} pixels; at most 6000 on a side", False
        ),
        id="guest-photo",
    ),
    pytest.param(
        UploadPoint(
            _network_logo, "The logo is {side}x{side} pixels; at most 6000 on a side", True
        ),
        id="network-logo",
    ),
]


def test_the_sizes_are_past_pillows_limits() -> None:
    limit = Image.MAX_IMAGE_PIXELS
    assert limit is not None
    assert limit < WARNED * WARNED <= 2 * limit < BOMB * BOMB
    assert len(_blank_png(BOMB)) < 64 * 1024


@pytest.mark.parametrize("side", [BOMB, WARNED])
@pytest.mark.parametrize("point", POINTS)
def test_a_picture_with_too_many_pixels_is_refused_and_nothing_is_stored(
    admin: FlaskClient, session: Session, storage: Storage, point: UploadPoint, side: int
) -> None:
    files, rows = sorted(storage.names("", hidden=True)), _rows(session)
    response = point.upload(admin, session, _blank_png(side))
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-600:]
    assert point.refusal.format(side=side) in page
    if point.keeps_typed:
        assert f'value="{TYPED}"' in page
    assert sorted(storage.names("", hidden=True)) == files
    assert _rows(session) == rows


class TestReplacedEpisodeArtwork:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any], backend_config: dict[str, Any]) -> Any:
        return {**app_config, **backend_config}

    def test_only_the_current_files_remain_and_the_purge_takes_them(
        self, admin: FlaskClient, session: Session, storage: Storage
    ) -> None:
        episode_id = _episode(session).id
        url = f"{SHOW}/episodes/{episode_id}"
        for colour in [(200, 30, 30), (30, 160, 60), (30, 30, 200)]:  # set, replaced twice
            form = edit_form(admin, url, title="Talk", status="published")
            response = _post(admin, url, {**form, "artwork": _file(_artwork_png(colour))})
            assert response.status_code == 303, response.get_data(as_text=True)[-600:]
            current = _episode(session).artwork
            assert current is not None
            assert _pictures(storage) == {current, copy_name(current, 600), copy_name(current, 300)}
        delete = f"{url}/delete"
        token = csrf_token(admin, delete)
        assert admin.post(delete, data={"csrf_token": token, "confirm": "1"}).status_code == 303
        token = csrf_token(admin, f"{SHOW}/trash")
        purged = admin.post(
            f"{SHOW}/trash/{episode_id}/purge", data={"csrf_token": token, "confirm": "1"}
        )
        assert purged.status_code == 303
        assert list(storage.names("leaders/", hidden=True)) == []


def _pictures(storage: Storage) -> set[str]:
    """The show folder's files but the audio (which retagging may rename)."""
    return {name for name in storage.names("leaders/", hidden=True) if not name.endswith(".mp3")}
