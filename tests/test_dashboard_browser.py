"""The downloads dashboard in a real browser, at a phone's width and a desktop's: the chart is
drawn and visible, nothing scrolls sideways, and the refresh button works with a click."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from tests.browser import CHROMIUM, VIEWPORTS, browser_page, install_axe, serious_violations
from tests.conftest import require
from tests.factories import add_guest, add_topic, make_episode, make_show
from tests.studio_helpers import PASSWORD, make_user

ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"
AGENTS = [
    "Podcasts/1410.53 CFNetwork/1111 Darwin/19.0.0 (x86_64)",
    "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)",
    "PocketCasts/1.0 (Pocket Casts Feed Parser; +http://pocketcasts.com/)",
    "AntennaPod/3.2.0",
]


@pytest.fixture
def listened(app: Flask, session: Session, episodes_dir: Path, live_server: str) -> str:
    show = make_show(session, slug="figures", title="Figures")
    for n, title in enumerate(["How we hire engineers", "A very long conversation title " * 3]):
        episode = make_episode(session, show, episodes_dir, title=title)
        add_topic(session, episode, f"Topic {n}")
        add_guest(session, episode, f"Guest {n}")
        session.commit()  # published for the live server too: only public audio is served
        for agent in AGENTS[: n + 3]:
            request = urllib.request.Request(
                f"{live_server}/media/{episode.audio_file}", headers={"User-Agent": agent}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    return live_server


@pytest.mark.browser
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_dashboard_reads_on_a_phone_and_a_desktop(listened: str, viewport: str) -> None:
    require(CHROMIUM.exists(), "chromium")
    axe = install_axe()
    with browser_page(viewport) as (page, errors):
        page.goto(f"{listened}/studio/login")
        page.fill("input[name=email]", "host@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{listened}/studio/shows/figures/downloads")
        assert page.locator("text=No downloads yet").is_visible()
        page.click("text=Refresh figures now")
        page.wait_for_url("**/downloads?days=30")
        assert "7 new requests read" in page.inner_text(".flash")
        assert page.inner_text(".total-card >> nth=0").split() == ["Last", "7", "days", "7"]

        shown = ".chart-compact svg" if viewport == "phone" else ".chart-wide svg"
        hidden = ".chart-wide svg" if viewport == "phone" else ".chart-compact svg"
        chart = page.locator(shown)
        assert chart.is_visible() and not page.locator(hidden).is_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150
        assert chart.locator("polyline").count() == 1
        # Text in the chart is drawn near its intended 12 px, not shrunk to fit.
        tick = chart.locator("text").first.bounding_box()
        assert tick is not None and tick["height"] >= 10

        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{viewport}.png"), full_page=True)
        if axe is not None:
            assert serious_violations(page, axe) == []
        assert errors == []
