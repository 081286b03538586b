"""The editor's Podcasting 2.0 episode numbers: a decimal podcast:episode ("12.5") and its
display name ("Ch.3"), set, shown again, published in the show's feed and cleared, through the
studio's own form; bad input is refused at 400 with its message, storing nothing."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask.testing import FlaskClient
from lxml import etree
from lxml import html as lxml_html
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Episode, Show
from showapp.services.catalog.editing import checked_podcast_episode
from tests.factories import make_episode, make_show
from tests.studio_helpers import edit_form, sign_in_new_user

PODCAST = "{https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
FEED = "/leaders/feed.xml"
DISPLAY_NEEDS_A_NUMBER = (
    "An episode display name goes with an episode number: enter the number or the decimal "
    "number too."
)


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    return sign_in_new_user(client, session, "host@example.com", shows=[show])


@pytest.fixture
def episode(host: FlaskClient, session: Session, episodes_dir: Path) -> Episode:
    """Episode 12 of season 2, published."""
    show = session.scalars(select(Show).where(Show.slug == "leaders")).one()
    found = make_episode(
        session, show, episodes_dir, title="Finding a sponsor", season=2, number=12
    )
    session.commit()
    return found


def _url(episode: Episode) -> str:
    return f"/studio/shows/leaders/episodes/{episode.id}"


def _form(host: FlaskClient, episode: Episode, **fields: str) -> dict[str, Any]:
    """The editor's form with the episode's stored values, and `fields` changed."""
    stored = {"title": "Finding a sponsor", "status": "published", **_shown(host, episode)}
    return edit_form(host, _url(episode), **{**stored, **fields})


def _save(host: FlaskClient, episode: Episode, **fields: str) -> None:
    response = host.post(_url(episode), data=_form(host, episode, **fields))
    assert response.status_code == 303, _text(response.get_data(as_text=True))[-600:]


def _shown(host: FlaskClient, episode: Episode) -> dict[str, str]:
    """What the editor's numbering fields hold when it is opened."""
    page = lxml_html.fromstring(host.get(_url(episode)).get_data(as_text=True))
    names = ("season", "number", "podcast_episode", "episode_display")
    return {name: page.xpath(f'//input[@name="{name}"]/@value')[0] for name in names}


def _stored(session: Session, episode: Episode) -> tuple[int | None, str, str]:
    session.expire_all()
    saved = session.get(Episode, episode.id)
    assert saved is not None
    return saved.number, saved.podcast_episode, saved.episode_display


def _numbers(host: FlaskClient, episode: Episode) -> dict[str, Any]:
    """The episode's item in the show's feed: podcast:episode (text and attributes) and
    itunes:episode, None where the feed has none."""
    response = host.get(FEED)
    assert response.status_code == 200
    assert not feedparser.parse(response.data).bozo
    channel = etree.fromstring(response.data).find("channel")
    assert channel is not None
    [item] = [item for item in channel.iter("item") if item.findtext("guid") == episode.guid]
    found = item.find(f"{PODCAST}episode")
    return {
        "episode": None if found is None else (found.text, dict(found.attrib)),
        "itunes": item.findtext(f"{ITUNES}episode"),
    }


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(page))


# The fields


def test_the_numbering_section_offers_both_fields_with_their_hints(
    host: FlaskClient, episode: Episode
) -> None:
    page = lxml_html.fromstring(host.get(_url(episode)).get_data(as_text=True))
    numbering = page.xpath('//section[@aria-labelledby="sec-numbering"]')[0]
    labels = {label.get("for"): label.text_content() for label in numbering.iter("label")}
    assert labels["podcast_episode"] == "Decimal episode number (Podcasting 2.0, optional)"
    assert labels["episode_display"] == "Episode display name (optional)"
    decimal = numbering.xpath('.//input[@name="podcast_episode"]')[0]
    assert decimal.get("inputmode") == "decimal"
    display = numbering.xpath('.//input[@name="episode_display"]')[0]
    assert display.get("maxlength") == "32"  # the column's length
    hints = [hint.text_content() for hint in numbering.xpath('.//small[@class="hint"]')]
    assert any(
        "such as 12.5" in hint and "Apple takes whole numbers only" in hint for hint in hints
    )
    assert any('such as "Ch.3"' in hint for hint in hints)


# Round trips


