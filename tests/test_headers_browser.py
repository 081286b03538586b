"""Every page type under its real Content-Security-Policy in Chromium: no violation is reported
(no inline script, style or handler is left in a template), and the scripts that are files
still work: the player plays and lists chapters, the editor previews notes, the review page
pins a comment to the player's time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.browser import STUDIO_VIEWPORT, chromium, wait_until
from tests.page_types import Pages, make_every_page
from tests.studio_helpers import PASSWORD

pytestmark = pytest.mark.browser

# Runs before any script of the page (Playwright injects it past the policy): every violation
# the browser reports is kept for the test to read.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def pages(app: Flask, session: Session, episodes_dir: Path) -> Pages:
    return make_every_page(session, episodes_dir, app.test_client())


@pytest.fixture
def new_page() -> Iterator[Callable[[], tuple[Any, list[str]]]]:
    """Pages in a fresh context that watches for violations, each with the list its console
    errors and page errors land in."""
    with chromium() as browser:
        context = browser.new_context(viewport=STUDIO_VIEWPORT)
        context.add_init_script(WATCH_VIOLATIONS)

        def make() -> tuple[Any, list[str]]:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            return page, errors

        yield make
        context.close()


def _open(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), url
    page.wait_for_load_state("load")


def _sign_in(page: Any, live_server: str) -> None:
    _open(page, live_server + "/studio/login")
    page.fill("input[name=email]", "host@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/studio/")
    assert _violations(page) == []


def _violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__violations"))


def test_no_page_type_breaks_its_content_security_policy(
    live_server: str, pages: Pages, new_page: Callable[[], tuple[Any, list[str]]]
) -> None:
    page, errors = new_page()
    for name, path in pages.public.items():
        _open(page, live_server + path)
        assert _violations(page) == [], name
        assert errors == [], f"{name}: {errors}"

    _sign_in(page, live_server)
    for name, path in pages.studio.items():
        _open(page, live_server + path)
        assert _violations(page) == [], name
        assert errors == [], f"{name}: {errors}"


def test_the_player_still_plays_and_lists_chapters(
    live_server: str, pages: Pages, new_page: Callable[[], tuple[Any, list[str]]]
) -> None:
    page, errors = new_page()
    for name in ("episode", "embed"):
        _open(page, live_server + pages.public[name])
        if name == "embed":
            # The 600x200 embed starts with its chapter panel folded.
            page.click("[data-panel=chapters]")
        page.wait_for_selector("[data-chapters] .seek-line")
        assert page.locator("[data-chapters] .seek-line").count() == 2, name
        page.click("[data-action=toggle]")
        wait_until(page, "document.querySelector('audio').currentTime > 0.5")
        assert _violations(page) == [], name
    assert errors == []


def test_the_review_page_pins_a_comment_to_the_players_time(
    live_server: str, pages: Pages, new_page: Callable[[], tuple[Any, list[str]]]
) -> None:
    page, errors = new_page()
    _open(page, live_server + pages.public["review"])
    page.click("[data-action=toggle]")
    wait_until(page, "document.querySelector('audio').currentTime >= 1.2")
    page.click("[data-action=toggle]")
    page.click("[data-pin=start]")
    assert page.input_value("input[name=start]").startswith("0:0")
    assert page.is_checked("input[name=anchor][value=time]")
    assert _violations(page) == [] and errors == []


def test_the_editor_previews_notes_under_the_policy(
    live_server: str, pages: Pages, new_page: Callable[[], tuple[Any, list[str]]]
) -> None:
    page, errors = new_page()
    _sign_in(page, live_server)
    _open(page, live_server + pages.studio["editor"])
    page.fill("textarea[name=notes_md]", "We talk about **sponsorship**.")
    wait_until(
        page, "document.getElementById('notes-preview').innerHTML.includes('<strong>sponsorship')"
    )
    assert _violations(page) == [] and errors == []
