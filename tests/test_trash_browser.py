"""Deleting an episode in a real browser: the confirmation, the trash page, and restoring.
Screenshots go to test-artifacts/trash/."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from tests.browser import sign_in, studio_page
from tests.factories import make_episode, make_show
from tests.studio_helpers import make_user

SHOTS = REPO_ROOT / "test-artifacts" / "trash"


@pytest.fixture
def browser_page() -> Iterator[Any]:
    with studio_page(SHOTS) as page:
        yield page


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


@pytest.mark.browser
def test_host_deletes_an_episode_and_restores_it_from_the_trash(
    browser_page: Any, live_server: str, session: Session, episodes_dir: Path
) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, title="Pricing secrets")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    public = f"{live_server}/leaders/episodes/pricing-secrets"

    editor = f"{live_server}/studio/shows/leaders/episodes/{episode.id}"
    sign_in(page, editor, "host@example.com", f"**/episodes/{episode.id}")
    page.click("nav.episode-tabs >> text=Delete")
    page.wait_for_url("**/delete")
    assert page.is_visible("text=What stays") and page.is_visible(f"text={episode.guid}")
    page.screenshot(path=str(SHOTS / "01-confirm.png"), full_page=True)
    page.click("#confirm-delete")
    page.wait_for_selector("text=Moved 'Pricing secrets' to the trash")
    assert _status(public) == 410

    page.click("nav.studio-nav >> text=Trash")
    page.wait_for_url("**/leaders/trash")
    assert page.is_visible("td >> text=Pricing secrets")
    page.screenshot(path=str(SHOTS / "02-trash.png"), full_page=True)
    page.click(f"#restore-{episode.id}")
    page.wait_for_selector("text=Restored 'Pricing secrets'")
    assert _status(public) == 200
    assert errors == []
