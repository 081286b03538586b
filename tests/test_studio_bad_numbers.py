"""Input the studio must refuse at 400 with its message on the page, storing nothing: huge
season and episode numbers, NaN and infinite times, minutes past 59, over-long titles and
topics, bad guest rows, a bad owner e-mail and control characters."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Appearance, Chapter, Episode, Guest, Show, Soundbite, Topic
from showapp.services.catalog import chapters, lookups, soundbites
from showapp.services.catalog.chapters import ChapterEntry
from tests.factories import make_episode, make_show
from tests.studio_helpers import csrf_token, edit_form, sign_in_new_user

SETTINGS = "/studio/shows/leaders/settings"
NOT_A_TIME = "is not a time (use seconds or h:mm:ss)."
PAST_59 = "is not a time: minutes and seconds go from 0 to 59 (h:mm:ss)."
CONTROL = "Remove the control character (U+0000) from this field"


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    return sign_in_new_user(client, session, "host@example.com", shows=[show])


@pytest.fixture
def episode(host: FlaskClient, session: Session, episodes_dir: Path) -> Episode:
    """A six-second draft with a chapter and a soundbite that a refused post must keep."""
    show = lookups.get_show(session, "leaders")
    assert show is not None
    found = make_episode(session, show, episodes_dir, seconds=6.0, title="First cut",
                         published_at=None, season=2, number=7)  # fmt: skip
    chapters.replace_chapters(session, found, [ChapterEntry(1.0, "Kept")])
    soundbites.add_soundbite(session, found, start=1.0, duration=2.0, title="Kept")
    session.commit()
    return found


def _url(episode: Episode, page: str = "") -> str:
    return f"/studio/shows/leaders/episodes/{episode.id}{page}"


def _stored(session: Session) -> dict[str, list[str]]:
    session.rollback()
    return {
        model.__name__: sorted(map(repr, session.execute(select(model.__table__)).all()))
        for model in (Show, Episode, Chapter, Soundbite, Topic, Guest, Appearance)
    }


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def _refused(client: FlaskClient, session: Session, url: str, data: dict[str, Any]) -> str:
    """Posts a form the studio must refuse, checking that no row changed; gives the page."""
    before = _stored(session)
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 400, _text(response)[-600:]
    assert _stored(session) == before
    return _text(response)


def _rows(client: FlaskClient, url: str, **columns: list[str]) -> dict[str, Any]:
    return {"csrf_token": csrf_token(client, url), **columns}


# The episode editor


def _editor(client: FlaskClient, episode: Episode, **fields: str) -> dict[str, Any]:
    """The editor's form as stored (title, season and number), with `fields` changed."""
    stored = {"title": "First cut", "season": "2", "number": "7"}
    return edit_form(client, _url(episode), **{**stored, **fields})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"season": "99999999999999999999"}, "The season is a whole number from 1 to 1,000,000."),
        ({"season": "1000001"}, "The season is a whole number from 1 to 1,000,000."),
        (
            {"number": "99999999999999999999"},
            "The episode number is a whole number from 1 to 1,000,000.",
        ),
        ({"title": "x" * 256}, "The title is longer than 255 characters."),
        (
            {"topics": "Hiring, " + "t" * 129},
            f"The topic '{'t' * 40}…' is longer than 128 characters.",
        ),
        ({"title": "Nul\x00title"}, CONTROL),
        ({"notes_md": "Bell\x07"}, "Remove the control character (U+0007)"),
    ],
)
def test_bad_episode_fields_are_refused_with_their_message(
    host: FlaskClient, session: Session, episode: Episode, fields: dict[str, str], message: str
) -> None:
    form = _editor(host, episode, **fields)
    page = _refused(host, session, _url(episode), form)
    assert message in page
    assert 'class="field has-error"' in page


@pytest.mark.parametrize(
    ("row", "name", "message"),
    [
        ({"name": "G" * 129}, "name", "Guest 1 name: Field cannot be longer than 128 characters."),
        ({"name": "Rosa Diaz", "role": "villain"}, "role", "Guest 1 role: Not a valid choice."),
        (
            {"name": "Rosa Diaz", "organisation": "Init\x00ech"},
            "organisation",
            f"Guest 1 organisation: {CONTROL}",
        ),
    ],
)
def test_a_bad_guest_row_shows_its_error_beside_the_field(
    host: FlaskClient, session: Session, episode: Episode, row: dict[str, str], name: str,
    message: str,
) -> None:  # fmt: skip
    guest = {f"guests-0-{key}": value for key, value in {"role": "guest", **row}.items()}
    form = _editor(host, episode, **guest)
    page = _refused(host, session, _url(episode), form)
    assert message in page
    field = f"guests-0-{name}"
    assert f'aria-describedby="{field}-error"' in page
    assert f'<small class="error" role="alert" id="{field}-error">' in page


