"""Listeners in Chromium: a listener opens "I tried this" for a piece of advice, is told to
slow down when they send at once, then sends after the minimum fill time and is thanked; the
host signs in, sees the waiting count and approves the report. Every page of the flow (the
form, the refusal, the thanks, the mentor call, the studio queue) is checked at 390 and
1366 px: no sideways scroll, no console error, no serious or critical axe finding, and the
honeypot stays out of sight and out of the tab order. Screenshots: test-artifacts/listeners/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.config import REPO_ROOT
from showapp.models import AdviceReport, MentorStory, Moderation
from showapp.services.listeners.spam import MIN_FILL_SECONDS
from tests.browser import chromium, install_axe, serious_violations
from tests.conftest import require
from tests.listener_helpers import make_advice
from tests.studio_helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser
SHOTS = REPO_ROOT / "test-artifacts" / "listeners"
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def browser() -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as launched:
        yield launched


@pytest.fixture
def axe() -> Path:
    path = install_axe()
    require(path is not None, "npm (to install axe-core)")
    assert path is not None
    return path


def _page(browser: Any, width: str) -> tuple[Any, list[str]]:
    page = browser.new_context(viewport=WIDTHS[width]).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _problems(page: Any, errors: list[str], axe: Path, name: str, width: str) -> list[str]:
    """What is wrong with the page as it stands: sideways scroll, console errors, axe."""
    found = [f"{name}: console: {e}" for e in errors]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        found.append(f"{name}: scrolls sideways by {overflow} px")
    found += [f"{name}: {v}" for v in serious_violations(page, axe)]
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    errors.clear()
    return found


def _honeypot_hidden(page: Any) -> bool:
    box = page.locator("#hp-website").bounding_box()
    visible_area = box is not None and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 1
    return not visible_area and page.get_attribute("#hp-website", "tabindex") == "-1"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_listener_reports_back_and_the_host_approves(
    browser: Any, live_server: str, session: Session, episodes_dir: Path, axe: Path, width: str
) -> None:
    show, _, advice = make_advice(session, episodes_dir)
    make_user(session, "host@example.com", shows=[show])
    show.mentor_call_open = True
    session.add(MentorStory(
        show_id=show.id, mentor_name="Mrs Okafor", name="Lena", story="She asked questions.",
        consent_to_publish=True, status=Moderation.APPROVED, published_at=utc_now(),
    ))  # fmt: skip
    session.commit()
    problems: list[str] = []

    listener, errors = _page(browser, width)
    listener.goto(f"{live_server}/advice/{advice.id}/tried")
    assert "Ask for the night shift once." in listener.inner_text("main")
    assert _honeypot_hidden(listener)
    problems += _problems(listener, errors, axe, "tried-form", width)
    listener.goto(f"{live_server}/advice/{advice.id}/tried")  # a fresh form, opened now
    listener.fill("#listener-story", "I asked for it. Best month of my training.")
    listener.fill("#listener-name", "J. K.")
    listener.check("#listener-consent")
    # Sent at once: faster than a person writes, so refused with a message, kept as typed.
    listener.click("button:has-text('Send my report')")
    listener.wait_for_selector("text=faster than anyone can write")
    assert listener.input_value("#listener-story") == "I asked for it. Best month of my training."
    # Chromium reports the 400 document itself as a failed resource; nothing else may fail.
    errors[:] = [e for e in errors if "status of 400" not in e]
    problems += _problems(listener, errors, axe, "tried-refused", width)
    # The refusal served a fresh form: a person who reads it over sends after the minimum.
    listener.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 300)
    listener.click("button:has-text('Send my report')")
    listener.wait_for_selector("text=Thank you")
    assert "after the host has read it" in listener.inner_text("main")
    problems += _problems(listener, errors, axe, "tried-thanks", width)
    listener.goto(f"{live_server}/mentoring/mentors")
    assert "Mrs Okafor" in listener.inner_text("main")
    assert _honeypot_hidden(listener)
    problems += _problems(listener, errors, axe, "mentor-call", width)

    report = session.query(AdviceReport).one()
    assert report.status == Moderation.PENDING and report.consent_to_publish

    host, errors = _page(browser, width)
    host.goto(f"{live_server}/studio/login")
    host.fill("input[name=email]", "host@example.com")
    host.fill("input[name=password]", PASSWORD)
    host.click("button[type=submit]")
    host.wait_for_url(f"{live_server}/studio/")
    host.goto(f"{live_server}/studio/shows/mentoring/listeners")
    assert host.text_content(".nav-count") == "1 waiting"  # beside "Listeners" in the menu
    assert "Best month of my training." in host.inner_text("main")
    problems += _problems(host, errors, axe, "studio-queue", width)
    host.click(f"#report-{report.id} button[value=approve]")
    host.wait_for_selector("text=Approved.")
    assert "Nothing is waiting for you." in host.inner_text("main")
    problems += _problems(host, errors, axe, "studio-queue-empty", width)
    session.expire_all()
    assert session.get(AdviceReport, report.id).status == Moderation.APPROVED  # type: ignore[union-attr]
    assert problems == []
