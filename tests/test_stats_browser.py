"""Download figures from a real browser against gunicorn: opening episode pages (the player
preloads metadata) counts nothing; playing one past a minute counts one download."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.media.delivery import PLAYER_CHUNK
from showapp.models import DailyDownloads, MediaRequest, UserRole
from showapp.services.stats import recording, rollups
from tests.browser import (
    CHROMIUM,
    VIEWPORTS,
    chromium,
    install_axe,
    serious_violations,
    sign_in,
    wait_until,
)
from tests.conftest import require
from tests.factories import add_guest, add_topic, make_episode, make_show
from tests.live import gunicorn_server
from tests.studio_helpers import make_user

# Longer than the demo's clips: a minute of audio must be less than the whole file.
SECONDS = 150
# An ordinary desktop Chrome: headless Chromium names itself HeadlessChrome, a bot to OPAWG.
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@pytest.fixture
def pages(session: Session, episodes_dir: Path) -> list[str]:
    show = make_show(session, slug="talks", title="Talks")
    episodes = [
        make_episode(session, show, episodes_dir, title=f"Talk {n}", seconds=SECONDS)
        for n in range(3)
    ]
    session.commit()
    return [f"/talks/episodes/{episode.slug}" for episode in episodes]


def _requests(session: Session) -> list[Any]:
    session.expire_all()
    query = select(
        MediaRequest.range_start, MediaRequest.range_end, MediaRequest.bytes_sent, MediaRequest.app
    )
    return list(session.execute(query))


def _downloads(session: Session) -> int:
    rollups.rollup(session)
    session.commit()
    return int(session.scalar(select(func.sum(DailyDownloads.downloads))) or 0)


def _wait_for_requests(session: Session, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(_requests(session)) < count and time.monotonic() < deadline:
        time.sleep(0.3)


@pytest.mark.browser
def test_page_views_never_count_and_a_minute_of_play_counts_once(
    app: Flask, session: Session, pages: list[str]
) -> None:
    require(CHROMIUM.exists(), "chromium")
    settings = {"STATS_ENABLED": "true", "STATS_FLUSH_SECONDS": "0.2"}
    with gunicorn_server(app.config, workers=2, settings=settings) as url:
        with chromium() as browser:
            page = browser.new_context(viewport=VIEWPORTS["desktop"], user_agent=CHROME).new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            for path in pages:
                page.goto(url + path)
                wait_until(page, "document.querySelector('audio').readyState >= 1")
            page.goto(url + "/")  # leaving the last page ends its preload too
            _wait_for_requests(session, len(pages))
            viewed = _requests(session)
            assert len(viewed) >= len(pages), viewed
            # Each preload got at most one player chunk (delivery.PLAYER_CHUNK), not the file.
            assert all(sent <= PLAYER_CHUNK for *_, sent, _app in viewed), viewed
            assert _downloads(session) == 0, viewed

            page.goto(url + pages[0])
            wait_until(page, "document.querySelector('audio').readyState >= 1")
            page.click("[data-action=toggle]")
            # Four times as fast: the same bytes, a quarter of the wait.
            page.evaluate("document.querySelector('audio').playbackRate = 4")
            wait_until(page, "document.querySelector('audio').currentTime > 62", timeout=60)
            page.goto(url + "/")
            assert errors == []
        time.sleep(1)
    assert _downloads(session) == 1, _requests(session)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_the_network_view_reads_at_a_phone_and_a_laptop_width(
    session: Session, episodes_dir: Path, live_server: str, width: int
) -> None:
    require(CHROMIUM.exists(), "chromium")
    axe = install_axe()
    for zone, title in (("Australia/Sydney", "Leadership in Practice"), ("UTC", "Side Notes")):
        show = make_show(session, title=title, timezone=zone)
        episode = make_episode(session, show, episodes_dir, title="A long title " * 6)
        add_topic(session, episode, "Engineering management")
        add_guest(session, episode, "Grace Hopper")
        assert episode.audio_file
        hit = recording.Hit(
            episode.audio_file, utc_now(), "GET", "8.8.4.4", CHROME, None, None, None
        )
        recording.store_hits(session, [hit])
        make_user(session, f"host-{zone.lower().replace('/', '-')}@example.com", shows=[show])
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    rollups.rollup(session)
    session.commit()
    with chromium() as browser:
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, f"{live_server}/studio/login", "admin@example.com", "**/studio/")
        section = page.locator("section.network-figures")
        assert section.is_visible()
        assert "Australia/Sydney" in section.inner_text()
        assert page.locator("#network-episodes-heading + ol li").count() == 2
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        if axe is not None:
            assert serious_violations(page, axe) == []
        assert errors == []
