"""The design's server side: a show's accent colour (chosen, from its artwork, or the default)
always readable, served as /theme/<hex>.css; artwork and placeholders in lists; the studio
home's cards (next scheduled episode, episodes waiting for guests, 7-day downloads with a
sparkline); the labels axe asked for."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from showapp.models import DailyDownloads, EpisodeStatus, UserRole
from showapp.services.catalog import accent, artwork
from showapp.services.stats import rollups
from showapp.storage import LocalStorage
from tests.factories import make_episode, make_show
from tests.review_helpers import create_link, make_draft
from tests.studio_helpers import login, make_user


def _cover(colour: tuple[int, int, int]) -> io.BytesIO:
    image = Image.new("RGB", (1400, 1400), colour)
    image.paste((250, 250, 250), (300, 300, 700, 700))  # a pale patch, as titles often are
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "colour", ["ffff00", "00ff00", "ffffff", "777777", "0000ff", "000000", "ff8800", "00ccff"]
)
def test_any_accent_becomes_readable_both_ways(colour: str) -> None:
    theme = accent.theme_for(colour)
    for background in accent.PAGE_BACKGROUNDS:
        assert accent.contrast(theme.accent, background) >= 4.5, (colour, theme)
    assert accent.contrast(theme.ink, theme.accent) >= 4.5, (colour, theme)


def test_a_dark_enough_accent_is_kept_and_nonsense_falls_back() -> None:
    assert accent.theme_for("#1a4d2e").accent == "1a4d2e"
    assert accent.theme_for("red").accent == accent.DEFAULT_ACCENT
    assert accent.theme_for(None).accent == accent.DEFAULT_ACCENT


def test_dominant_colour_prefers_the_vivid_one(tmp_path: Path) -> None:
    path = tmp_path / "cover.png"
    path.write_bytes(_cover((30, 110, 200)).getvalue())
    found = accent.dominant_colour(path)
    assert found is not None
    red, green, blue = (int(found[i : i + 2], 16) for i in (0, 2, 4))
    assert blue > green > red
    assert accent.dominant_colour(tmp_path / "missing.png") is None


def test_theme_stylesheet_is_css_cached_for_a_year(client: FlaskClient) -> None:
    response = client.get("/theme/ffff00.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert "immutable" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    value = body.split("--accent:#")[1][:6]
    assert value != "ffff00"  # yellow on white is unreadable: it was darkened
    assert accent.contrast(value, "ffffff") >= 4.5
    assert client.get("/theme/zzzzzz.css").status_code == 404


def test_show_pages_link_the_accent_of_their_artwork(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="green", title="Green Room")
    names = artwork.store_artwork(
        LocalStorage(episodes_dir), show.slug, "cover", _cover((20, 150, 60))
    )
    show.artwork = names[0]
    episode = make_episode(session, show, episodes_dir, title="First")
    session.commit()
    for path in ("/green/", f"/green/episodes/{episode.slug}", f"/embed/green/{episode.slug}"):
        page = lxml.html.fromstring(client.get(path).get_data(as_text=True))
        (href,) = page.xpath('//link[starts-with(@href, "/theme/")]/@href')
        red, green, blue = (int(href[7 + i : 9 + i], 16) for i in (0, 2, 4))
        assert green > red and green > blue, (path, href)
        # Lists and headers use the 300 px copy, not the full-size original.
        assert any(src.endswith("-300.jpg") for src in page.xpath("//img[@class]/@src")), path


def test_network_home_gives_a_show_without_artwork_a_placeholder(
    client: FlaskClient, session: Session
) -> None:
    make_show(session, slug="plain", title="Plain Talk")
    session.commit()
    page = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    (tile,) = page.xpath('//li[contains(@class, "show-tile")]')
    assert tile.xpath('.//*[contains(@class, "art-placeholder")]/text()') == ["PT"]


def test_studio_home_is_a_dashboard_of_each_show(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    draft = make_draft(session, episodes_dir)
    later = make_episode(session, draft.show, episodes_dir, title="Next week", published_at=None)
    later.status = EpisodeStatus.SCHEDULED
    later.published_at = datetime.now(UTC) + timedelta(days=7)
    today = datetime.now(UTC).date()
    session.add_all(
        DailyDownloads(
            day=today - timedelta(days=n), episode_id=draft.episode.id, app="Overcast",
            platform="iOS", source="feed", downloads=n + 1,
        )
        for n in range(3)
    )  # fmt: skip
    rollups.refresh_show_episode_days(session, draft.show.id)  # as the rollup that wrote them
    session.commit()
    login(client, "host@example.com")
    create_link(client, draft)  # Grace Lee is invited and has not answered
    page = lxml.html.fromstring(client.get("/studio/").get_data(as_text=True))
    (card,) = page.xpath('//li[contains(@class, "show-card")]')
    text = card.text_content()
    assert "Next week" in text
    assert "Mentoring with Grace" in text and "1 to approve" in text
    assert card.xpath('.//div[@class="show-downloads"]//strong/text()') == ["6"]
    (spark,) = card.xpath(".//*[local-name()='svg']")
    assert spark.get("role") == "img"
    assert len(spark.xpath(".//*[local-name()='polyline']")) == 1
    # Its description carries the figures, oldest day first, today (1) last.
    assert spark.xpath(".//*[local-name()='desc']/text()")[0].endswith(": 1")
    # The navigation marks the home as the current page.
    assert page.xpath('//nav[@aria-label="Studio"]//a[@aria-current="page"]/text()') == ["Home"]


def test_editor_guest_fields_and_upload_input_have_names(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="named")
    episode = make_episode(session, show, episodes_dir)
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    login(client, "admin@example.com")
    editor = lxml.html.fromstring(
        client.get(f"/studio/shows/named/episodes/{episode.id}").get_data(as_text=True)
    )
    roles = editor.xpath('//select[contains(@name, "-role")]')
    assert roles and all(select.get("aria-label") for select in roles)
    listing = lxml.html.fromstring(
        client.get("/studio/shows/named/episodes").get_data(as_text=True)
    )
    assert listing.xpath('//label[@for="audio-input"]')
    assert listing.xpath('//input[@id="audio-input"]/@multiple')
    assert listing.xpath('//li[contains(@class, "episode-row")]//span[contains(@class, "status")]')
