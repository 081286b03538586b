"""The outbox and the unsubscribe pages in Chromium at 390 and 1366 px: no sideways scroll,
no console error (the Content-Security-Policy included), no serious or critical axe finding."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.mail import unsubscribe_url
from showapp.mail.runner import run_periodic
from showapp.models import (
    Advice,
    AdviceReport,
    MailKind,
    MailStatus,
    Moderation,
    OutboxMessage,
    UserRole,
)
from showapp.services.catalog import writes
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serious_violations
from tests.factories import make_episode, make_show
from tests.studio_helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture
def held_digest(app: Flask, session: Session, episodes_dir: Path) -> OutboxMessage:
    """A real digest, held because no SMTP server is set, and a failed message beside it."""
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, title="Night shifts")
    guest = writes.find_or_create_guest(session, "Grace Lee")
    guest.email = "grace.lee.with.a.rather.long.address@example-organisation.com"
    writes.credit_guest(session, episode, guest)
    advice = Advice(episode_id=episode.id, guest_id=guest.id, text="Pair every new lead.")
    session.add(advice)
    session.flush()
    story = "Paired two leads; both stayed. " * 8
    session.add(AdviceReport(advice_id=advice.id, story=story, name="Sam",
                             status=Moderation.APPROVED, consent_to_publish=True))  # fmt: skip
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    assert run_periodic(app).delivered.held == 1
    session.expire_all()
    digest = session.scalars(select(OutboxMessage)).one()
    failed = OutboxMessage(
        to_address="nobody@example.com", subject="Please listen", text_body="Hello",
        kind=MailKind.REVIEW_LINK, status=MailStatus.FAILED, attempts=1,
        next_attempt_at=digest.next_attempt_at, last_error="SMTP 550: 5.1.1 No such user " * 4,
        message_id="", show_id=show.id,
    )  # fmt: skip
    session.add(failed)
    session.commit()
    return digest


@pytest.mark.parametrize("width", list(WIDTHS))
def test_outbox_and_unsubscribe_pages_fit_are_quiet_and_accessible(
    app: Flask, live_server: str, held_digest: OutboxMessage, axe_js: Path, width: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("SHOWAPP_SCREENSHOTS") or tmp_path)
    unsubscribe = unsubscribe_url(app, held_digest.to_address, MailKind.DIGEST)
    unsubscribe = live_server + "/" + unsubscribe.split("/", 3)[3]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=WIDTHS[width]).new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live_server + "/studio/login")
        page.fill("input[name=email]", "admin@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/studio/")
        found: dict[str, list[str]] = {}
        pages = {
            "outbox": "/studio/outbox",
            "outbox-failed": "/studio/outbox?status=failed",
            "outbox-message": f"/studio/outbox/{held_digest.id}",
        }
        for name, path in pages.items():
            found[name] = _check(
                page, errors, axe_js, live_server + path, shots / f"{name}-{width}.png"
            )
        found["unsubscribe"] = _check(
            page, errors, axe_js, unsubscribe, shots / f"unsub-{width}.png"
        )
        page.click("button[value=kind]")
        page.wait_for_load_state("load")
        assert "You are unsubscribed" in page.content()
        found["unsubscribed"] = _problems(page, errors, axe_js)
        # The message's HTML part is in the frame, as the guest will see it.
        page.goto(live_server + f"/studio/outbox/{held_digest.id}")
        frame = page.frame_locator("iframe.outbox-html")
        assert "Paired two leads" in frame.locator("body").inner_text()
        browser.close()
    assert {name: problems for name, problems in found.items() if problems} == {}


def _check(page: Any, errors: list[str], axe: Path, url: str, shot: Path) -> list[str]:
    errors.clear()
    response = page.goto(url)
    page.wait_for_load_state("load")
    problems = (
        [] if response and response.status == 200 else [f"status {response and response.status}"]
    )
    problems += _problems(page, errors, axe)
    page.screenshot(path=str(shot), full_page=True)
    return problems


def _problems(page: Any, errors: list[str], axe: Path) -> list[str]:
    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow} px")
    problems += [f"console: {e}" for e in errors]
    problems += serious_violations(page, axe)
    return problems
