"""The public site in a real browser (Playwright + Debian's Chromium) at phone and desktop
widths: the player plays, seeks from chapters and transcript lines, honours ?t=, search finds
a word, no page logs a console error, and axe-core finds no serious or critical violation."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.services.catalog import writes
from tests.browser import (
    browser_page as open_page,
)
from tests.browser import (
    current_time,
    screenshot,
    serious_violations,
    wait_until,
)
from tests.conftest import serving
from tests.factories import make_episode, make_show, write_mp3

pytestmark = pytest.mark.browser
VIEWPORTS = ["phone", "desktop"]
PLAYER_DATA = Path(__file__).parent / "data" / "player"
STYLESHEETS = ("tokens.css", "components.css", "site.css")


class RangeHandler(SimpleHTTPRequestHandler):
    """http.server with byte ranges, so the browser can seek in the fixture's audio."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not match or not path.is_file():
            return super().send_head()
        data = path.read_bytes()
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else len(data) - 1
        chunk = data[start : end + 1]
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Range", f"bytes {start}-{start + len(chunk) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        import io

        return io.BytesIO(chunk)


@pytest.fixture
def player_fixture(app: Flask, tmp_path: Path) -> Iterator[str]:
    """A static page holding the site's real player macro, JS and CSS, with JSON chapters and
    a WebVTT transcript, served by http.server on 127.0.0.1."""
    root = tmp_path / "fixture"
    root.mkdir()
    shutil.copy(REPO_ROOT / "showapp" / "static" / "player.js", root / "player.js")
    for name in STYLESHEETS:
        shutil.copy(REPO_ROOT / "showapp" / "static" / "css" / name, root / name)
    for name in ("chapters.json", "transcript.vtt"):
        shutil.copy(PLAYER_DATA / name, root / name)
    write_mp3(root / "episode.mp3", seconds=30)
    media = SimpleNamespace(
        audio_url="episode.mp3",
        download_url="episode.mp3",
        chapters_url="chapters.json",
        transcript_url="transcript.vtt",
    )
    with app.test_request_context():
        macro = app.jinja_env.get_template("site/_macros.html").module.player  # type: ignore[attr-defined]
        player = macro(SimpleNamespace(audio_mime="audio/mpeg"), media, 0, "http://podcast.test/e")
    (root / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Player fixture</title><link rel="icon" href="data:,">'
        + "".join(f'<link rel="stylesheet" href="{name}">' for name in STYLESHEETS)
        + '</head><body><main id="main">'
        f'<h1>Player fixture</h1>{player}</main><script src="player.js"></script></body></html>'
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(root)))
    with serving(server) as base:
        yield f"{base}/index.html"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_chapters_and_transcript_lines_seek(
    player_fixture: str, axe_js: Path, viewport: str
) -> None:
    with open_page(viewport) as (page, errors):
        page.goto(player_fixture)
        page.wait_for_selector("[data-chapters] .seek-line")
        page.wait_for_selector("[data-transcript] .seek-line")
        wait_until(page, "document.querySelector('audio').readyState >= 1")
        chapters = page.locator("[data-chapters] .seek-line")
        assert chapters.count() == 3  # the toc:false chapter is not listed
        assert "How Rosa found a sponsor" in chapters.nth(1).inner_text()

        chapters.nth(1).click()
        wait_until(page, "document.querySelector('audio').currentTime >= 8")
        assert 8 <= current_time(page) < 12
        page.wait_for_selector("[data-chapters] .seek-line[aria-current=true]")
        assert "sponsor" in page.locator("[data-chapters] [aria-current=true]").inner_text()

        lines = page.locator("[data-transcript] .seek-line")
        assert "Rosa Diaz: I asked for a stretch assignment" in lines.nth(3).inner_text()
        lines.nth(3).click()
        wait_until(page, "document.querySelector('audio').currentTime >= 14.5")
        assert 14.5 <= current_time(page) < 19
        # The transcript follows playback: the line being spoken is marked current.
        wait_until(
            page,
            "document.querySelector('[data-transcript] [aria-current=true]')"
            " && document.querySelector('[data-transcript] [aria-current=true]')"
            ".textContent.includes('stretch assignment')",
        )
        screenshot(page, "player-fixture", viewport)
        assert serious_violations(page, axe_js) == []
        assert errors == []


