"""In a real browser: the episode page with advice (a play link seeks the designed player),
the guest page with mentor links, the "show all stories" page and the studio's Advice tab
and follow-ups, at 390 and 1366 px: no sideways scroll, no console error, no serious or
critical axe finding. Screenshots go to test-artifacts/advice/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.config import REPO_ROOT
from showapp.models import GuestLink, GuestLinkKind, UserRole
from showapp.services.catalog import writes
from showapp.services.review import links as review_links
from tests.advice_helpers import add_advice, add_report
from tests.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    current_time,
    serious_violations,
    sign_in,
    wait_until,
)
from tests.conftest import require
from tests.factories import add_guest, add_topic, make_episode, make_show
from tests.studio_helpers import make_user

SHOTS = REPO_ROOT / "test-artifacts" / "advice"
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@dataclass
class Paths:
    public: dict[str, str]
    studio: dict[str, str]
    episode: str


@pytest.fixture
def paths(app: Flask, session: Session, episodes_dir: Path) -> Paths:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, seconds=20.0, title="Night shifts",
                           published_at=None)  # fmt: skip
    later = make_episode(session, show, episodes_dir, seconds=5.0, title="Night shifts, a year on")
    later.follows_up_id = episode.id
    priya = add_guest(session, episode, "Priya Nair-Whitfield-Montgomery")
    tom = add_guest(session, episode, "Tom Berg")
    add_guest(session, later, "Tom Berg")
    add_topic(session, episode, "Shifts")
    long_text = "Ask for the night shift for a month, and write down " + "what you learn " * 12
    night = add_advice(session, episode, priya, long_text.strip()[:280], 12.0)
    add_advice(session, episode, tom, "Write it down.", None)
    for n in range(5):
        add_report(session, night, f"Listener {n}", f"It worked.\nStory {n} " + "word " * 40,
                   reply="Thanks!" if n == 4 else "")  # fmt: skip
    session.add(GuestLink(from_guest_id=tom.id, to_guest_id=priya.id, kind=GuestLinkKind.MENTOR,
                          note="Years of Friday calls"))  # fmt: skip
    session.add(GuestLink(from_guest_id=priya.id, to_guest_id=tom.id, kind=GuestLinkKind.SPONSOR))
    # An admin: guests (and so their mentor links) are the admins' to edit.
    make_user(session, "host@example.com", role=UserRole.ADMIN, shows=[show])
    session.commit()
    # The guest's review link, made before publication, is their "what came of your advice".
    link = review_links.create_link(session, episode, priya.id, days=7, message="")
    writes.publish_episode(episode, utc_now() - timedelta(days=2))
    session.commit()
    token = review_links.token_for(link, str(app.config["SECRET_KEY"]))
    studio = f"/studio/shows/leaders/episodes/{episode.id}"
    return Paths(
        public={
            "episode": f"/leaders/episodes/{episode.slug}",
            "follow-up-episode": f"/leaders/episodes/{later.slug}",
            "guest": f"/guests/{priya.slug}",
            "topic": "/topics/shifts",
            "all-stories": f"/advice/{night.id}/reports",
            "what-came-of-your-advice": f"/review/{token}",
        },
        studio={
            "advice-tab": f"{studio}/advice",
            "follow-ups": f"/studio/shows/leaders/follow-ups?guest={priya.id}&advice={night.id}",
            "home": "/studio/",
            "guest-links": f"/studio/guests/{priya.slug}",
        },
        episode=f"/leaders/episodes/{episode.slug}",
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    require(CHROMIUM.exists(), "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _problems(page: Any, errors: list[str], axe: Path, url: str, shot: str) -> list[str]:
    errors.clear()
    response = page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)
    problems = [] if response is not None and response.status == 200 else ["status"]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow} px")
    problems += [f"console: {e}" for e in errors]
    problems += serious_violations(page, axe)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    return problems


@pytest.mark.browser
@pytest.mark.parametrize("width", list(WIDTHS))
def test_advice_pages_fit_are_quiet_and_accessible(
    live_server: str, paths: Paths, axe_js: Path, browser: Any, width: str
) -> None:
    page = browser.new_context(viewport=WIDTHS[width]).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    found = {
        name: _problems(page, errors, axe_js, live_server + path, f"{name}-{width}.png")
        for name, path in paths.public.items()
    }
    sign_in(page, f"{live_server}/studio/login", "host@example.com", "**/studio/")
    found |= {
        name: _problems(page, errors, axe_js, live_server + path, f"studio-{name}-{width}.png")
        for name, path in paths.studio.items()
    }
    assert {name: problems for name, problems in found.items() if problems} == {}


@pytest.mark.browser
def test_play_from_here_seeks_the_designed_player(
    live_server: str, paths: Paths, browser: Any
) -> None:
    page = browser.new_context(viewport=WIDTHS["desktop"]).new_page()
    page.goto(live_server + paths.episode)
    wait_until(page, "document.querySelector('[data-player]').classList.contains('enhanced')")
    page.click("a.advice-play")
    wait_until(page, "document.querySelector('audio').currentTime >= 11.5")
    assert 11.5 <= current_time(page) < 20
    assert page.url == live_server + paths.episode  # seeking, not a page load


@pytest.mark.browser
def test_a_host_adds_advice_in_the_studio_tab(
    live_server: str, paths: Paths, browser: Any, axe_js: Path
) -> None:
    page = browser.new_context(viewport=WIDTHS["desktop"]).new_page()
    sign_in(page, f"{live_server}/studio/login", "host@example.com", "**/studio/")
    page.goto(live_server + paths.studio["advice-tab"])
    page.fill("#new-text", "Sleep before you decide.")
    page.select_option("#new-guest", label="Tom Berg")
    page.fill("#new-moment", "0:15")
    page.click("#add-advice button[type=submit]")
    page.wait_for_selector("text=Added the advice.")
    assert page.locator(".advice-row").count() == 3
    assert serious_violations(page, axe_js) == []
    page.fill("#new-text", "Too late.")
    page.select_option("#new-guest", label="Tom Berg")
    page.fill("#new-moment", "0:25")
    page.click("#add-advice button[type=submit]")
    page.wait_for_selector("text=after the audio ends")
    assert page.locator(".advice-row").count() == 3
    assert page.input_value("#new-text") == "Too late."
    page.screenshot(path=str(SHOTS / "studio-advice-refused.png"), full_page=True)
    page.goto(live_server + paths.episode)
    assert "Sleep before you decide." in page.inner_text("section.advice")
