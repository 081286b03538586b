"""Guest photos: uploaded on the guest's studio page (JPEG, PNG or WebP, size-capped), cropped
to their centre square, made once in 600/300/96 px, shown on the guest's page and in their
feed; a bad file is refused with a clear message and leaves nothing behind."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import feedparser
import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from showapp.models import Guest, UserRole
from showapp.services import images
from showapp.services.catalog import guest_trash
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, sign_in_new_user

EDIT = "/studio/guests/priya-raman"
GREEN = (20, 160, 60)


@pytest.fixture
def admin(client: FlaskClient, session: Session, episodes_dir: Path) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders")
    add_guest(session, make_episode(session, show, episodes_dir, title="Talk"), "Priya Raman")
    session.commit()
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)


def _picture(kind: str = "JPEG", size: tuple[int, int] = (1200, 600)) -> io.BytesIO:
    """Red, green and blue thirds side by side: the centre square is all green."""
    width, height = size
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste(GREEN, (width // 4, 0, width - width // 4, height))
    image.paste((30, 30, 200), (width - width // 4, 0, width, height))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    buffer.seek(0)
    return buffer


def _upload(client: FlaskClient, body: Any, name: str) -> Any:
    # Encoded in memory: werkzeug would spool a large body to a temporary file nobody closes.
    stream, length, boundary = stream_encode_multipart(
        {"csrf_token": csrf_token(client, EDIT), "photo": FileStorage(body, filename=name)},
        use_tempfile=False,
    )
    return client.post(
        f"{EDIT}/photo",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _guest(session: Session) -> Guest:
    session.rollback()
    session.expire_all()
    return session.scalars(select(Guest).where(Guest.slug == "priya-raman")).one()


def _files(episodes_dir: Path) -> set[str]:
    folder = episodes_dir / "guests"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_photo_is_cropped_to_its_centre_and_made_in_three_sizes(
    admin: FlaskClient, session: Session, episodes_dir: Path, kind: str
) -> None:
    response = _upload(admin, _picture(kind), f"portrait.{kind.lower()}")
    assert response.status_code == 303
    photo = _guest(session).photo
    assert photo is not None and photo.startswith("guests/priya-raman-")
    for size in images.PHOTO_SIZES:
        served = admin.get(f"/media/{images.photo_copy(photo, size)}")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        picture = Image.open(io.BytesIO(served.data)).convert("RGB")
        assert picture.size == (size, size)
        # Only the green centre is left: no red or blue from the sides.
        for x in (1, size // 2, size - 2):
            red, green, blue = picture.getpixel((x, size // 2))  # type: ignore[misc]
            assert green > 120 and red < 90 and blue < 90, (size, x)
    page = admin.get("/guests/priya-raman").get_data(as_text=True)
    assert f'src="/media/{images.photo_copy(photo, 300)}"' in page
    assert f'content="http://podcast.test/media/{photo}"' in page  # og:image
    feed = feedparser.parse(admin.get("/guests/priya-raman/feed.xml").data)
    assert feed.feed.image.href == f"http://podcast.test/media/{photo}"


def test_a_new_photo_replaces_the_old_files(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    _upload(admin, _picture(), "one.jpg")
    first = _guest(session).photo
    _upload(admin, _picture("PNG"), "two.png")
    second = _guest(session).photo
    assert second != first
    assert _files(episodes_dir) == {Path(name).name for name in images.photo_names(second)}
    # Removed: the page has no photo and every size is gone.
    token = csrf_token(admin, EDIT)
    assert admin.post(f"{EDIT}/photo/delete", data={"csrf_token": token}).status_code == 303
    assert _guest(session).photo is None and _files(episodes_dir) == set()
    assert 'class="photo"' not in admin.get("/guests/priya-raman").get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        (io.BytesIO(b"%PDF-1.4 not a picture"), "cv.pdf", "The photo is not a picture"),
        (_picture("GIF"), "anim.gif", "The photo is GIF: upload a JPEG, PNG or WebP."),
        (_picture("PNG", (60, 60)), "tiny.png", "at least 96 on a side"),
        (io.BytesIO(b""), "empty.jpg", "The photo file is empty."),
        (
            io.BytesIO(_picture().getvalue()[:2000]),
            "cut.jpg",
            "The photo file is damaged",
        ),
    ],
)
def test_a_bad_file_is_refused_and_leaves_the_old_photo(
    admin: FlaskClient,
    session: Session,
    episodes_dir: Path,
    body: io.BytesIO,
    name: str,
    message: str,
) -> None:
    _upload(admin, _picture(), "good.jpg")
    before, files = _guest(session).photo, _files(episodes_dir)
    refused = _upload(admin, body, name)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True).replace("&#39;", "'")
    assert _guest(session).photo == before and _files(episodes_dir) == files


def test_a_photo_too_large_to_accept_is_refused(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    too_big = io.BytesIO(b"\xff\xd8\xff" + b"\0" * (images.MAX_BYTES + 10))
    refused = _upload(admin, too_big, "huge.jpg")
    assert refused.status_code == 400
    assert "larger than 10 MB" in refused.get_data(as_text=True)
    assert _guest(session).photo is None and _files(episodes_dir) == set()


def test_a_trashed_guests_photo_copies_are_withheld_too(
    admin: FlaskClient, session: Session
) -> None:
    _upload(admin, _picture(), "good.jpg")
    guest = _guest(session)
    photo = str(guest.photo)
    assert admin.get(f"/media/{images.photo_copy(photo, 96)}").status_code == 200
    guest_trash.trash_guest(session, guest)
    session.commit()
    for name in images.photo_names(photo):
        assert admin.get(f"/media/{name}").status_code == 404
