"""Deleting guests: the confirmation, the network trash, restoring, purging and 410 pages.
A guest in the trash is credited nowhere public; their episodes stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import feedparser
import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Appearance, Episode, Guest, Show, UserRole
from showapp.services.catalog import guest_trash
from tests.factories import add_guest, make_episode, make_show
from tests.studio_helpers import csrf_token, edit_form, login, make_user

PHOTO = "guests/ada.png"


@pytest.fixture
def show(session: Session, episodes_dir: Path) -> Show:
    show = make_show(session, slug="leaders", title="Leaders")
    first = make_episode(session, show, episodes_dir, title="Pricing secrets")
    second = make_episode(session, show, episodes_dir, title="Hiring well")
    for episode in (first, second):
        ada = add_guest(session, episode, "Ada Lovelace")
    add_guest(session, first, "Grace Hopper")
    (episodes_dir / "guests").mkdir(exist_ok=True)
    (episodes_dir / PHOTO).write_bytes(b"\x89PNG\r\n\x1a\n")
    ada.photo = PHOTO
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    return show


@pytest.fixture
def admin(client: FlaskClient, show: Show) -> FlaskClient:
    login(client, "admin@example.com")
    return client


def _ada(session: Session) -> Guest:
    session.expire_all()
    return session.scalars(select(Guest).where(Guest.slug == "ada-lovelace")).one()


def _delete(client: FlaskClient, slug: str = "ada-lovelace", **form: str) -> int:
    data = {"csrf_token": csrf_token(client, "/studio/guests"), "confirm": "1", **form}
    return client.post(f"/studio/guests/{slug}/delete", data=data).status_code


def _from_trash(client: FlaskClient, guest_id: int, action: str, **form: str) -> int:
    data = {"csrf_token": csrf_token(client, "/studio/trash"), **form}
    return client.post(f"/studio/trash/guests/{guest_id}/{action}", data=data).status_code


def _public_view(client: FlaskClient) -> dict[str, str]:
    raw = client.get("/leaders/feed.xml").data
    feed = feedparser.parse(raw)
    assert not feed.bozo
    return {
        "entries": " | ".join(sorted(e.title for e in feed.entries)),
        "feed": raw.decode(),
        "episode": client.get("/leaders/episodes/pricing-secrets").get_data(as_text=True),
        "show": client.get("/leaders/").get_data(as_text=True),
        "search": client.get("/search?q=lovelace").get_data(as_text=True),
        "sitemap": client.get("/sitemap.xml").get_data(as_text=True),
        "opml": client.get("/feeds.opml").get_data(as_text=True),
    }


def test_the_confirmation_page_says_what_goes_and_what_stays(
    admin: FlaskClient, session: Session
) -> None:
    page = admin.get("/studio/guests/ada-lovelace/delete").get_data(as_text=True)
    assert "Delete the guest Ada Lovelace?" in page
    for expected in ("/guests/ada-lovelace", "(410)", "/guests/ada-lovelace/feed.xml", "(404)",
                     "2 credits on 2", "episodes (2 public now)", "podcast:person", PHOTO,
                     "What stays", "without this credit", "30 days"):  # fmt: skip
        assert expected in page, expected
    assert 'href="/studio/guests/ada-lovelace/delete"' in admin.get(
        "/studio/guests/ada-lovelace"
    ).get_data(as_text=True)
    # A post without `confirm` only asks again.
    token = csrf_token(admin, "/studio/guests")
    asked = admin.post("/studio/guests/ada-lovelace/delete", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Yes, move them to the trash" in asked.get_data(as_text=True)
    assert _ada(session).deleted_at is None


def test_a_deleted_guest_leaves_every_public_place_until_restored(
    admin: FlaskClient, session: Session
) -> None:
    before = _public_view(admin)
    assert before["entries"] == "Hiring well | Pricing secrets"
    assert "Ada Lovelace" in before["feed"] and "podcast:person" in before["feed"]
    for place in ("episode", "sitemap", "opml"):
        assert "ada-lovelace" in before[place], place
    assert "Ada Lovelace" in before["show"]
    assert "2 results" in before["search"] and "Hiring well" in before["search"]
    assert admin.get("/guests/ada-lovelace").status_code == 200
    assert admin.get("/guests/ada-lovelace/feed.xml").status_code == 200
    assert admin.get(f"/media/{PHOTO}").status_code == 200

    assert _delete(admin) == 303
    after = _public_view(admin)
    assert after["entries"] == before["entries"]  # the episodes stay
    assert "Ada Lovelace" not in after["feed"] and "Grace Hopper" in after["feed"]
    for place in ("episode", "show", "search", "sitemap", "opml"):
        assert "ada-lovelace" not in after[place] and "Ada Lovelace" not in after[place], place
    assert "Hiring well" not in after["search"]  # found by the guest's name alone
    assert "Grace Hopper" in after["episode"] and "Pricing secrets" in after["episode"]
    gone = admin.get("/guests/ada-lovelace")
    assert gone.status_code == 410 and "no longer on this site" in gone.get_data(as_text=True)
    assert admin.get("/guests/ada-lovelace/feed.xml").status_code == 404
    assert admin.get(f"/media/{PHOTO}").status_code == 404
    # Gone from the studio's guest list and the editor; waiting in the network trash.
    studio_list = admin.get("/studio/guests").get_data(as_text=True)
    assert "Moved Ada Lovelace to the trash" in studio_list  # the flash, only
    assert studio_list.count("Ada Lovelace") == 1 and "Grace Hopper" in studio_list
    assert admin.get("/studio/guests/ada-lovelace").status_code == 404
    assert "Ada Lovelace" in admin.get("/studio/trash").get_data(as_text=True)

    ada = _ada(session)
    assert _from_trash(admin, ada.id, "restore") == 303
    restored = _public_view(admin)
    assert "Ada Lovelace" in restored["feed"]
    for place in ("episode", "sitemap", "opml"):
        assert "ada-lovelace" in restored[place], place
    assert "2 results" in restored["search"]
    assert admin.get("/guests/ada-lovelace").status_code == 200
    assert admin.get("/guests/ada-lovelace/feed.xml").status_code == 200
    assert admin.get(f"/media/{PHOTO}").status_code == 200
    assert "No guest is in the trash." in admin.get("/studio/trash").get_data(as_text=True)


def _credits(session: Session, guest_id: int) -> int:
    query = select(func.count()).where(Appearance.guest_id == guest_id)
    return session.scalar(query) or 0


def _gone(session: Session, guest_id: int) -> bool:
    session.expire_all()
    rows = session.scalar(select(func.count()).where(Guest.id == guest_id))
    return rows == 0 and _credits(session, guest_id) == 0


def test_the_purge_takes_guests_over_30_days_old_and_their_photo_after_the_commit(
    admin: FlaskClient, session: Session, runner: FlaskCliRunner, episodes_dir: Path
) -> None:
    assert _delete(admin) == 303
    ada = _ada(session)
    ada_id = ada.id
    output = runner.invoke(args=["trash", "purge"]).output
    assert "0 episodes and 0 guests" in output  # still within its 30 days
    assert (episodes_dir / PHOTO).exists()

    ada.deleted_at = utc_now() - timedelta(days=31)
    session.commit()
    result = runner.invoke(args=["trash", "purge"])
    assert result.exit_code == 0 and "0 episodes and 1 guest from" in result.output
    assert "removed 1 file." in result.output
    assert not (episodes_dir / PHOTO).exists()
    assert _gone(session, ada_id)
    assert session.scalar(select(func.count()).select_from(Episode)) == 2  # the episodes stay
    assert "0 guests" in runner.invoke(args=["trash", "purge"]).output  # safe twice
    assert _from_trash(admin, ada_id, "restore") == 404
    assert admin.get("/guests/ada-lovelace").status_code == 404
    assert "Grace Hopper" in admin.get("/leaders/episodes/pricing-secrets").get_data(as_text=True)


def test_delete_forever_asks_then_removes_guest_and_photo(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    assert _delete(admin) == 303
    ada = _ada(session)
    asked = admin.post(
        f"/studio/trash/guests/{ada.id}/purge",
        data={"csrf_token": csrf_token(admin, "/studio/trash")},
    )
    assert asked.status_code == 200 and "cannot be undone" in asked.get_data(as_text=True)
    assert (episodes_dir / PHOTO).exists() and _credits(session, ada.id) == 2
    assert _from_trash(admin, ada.id, "purge", confirm="1") == 303
    assert not (episodes_dir / PHOTO).exists()
    assert _gone(session, ada.id)
    assert "No guest is in the trash." in admin.get("/studio/trash").get_data(as_text=True)


def test_only_admins_may_delete_and_only_with_a_token(
    client: FlaskClient, session: Session, show: Show
) -> None:
    ada = _ada(session)
    grace = session.scalars(select(Guest).where(Guest.slug == "grace-hopper")).one()
    guest_trash.trash_guest(session, grace)
    session.commit()
    paths = ["/studio/guests/ada-lovelace/delete", f"/studio/trash/guests/{grace.id}/restore",
             f"/studio/trash/guests/{grace.id}/purge"]  # fmt: skip
    for path in paths:  # signed out: off to sign in, and nothing happens
        response = client.post(path, data={"confirm": "1"})
        assert response.status_code in {302, 303}, path
        assert "/studio/login" in response.headers["Location"]
    assert "/studio/login" in client.get("/studio/trash").headers["Location"]
    login(client, "host@example.com")
    token = csrf_token(client, "/studio/")
    for path in paths:
        assert client.post(path, data={"csrf_token": token, "confirm": "1"}).status_code == 403
    assert client.get(paths[0]).status_code == 403
    assert client.get("/studio/trash").status_code == 403
    client.post("/studio/logout", data={"csrf_token": token})
    login(client, "admin@example.com")
    for path in paths:  # no CSRF token
        assert client.post(path, data={"confirm": "1"}).status_code == 400, path
    session.expire_all()
    assert _ada(session).deleted_at is None and session.get(Guest, grace.id) is not None
    assert session.get(Guest, grace.id).deleted_at is not None  # type: ignore[union-attr]
    assert client.get("/studio/guests/nobody/delete").status_code == 404
    assert _delete(client, "nobody") == 404
    assert _from_trash(client, ada.id, "restore") == 404  # not in the trash
    assert _from_trash(client, 999999, "purge", confirm="1") == 404


def test_the_editor_refuses_to_credit_a_guest_in_the_trash(
    admin: FlaskClient, session: Session
) -> None:
    assert _delete(admin) == 303
    episode = session.scalars(select(Episode).where(Episode.slug == "hiring-well")).one()
    url = f"/studio/shows/leaders/episodes/{episode.id}"
    credited = {"guests-0-name": "Ada Lovelace", "guests-0-role": "guest"}
    response = admin.post(url, data=edit_form(admin, url, title="Renamed", **credited))
    assert response.status_code == 400
    assert "Ada Lovelace is in the guest trash" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Episode, episode.id).title == "Hiring well"  # type: ignore[union-attr]
    response = admin.post(url, data=edit_form(admin, url, title="Renamed", status="published"))
    assert response.status_code == 303
