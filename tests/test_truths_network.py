"""The network's name, logo and colour, edited by admins in the studio: pages, page titles and
the guest and network feeds use them at once; the configured SHOWAPP_SITE_TITLE stays the
default; bad input changes nothing."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.models import UserRole
from showapp.services import network, per_revision
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, sign_in_new_user

NETWORK = "/studio/network"


@pytest.fixture
def admin(client: FlaskClient, session: Session, episodes_dir: Path) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    episode = make_episode(session, show, episodes_dir, title="Finding a sponsor")
    add_guest(session, episode, "Priya Raman")
    session.commit()
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)


def _png(size: tuple[int, int]) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (20, 90, 80, 200)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def _post(client: FlaskClient, **fields: Any) -> Any:
    form = {"csrf_token": csrf_token(client, NETWORK), "name": "", "color": "", **fields}
    return client.post(NETWORK, data=form, content_type="multipart/form-data")


def _feed_title(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return str(feedparser.parse(response.data).feed.title)


def test_the_network_name_logo_and_colour_show_everywhere(
    app: Flask, admin: FlaskClient, episodes_dir: Path
) -> None:
    default = app.config["SITE_TITLE"]
    # Before: the configured name, in pages and feeds (cached now, so the change must show).
    assert _feed_title(admin, "/guests/priya-raman/feed.xml") == f"Priya Raman on {default}"
    assert _feed_title(admin, "/feed.xml") == default
    assert f"<title>{default}</title>" in admin.get("/").get_data(as_text=True)

    saved = _post(admin, name="Northwind Audio", color="#1A6B5C", logo=(_png((900, 300)), "l.png"))
    assert saved.status_code == 303
    assert _feed_title(admin, "/guests/priya-raman/feed.xml") == "Priya Raman on Northwind Audio"
    assert _feed_title(admin, "/feed.xml") == "Northwind Audio"
    home = admin.get("/").get_data(as_text=True)
    assert "<title>Northwind Audio</title>" in home and ">Northwind Audio</a>" in home
    assert "Northwind Audio studio" in admin.get("/studio/").get_data(as_text=True)
    page = admin.get(NETWORK).get_data(as_text=True)
    assert 'value="#1a6b5c"' in page
    logo_src = page.split('class="network-logo" src="')[1].split('"')[0]
    logo = admin.get(logo_src)
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert Image.open(io.BytesIO(logo.data)).size == (600, 200)  # fitted, shape kept
    assert f'<img class="brand-logo" src="{logo_src}"' in admin.get("/").get_data(as_text=True)

    # A new logo replaces the old file; removing it removes the file.
    _post(admin, name="Northwind Audio", logo=(_png((300, 300)), "square.png"))
    assert len(list((episodes_dir / "network").iterdir())) == 1
    _post(admin, name="Northwind Audio", remove_logo="y")
    assert list((episodes_dir / "network").iterdir()) == []
    # An empty name is the configured one again.
    _post(admin, name="")
    assert _feed_title(admin, "/feed.xml") == default


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"color": "green"}, "The network's colour must be a colour written #rrggbb"),
        ({"logo": (io.BytesIO(b"not an image at all"), "logo.png")}, "is not a picture"),
        ({"logo": (_png((40, 40)), "tiny.png")}, "at least 96 on a side"),
    ],
)
def test_bad_network_settings_change_nothing(
    admin: FlaskClient, episodes_dir: Path, fields: dict[str, Any], message: str
) -> None:
    assert _post(admin, name="Before").status_code == 303
    refused = _post(admin, name="After", **fields)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True).replace("&#39;", "'")
    assert "<title>Before</title>" in admin.get("/").get_data(as_text=True)
    assert not (episodes_dir / "network").exists() or not any((episodes_dir / "network").iterdir())


def test_only_admins_edit_the_network(client: FlaskClient, session: Session) -> None:
    show = make_show(session, slug="leaders", title="Leaders")
    sign_in_new_user(client, session, "host@example.com", shows=[show])
    assert client.get(NETWORK).status_code == 403
    assert "/studio/network" not in client.get("/studio/").get_data(as_text=True)


def test_another_process_renaming_the_network_shows_within_a_second(
    app: Flask, app_config: dict[str, Any], session: Session
) -> None:
    """Each process keeps the network's settings (every page names the network) and looks at
    the site revision at most once a second: another process's rename is seen within that."""
    make_show(session, slug="leaders", title="Leaders")
    session.commit()
    other = create_app(app_config)  # a second worker on the same database
    try:
        listener = app.test_client()
        assert "<title>Search" in listener.get("/search").get_data(as_text=True)
        default = app.config["SITE_TITLE"]
        assert f"· {default}</title>" in listener.get("/search").get_data(as_text=True)
        with db.new_session(other) as writer:
            network.update(writer, "Mentors Network", "")
            writer.commit()
        time.sleep(per_revision.REVISION_TTL + 0.1)
        page = listener.get("/search").get_data(as_text=True)
        assert "· Mentors Network</title>" in page
        assert ">Mentors Network</a>" in page  # the header's brand link
    finally:
        db.get_engine(other).dispose()