def test_a_decimal_and_a_display_name_are_published_shown_again_and_cleared(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    # Served once before the save: the cached feed must follow the editor.
    assert _numbers(host, episode) == {"episode": ("12", {}), "itunes": "12"}
    _save(host, episode, podcast_episode=" 12.50 ", episode_display="  Ch.3 ")
    assert _stored(session, episode) == (12, "12.5", "Ch.3")
    assert _numbers(host, episode) == {"episode": ("12.5", {"display": "Ch.3"}), "itunes": "12"}
    assert _shown(host, episode) == {
        "season": "2", "number": "12", "podcast_episode": "12.5", "episode_display": "Ch.3",
    }  # fmt: skip

    _save(host, episode, episode_display="")
    assert _numbers(host, episode) == {"episode": ("12.5", {}), "itunes": "12"}
    _save(host, episode, podcast_episode="")
    assert _stored(session, episode) == (12, "", "")
    assert _numbers(host, episode) == {"episode": ("12", {}), "itunes": "12"}
    assert _shown(host, episode)["podcast_episode"] == ""


def test_a_display_name_alone_names_the_whole_number(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    _save(host, episode, episode_display="Ch.3")
    assert _stored(session, episode) == (12, "", "Ch.3")
    assert _numbers(host, episode) == {"episode": ("12", {"display": "Ch.3"}), "itunes": "12"}


def test_a_decimal_without_a_whole_number_is_podcast_episode_alone(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    """Apple's itunes:episode is whole: no number is made up for 12.5 (12 may be taken)."""
    _save(host, episode, number="", podcast_episode="12.5", episode_display="Bonus")
    assert _stored(session, episode) == (None, "12.5", "Bonus")
    assert _numbers(host, episode) == {"episode": ("12.5", {"display": "Bonus"}), "itunes": None}
    shown = _shown(host, episode)
    assert (shown["number"], shown["podcast_episode"]) == ("", "12.5")


@pytest.mark.parametrize(
    ("number", "decimal", "stored"),
    [
        ("", "7.0", (7, "")),  # a whole decimal is the number
        ("12", "12", (12, "")),  # the same number, not kept twice
        ("12", "012.00", (12, "")),
        ("13", "12.5", (13, "12.5")),  # the host renumbered, leaving the decimal they see
        ("12", "+0.5", (12, "0.5")),
        ("12", ".25", (12, "0.25")),
        ("12", "1000000", (12, "1000000")),  # a whole decimal beside another number stays
    ],
)
def test_the_two_numbers_are_stored_in_their_shortest_agreeing_form(
    host: FlaskClient,
    session: Session,
    episode: Episode,
    number: str,
    decimal: str,
    stored: tuple[int, str],
) -> None:
    _save(host, episode, number=number, podcast_episode=decimal)
    assert _stored(session, episode) == (*stored, "")
    written = stored[1] or str(stored[0])
    assert _numbers(host, episode) == {"episode": (written, {}), "itunes": str(stored[0])}


# Refusals


def _rows(session: Session) -> list[Any]:
    session.rollback()
    return sorted(map(repr, session.execute(select(Episode.__table__)).all()))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"podcast_episode": "twelve"}, "'twelve' is not a decimal episode number"),
        ({"podcast_episode": "1e3"}, "'1e3' is not a decimal episode number"),
        ({"podcast_episode": "12.5.1"}, "'12.5.1' is not a decimal episode number"),
        ({"podcast_episode": "12,5"}, "Write the decimal episode number with a point: 12.5."),
        ({"podcast_episode": "-3"}, "is a number above 0 and up to 1,000,000"),
        ({"podcast_episode": "0"}, "is a number above 0 and up to 1,000,000"),
        ({"podcast_episode": "0.00"}, "is a number above 0 and up to 1,000,000"),
        ({"podcast_episode": "1000000.5"}, "is a number above 0 and up to 1,000,000"),
        ({"podcast_episode": "12.125"}, "12.125 has more than two decimals"),
        ({"episode_display": "C" * 33}, "The episode display name is longer than 32 characters."),
        ({"episode_display": "Ch.\x073"}, "Remove the control character (U+0007)"),
    ],
)
def test_a_bad_field_is_refused_beside_it_and_nothing_is_stored(
    host: FlaskClient, session: Session, episode: Episode, fields: dict[str, str], message: str
) -> None:
    before = _rows(session)
    form = _form(host, episode, title="Not saved", **fields)
    response = host.post(_url(episode), data=form)
    assert response.status_code == 400
    page = lxml_html.fromstring(response.get_data(as_text=True))
    [name] = fields
    errors = page.xpath(f'//input[@name="{name}"]/parent::div/small[@class="error"]')
    assert any(message in error.text_content() for error in errors), _text(
        response.get_data(as_text=True)
    )[-600:]
    # What was typed stays on the page to be corrected.
    assert page.xpath(f'//input[@name="{name}"]/@value') == [fields[name]]
    assert _rows(session) == before


def test_a_display_name_without_any_number_is_refused_and_nothing_is_stored(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    """podcast:episode@display is an attribute of podcast:episode, written only with a number."""
    before = _rows(session)
    form = _form(host, episode, title="Not saved", number="", podcast_episode="",
                 episode_display="Ch.3")  # fmt: skip
    response = host.post(_url(episode), data=form)
    assert response.status_code == 400
    assert DISPLAY_NEEDS_A_NUMBER in _text(response.get_data(as_text=True))
    assert _rows(session) == before
    assert _numbers(host, episode) == {"episode": ("12", {}), "itunes": "12"}


# The rule itself, for callers other than the editor


@pytest.mark.parametrize(
    ("typed", "shortest"),
    [("12.5", "12.5"), ("012.50", "12.5"), ("7.", "7"), ("12.500", "12.5"), (" ", "")],
)
def test_a_decimal_is_kept_in_its_shortest_form(typed: str, shortest: str) -> None:
    assert checked_podcast_episode(typed) == shortest


@pytest.mark.parametrize("typed", ["-0.5", "NaN", "inf", ".", "-", "1" * 5000])
def test_anything_else_is_invalid_input(typed: str) -> None:
    with pytest.raises(InvalidInput):
        checked_podcast_episode(typed)