def test_player_is_keyboard_operable_with_speed_control(player_fixture: str) -> None:
    with open_page("desktop") as (page, errors):
        page.goto(player_fixture)
        wait_until(page, "document.querySelector('audio').readyState >= 1")
        page.focus("[data-action=toggle]")
        page.keyboard.press("Enter")
        # `paused` flips at once, the label on the queued "play" event: wait for what is seen.
        wait_until(page, "!document.querySelector('audio').paused")
        wait_until(page, "document.querySelector('[data-action=toggle]').innerText === 'Pause'")
        page.select_option("[data-action=speed]", "1.5")
        assert page.evaluate("document.querySelector('audio').playbackRate") == 1.5
        page.focus("[data-action=forward]")
        before = current_time(page)
        page.keyboard.press("Enter")
        wait_until(page, f"document.querySelector('audio').currentTime > {before + 10}")
        page.focus("[data-chapters] .seek-line >> nth=2")
        page.keyboard.press("Enter")
        wait_until(page, "Math.abs(document.querySelector('audio').currentTime - 17.5) < 3")
        assert errors == []


@pytest.fixture
def site_data(session: Session, episodes_dir: Path) -> dict[str, str]:
    show = make_show(session, slug="leaders", title="Leaders & Mentors", subtitle="Interviews")
    show.apple_podcasts_url = "https://podcasts.apple.com/podcast/id1"
    older = make_episode(
        session, show, episodes_dir, title="Finding a sponsor", seconds=30,
        notes_md="Rosa on **sponsorship** and the zeppelin project.",
        summary="How sponsorship works.",
    )  # fmt: skip
    newer = make_episode(
        session, show, episodes_dir, title="Mentors at scale", seconds=30,
        notes_md="Kenji on mentoring programmes.",
    )  # fmt: skip
    rosa = writes.find_or_create_guest(session, "Rosa Diaz", bio="Engineer and sponsor.")
    writes.credit_guest(session, older, rosa, organisation="Initech", job_title="VP Engineering")
    topic = writes.find_or_create_topic(session, "Sponsorship", "Who speaks for you.")
    writes.tag_topic(session, older, topic)
    writes.tag_topic(session, newer, topic)
    session.commit()
    return {
        "home": "/",
        "show": "/leaders/",
        "episode": f"/leaders/episodes/{older.slug}",
        "guest": "/guests/rosa-diaz",
        "topic": "/topics/sponsorship",
        "topics": "/topics/",
        "search": "/search?q=zeppelin",
        "embed": f"/embed/leaders/{older.slug}",
        "not-found": "/leaders/episodes/no-such-episode",
    }


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_type_renders_cleanly_and_accessibly(
    live_server: str, site_data: dict[str, str], axe_js: Path, viewport: str
) -> None:
    with open_page(viewport) as (page, errors):
        for name, path in site_data.items():
            response = page.goto(live_server + path)
            assert response is not None
            assert response.status == (404 if name == "not-found" else 200), name
            page.wait_for_load_state("load")
            screenshot(page, name, viewport)
            assert serious_violations(page, axe_js) == [], name
            if name == "not-found":
                # Chromium reports the 404 document itself as a failed resource.
                errors[:] = [e for e in errors if "404" not in e]
            assert errors == [], f"{name}: {errors}"
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], f"{name} scrolls sideways"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_episode_page_plays_and_starts_at_t(
    live_server: str, site_data: dict[str, str], viewport: str
) -> None:
    with open_page(viewport) as (page, errors):
        page.goto(live_server + site_data["episode"])
        page.click("[data-action=toggle]")
        wait_until(page, "document.querySelector('audio').currentTime > 0.5")
        assert not page.evaluate("document.querySelector('audio').paused")

        page.goto(live_server + site_data["episode"] + "?t=0:12")
        wait_until(page, "document.querySelector('audio').readyState >= 1")
        wait_until(page, "Math.abs(document.querySelector('audio').currentTime - 12) < 0.5")
        assert page.locator("[data-time]").inner_text() == "0:12"
        page.check("[data-share-at]")
        assert page.input_value("[data-share]").endswith("?t=0:12")
        assert errors == []


def test_search_page_finds_a_word_and_highlights_it(
    live_server: str, site_data: dict[str, str]
) -> None:
    with open_page("phone") as (page, errors):
        page.goto(live_server + "/")
        page.fill("#site-search-q", "zeppelin")
        page.press("#site-search-q", "Enter")
        page.wait_for_selector(".hit")
        assert page.locator(".hit .card-title").inner_text() == "Finding a sponsor"
        assert page.locator(".hit mark").first.inner_text().lower() == "zeppelin"
        assert errors == []
