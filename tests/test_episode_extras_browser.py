"""In a real browser: a host edits chapters and uploads a transcript in the studio,
publishes, and on the public episode page a chapter or a transcript line seeks the player.
Screenshots go to test-artifacts/richui/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.models import Episode
from tests.browser import sign_in, studio_page, wait_until
from tests.factories import make_episode, make_show
from tests.studio_helpers import make_user

SHOTS = REPO_ROOT / "test-artifacts" / "richui"
VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Ada Host>Welcome to Leaders.\n\n"
    "00:00:04.000 --> 00:00:10.000\n<v Rosa Diaz>Find a sponsor, not only a mentor.\n\n"
    "00:00:10.000 --> 00:00:19.500\n<v Ada Host>Thank you, Rosa.\n"
)


@pytest.fixture
def page() -> Iterator[Any]:
    with studio_page(SHOTS) as page:
        yield page


def _audio_time(page: Any) -> float:
    return float(page.evaluate("document.querySelector('audio').currentTime"))


@pytest.mark.browser
def test_host_edits_chapters_publishes_and_listeners_seek_by_them(
    page: Any, live_server: str, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(
        session, show, episodes_dir, seconds=20.0, published_at=None, title="Finding a sponsor"
    )
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    studio = f"{live_server}/studio/shows/leaders/episodes/{episode.id}"

    sign_in(page, f"{live_server}/studio/login", "host@example.com", "**/studio/")

    page.goto(f"{studio}/chapters")
    rows = page.locator("#chapters-form tbody tr")
    assert rows.count() == 3
    for index, (start, title) in enumerate([("0", "Welcome"), ("0:00:08", "The sponsor")]):
        rows.nth(index).locator("input[name=start]").fill(start)
        rows.nth(index).locator("input[name=title]").fill(title)
    page.click("text=Add a chapter")  # the script adds a row and numbers it
    assert rows.count() == 4 and rows.nth(3).locator(".row-number").inner_text() == "4"
    rows.nth(3).locator("input[name=start]").fill("0:00:14")
    rows.nth(3).locator("input[name=title]").fill("Goodbye")
    rows.nth(2).locator("text=Remove").click()
    assert rows.count() == 3
    page.screenshot(path=str(SHOTS / "01-chapters-editor.png"), full_page=True)
    page.click("#save-chapters")
    page.wait_for_selector("text=Saved 3 chapters.")
    page.screenshot(path=str(SHOTS / "02-chapters-saved.png"), full_page=True)

    page.goto(f"{studio}/transcripts")
    page.set_input_files(
        "input[name=transcript]",
        {"name": "talk.vtt", "mimeType": "text/vtt", "buffer": VTT.encode()},
    )
    page.click("text=Upload transcript")
    page.wait_for_selector("text=Stored the en transcript (VTT).")
    page.screenshot(path=str(SHOTS / "03-transcript.png"), full_page=True)

    page.goto(studio)
    page.select_option("select[name=status]", "published")
    page.click("#save-button")
    page.wait_for_selector("text=The audio file is being tagged with the new details (Jobs).")
    page.screenshot(path=str(SHOTS / "04-published.png"), full_page=True)
    session.rollback()
    published = session.get(Episode, episode.id, populate_existing=True)
    assert published is not None
    tags: Any = ID3(episodes_dir / str(published.audio_file))  # type: ignore[no-untyped-call]
    assert len(tags.getall("CHAP")) == 3

    page.goto(f"{live_server}/leaders/episodes/finding-a-sponsor")
    page.wait_for_selector("[data-chapters] .seek-line")
    page.wait_for_selector("[data-transcript] .seek-line")
    wait_until(page, "document.querySelector('audio').readyState >= 1")
    chapters = page.locator("[data-chapters] .seek-line")
    assert chapters.count() == 3 and "The sponsor" in chapters.nth(1).inner_text()
    chapters.nth(1).click()
    wait_until(page, "document.querySelector('audio').currentTime >= 8")
    assert 8 <= _audio_time(page) < 13
    page.screenshot(path=str(SHOTS / "05-public-chapter-seek.png"), full_page=True)
    lines = page.locator("[data-transcript] .seek-line")
    assert "Rosa Diaz: Find a sponsor" in lines.nth(1).inner_text()
    page.evaluate("document.querySelector('audio').pause()")
    lines.nth(2).click()
    wait_until(
        page,
        "(() => { const t = document.querySelector('audio').currentTime; "
        "return t >= 10 && t < 14; })()",
    )
    page.wait_for_selector("[data-transcript] .seek-line[aria-current=true]")
    page.screenshot(path=str(SHOTS / "06-public-transcript-seek.png"), full_page=True)
