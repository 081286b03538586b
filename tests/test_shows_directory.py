"""The network home lists its first shows and links the rest: /shows/, every show A to Z,
paged, so the home costs the same with 5 shows or 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.services.catalog.site_pages import HOME_SHOWS, SHOWS_PAGE_SIZE
from tests.browser import VIEWPORTS, browser_page, screenshot, serious_violations
from tests.conftest import BASE_URL
from tests.factories import make_episode, make_show

COUNT = 30


@pytest.fixture
def network(session: Session, episodes_dir: Path) -> None:
    for number in range(COUNT):
        show = make_show(session, slug=f"show-{number:02d}", title=f"Show {number:02d}")
        if number < 3:
            make_episode(session, show, episodes_dir, title=f"Latest of show {number}")
    session.commit()


def _tiles(client: FlaskClient, path: str) -> tuple[list[str], Any]:
    response = client.get(path)
    assert response.status_code == 200, path
    page = lxml.html.fromstring(response.get_data(as_text=True))
    return page.xpath('//li[contains(@class, "show-tile")]//a[@class="show-name"]/text()'), page


def test_the_home_lists_its_first_shows_and_links_every_show(
    client: FlaskClient, network: None
) -> None:
    names, home = _tiles(client, "/")
    assert names == [f"Show {n:02d}" for n in range(HOME_SHOWS)]
    assert f"{COUNT} shows from showapp" in home.text_content()
    (link,) = home.xpath('//a[@href="/shows/"]')
    assert link.text_content() == f"All {COUNT} shows →"
    first, page = _tiles(client, "/shows/")
    second, later = _tiles(client, "/shows/?page=2")
    assert first + second == [f"Show {n:02d}" for n in range(COUNT)]
    assert len(first) == SHOWS_PAGE_SIZE
    assert page.xpath('//a[@rel="next"]/@href') == ["/shows/?page=2"]
    assert later.xpath('//a[@rel="prev"]/@href') == ["/shows/"]
    assert later.xpath('//link[@rel="canonical"]/@href') == [f"{BASE_URL}/shows/?page=2"]
    assert client.get("/shows/?page=3").status_code == 404
    assert client.get("/shows/?page=x").status_code == 404
    assert f"<loc>{BASE_URL}/shows/</loc>" in client.get("/sitemap.xml").get_data(as_text=True)


def test_a_small_network_has_no_link_to_more(client: FlaskClient, session: Session) -> None:
    make_show(session, slug="only", title="The Only Show")
    session.commit()
    names, home = _tiles(client, "/")
    assert names == ["The Only Show"] and home.xpath('//a[@href="/shows/"]') == []


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_shows_pages_fit_are_quiet_and_accessible(
    live_server: str, network: None, viewport: str, axe_js: Path
) -> None:
    with browser_page(viewport) as (page, errors):
        for path in ("/", "/shows/", "/shows/?page=2"):
            page.goto(live_server + path)
            width = VIEWPORTS[viewport]["width"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            assert serious_violations(page, axe_js) == [], path
            tops: dict[int, int] = {}
            for box in (t.bounding_box() for t in page.locator(".show-tile").all()):
                tops[round(box["y"])] = tops.get(round(box["y"]), 0) + 1
            rows = list(tops.values())
            # 12 tiles on the home and 24 a page (multiples of 2, 3 and 4) fill their rows.
            expected = {"/": HOME_SHOWS, "/shows/": SHOWS_PAGE_SIZE}.get(path, COUNT - 24)
            assert sum(rows) == expected and len(set(rows[:-1])) <= 1, (path, rows)
            screenshot(page, f"shows{path.replace('/', '-').replace('?', '')}", viewport)
        assert errors == []