def test_the_largest_numbers_and_tabs_and_line_breaks_are_saved(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    notes = "Line one\r\n\tindented"
    form = _editor(host, episode, season="1000000", number="1000000", notes_md=notes,
                   topics="t" * 128)  # fmt: skip
    assert host.post(_url(episode), data=form).status_code == 303
    session.rollback()
    saved = session.get(Episode, episode.id, populate_existing=True)
    assert saved is not None and (saved.season, saved.number) == (1_000_000, 1_000_000)
    assert saved.notes_md.replace("\r\n", "\n") == "Line one\n\tindented"
    assert session.scalars(select(Topic.name)).all() == ["t" * 128]


# Chapters and soundbites


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("nan", f"'nan' {NOT_A_TIME}"),
        ("NaN", f"'NaN' {NOT_A_TIME}"),
        ("inf", f"'inf' {NOT_A_TIME}"),
        ("-inf", f"'-inf' {NOT_A_TIME}"),
        ("1e309", f"'1e309' {NOT_A_TIME}"),
        ("0:nan", f"'0:nan' {NOT_A_TIME}"),
        ("1:99:99", f"'1:99:99' {PAST_59}"),
        ("0:00:60", f"'0:00:60' {PAST_59}"),
        ("0:75", f"'0:75' {PAST_59}"),
        ("-0:02", "the start time cannot be negative."),
    ],
)
def test_a_chapter_start_that_is_no_time_is_refused(
    host: FlaskClient, session: Session, episode: Episode, start: str, message: str
) -> None:
    url = _url(episode, "/chapters")
    page = _refused(host, session, url, _rows(host, url, start=["0", start], title=["A", "B"]))
    assert f"Nothing was changed: Chapter 2: {message}" in page


def test_a_chapter_title_with_a_control_character_is_refused(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    url = _url(episode, "/chapters")
    page = _refused(host, session, url, _rows(host, url, start=["0"], title=["Nul\x00"]))
    assert "Chapter 1: the title holds a control character; remove it." in page


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"startTime": NaN, "title": "a"}]', f"/chapters/0: 'nan' {NOT_A_TIME}"),
        (b'[{"startTime": Infinity, "title": "a"}]', f"/chapters/0: 'inf' {NOT_A_TIME}"),
        (b'[{"startTime": 1e999, "title": "a"}]', f"/chapters/0: 'inf' {NOT_A_TIME}"),
        (b'[{"startTime": 1%s, "title": "a"}]' % (b"0" * 400), f"0: '1{'0' * 39}…' {NOT_A_TIME}"),
        (
            b'[{"startTime": 0, "title": "a"}, {"startTime": NaN}]',
            f"/chapters/1: 'nan' {NOT_A_TIME}",
        ),
        (b'[{"startTime": 1%s, "title": "a"}]' % (b"0" * 5000), "holds a number too long to read."),
    ],
)
def test_a_chapters_file_with_no_time_is_refused(
    host: FlaskClient, session: Session, episode: Episode, body: bytes, message: str
) -> None:
    document = b'{"version": "1.2.0", "chapters": ' + body + b"}"
    data = {
        "csrf_token": csrf_token(host, _url(episode, "/chapters")),
        "chapters_file": (io.BytesIO(document), "chapters.json"),
    }
    page = _refused(host, session, _url(episode, "/chapters/upload"), data)
    assert "Nothing was changed: The chapters file" in page and message in page


@pytest.mark.parametrize(
    ("start", "duration", "title", "message"),
    [
        ("nan", "2", "", f"Soundbite 1: 'nan' {NOT_A_TIME}"),
        ("1", "nan", "", f"Soundbite 1: 'nan' {NOT_A_TIME}"),
        ("1", "inf", "", f"Soundbite 1: 'inf' {NOT_A_TIME}"),
        ("1e309", "2", "", f"Soundbite 1: '1e309' {NOT_A_TIME}"),
        ("0:99", "2", "", f"Soundbite 1: '0:99' {PAST_59}"),
        ("1", "2", "Nul\x00", "Soundbite 1: The soundbite's title holds a control character"),
    ],
)
def test_a_soundbite_that_is_no_time_is_refused(
    host: FlaskClient, session: Session, episode: Episode, start: str, duration: str,
    title: str, message: str,
) -> None:  # fmt: skip
    url = _url(episode, "/soundbites")
    data = _rows(host, url, start=[start], duration=[duration], title=[title])
    page = _refused(host, session, url, data)
    assert f"Nothing was changed: {message}" in page


# Show settings


def _settings(client: FlaskClient, **fields: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf_token(client, SETTINGS),
        "title": "Leaders",
        "language": "en",
        "category": "Business",
        "subcategory": "Management",
        "show_type": "episodic",
        "timezone": "UTC",
        "owner_email": "ada@example.com",
        **fields,
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"owner_email": "not-an-email"},
            "'not-an-email' is not an e-mail address (like name@example.com).",
        ),
        ({"owner_email": "ada@example.com\x00"}, CONTROL),
        ({"description": "About\x00mentors"}, CONTROL),
    ],
)
def test_bad_show_settings_are_refused_with_their_message(
    host: FlaskClient, session: Session, fields: dict[str, str], message: str
) -> None:
    page = _refused(host, session, SETTINGS, _settings(host, **fields))
    assert message in page
    assert "not-an-email" not in host.get("/leaders/feed.xml").get_data(as_text=True)


def test_an_empty_owner_email_is_still_allowed(host: FlaskClient, session: Session) -> None:
    assert host.post(SETTINGS, data=_settings(host, owner_email="")).status_code == 303
    session.rollback()
    show = lookups.get_show(session, "leaders")
    assert show is not None and show.owner_email == ""
