"""The studio pages this work added to, in a real browser at 390 and 1366 px: the show
settings (directory links, accent colour, feed box), the Network page and a guest's photo
box. No console error, no serious or critical axe finding, and none of the new fields
reaches past the screen. Screenshots go to test-artifacts/site/truths-*."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from showapp.models import UserRole
from tests.browser import (
    chromium,
    install_axe,
    screenshot,
    serious_violations,
    sign_in,
)
from tests.conftest import require
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import make_user

pytestmark = pytest.mark.browser
WIDTHS = {"phone": 390, "desktop": 1366}
PAGES = {
    "show-settings": ("/studio/shows/leaders/settings", "#apple_podcasts_url"),
    "network": ("/studio/network", "#name"),
    "guest-photo": ("/studio/guests/priya-raman", "#photo"),
}
# How far right the new controls reach, in px past the viewport (0: they fit).
OVERFLOW = """(selector) => {
  const inputs = [...document.querySelectorAll(
    'fieldset.field-group *, #accent_color, #name, #color, #logo, #photo, .guest-photo')];
  return Math.max(0, ...inputs.map((e) => e.getBoundingClientRect().right - innerWidth));
}"""


@pytest.mark.parametrize("viewport", list(WIDTHS))
def test_new_studio_fields_render_cleanly(
    live_server: str, session: Session, episodes_dir: Path, viewport: str
) -> None:
    axe = install_axe()
    require(axe is not None, "npm (to install axe-core)")
    assert axe is not None
    show = make_show(session, slug="leaders", title="Leaders")
    add_guest(session, make_episode(session, show, episodes_dir, title="Talk"), "Priya Raman")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    with chromium() as browser:
        context = browser.new_context(viewport={"width": WIDTHS[viewport], "height": 900})
        page: Any = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, live_server + "/studio/login", "admin@example.com", "**/studio/")
        for name, (path, marker) in PAGES.items():
            response = page.goto(live_server + path)
            assert response is not None and response.status == 200, name
            page.wait_for_selector(marker)
            screenshot(page, f"truths-{name}", viewport)
            assert serious_violations(page, axe) == [], name
            assert errors == [], f"{name}: {errors}"
            assert page.evaluate(OVERFLOW) <= 0, f"{name}: a new field reaches past the screen"
