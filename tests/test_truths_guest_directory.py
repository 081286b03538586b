"""The public guest directory at /guests/: everyone heard in a live episode, A to Z (case
ignored), paged by key (after or before a guest, or from a letter); guests only drafts credit
and guests in the trash are not listed. In a real browser at phone and desktop widths it
neither scrolls sideways nor fails axe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Guest
from showapp.services.catalog import guest_directory, guest_trash, writes
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


@pytest.fixture
def panel(session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[Guest]:
    """Guest 0 to Guest 4 on one live episode, two a page."""
    show = make_show(session, slug="leaders", title="Leaders")
    talk = make_episode(session, show, episodes_dir, title="Panel")
    guests = [add_guest(session, talk, f"Guest {number}") for number in range(5)]
    session.commit()
    monkeypatch.setattr(guest_directory, "GUESTS_PER_PAGE", 2)
    return guests


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _canonical(html: str) -> str:
    found = re.search(r'<link rel="canonical" href="([^"]+)">', html)
    assert found is not None
    return found.group(1).replace("&amp;", "&")


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_directory_pages_on_and_back_by_key(client: FlaskClient, panel: list[Guest]) -> None:
    guests = panel
    first = _page(client, "/guests/")
    assert _names(first) == ["Guest 0", "Guest 1"] and _link(first, "prev") is None
    assert _link(first, "next") == f"/guests/?after={guests[1].id}"
    second = _page(client, f"/guests/?after={guests[1].id}")
    assert _names(second) == ["Guest 2", "Guest 3"]
    assert _link(second, "prev") == f"/guests/?before={guests[2].id}"
    assert _canonical(second).endswith(f"/guests/?after={guests[1].id}")
    third = _page(client, str(_link(second, "next")))
    assert _names(third) == ["Guest 4"] and _link(third, "next") is None
    back = _page(client, str(_link(third, "prev")))
    assert _names(back) == ["Guest 2", "Guest 3"] and _link(back, "prev") is not None
    start = _page(client, str(_link(back, "prev")))  # back at the start: the first page, full
    assert _names(start) == ["Guest 0", "Guest 1"] and _link(start, "prev") is None
    assert _canonical(start).endswith("/guests/")


def test_old_numbered_pages_lead_to_the_same_guests(
    client: FlaskClient, panel: list[Guest]
) -> None:
    guests = panel
    third = client.get("/guests/?page=3")
    assert third.status_code == 301
    assert third.headers["Location"] == f"/guests/?after={guests[3].id}"
    assert client.get("/guests/?page=1").headers["Location"] == "/guests/"
    assert client.get("/guests/?page=4").status_code == 404
    assert client.get("/guests/?page=x").status_code == 404


def test_a_page_starts_at_a_letter_and_only_letters_with_guests_are_links(
    client: FlaskClient, session: Session, guests: None
) -> None:
    html = _page(client, "/guests/")
    assert 'href="/guests/?letter=a" aria-current="true">A<' in html
    assert 'href="/guests/?letter=b"' in html and 'href="/guests/?letter=z"' in html
    assert 'href="/guests/?letter=d"' not in html  # Dora is only on a draft
    assert 'href="/guests/?letter=t"' not in html  # Tom is in the trash
    from_b = _page(client, "/guests/?letter=b")
    assert _names(from_b) == ["bob Stone", "zoë Ward"]
    bob = session.scalars(select(Guest).where(Guest.name == "bob Stone")).one()
    assert "<title>Guests from B" in from_b and _link(from_b, "prev") == f"/guests/?before={bob.id}"
    nonsense_pages = ("?letter=1", "?letter=ab", "?after=abc", "?before=-1", "?after=99999",
                      f"?after={bob.id}&letter=z")  # fmt: skip
    for nonsense in nonsense_pages:
        assert client.get("/guests/" + nonsense).status_code == 404, nonsense


def test_a_page_after_a_guest_gone_to_the_trash_still_follows_on(
    client: FlaskClient, session: Session, panel: list[Guest]
) -> None:
    guests = panel
    talk = session.scalars(select(Episode).where(Episode.title == "Panel")).one()
    same = Guest(name="Guest 1", slug="guest-1-again")  # the same name: the id breaks the tie
    session.add(same)
    session.flush()
    writes.credit_guest(session, talk, same)
    session.commit()
    next_link = _link(_page(client, "/guests/"), "next")
    assert next_link == f"/guests/?after={guests[1].id}"
    guest_trash.trash_guest(session, guests[1])
    session.commit()
    following = _page(client, next_link)
    assert _names(following) == ["Guest 1", "Guest 2"]  # the namesake, then on
    assert f'href="/guests/{same.slug}"' in following


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
