"""A form posted after the sign-in lapsed is kept only for the host who typed it: never for an
anonymous or forged post, never shown to anyone else, and never bigger than the cap."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.config import REPO_ROOT
from showapp.models import Episode, FormStash
from showapp.security.sessions import SESSION_LIFETIME
from showapp.services.saved_forms import MAX_STASH_BYTES
from tests.browser import studio_page
from tests.factories import make_episode, make_show
from tests.studio_helpers import PASSWORD, csrf_token, lapse_sign_in, login, make_user

SHOTS = REPO_ROOT / "test-artifacts" / "studio"
A = "a@example.com"
B = "b@example.com"


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    show = make_show(session, slug="leaders", title="Leaders")
    make_user(session, A, shows=[show])
    make_user(session, B, shows=[show])
    found = make_episode(session, show, episodes_dir, title="First cut", published_at=None)
    session.commit()
    return found


def _url(episode: Episode) -> str:
    return f"/studio/shows/leaders/episodes/{episode.id}"


def _form(client: FlaskClient, url: str, **fields: str) -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_token(client, url), "version": version, "title": "An episode"}
    form.update({"status": "draft", "episode_type": "full", **fields})
    return form


def _stashes(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(FormStash.id))) or 0


def _restore_link(response: Any) -> str:
    """The editor URL with ?restore= that sign-in leads back to, or "" when nothing was kept."""
    assert response.status_code == 303 and response.location.startswith("/studio/login")
    target = parse_qs(urlsplit(response.location).query).get("next", [""])[0]
    return target if "restore=" in target else ""


def test_anonymous_posts_store_nothing(app: Flask, session: Session, episode: Episode) -> None:
    stranger = app.test_client()
    bare = stranger.post(_url(episode), data={"title": "spam", "notes_md": "x" * 10_000})
    # A visitor with a session of their own (from the sign-in page) and its valid token.
    token = csrf_token(stranger, "/studio/login")
    with_token = stranger.post(_url(episode), data={"csrf_token": token, "title": "spam"})
    for response in (bare, with_token):
        assert _restore_link(response) == ""
    assert _stashes(session) == 0


def test_a_lapsed_session_with_a_wrong_token_stores_nothing(
    client: FlaskClient, session: Session, episode: Episode
) -> None:
    login(client, A)
    form = _form(client, _url(episode), title="Mine", csrf_token="forged")
    lapse_sign_in(client)
    assert _restore_link(client.post(_url(episode), data=form)) == ""
    assert _stashes(session) == 0


def test_after_signing_out_nothing_is_kept(
    client: FlaskClient, session: Session, episode: Episode
) -> None:
    login(client, A)
    form = _form(client, _url(episode), title="Typed after sign-out")
    client.post("/studio/logout", data={"csrf_token": form["csrf_token"]})
    assert _restore_link(client.post(_url(episode), data=form)) == ""
    assert _stashes(session) == 0


def test_a_restore_link_works_only_for_the_host_who_typed_it(
    app: Flask, client: FlaskClient, session: Session, episode: Episode
) -> None:
    login(client, A)
    form = _form(client, _url(episode), title="Words of A", notes_md="only for A")
    lapse_sign_in(client)
    posted = client.post(_url(episode), data=form)
    link = _restore_link(posted)
    assert link and _stashes(session) == 1
    other = app.test_client()
    login(other, B)
    page = other.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "only for A" not in text and "Words of A" not in text
    assert "restored" not in text
    assert _stashes(session) == 1  # still A's to take
    signed_in = login(client, A, page=posted.location)
    assert signed_in.status_code == 303
    restored = client.get(signed_in.location).get_data(as_text=True)
    assert "what you typed is restored" in restored and "only for A" in restored
    assert _stashes(session) == 0  # taken once, then gone
    again = client.get(link).get_data(as_text=True)
    assert "only for A" not in again


def test_an_oversized_form_is_refused_and_the_sign_in_page_says_so(
    client: FlaskClient, session: Session, episode: Episode
) -> None:
    login(client, A)
    form = _form(client, _url(episode), notes_md="n" * (MAX_STASH_BYTES + 1))
    lapse_sign_in(client)
    response = client.post(_url(episode), data=form)
    assert _restore_link(response) == ""
    assert _stashes(session) == 0
    sign_in_page = client.get(response.location).get_data(as_text=True)
    assert f"over the {MAX_STASH_BYTES // 1024} KB" in sign_in_page
    assert "was not saved" in sign_in_page


def test_a_kept_form_expires_after_a_day(
    client: FlaskClient, session: Session, episode: Episode
) -> None:
    login(client, A)
    form = _form(client, _url(episode), notes_md="notes from yesterday")
    lapse_sign_in(client)
    link = _restore_link(client.post(_url(episode), data=form))
    assert link
    session.execute(update(FormStash).values(created_at=utc_now() - timedelta(hours=25)))
    session.commit()
    login(client, A)
    page = client.get(link).get_data(as_text=True)
    assert "notes from yesterday" not in page and "restored" not in page
    assert _stashes(session) == 0


@pytest.mark.browser
def test_in_a_browser_what_was_typed_comes_back_after_signing_in_again(
    app: Flask, live_server: str, episode: Episode
) -> None:
    with studio_page(SHOTS) as page:
        page.goto(f"{live_server}{_url(episode)}")
        page.fill("input[name=email]", A)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**{_url(episode)}")
        page.fill("input[name=title]", "Typed all evening")
        page.fill("textarea[name=notes_md]", "Notes written while the sign-in lapsed.")
        _lapse_browser_sign_in(app, page.context, live_server)
        page.click("#save-button")
        page.wait_for_url("**/studio/login**")
        assert page.is_visible("input[name=password]")
        page.fill("input[name=email]", A)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**restore=**")
        assert page.is_visible("text=what you typed is restored")
        assert page.input_value("input[name=title]") == "Typed all evening"
        assert page.input_value("textarea[name=notes_md]") == (
            "Notes written while the sign-in lapsed."
        )
        page.screenshot(path=str(SHOTS / "restored-after-sign-in.png"), full_page=True)


def _lapse_browser_sign_in(app: Flask, context: Any, base_url: str) -> None:
    """Re-sign the browser's session cookie with its sign-in 13 hours old."""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    cookie = next(c for c in context.cookies() if c["name"] == "session")
    data = serializer.loads(cookie["value"])
    data["seen_at"] = int(time.time() - SESSION_LIFETIME.total_seconds()) - 3600
    context.add_cookies([{"name": "session", "value": serializer.dumps(data), "url": base_url}])
