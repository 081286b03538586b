"""Show settings and artwork in the studio."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from showapp.models import Show, UserRole
from showapp.services.catalog import lookups
from tests.factories import make_show
from tests.studio_helpers import csrf_token, sign_in_new_user


def _image(size: tuple[int, int], kind: str = "PNG", mode: str = "RGB") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new(mode, size, "white" if mode != "CMYK" else (0, 0, 0, 0)).save(buffer, kind)
    buffer.seek(0)
    return buffer


@pytest.fixture
def host_client(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    return sign_in_new_user(client, session, "host@example.com", shows=[show])


def test_admin_creates_a_show_with_every_feed_field(client: FlaskClient, session: Session) -> None:
    sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)
    form = {
        "csrf_token": csrf_token(client, "/studio/shows/new"),
        "title": "Career Talks",
        "slug": "career-talks",
        "language": "de",
        "category": "Business",
        "subcategory": "Careers",
        "owner_name": "Ada",
        "owner_email": "ada@example.com",
        "explicit": "y",
        "show_type": "serial",
        "website": "https://example.com",
        "copyright": "© Ada",
        "funding_url": "https://example.com/support",
        "funding_text": "Support us",
        "timezone": "Europe/Berlin",
    }
    response = client.post("/studio/shows/new", data=form)
    assert response.status_code == 303
    show = lookups.get_show(session, "career-talks")
    assert show is not None
    assert (show.language, show.category, show.subcategory) == ("de", "Business", "Careers")
    assert show.explicit and show.show_type.value == "serial"
    assert show.timezone == "Europe/Berlin" and show.funding_text == "Support us"


def test_show_settings_refuse_a_subcategory_of_another_category_and_bad_zone(
    host_client: FlaskClient, session: Session
) -> None:
    token = csrf_token(host_client, "/studio/shows/leaders/settings")
    base = {"csrf_token": token, "title": "Leaders", "language": "en", "show_type": "episodic"}
    wrong_sub = {**base, "category": "Arts", "subcategory": "Careers", "timezone": "UTC"}
    response = host_client.post("/studio/shows/leaders/settings", data=wrong_sub)
    assert response.status_code == 400
    assert "not a subcategory of Arts" in response.get_data(as_text=True)
    bad_zone = {**base, "category": "Arts", "subcategory": "", "timezone": "Mars/Olympus"}
    response = host_client.post("/studio/shows/leaders/settings", data=bad_zone)
    assert response.status_code == 400
    assert "is not a time zone" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Show, 1) is not None
    assert lookups.get_show(session, "leaders").category == "Business"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (lambda: _image((1200, 1200)), "artwork is 1200x1200; Apple needs at least 1400x1400"),
        (lambda: _image((1400, 1500)), "artwork is 1400x1500; Apple needs a square image"),
        (lambda: _image((3200, 3200)), "Apple accepts at most 3000x3000"),
        (lambda: _image((1400, 1400), "GIF", "P"), "artwork is GIF; Apple needs JPEG or PNG"),
        (lambda: _image((1400, 1400), "PNG", "RGBA"), "RGBA colour mode; Apple needs RGB"),
        (lambda: _image((1400, 1400), "JPEG", "CMYK"), "CMYK colour mode; Apple needs RGB"),
        (lambda: io.BytesIO(b"not an image at all"), "not an image (JPEG or PNG expected)"),
    ],
)
def test_bad_artwork_is_refused_with_what_is_wrong(
    host_client: FlaskClient, session: Session, episodes_dir: Path, image: object, message: str
) -> None:
    before = sorted(episodes_dir.rglob("*"))
    token = csrf_token(host_client, "/studio/shows/leaders/settings")
    response = host_client.post(
        "/studio/shows/leaders/artwork",
        data={"csrf_token": token, "artwork": (image(), "cover.png")},  # type: ignore[operator]
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert sorted(episodes_dir.rglob("*")) == before
    assert lookups.get_show(session, "leaders").artwork is None  # type: ignore[union-attr]


def test_good_artwork_is_stored_with_smaller_copies_made_once(
    host_client: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    token = csrf_token(host_client, "/studio/shows/leaders/settings")
    response = host_client.post(
        "/studio/shows/leaders/artwork",
        data={"csrf_token": token, "artwork": (_image((1500, 1500), "JPEG"), "c.jpg")},
    )
    assert response.status_code == 303
    show = lookups.get_show(session, "leaders")
    assert show is not None and show.artwork and show.artwork.endswith(".jpg")
    stored = episodes_dir / show.artwork
    with Image.open(stored) as full:
        assert full.size == (1500, 1500)
    for size in (600, 300):
        with Image.open(stored.with_name(f"{stored.stem}-{size}.jpg")) as copy:
            assert copy.size == (size, size)
    page = host_client.get("/studio/shows/leaders/settings").get_data(as_text=True)
    served = host_client.get(f"/media/{show.artwork.removesuffix('.jpg')}-300.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()
    assert "-300.jpg" in page
