"""Addresses made from names in any script, and a new show that fails leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import Episode, Guest, Show, Topic, UserRole
from showapp.services.catalog import lookups
from showapp.services.catalog.text import slugify
from showapp.services.catalog.writes import podcast_guid_for
from tests.factories import make_episode, make_show
from tests.studio_helpers import csrf_token, edit_form, login, make_user, sign_in_new_user


def test_names_without_latin_letters_get_their_own_addresses() -> None:
    assert slugify("山田太郎") == "shan-tian-tai-lang"
    assert slugify("Москва") == "moskva"
    assert slugify("José Ørsted") == "jose-rsted"  # the address it has always had
    assert slugify("!!!") == ""


def _new_show(client: FlaskClient, **fields: str) -> tuple[int, str]:
    form = {
        "csrf_token": csrf_token(client, "/studio/shows/new"),
        "language": "en",
        "category": "Business",
        "show_type": "episodic",
        "timezone": "UTC",
        **fields,
    }
    response = client.post("/studio/shows/new", data=form)
    return response.status_code, response.get_data(as_text=True)


def _shows(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Show.slug).order_by(Show.slug)))


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "is not a time zone"),
        ({"category": "Arts", "subcategory": "Tech News"}, "not a subcategory of Arts"),
    ],
)
def test_a_new_show_refused_for_one_field_is_not_half_made(
    admin: FlaskClient, session: Session, fields: dict[str, str], message: str
) -> None:
    status, page = _new_show(admin, title="TZ Show", **fields)
    assert status == 400 and message in page
    assert _shows(session) == []
    assert admin.get("/tz-show/").status_code == 404
    # The next show is made as if the refused one had never been tried.
    status, _ = _new_show(admin, title="Valid Show", slug="valid-show")
    assert status == 303
    assert _shows(session) == ["valid-show"]
    show = lookups.get_show(session, "valid-show")
    assert show is not None
    assert show.podcast_guid == podcast_guid_for("http://podcast.test/valid-show/feed.xml")


def test_a_show_titled_in_another_script_gets_an_address(
    admin: FlaskClient, session: Session
) -> None:
    status, _ = _new_show(admin, title="日本語のポッドキャスト")
    assert status == 303
    (slug,) = _shows(session)
    assert slug == slugify("日本語のポッドキャスト") and slug
    show = lookups.get_show(session, slug)
    assert show is not None
    assert show.podcast_guid == podcast_guid_for(f"http://podcast.test/{slug}/feed.xml")
    status, page = _new_show(admin, title="!!!")
    assert status == 400 and "Choose an address" in page
    assert _shows(session) == [slug]


@pytest.fixture
def host(client: FlaskClient, session: Session, episodes_dir: Path) -> tuple[FlaskClient, int]:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, title="First cut", published_at=None)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    return client, episode.id


def _save(client: FlaskClient, episode_id: int, **fields: str) -> tuple[int, str]:
    url = f"/studio/shows/leaders/episodes/{episode_id}"
    response = client.post(url, data=edit_form(client, url, **fields))
    return response.status_code, response.get_data(as_text=True)


def test_topics_and_guests_in_other_scripts_are_kept_apart(
    host: tuple[FlaskClient, int], session: Session
) -> None:
    client, episode_id = host
    status, _ = _save(
        client,
        episode_id,
        topics="リーダーシップ, Наставничество",
        **{"guests-0-name": "山田太郎", "guests-1-name": "Иван Петров"},
    )
    assert status == 303
    session.expire_all()
    topics = dict(session.execute(select(Topic.name, Topic.slug)).tuples().all())
    assert topics == {
        "リーダーシップ": slugify("リーダーシップ"),
        "Наставничество": "nastavnichestvo",
    }
    guests = dict(session.execute(select(Guest.name, Guest.slug)).tuples().all())
    assert guests == {"山田太郎": "shan-tian-tai-lang", "Иван Петров": "ivan-petrov"}


@pytest.mark.parametrize("fields", [{"topics": "!!!"}, {"guests-0-name": "???"}])
def test_a_name_with_no_letters_is_refused(
    host: tuple[FlaskClient, int], session: Session, fields: dict[str, str]
) -> None:
    client, episode_id = host
    status, page = _save(client, episode_id, title="Renamed", **fields)
    assert status == 400
    assert "has no letters or digits to make an address from" in page
    session.expire_all()
    assert session.scalar(select(func.count(Topic.id))) == 0
    assert session.scalar(select(func.count(Guest.id))) == 0
    assert session.get(Episode, episode_id).title == "First cut"  # type: ignore[union-attr]
