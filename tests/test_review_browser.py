"""Guest review in a real browser: the host makes a link; the guest, in a fresh context with
no account, plays the preview, pins a comment at the player's time, comments on a passage of
the notes and asks for changes; the host resolves and edits; the guest approves; the host
publishes; the link then becomes "what came of your advice", which leads to the public page.
Screenshots go to test-artifacts/review/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.models import CommentAnchor, ReviewComment
from tests.browser import STUDIO_VIEWPORT, chromium, wait_until
from tests.review_helpers import make_draft
from tests.studio_helpers import PASSWORD

SHOTS = REPO_ROOT / "test-artifacts" / "review"

SELECT_IN_NOTES = """(text) => {
  const notes = document.querySelector('.episode .notes');
  const walker = document.createTreeWalker(notes, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf(text);
    if (at !== -1) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + text.length);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      return true;
    }
  }
  return false;
}"""


@pytest.fixture
def browser() -> Iterator[Any]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as launched:
        yield launched


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/studio/login")
    page.fill("input[name=email]", "host@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/studio/")


@pytest.mark.browser
def test_a_guest_reviews_and_the_host_publishes(
    browser: Any, live_server: str, session: Session, episodes_dir: Path
) -> None:
    draft = make_draft(session, episodes_dir, require_guest_approval=True)
    host = browser.new_context(viewport=STUDIO_VIEWPORT).new_page()
    _sign_in(host, live_server)
    host.goto(live_server + draft.review_path)
    host.fill("textarea[name=message]", "Hi Grace, please check the notes and the audio.")
    host.click("button[name=action][value=create]")
    link = host.input_value("[data-review-url]")
    assert "/review/" in link
    assert "please check the notes" in host.input_value("[data-mail-text]")
    host.screenshot(path=str(SHOTS / "01-host-link.png"), full_page=True)

    # The guest: a fresh context, no cookies, no account.
    guest = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
    guest.goto(link.replace("http://podcast.test", live_server))
    assert guest.locator(".review-banner").inner_text().startswith("Preview — not yet public")
    guest.click("[data-action=toggle]")
    wait_until(guest, "document.querySelector('audio').currentTime >= 2")
    guest.click("[data-action=toggle]")
    guest.click("[data-pin=start]")
    pinned = guest.input_value("input[name=start]")
    assert pinned in {"0:02", "0:03", "0:04", "0:05"}
    guest.fill("#review-body", "Please cut the cough here.")
    guest.click("button:has-text('Save comment')")
    guest.wait_for_selector("text=Thank you: your comment is saved.")

    assert guest.evaluate(SELECT_IN_NOTES, "Head of Ops")
    guest.click("[data-quote-selection]")
    assert guest.input_value("#review-quote") == "Head of Ops"
    assert guest.is_checked("input[name=anchor][value=notes]")
    guest.fill("#review-body", "My title is now VP Operations.")
    guest.click("button:has-text('Save comment')")
    guest.wait_for_selector("text=My title is now VP Operations.")
    guest.fill("#review-message", "Two small fixes, see my comments.")
    guest.click("button[name=decision][value=changes]")
    guest.wait_for_selector("text=You asked for changes")
    guest.screenshot(path=str(SHOTS / "02-guest-comments.png"), full_page=True)

    comments = session.scalars(select(ReviewComment).order_by(ReviewComment.id)).all()
    assert [c.anchor for c in comments] == [CommentAnchor.TIME, CommentAnchor.NOTES]
    assert comments[0].start_seconds is not None and comments[0].start_seconds >= 2

    # The host: states, play from a comment's time, resolve, edit the notes.
    host.goto(live_server + draft.review_path)
    assert "changes requested" in host.inner_text("[data-guest='Grace Lee']")
    host.click("button[data-play-at]")
    wait_until(host, "document.getElementById('review-audio').currentTime >= 2")
    host.screenshot(path=str(SHOTS / "03-host-comments.png"), full_page=True)
    for _ in range(2):
        host.locator("button[value=resolve]").first.click()
        host.wait_for_load_state()
    assert host.locator(".review-comment.resolved").count() == 2
    editor = f"{live_server}/studio/shows/leaders/episodes/{draft.episode.id}"
    host.goto(editor)
    host.fill(
        "textarea[name=notes_md]", "We talk about **mentoring** and my time as VP Operations."
    )
    host.click("#save-button")
    host.wait_for_selector("text=Saved")
    # Publishing waits for the guest's approval.
    host.select_option("select[name=status]", "published")
    host.click("#save-button")
    host.wait_for_selector("text=Still missing: Grace Lee")

    guest.reload()
    assert "VP Operations" in guest.inner_text(".episode .notes")
    guest.click("button[name=decision][value=approve]")
    guest.wait_for_selector("text=You approved this episode")

    host.goto(editor)
    host.select_option("select[name=status]", "published")
    host.click("#save-button")
    host.wait_for_selector("text=(published)")

    guest.goto(link.replace("http://podcast.test", live_server))
    assert guest.locator("h1").inner_text() == "What came of your advice"
    guest.click("text=Listen to the episode")
    guest.wait_for_url("**/leaders/episodes/mentoring-with-grace")
    assert guest.locator(".review-banner").count() == 0
    guest.screenshot(path=str(SHOTS / "04-guest-public-page.png"), full_page=True)
