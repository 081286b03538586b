"""The demo show's settings page shows its artwork: the demo writes the smaller copies pages
link to, as an upload does (the thumbnail used to be a 404, `cover-…-300.jpg`)."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from showapp.models import UserRole
from showapp.services.demo.content import SHOW
from tests.studio_helpers import sign_in_new_user


def test_every_image_on_the_demo_shows_settings_page_loads(
    client: FlaskClient, session: Session, demo: None
) -> None:
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    page = client.get(f"/studio/shows/{SHOW['slug']}/settings").get_data(as_text=True)
    sources = re.findall(r'<img[^>]* src="([^"]+)"', page)
    assert any(src.endswith("-300.jpg") for src in sources), sources
    for src in sources:
        answer = client.get(src)
        assert answer.status_code == 200, src
        assert answer.mimetype.startswith("image/")
        if src.endswith("-300.jpg"):
            assert Image.open(io.BytesIO(answer.data)).size == (300, 300)
    show_page = client.get(f"/{SHOW['slug']}/").get_data(as_text=True)
    for src in re.findall(r'<img[^>]* src="([^"]+)"', show_page):
        assert client.get(src).status_code == 200, src
