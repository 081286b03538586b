"""Deleting a show in a real browser, as an admin: settings, the confirmation, the Trash page
and restoring, at a phone's and a desktop's width (no sideways scroll, no console error, no
serious axe finding). Screenshots go to test-artifacts/."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.error import HTTPError

import pytest
from sqlalchemy.orm import Session

from showapp.models import UserRole
from tests.browser import VIEWPORTS, browser_page, install_axe, screenshot, serious_violations
from tests.browser import sign_in as browser_sign_in
from tests.factories import make_episode, make_show
from tests.studio_helpers import make_user

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


@pytest.mark.browser
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_admin_deletes_a_show_and_restores_it_from_the_trash(
    live_server: str, session: Session, episodes_dir: Path, viewport: str
) -> None:
    show = make_show(session, slug="leaders", title="Leaders with a rather long title to wrap")
    make_episode(session, show, episodes_dir, title="Pricing secrets")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    public = f"{live_server}/leaders/episodes/pricing-secrets"
    axe = install_axe()

    with browser_page(viewport) as (page, errors):

        def check(name: str) -> None:
            screenshot(page, f"show-trash-{name}", viewport)
            assert page.evaluate(OVERFLOW) <= 0, name
            if axe is not None:
                assert serious_violations(page, axe) == [], name

        settings = f"{live_server}/studio/shows/leaders/settings"
        browser_sign_in(page, settings, "admin@example.com", "**/settings")
        page.click("#delete-show")
        page.wait_for_url("**/leaders/delete")
        assert page.is_visible("text=What stays")
        check("confirm")
        page.click("#confirm-delete")
        page.wait_for_selector("text=Moved 'Leaders with a rather long title to wrap' to the trash")
        assert _status(public) == 410 and _status(f"{live_server}/leaders/") == 410
        assert page.is_visible("td >> text=Leaders with a rather long title to wrap")
        check("trash")
        page.click(f"#restore-show-{show.id}")
        page.wait_for_selector("text=Restored 'Leaders with a rather long title to wrap'")
        assert _status(public) == 200
        assert errors == []
