"""The public guest directory at /guests/: everyone heard in a live episode, A to Z (case
ignored), paged; guests only drafts credit and guests in the trash are not listed. In a real
browser at phone and desktop widths it neither scrolls sideways nor fails axe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.services.catalog import guest_directory, guest_trash
from tests.browser import browser_page, screenshot, serious_violations
from tests.conftest import require
from tests.factories import add_guest, make_episode, make_show


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="guest-name">([^<]+)</span>', html)


@pytest.fixture
def guests(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    talk = make_episode(session, show, episodes_dir, title="Talk")
    other = make_episode(session, show, episodes_dir, title="Another talk")
    draft = make_episode(session, show, episodes_dir, title="Draft", published_at=None)
    for name in ("zoë Ward", "Ana Lima", "bob Stone"):
        add_guest(session, talk, name)
    add_guest(session, other, "Ana Lima")
    add_guest(session, draft, "Dora Draft")
    gone = add_guest(session, talk, "Tom Trashed")
    session.flush()
    guest_trash.trash_guest(session, gone)
    session.commit()


def test_the_directory_lists_public_guests_a_to_z(client: FlaskClient, guests: None) -> None:
    response = client.get("/guests/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _names(html) == ["Ana Lima", "bob Stone", "zoë Ward"]
    assert "2 episodes" in html and "1 episode<" in html
    assert 'href="/guests/ana-lima"' in html
    assert client.get("/guests").status_code in (301, 308)  # the address without the slash
    assert 'href="/guests/"' in client.get("/").get_data(as_text=True)  # in the site's nav


def test_the_directory_is_paged(
    client: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    talk = make_episode(session, show, episodes_dir, title="Panel")
    for number in range(5):
        add_guest(session, talk, f"Guest {number}")
    session.commit()
    monkeypatch.setattr(guest_directory, "GUESTS_PER_PAGE", 2)
    first = client.get("/guests/").get_data(as_text=True)
    assert _names(first) == ["Guest 0", "Guest 1"] and "Page 1 of 3" in first
    third = client.get("/guests/?page=3").get_data(as_text=True)
    assert _names(third) == ["Guest 4"] and 'rel="prev" href="/guests/?page=2"' in third
    assert client.get("/guests/?page=4").status_code == 404


def test_an_empty_directory_says_so(client: FlaskClient) -> None:
    response = client.get("/guests/")
    assert response.status_code == 200 and "No guests yet." in response.get_data(as_text=True)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_directory_in_a_browser(live_server: str, guests: None, viewport: str) -> None:
    from tests.browser import install_axe

    axe = install_axe()
    require(axe is not None, "npm (to install axe-core)")
    assert axe is not None
    with browser_page(viewport) as (page, errors):
        response = page.goto(live_server + "/guests/")
        assert response is not None and response.status == 200
        page.wait_for_load_state("load")
        screenshot(page, "guests", viewport)
        assert serious_violations(page, axe) == []
        assert errors == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"]
