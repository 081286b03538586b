"""Guest and topic pages carry og:image for link previews: the guest's photo, else the artwork
of a show they (or the topic's episodes) are on, else the network's logo; and it loads."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from showapp.services import images, network
from showapp.services.catalog import artwork
from showapp.storage import LocalStorage
from tests.conftest import BASE_URL
from tests.factories import add_guest, add_topic, make_episode, make_show


def _og_image(client: FlaskClient, path: str) -> str | None:
    response = client.get(path)
    assert response.status_code == 200, path
    found = re.search(r'<meta property="og:image" content="([^"]+)">', response.text)
    return found.group(1) if found else None


def _loads(client: FlaskClient, url: str) -> None:
    assert url.startswith(BASE_URL)
    answer = client.get(url.removeprefix(BASE_URL))
    assert answer.status_code == 200 and answer.mimetype.startswith("image/")


def test_guest_and_topic_pages_fall_back_to_the_shows_artwork(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    show.artwork = artwork.write_demo_artwork(LocalStorage(episodes_dir), "leaders", "Leaders")
    episode = make_episode(session, show, episodes_dir, title="Talk")
    add_guest(session, episode, "Ana Lima")
    add_topic(session, episode, "Sponsorship")
    session.commit()
    expected = f"{BASE_URL}/media/{show.artwork}"
    for path in ("/guests/ana-lima", "/topics/sponsorship"):
        assert _og_image(client, path) == expected
    _loads(client, expected)


def test_imported_artwork_and_then_the_network_logo(
    client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    imported = make_show(session, slug="old", title="Old")
    imported.artwork_url = "https://cdn.example/a.jpg"
    bare = make_show(session, slug="bare", title="Bare")
    add_guest(session, make_episode(session, imported, episodes_dir, title="A"), "Ana Lima")
    bare_episode = make_episode(session, bare, episodes_dir, title="B")
    add_guest(session, bare_episode, "Bo Lee")
    add_topic(session, bare_episode, "Money")
    session.commit()
    assert _og_image(client, "/guests/ana-lima") == "https://cdn.example/a.jpg"
    # No artwork anywhere, no logo: no og:image rather than a broken one.
    assert _og_image(client, "/guests/bo-lee") is None
    buffer = io.BytesIO()
    Image.new("RGB", (400, 200), (10, 80, 60)).save(buffer, "PNG")
    buffer.seek(0)
    row = network.settings_row(session)
    row.logo = images.store_logo(LocalStorage(episodes_dir), buffer)
    session.commit()
    logo = f"{BASE_URL}/media/{row.logo}"
    assert _og_image(client, "/guests/bo-lee") == logo
    assert _og_image(client, "/topics/money") == logo
    _loads(client, logo)
