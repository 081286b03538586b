"""Replacing an episode's audio with another episode's file, in a real browser: the warning
page and going on anyway, at a phone's and a desktop's width (no sideways scroll, no console
error, no serious axe finding). Screenshots go to test-artifacts/."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from showapp.models import Episode, UserRole
from tests.browser import VIEWPORTS, browser_page, install_axe, screenshot, serious_violations
from tests.browser import sign_in as browser_sign_in
from tests.factories import make_episode, make_show, write_mp3
from tests.studio_helpers import make_user

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.browser
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_host_is_warned_of_another_episodes_audio_and_can_replace_anyway(
    live_server: str, session: Session, episodes_dir: Path, tmp_path: Path, viewport: str
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    audio = write_mp3(tmp_path / "interview-final.mp3", seconds=4.0, seed=31)
    first = make_episode(session, show, episodes_dir, title="Finding a sponsor, part one")
    first.audio_sha256 = hashlib.sha256(audio.read_bytes()).hexdigest()
    second = make_episode(session, show, episodes_dir, title="Finding a sponsor, part two")
    make_user(session, "host@example.com", role=UserRole.HOST, shows=[show])
    session.commit()
    axe = install_axe()
    form = f"{live_server}/studio/shows/leaders/episodes/{second.id}/audio"

    with browser_page(viewport) as (page, errors):

        def check(name: str) -> None:
            screenshot(page, f"replace-audio-{name}", viewport)
            assert page.evaluate(OVERFLOW) <= 0, name
            if axe is not None:
                assert serious_violations(page, axe) == [], name

        browser_sign_in(page, form, "host@example.com", "**/audio")
        page.set_input_files("#replace-audio-form input[type=file]", str(audio))
        page.click("#replace-audio-form button[type=submit]")
        page.wait_for_selector("#duplicate-warning")
        warning = page.inner_text("#duplicate-warning")
        assert "already uploaded as 'Finding a sponsor, part one'" in warning
        assert "The audio was not replaced." in warning
        assert page.inner_text(".episode-tabs a[aria-current=page]") == "Replace audio"
        check("duplicate")

        page.set_input_files("#duplicate-warning input[type=file]", str(audio))
        page.click("#duplicate-warning button[type=submit]")
        page.wait_for_selector("text=Its media URL changed")
        assert not page.is_visible("#duplicate-warning")
        check("replaced")
        # Chromium logs the refusal's own status (the warning page is a 409, as a refused
        # new upload is); no script or resource failed.
        assert errors == [
            "Failed to load resource: the server responded with a status of 409 (CONFLICT)"
        ]
    session.expire_all()
    replaced = session.get(Episode, second.id)
    assert replaced is not None and replaced.audio_sha256 == first.audio_sha256
