"""The whole advice loop in Chromium, with a real SMTP server: a listener finds a piece of
advice on the episode page and reports back; the host approves it in the studio; the guest's
digest arrives at the SMTP server, and its "what came of your advice" link opens the report;
the report shows on the episode and guest pages. Then a spam burst (100 posts in a minute,
links, a filled honeypot) stores nothing and notifies no one."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.mail.runner import run_periodic
from showapp.models import AdviceReport, Guest, OutboxMessage
from showapp.services.listeners.spam import MIN_FILL_SECONDS
from tests.browser import chromium
from tests.listener_helpers import make_advice
from tests.mail_helpers import Inbox, free_port, links, smtp_server, text_part
from tests.studio_helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser
STORY = "I asked for the night shift once. Best month of my training."


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config: dict[str, Any], smtp_port: int) -> dict[str, Any]:
    return {**app_config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port}


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    with smtp_server(smtp_port) as received:
        yield received


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _mail_for(app: Flask, inbox: Inbox, seconds: float = 15) -> Any:
    """Run the periodic mail work until a message arrives (the in-process runner may send it
    first); the one message received."""
    deadline = time.monotonic() + seconds
    while not inbox.messages and time.monotonic() < deadline:
        run_periodic(app, utc_now())
        time.sleep(0.3)
    return inbox.only()


def test_a_report_travels_from_listener_to_host_to_guest_and_back_to_the_pages(
    app: Flask,
    browser: Any,
    live_server: str,
    session: Session,
    episodes_dir: Path,
    inbox: Inbox,
) -> None:
    show, episode, advice = make_advice(session, episodes_dir)
    guest = session.get(Guest, advice.guest_id)
    assert guest is not None
    guest.email = "priya@example.com"
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    episode_url = f"{live_server}/{show.slug}/episodes/{episode.slug}"

    listener = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    listener.goto(episode_url)
    assert "Advice in this episode" in listener.inner_text("main")
    listener.click("a:has-text('I tried this')")
    listener.wait_for_url(f"{live_server}/advice/{advice.id}/tried")
    listener.fill("#listener-story", STORY)
    listener.fill("#listener-name", "J. K.")
    listener.check("#listener-consent")
    listener.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 300)  # a person takes this long
    listener.click("button:has-text('Send my report')")
    listener.wait_for_selector("text=Thank you")
    # Not on the page before the host has read it.
    listener.goto(episode_url)
    assert STORY not in listener.inner_text("main")
    assert inbox.messages == []

    host = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    host.goto(f"{live_server}/studio/login")
    host.fill("input[name=email]", "host@example.com")
    host.fill("input[name=password]", PASSWORD)
    host.click("button[type=submit]")
    host.wait_for_url(f"{live_server}/studio/")
    host.goto(f"{live_server}/studio/shows/{show.slug}/listeners")
    report = session.scalars(select(AdviceReport)).one()
    host.click(f"#report-{report.id} button[value=approve]")
    host.wait_for_selector("text=Approved.")

    mail = _mail_for(app, inbox)
    assert mail["To"] == "priya@example.com"
    text = text_part(mail)
    assert "Ask for the night shift once." in text and STORY in text and "J. K." in text
    outcomes = next(url for url in links(text) if "/review/" in url)
    guest_view = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    guest_view.goto(outcomes.replace("http://podcast.test", live_server))
    assert "What came of your advice" in guest_view.inner_text("main")
    assert STORY in guest_view.inner_text("main")

    # A visitor (the listener's own browser may keep its copy for the page's max-age).
    visitor = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    visitor.goto(episode_url)
    main = visitor.inner_text("main")
    assert "1 tried this" in main and STORY in main and "J. K." in main
    visitor.goto(f"{live_server}/guests/{guest.slug}")
    assert "1 tried this" in visitor.inner_text("main")


def test_a_spam_burst_stores_nothing_and_notifies_no_one(
    app: Flask, live_server: str, session: Session, episodes_dir: Path, inbox: Inbox
) -> None:
    _, _, advice = make_advice(session, episodes_dir)
    url = f"{live_server}/advice/{advice.id}/tried"
    bot = requests.Session()
    page = bot.get(url, timeout=10).text
    fields = {
        name: value
        for name, value in (
            ("csrf_token", _hidden(page, "csrf_token")),
            ("form_token", _hidden(page, "form_token")),
        )
    }
    time.sleep(MIN_FILL_SECONDS + 0.3)
    statuses = []
    started = time.monotonic()
    for n in range(100):
        story = f"Great advice! Cheap pills at https://spam{n}.example and https://more.example"
        post = {**fields, "story": story, "name": f"Bot {n}", "consent": "y"}
        if n % 3 == 0:
            post["website"] = "https://spam.example"  # the honeypot a person never sees
        statuses.append(bot.post(url, data=post, timeout=10).status_code)
    assert time.monotonic() - started < 60
    assert 429 in statuses and all(status in {200, 400, 429} for status in statuses)
    run_periodic(app, utc_now())
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AdviceReport)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert inbox.messages == []


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, name
    return found.group(1)
