"""The studio in a real browser: sign in, drop an MP3, fill in the episode, publish, and find
it in the feed and on its public page. Screenshots go to test-artifacts/studio/."""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Iterator
from typing import Any

import podcastparser
import pytest
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.models import UserRole
from tests.browser import studio_page, wait_until
from tests.factories import make_mp3, make_show
from tests.studio_helpers import PASSWORD, make_user

SHOTS = REPO_ROOT / "test-artifacts" / "studio"

DROP_FILE = """([name, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "audio/mpeg" }));
  const zone = document.getElementById("drop-zone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    const init = { bubbles: true, cancelable: true, dataTransfer: transfer };
    zone.dispatchEvent(new DragEvent(type, init));
  }
}"""


@pytest.fixture
def browser_page() -> Iterator[Any]:
    with studio_page(SHOTS) as page:
        yield page


@pytest.mark.browser
def test_host_drops_an_mp3_fills_it_in_and_publishes(
    browser_page: Any, live_server: str, session: Session
) -> None:
    page = browser_page
    make_show(session, slug="leaders", title="Leaders & Mentors")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()

    page.goto(f"{live_server}/studio/shows/leaders/episodes")
    assert "/studio/login" in page.url
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.screenshot(path=str(SHOTS / "01-login.png"))
    page.click("button[type=submit]")
    page.wait_for_url("**/studio/shows/leaders/episodes")
    page.screenshot(path=str(SHOTS / "02-episodes-empty.png"))

    mp3 = base64.b64encode(make_mp3(6.0, seed=9)).decode()
    page.evaluate(DROP_FILE, ["Career_sponsors.mp3", mp3])
    wait_until(page, "document.getElementById('upload-progress').value === 100")
    wait_until(page, "document.getElementById('upload-percent').textContent.includes('uploaded')")
    page.screenshot(path=str(SHOTS / "03-upload-done.png"))
    page.wait_for_url("**/studio/shows/leaders/episodes/*")
    assert page.input_value("input[name=title]") == "Career sponsors"

    page.fill(
        "textarea[name=notes_md]", "We talk about **sponsorship** and [books](https://example.com)."
    )
    wait_until(page, "document.getElementById('notes-preview').innerHTML.includes('<strong>')")
    page.fill("input[name='guests-0-name']", "Rosa Diaz")
    page.fill("input[name='guests-0-organisation']", "Initech")
    page.fill("input[name='guests-0-job_title']", "VP Engineering")
    page.fill("input[name=topics]", "Sponsorship, Career growth")
    page.select_option("select[name=status]", "published")
    page.screenshot(path=str(SHOTS / "04-editor.png"), full_page=True)
    page.click("#save-button")
    page.wait_for_selector("text=Saved 'Career sponsors' (published)")
    page.screenshot(path=str(SHOTS / "05-saved.png"), full_page=True)

    with urllib.request.urlopen(f"{live_server}/leaders/feed.xml", timeout=10) as response:
        feed = podcastparser.parse(f"{live_server}/leaders/feed.xml", response)
    item = next(e for e in feed["episodes"] if e["title"] == "Career sponsors")
    assert item["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert item["total_time"] == 6 or abs(item["total_time"] - 6) <= 1

    page.goto(f"{live_server}/leaders/")
    page.click("text=Career sponsors")
    assert page.is_visible("text=VP Engineering at Initech")
    assert page.inner_html(".notes").count("<strong>sponsorship</strong>") == 1
    assert page.is_visible("text=Career growth") and page.is_visible("text=Sponsorship")
    page.screenshot(path=str(SHOTS / "06-public-page.png"), full_page=True)

    for name, path in [
        ("07-shows", "/studio/"),
        ("08-show-settings", "/studio/shows/leaders/settings"),
        ("09-people", "/studio/users"),
        ("10-episodes", "/studio/shows/leaders/episodes"),
    ]:
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").count() == 1
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
