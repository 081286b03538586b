"""The editor's decimal episode number and display name in a real browser, at a phone's width
and a laptop's: typed, refused with its message, corrected and saved, with no sideways scroll,
no console error and no serious axe finding. Screenshots go to test-artifacts/p20numbers/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.models import Episode
from tests.browser import chromium, install_axe, serious_violations, sign_in
from tests.factories import make_episode, make_show
from tests.studio_helpers import make_user

SHOTS = REPO_ROOT / "test-artifacts" / "p20numbers"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _check(page: Any, axe: Path | None, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate(OVERFLOW) <= 0, name
    if axe is not None:
        assert serious_violations(page, axe) == [], name


@pytest.mark.browser
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_host_sets_a_decimal_number_and_a_display_name_at_any_width(
    live_server: str, session: Session, episodes_dir: Path, viewport: str
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, title="Finding a sponsor", number=12)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    axe = install_axe()
    editor = f"{live_server}/studio/shows/leaders/episodes/{episode.id}"

    with chromium() as browser:
        page = browser.new_context(viewport=VIEWPORTS[viewport]).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        sign_in(page, editor, "host@example.com", f"**/episodes/{episode.id}")
        page.locator("#podcast_episode").scroll_into_view_if_needed()
        _check(page, axe, f"editor-{viewport}")

        page.fill("#podcast_episode", "12.125")
        page.fill("#episode_display", "Ch.3")
        page.click("#save-button")
        page.wait_for_selector("#podcast_episode ~ small.error")
        assert "has more than two decimals" in page.inner_text("#podcast_episode ~ small.error")
        page.locator("#podcast_episode").scroll_into_view_if_needed()
        _check(page, axe, f"refused-{viewport}")

        page.fill("#podcast_episode", "12.5")
        page.click("#save-button")
        page.wait_for_selector("text=Saved 'Finding a sponsor'")
        assert page.input_value("#podcast_episode") == "12.5"
        assert page.input_value("#episode_display") == "Ch.3"
        page.locator("#podcast_episode").scroll_into_view_if_needed()
        _check(page, axe, f"saved-{viewport}")
    # Chromium logs the refusal's own status (a refused form is a 400); nothing else failed.
    assert errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]
    session.expire_all()
    saved = session.get(Episode, episode.id)
    assert saved is not None
    assert (saved.number, saved.podcast_episode, saved.episode_display) == (12, "12.5", "Ch.3")
