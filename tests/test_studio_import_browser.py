"""A studio import in a real browser: start it, watch the progress bar move and reach done,
read the summary. Screenshots go to test-artifacts/porting/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.models import Episode, UserRole
from tests.browser import studio_page, wait_until
from tests.conftest import serving
from tests.factories import make_mp3
from tests.studio_helpers import PASSWORD, make_user
from tests.test_import import Served, _handler

SHOTS = REPO_ROOT / "test-artifacts" / "porting"
EPISODES = 4


@pytest.fixture
def slow_old_host() -> Iterator[tuple[str, Served]]:
    """The old host, sending each audio file after a pause, so the import takes a while."""
    served = Served()
    base_handler = _handler(served)

    class Slow(base_handler):  # type: ignore[valid-type, misc]
        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/audio/"):
                time.sleep(0.8)
            super().do_GET()

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Slow)) as base:
        yield base, served


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # The import runs on the queue, as in production, so the page sees it progress (the
    # tests' immediate mode would finish it inside the request that starts it).
    return {**app_config, "JOBS": "sqlite", "JOBS_IN_PROCESS": True}


@pytest.fixture
def browser_page() -> Iterator[Any]:
    with studio_page(SHOTS) as page:
        yield page


def _feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>Talk {n}</title><guid>slow-{n}</guid>"
        f"<pubDate>Mon, 0{n} Jan 2024 10:00:00 +0000</pubDate>"
        f'<enclosure url="{base}/audio/{n}.mp3" length="1" type="audio/mpeg"/></item>'
        for n in range(1, EPISODES + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow Old Host</title>'
        f"<description>d</description>{items}</channel></rss>"
    ).encode()


@pytest.mark.browser
def test_an_import_started_in_the_browser_shows_progress_until_done(
    app: Flask, browser_page: Any, live_server: str, session: Session,
    slow_old_host: tuple[str, Served],
) -> None:  # fmt: skip
    page = browser_page
    base, served = slow_old_host
    served.files["/feed.xml"] = (_feed(base), "application/rss+xml")
    for n in range(1, EPISODES + 1):
        served.files[f"/audio/{n}.mp3"] = (make_mp3(1.5, seed=n), "audio/mpeg")
    app.config["IMPORT_ALLOW_PRIVATE"] = True
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()

    page.goto(f"{live_server}/studio/import")
    page.fill("input[name=email]", "admin@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/studio/import")
    page.fill("input[name=url]", f"{base}/feed.xml")
    page.check("input[name=download_media]")
    page.screenshot(path=str(SHOTS / "01-import-form.png"))
    page.click("button:has-text('Start the import')")
    page.wait_for_url("**/studio/import/*")

    # The script moves the bar while the audio downloads (no reload needed for that).
    wait_until(
        page,
        "(() => { const bar = document.getElementById('import-bar');"
        " return bar && bar.max > 1 && bar.value > 0 && bar.value < bar.max; })()",
        timeout=30,
    )
    assert "Downloading audio" in page.inner_text("#import-status")
    page.screenshot(path=str(SHOTS / "02-import-running.png"))

    page.wait_for_selector("#summary-created", timeout=60000)
    bar = page.locator("#import-bar")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    assert page.inner_text("#summary-created") == str(EPISODES)
    assert "No problems." in page.inner_text("#import-status")
    page.screenshot(path=str(SHOTS / "03-import-done.png"), full_page=True)
    downloaded = select(func.count()).where(Episode.audio_file.is_not(None))
    assert session.scalar(downloaded) == EPISODES
