"""Every studio and public page type in Chromium at a phone's 390 px and a desktop's 1366 px:
no sideways scroll, no console error, no axe-core violation of serious or critical impact.
A screenshot of each page at each width is kept in $SHOWAPP_SCREENSHOTS (else pytest's tmp
folder) for a person to look at. Also: the designed player replaces the browser's bar, the
studio menu folds away on a phone, and the drop area takes several files at once."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy.orm import Session

from showapp.models import EpisodeStatus, Show, UserRole
from showapp.models.importing import ImportState
from showapp.services import accounts
from showapp.services.catalog import artwork
from showapp.services.importing import jobs
from showapp.services.jobs import runs as job_runs
from showapp.storage import LocalStorage
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serious_violations, wait_until
from tests.conftest import require
from tests.factories import make_episode, make_mp3, make_show
from tests.page_types import Pages, make_every_page
from tests.studio_helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
LONG_URL = "https://example.com/" + "very-long-path-segment-" * 12 + "end"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenhersteller" * 2


@dataclass
class Site:
    pages: Pages
    public: dict[str, str]
    studio: dict[str, str]


def _cover(colour: tuple[int, int, int]) -> io.BytesIO:
    """A square 1400 px PNG, mostly of one colour with a white disc, like real artwork."""
    image = Image.new("RGB", (1400, 1400), colour)
    image.paste((255, 255, 255), (500, 500, 900, 900))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def site(app: Flask, session: Session, episodes_dir: Path) -> Site:
    pages = make_every_page(session, episodes_dir, app.test_client())
    show = session.get(Show, pages.episode.show_id)
    assert show is not None
    show.artwork = artwork.store_artwork(
        LocalStorage(episodes_dir), show.slug, "cover", _cover((200, 90, 20))
    )[0]
    show.spotify_url = "https://open.spotify.com/show/abc"
    show.overcast_url = "https://overcast.fm/itunes1"
    # An imported-looking show: no artwork of its own, notes with a long URL and a long word.
    plain = make_show(session, slug="plain", title="Plain Talk", subtitle="No picture yet")
    long_notes = make_episode(
        session, plain, episodes_dir, title="Links " + LONG_WORD, seconds=5,
        notes_md=f"See {LONG_URL} and [this]({LONG_URL}). {LONG_WORD}",
    )  # fmt: skip
    scheduled = make_episode(
        session, show, episodes_dir, title="Coming soon", seconds=5, published_at=None
    )
    scheduled.status = EpisodeStatus.SCHEDULED
    admin = make_user(session, "admin@example.com", role=UserRole.ADMIN)
    # A finished import with a problem whose text is one long URL, and a pending invitation.
    imported = jobs.create_job(
        session, user=admin, source=LONG_URL, show=plain, download_media=True
    )
    imported.state, imported.created, imported.problems = ImportState.DONE, 3, [LONG_URL]
    _, invite = accounts.invite_host(session, "new.host@example.com", "New Host", [show.id])
    # A job that ran out of attempts, its error one long URL, beside one that went through.
    failed = job_runs.create_run(session, "feeds.ping", {}, label=LONG_URL, show_id=plain.id)
    job_runs.mark_running(session, failed)
    job_runs.mark_error(session, failed, f"PingFailed: {LONG_URL} answered 503", will_retry=False)
    job_runs.mark_done(
        session,
        job_runs.create_run(session, "stats.rollup", {}, label="stats.rollup", show_id=None),
    )
    session.commit()
    episode, base = pages.episode, f"/studio/shows/{show.slug}"
    own = f"{base}/episodes/{episode.id}"
    studio = {
        **pages.studio,
        "transcripts": f"{own}/transcripts",
        "soundbites": f"{own}/soundbites",
        "replace-audio": f"{own}/audio",
        "delete-episode": f"{own}/delete",
        "downloads": f"{base}/downloads",
        "feed-health": f"{base}/feed-health",
        "show-trash": f"{base}/trash",
        "new-show": "/studio/shows/new",
        "import": "/studio/import",
        "guests": "/studio/guests",
        "guest": "/studio/guests/rosa-diaz",
        "topics": "/studio/topics",
        "topic": "/studio/topics/sponsorship",
        "guest-trash": "/studio/trash",
        "people": "/studio/users",
        "person": f"/studio/users/{admin.id}",
        "plain-episodes": "/studio/shows/plain/episodes",
        "import-job": f"/studio/import/{imported.id}",
        "jobs": "/studio/jobs",
        "invite": f"/studio/invite/{invite}",
    }
    public = {
        **pages.public,
        "plain-show": "/plain/",
        "long-notes": f"/plain/episodes/{long_notes.slug}",
        "not-found": "/leaders/episodes/no-such-episode",
    }
    return Site(pages, public, studio)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SHOWAPP_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser: Any, width: str) -> tuple[Any, list[str]]:
    page = browser.new_context(viewport=WIDTHS[width]).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _sign_in(page: Any, base: str) -> None:
    page.goto(base + "/studio/login")
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/studio/")


def _check(page: Any, errors: list[str], axe: Path, url: str, shot: Path) -> list[str]:
    """What is wrong with one page: a bad status, sideways scroll, console errors, axe."""
    errors.clear()
    response = page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # the player's chapters and transcript arrive by fetch
    problems = []
    expected = 404 if url.endswith("no-such-episode") else 200
    if response is None or response.status != expected:
        problems.append(f"status {response.status if response else None}")
    if expected == 404:
        # Chromium reports the 404 document itself as a failed resource.
        errors[:] = [e for e in errors if "404" not in e]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow} px")
    problems += [f"console: {e}" for e in errors]
    problems += serious_violations(page, axe)
    page.screenshot(path=str(shot), full_page=True)
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_type_fits_is_quiet_and_accessible(
    live_server: str, site: Site, axe_js: Path, browser: Any, shots: Path, width: str
) -> None:
    page, errors = _page(browser, width)
    found: dict[str, list[str]] = {}
    for name, path in site.public.items():
        shot = shots / f"{name}-{width}.png"
        found[name] = _check(page, errors, axe_js, live_server + path, shot)
    _sign_in(page, live_server)
    for name, path in site.studio.items():
        shot = shots / f"studio-{name}-{width}.png"
        found[name] = _check(page, errors, axe_js, live_server + path, shot)
    assert {name: problems for name, problems in found.items() if problems} == {}
    assert len(list(shots.glob(f"*-{width}.png"))) == len(site.public) + len(site.studio)


def test_show_page_leads_with_artwork_accent_and_every_subscribe_button(
    live_server: str, site: Site, browser: Any
) -> None:
    page, errors = _page(browser, "desktop")
    page.goto(live_server + "/leaders/")
    buttons = page.locator(".subscribe a").all_inner_texts()
    assert buttons == ["RSS", "Spotify", "Overcast"]
    # The artwork is orange: the accent follows it, darkened until text in it is readable.
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    red, green, blue = (int(accent[i : i + 2], 16) for i in (1, 3, 5))
    assert red > green > blue, accent
    assert page.locator(".show-head img.art").count() == 1
    # A show without artwork gets the placeholder on the network home, the same size as a
    # real picture, so the grid stays even.
    page.goto(live_server + "/")
    tiles = page.locator(".show-tile .art")
    boxes = [tiles.nth(i).bounding_box() for i in range(tiles.count())]
    assert len(boxes) == 2
    assert {round(b["width"]) for b in boxes} == {round(boxes[0]["width"])}
    assert page.locator(".show-tile .art-placeholder").inner_text() == "PT"
    assert errors == []


def test_the_designed_player_replaces_the_browser_bar_and_seeks(
    live_server: str, site: Site, browser: Any
) -> None:
    page, errors = _page(browser, "phone")
    page.goto(live_server + site.public["episode"])
    wait_until(page, "document.querySelector('audio').readyState >= 1")
    assert not page.locator("audio").is_visible()
    assert page.locator("[data-player-bar]").is_visible()
    page.wait_for_selector("[data-chapters] .seek-line")
    page.click("[data-action=toggle]")
    # `paused` flips at once, the label on the queued "play" event: wait for what is seen.
    wait_until(page, "!document.querySelector('audio').paused")
    wait_until(
        page,
        "document.querySelector('[data-action=toggle]').getAttribute('aria-label') === 'Pause'",
    )
    page.click("[data-action=toggle]")
    # The seek bar moves the audio, and the time follows.
    page.fill("[data-seek-bar]", "20")
    page.dispatch_event("[data-seek-bar]", "change")
    wait_until(page, "Math.abs(document.querySelector('audio').currentTime - 20) < 1")
    assert page.inner_text("[data-time]") == "0:20"
    assert page.inner_text("[data-duration]") == "0:30"
    # The chapter panel folds away with its button.
    page.click("[data-panel=chapters]")
    assert not page.locator("[data-chapters]").is_visible()
    assert page.get_attribute("[data-panel=chapters]", "aria-expanded") == "false"
    assert errors == []


def test_without_javascript_the_browser_bar_is_the_player(
    live_server: str, site: Site, browser: Any
) -> None:
    page = browser.new_context(viewport=WIDTHS["phone"], java_script_enabled=False).new_page()
    page.goto(live_server + site.public["episode"])
    assert page.locator("audio[controls]").is_visible()
    assert not page.locator("[data-player-bar]").is_visible()
    # The studio menu is open without JavaScript, so every page stays reachable.
    _sign_in(page, live_server)
    assert page.locator("#studio-nav").is_visible()


def test_studio_menu_folds_on_a_phone_and_marks_the_current_page(
    live_server: str, site: Site, browser: Any
) -> None:
    page, errors = _page(browser, "phone")
    _sign_in(page, live_server)
    page.goto(live_server + site.studio["editor"])
    assert not page.locator("#studio-nav").is_visible()
    page.click("[data-nav-toggle]")
    assert page.get_attribute("[data-nav-toggle]", "aria-expanded") == "true"
    current = page.locator("#studio-nav a[aria-current=page]")
    assert current.all_inner_texts() == ["Episodes"]
    assert page.locator(".episode-tabs a[aria-current=page]").inner_text() == "Details"
    assert errors == []


DROP_FILES = """([files]) => {
  const transfer = new DataTransfer();
  for (const [name, data] of files) {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name, { type: "audio/mpeg" }));
  }
  const zone = document.getElementById("drop-zone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


def test_drop_area_uploads_several_files_each_with_progress(
    live_server: str, site: Site, browser: Any, session: Session
) -> None:
    page, errors = _page(browser, "desktop")
    _sign_in(page, live_server)
    page.goto(live_server + "/studio/shows/plain/episodes")
    files = [
        [f"Part_{n}.mp3", base64.b64encode(make_mp3(2.0, seed=40 + n)).decode()] for n in (1, 2)
    ]
    page.evaluate(DROP_FILES, [files])
    wait_until(page, "document.querySelectorAll('#upload-list li a').length === 2")
    rows = page.locator("#upload-list li")
    assert rows.count() == 2
    progress = "[...document.querySelectorAll('#upload-list progress')].map((p) => p.value)"
    assert page.evaluate(progress) == [100, 100]
    for n in (0, 1):
        assert "uploaded" in rows.nth(n).inner_text()
    # Two files, so the page stays on the list: each row links to its editor.
    assert page.url.endswith("/studio/shows/plain/episodes")
    page.goto(live_server + "/studio/shows/plain/episodes")
    titles = page.locator(".episode-row-title").all_inner_texts()
    assert any("Part 1" in t for t in titles) and any("Part 2" in t for t in titles)
    assert errors == []


def test_review_link_has_a_copy_button(live_server: str, site: Site, browser: Any) -> None:
    page, errors = _page(browser, "desktop")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _sign_in(page, live_server)
    page.goto(live_server + site.studio["host-review"])
    page.click("button[data-copy]")
    page.wait_for_selector("button[data-copy]:has-text('Copied')")
    link = page.input_value("[data-review-url]")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert errors == []


@pytest.mark.parametrize("count", [1, 2, 6])
def test_network_home_introduces_the_network_and_fills_even_rows(
    live_server: str,
    session: Session,
    episodes_dir: Path,
    axe_js: Path,
    browser: Any,
    shots: Path,
    count: int,
) -> None:
    for number in range(count):
        show = make_show(session, slug=f"show-{number}", title=f"Show {number}", subtitle="Talk")
        make_episode(session, show, episodes_dir, title=f"Latest of show {number}", seconds=5)
    session.commit()
    for width in WIDTHS:
        page, errors = _page(browser, width)
        shot = shots / f"network-home-{count}-{width}.png"
        assert _check(page, errors, axe_js, live_server + "/", shot) == []
        assert page.locator(".network-intro h1").inner_text() == "showapp"
        assert page.locator(".network-links a", has_text="RSS").count() == 1
        # The newest episodes across the shows lead, above the shows.
        latest = page.locator(".latest-grid .card-title").all_inner_texts()
        assert len(latest) == min(count, 4) and latest[0].startswith("Latest of show")
        tops: dict[int, int] = {}
        for box in (t.bounding_box() for t in page.locator(".show-tile").all()):
            tops[round(box["y"])] = tops.get(round(box["y"]), 0) + 1
        rows = list(tops.values())
        # Every row is full: 6 shows make 3+3 on a desktop and 2+2+2 on a phone, never 4+2.
        assert sum(rows) == count and len(set(rows)) == 1, (width, rows)
        if count == 1:
            # A lone show sits beside its artwork instead of as a small tile on a wide page.
            art = page.locator(".show-tile .art").bounding_box()
            name = page.locator(".show-tile .show-name").bounding_box()
            assert name["x"] > art["x"] + art["width"]
        # The whole tile, picture included, leads to the show.
        page.locator(".show-tile .art").first.scroll_into_view_if_needed()
        art = page.locator(".show-tile .art").first.bounding_box()
        page.mouse.click(art["x"] + art["width"] / 2, art["y"] + art["height"] / 2)
        page.wait_for_url("**/show-0/")


def test_show_settings_are_in_titled_sections_with_an_index(
    live_server: str, site: Site, browser: Any
) -> None:
    page, errors = _page(browser, "desktop")
    _sign_in(page, live_server)
    page.goto(live_server + "/studio/shows/leaders/settings")
    titles = page.locator(".settings-body .form-section > h2").all_inner_texts()
    assert titles == [
        "About the show", "Apple & Spotify", "Where to listen", "Feed", "Look",
        "Guest review", "Mentor stories", "Leave with everything", "Danger zone",
    ]  # fmt: skip
    index = page.locator(".section-index a")
    assert index.count() == len(titles)
    page.click(".section-index a[href='#danger']")
    assert page.locator("#delete-show").is_visible()
    # The accent colour and the artwork upload are together under Look, in two forms.
    look = page.locator("#look")
    assert look.locator("input[name=accent_color]").count() == 1
    assert look.locator("input[name=artwork][form=artwork-upload]").count() == 1
    page.fill("input[name=subtitle]", "Renamed in a section")
    page.click(".save-bar button[type=submit]")
    assert page.input_value("input[name=subtitle]") == "Renamed in a section"
    # On a phone the index folds away and the sections stack without sideways scroll.
    phone, _ = _page(browser, "phone")
    _sign_in(phone, live_server)
    phone.goto(live_server + "/studio/shows/leaders/settings")
    assert not phone.locator(".section-index").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert errors == []


def test_review_page_has_a_card_per_guest_with_state_link_and_actions(
    live_server: str, site: Site, browser: Any
) -> None:
    for width in WIDTHS:
        page, errors = _page(browser, width)
        _sign_in(page, live_server)
        page.goto(live_server + site.studio["host-review"])
        cards = page.locator(".review-card")
        assert cards.count() >= 1
        card = cards.first
        assert card.locator("h3").inner_text() == card.get_attribute("data-guest")
        assert card.locator(".status[data-state]").is_visible()
        assert card.locator("button[data-copy]").is_visible()
        assert card.locator("button[value=create]").is_visible()
        # The card is one column of parts: the link input is as wide as the card allows.
        link = card.locator("[data-review-url]").bounding_box()
        box = card.bounding_box()
        assert link["width"] > box["width"] / 2
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert errors == []
