"""An episode's address follows its title until it is first published (an upload starts as
`ep3`, from the file's name); an address the host typed is kept; once published it is fixed."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode
from tests.factories import make_mp3, make_show
from tests.studio_helpers import csrf_token, edit_form, login, make_user

EPISODES = "/studio/shows/leaders/episodes"


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    return client


def _upload(client: FlaskClient, name: str, seed: int) -> str:
    form = {
        "csrf_token": csrf_token(client, EPISODES),
        "audio": (io.BytesIO(make_mp3(2.0, seed=seed)), name),
    }
    response = client.post(f"{EPISODES}/upload", data=form, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[-500:]
    return str(response.location)


def _save(client: FlaskClient, url: str, **fields: str) -> None:
    slug = client.get(url).get_data(as_text=True).split('name="slug"')[1]
    current = slug.split('value="')[1].split('"')[0] if 'value="' in slug.split(">")[0] else ""
    form = edit_form(client, url, slug=current, **fields)
    response = client.post(url, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[-800:]


def _slug(session: Session, url: str) -> str:
    session.rollback()
    episode = session.get(Episode, int(url.rstrip("/").rsplit("/", 1)[1]), populate_existing=True)
    assert episode is not None
    return episode.slug


def test_a_drafts_address_follows_its_title_then_stays_once_published(
    host: FlaskClient, session: Session
) -> None:
    editor = _upload(host, "ep3.mp3", seed=1)
    assert _slug(session, editor) == "ep3"
    _save(host, editor, title="Finding a sponsor")
    assert _slug(session, editor) == "finding-a-sponsor"
    # Renamed again and published in the same save: the address is the final title's.
    _save(host, editor, title="Finding a mentor", status="published")
    assert _slug(session, editor) == "finding-a-mentor"
    assert host.get("/leaders/episodes/finding-a-mentor").status_code == 200
    # Published: a new title leaves the address that apps and links already use.
    _save(host, editor, title="Finding a mentor, revisited", status="published")
    assert _slug(session, editor) == "finding-a-mentor"
    assert host.get("/leaders/episodes/finding-a-mentor").status_code == 200


def test_an_address_the_host_typed_is_kept_and_clashes_get_a_suffix(
    host: FlaskClient, session: Session
) -> None:
    first = _upload(host, "ep1.mp3", seed=2)
    _save(host, first, title="Pilot")
    second = _upload(host, "ep2.mp3", seed=3)
    _save(host, second, title="Pilot")
    assert (_slug(session, first), _slug(session, second)) == ("pilot", "pilot-2")
    form = edit_form(host, first, title="Pilot", slug="the-pilot")
    assert host.post(first, data=form).status_code == 303
    assert _slug(session, first) == "the-pilot"
    _save(host, first, title="Our first pilot")
    assert _slug(session, first) == "the-pilot"  # chosen by the host, so it stays
    slugs = set(session.scalars(select(Episode.slug)))
    assert slugs == {"the-pilot", "pilot-2"}
