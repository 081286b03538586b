"""Deleting shows (admins only): the confirmation, the network trash, restoring, purging,
410 pages, retired GUIDs and download figures that outlive the show."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.media.recorder import get_recorder
from showapp.models import DailyDownloads, Episode, Show, UserRole
from showapp.services.catalog import show_trash, writes
from showapp.services.importing import importer
from showapp.services.review import links as review_links
from showapp.services.stats import rollups
from showapp.storage import LocalStorage
from tests.factories import APPLE, add_guest, add_topic, make_episode, make_show
from tests.studio_helpers import csrf_token, login, make_user

PAYLOAD = '<script>alert("x")</script>'


@pytest.fixture
def show(session: Session, episodes_dir: Path) -> Show:
    show = make_show(session, slug="leaders", title="Leaders")
    first = make_episode(session, show, episodes_dir, title="Pricing secrets")
    second = make_episode(session, show, episodes_dir, title="Hiring well")
    make_episode(session, show, episodes_dir, title="Unfinished", published_at=None)
    for episode in (first, second):
        add_topic(session, episode, "Pricing")
    add_guest(session, first, "Ada Lovelace")
    other = make_show(session, slug="makers", title="Makers")
    kept = make_episode(session, other, episodes_dir, title="Making things")
    add_topic(session, kept, "Pricing")
    add_guest(session, kept, "Ada Lovelace")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    return show


@pytest.fixture
def admin(client: FlaskClient, show: Show) -> FlaskClient:
    login(client, "admin@example.com")
    return client


def _show(session: Session, show_id: int) -> Show:
    session.expire_all()
    found = session.get(Show, show_id)
    assert found is not None
    return found


def _delete(client: FlaskClient, slug: str = "leaders", **form: str) -> int:
    data = {"csrf_token": csrf_token(client, "/studio/"), "confirm": "1", **form}
    return client.post(f"/studio/shows/{slug}/delete", data=data).status_code


def _from_trash(client: FlaskClient, show_id: int, action: str, **form: str) -> int:
    data = {"csrf_token": csrf_token(client, "/studio/"), **form}
    return client.post(f"/studio/trash/shows/{show_id}/{action}", data=data).status_code


def _files(episodes_dir: Path) -> set[str]:
    return {p.relative_to(episodes_dir).as_posix() for p in episodes_dir.rglob("*") if p.is_file()}


def _audio(session: Session, title: str) -> str:
    episode = session.scalars(select(Episode).where(Episode.title == title)).one()
    assert episode.audio_file is not None
    return episode.audio_file


def _public_view(client: FlaskClient) -> dict[str, str]:
    network = client.get("/feed.xml").data
    assert not feedparser.parse(network).bozo
    return {
        "network": " | ".join(sorted(e.title for e in feedparser.parse(network).entries)),
        "home": client.get("/").get_data(as_text=True),
        "guest": client.get("/guests/ada-lovelace").get_data(as_text=True),
        "guest_feed": client.get("/guests/ada-lovelace/feed.xml").get_data(as_text=True),
        "topic": client.get("/topics/pricing").get_data(as_text=True),
        "search": client.get("/search?q=pricing").get_data(as_text=True),
        "sitemap": client.get("/sitemap.xml").get_data(as_text=True),
        "opml": client.get("/feeds.opml").get_data(as_text=True),
    }


def _locations(sitemap: str) -> list[str]:
    return sorted(re.findall(r"<loc>([^<]+)</loc>", sitemap))


def test_the_confirmation_page_says_what_goes_and_what_stays(
    admin: FlaskClient, session: Session, show: Show
) -> None:
    assert 'href="/studio/shows/leaders/delete"' in admin.get(
        "/studio/shows/leaders/settings"
    ).get_data(as_text=True)
    page = admin.get("/studio/shows/leaders/delete").get_data(as_text=True)
    assert "Delete the show Leaders?" in page
    for expected in ("/leaders/", "(410)", "/leaders/feed.xml", "1 topic feed", "(404)",
                     "its 2 public", "Its 3 episodes", "Its 3 files", "1 host",
                     "network feed", "/feeds.opml", "GUIDs", "0 downloads", "30 days",
                     "What stays"):  # fmt: skip
        assert expected in page, expected
    # A post without `confirm` only asks again.
    asked = admin.post("/studio/shows/leaders/delete", data={"csrf_token": csrf_token(admin)})
    assert asked.status_code == 200 and "Yes, move it to the trash" in asked.get_data(as_text=True)
    assert _show(session, show.id).deleted_at is None


def test_a_deleted_show_leaves_every_public_place_until_restored(
    app: Flask, admin: FlaskClient, session: Session, show: Show
) -> None:
    audio = _audio(session, "Pricing secrets")
    before = _public_view(admin)
    assert before["network"] == "Hiring well | Making things | Pricing secrets"
    for place in ("home", "guest", "guest_feed", "topic", "search", "sitemap", "opml"):
        assert "Pricing secrets" in before[place] or "/leaders/" in before[place], place
    assert admin.get("/leaders/").status_code == 200
    assert admin.get("/leaders/feed.xml").status_code == 200
    assert admin.get("/leaders/topics/pricing/feed.xml").status_code == 200
    with admin.get(f"/media/{audio}") as response:
        assert response.status_code == 200
    recorder = get_recorder(app)
    assert recorder is not None
    recorder.flush()

    assert _delete(admin) == 303
    after = _public_view(admin)
    assert after["network"] == "Making things"
    for place, text in after.items():
        assert "Pricing secrets" not in text and "Hiring well" not in text, place
        assert "/leaders/" not in text, place
    assert "Making things" in after["guest"] and "Making things" in after["topic"]
    assert "1 result" in after["search"] and "1 result" not in before["search"]
    for path in ("/leaders/", "/leaders/episodes/pricing-secrets", "/leaders/episodes/nowhere"):
        gone = admin.get(path)
        assert gone.status_code == 410, path
        assert "taken down" in gone.get_data(as_text=True)
    for path in ("/leaders/feed.xml", "/leaders/topics/pricing/feed.xml"):
        assert admin.get(path).status_code in {404, 410}, path
    assert admin.get(f"/media/{audio}").status_code == 404
    assert recorder.flush() == 0  # the refused request counts nowhere
    # Off the studio for everyone (hosts and admins), waiting in the admins' trash.
    assert "/studio/shows/leaders/" not in admin.get("/studio/").get_data(as_text=True)
    assert admin.get("/studio/shows/leaders/episodes").status_code == 404
    trash_page = admin.get("/studio/trash").get_data(as_text=True)
    assert "Show trash" in trash_page and "Leaders" in trash_page

    assert _from_trash(admin, show.id, "restore") == 303
    restored = _public_view(admin)
    # The show's lastmod in the sitemap moves (the row was written); every address is back.
    assert _locations(restored.pop("sitemap")) == _locations(before.pop("sitemap"))
    assert restored == before
    assert admin.get("/leaders/episodes/pricing-secrets").status_code == 200
    assert admin.get("/leaders/feed.xml").status_code == 200
    assert admin.get(f"/media/{audio}").status_code == 200
    assert admin.get("/leaders/episodes/unfinished").status_code == 404  # still a draft
    assert "No show is in the trash." in admin.get("/studio/trash").get_data(as_text=True)


def test_its_address_is_taken_until_the_purge_frees_it(
    admin: FlaskClient, session: Session, show: Show, episodes_dir: Path
) -> None:
    assert _delete(admin) == 303
    form = {"csrf_token": csrf_token(admin, "/studio/shows/new"), "title": "Leaders again",
            "slug": "leaders", "language": "en", "show_type": "episodic", "category": "Business",
            "subcategory": "Careers",
            "timezone": "UTC"}  # fmt: skip
    refused = admin.post("/studio/shows/new", data=form)
    assert refused.status_code == 400
    assert "in the trash" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Show)) == 2

    assert _from_trash(admin, show.id, "purge", confirm="1") == 303
    created = admin.post("/studio/shows/new", data=form)
    assert created.status_code == 303
    assert admin.get("/leaders/").status_code == 200  # the new show, with no episodes
    assert admin.get("/leaders/episodes/pricing-secrets").status_code == 404


def test_the_purge_keeps_tombstones_guids_and_counted_downloads(
    app: Flask, admin: FlaskClient, session: Session, runner: FlaskCliRunner, show: Show,
    episodes_dir: Path,
) -> None:  # fmt: skip
    audio = _audio(session, "Pricing secrets")
    with app.test_client().get(f"/media/{audio}", headers={"User-Agent": APPLE}) as response:
        assert response.status_code == 200
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 1
    rollups.rollup(session)
    session.commit()
    downloads = select(func.sum(DailyDownloads.downloads))
    assert session.scalar(downloads) == 1
    episodes = session.scalars(select(Episode).where(Episode.show_id == show.id)).all()
    guids = {e.id: e.guid for e in episodes}
    doomed = show_trash.show_files(session, show)
    assert len(doomed) == 3 and all(name in _files(episodes_dir) for name in doomed)
    (episodes_dir / "leaders" / "left-over.part").write_bytes(b"x")

    assert _delete(admin) == 303
    assert "0 shows" in runner.invoke(args=["trash", "purge"]).output  # within its 30 days
    assert set(doomed) <= _files(episodes_dir)
    trashed = _show(session, show.id)
    trashed.deleted_at = utc_now() - timedelta(days=31)
    session.commit()
    # A purge whose transaction fails removes no file and leaves the rows as they were.
    with Session(session.get_bind()) as failing:
        _count, files = show_trash.purge_due(failing, LocalStorage(episodes_dir))
        assert set(doomed) | {"leaders/left-over.part"} == set(files)
        failing.rollback()
    assert set(doomed) <= _files(episodes_dir)

    result = runner.invoke(args=["trash", "purge"])
    assert result.exit_code == 0, result.output
    assert "0 episodes, 0 guests and 1 show from" in result.output
    assert "removed 4 files" in result.output
    assert not any(name.startswith("leaders/") for name in _files(episodes_dir))
    assert any(name.startswith("makers/") for name in _files(episodes_dir))
    tombstone = _show(session, show.id)
    assert tombstone.purged_at is not None and tombstone.slug != "leaders"
    assert tombstone.description == "" and tombstone.artwork is None
    kept = session.scalars(select(Episode).where(Episode.show_id == show.id)).all()
    assert {e.id: e.guid for e in kept} == guids  # every GUID stays retired
    assert all(e.purged_at is not None and e.audio_file is None for e in kept)
    # The downloads counted stay in the network's totals (the rollup rows stay, on the
    # episodes' tombstones), even after a day is rebuilt.
    rollups.rebuild_day(session, datetime.now(UTC).date())
    session.commit()
    assert session.scalar(downloads) == 1
    assert "0 shows" in runner.invoke(args=["trash", "purge"]).output  # safe twice
    assert _from_trash(admin, show.id, "restore") == 404  # a purged show stays purged
    assert "No show is in the trash." in admin.get("/studio/trash").get_data(as_text=True)
    fresh = writes.create_episode(session, make_show(session), title="A new one")
    assert fresh.guid not in guids.values()


def test_delete_forever_asks_then_removes_rows_and_files(
    admin: FlaskClient, session: Session, show: Show, episodes_dir: Path
) -> None:
    doomed = show_trash.show_files(session, show)
    assert _delete(admin) == 303
    asked = admin.post(
        f"/studio/trash/shows/{show.id}/purge", data={"csrf_token": csrf_token(admin)}
    )
    assert asked.status_code == 200
    assert "cannot be undone" in asked.get_data(as_text=True)
    assert set(doomed) <= _files(episodes_dir)
    assert _from_trash(admin, show.id, "purge", confirm="1") == 303
    assert not set(doomed) & _files(episodes_dir)
    assert _show(session, show.id).purged_at is not None
    assert admin.get("/leaders/").status_code == 404  # the address is free again


def test_only_admins_may_delete_and_only_with_a_token(
    client: FlaskClient, session: Session, show: Show
) -> None:
    makers = session.scalars(select(Show).where(Show.slug == "makers")).one()
    show_trash.trash_show(session, makers)
    session.commit()
    paths = ["/studio/shows/leaders/delete", f"/studio/trash/shows/{makers.id}/restore",
             f"/studio/trash/shows/{makers.id}/purge"]  # fmt: skip
    for path in paths:  # signed out: off to sign in, and nothing happens
        response = client.post(path, data={"confirm": "1"})
        assert response.status_code in {302, 303}, path
        assert "/studio/login" in response.headers["Location"]
    login(client, "host@example.com")  # a host of this very show
    token = csrf_token(client, "/studio/")
    for path in paths:
        assert client.post(path, data={"csrf_token": token, "confirm": "1"}).status_code == 403
    assert client.get(paths[0]).status_code == 403
    client.post("/studio/logout", data={"csrf_token": token})
    make_user(session, "other@example.com", shows=[makers])  # a host of another show
    session.commit()
    login(client, "other@example.com")
    token = csrf_token(client, "/studio/")
    for path in paths:
        assert client.post(path, data={"csrf_token": token, "confirm": "1"}).status_code == 403
    client.post("/studio/logout", data={"csrf_token": token})
    login(client, "admin@example.com")
    for path in paths[1:]:  # restoring and purging are posts only
        assert client.get(path).status_code == 405, path
    for path in paths:  # no CSRF token
        assert client.post(path, data={"confirm": "1"}).status_code == 400, path
    assert _show(session, show.id).deleted_at is None
    assert _show(session, makers.id).deleted_at is not None
    assert _show(session, makers.id).purged_at is None
    assert client.get("/studio/shows/nowhere/delete").status_code == 404
    assert _delete(client, "nowhere") == 404
    assert _delete(client, "makers") == 404  # already in the trash
    assert _from_trash(client, show.id, "restore") == 404  # not in the trash
    assert _from_trash(client, 999999, "purge", confirm="1") == 404


def test_a_title_with_markup_shows_as_text_on_every_new_page(
    admin: FlaskClient, session: Session, show: Show
) -> None:
    _show(session, show.id).title = PAYLOAD
    session.commit()
    pages = [admin.get("/studio/shows/leaders/delete").get_data(as_text=True)]
    assert _delete(admin) == 303
    pages.append(admin.get("/studio/trash").get_data(as_text=True))
    asked = admin.post(
        f"/studio/trash/shows/{show.id}/purge", data={"csrf_token": csrf_token(admin)}
    )
    pages.append(asked.get_data(as_text=True))
    for page in pages:
        assert PAYLOAD not in page and "&lt;script&gt;" in page


def test_imports_and_review_links_leave_a_trashed_show_alone(
    app: Flask, client: FlaskClient, session: Session, show: Show, tmp_path: Path
) -> None:
    draft = session.scalars(select(Episode).where(Episode.title == "Unfinished")).one()
    guest = add_guest(session, draft, "Grace Hopper")
    session.flush()
    link = review_links.create_link(session, draft, guest.id, days=7, message="")
    session.commit()
    path = f"/review/{review_links.token_for(link, str(app.config['SECRET_KEY']))}"
    assert client.get(path).status_code == 200
    show_trash.trash_show(session, show)
    session.commit()
    for url in (path, f"{path}/audio"):
        assert client.get(url).status_code == 410, url
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Leaders</title>'
        "<item><title>New</title><guid>new-1</guid></item></channel></rss>"
    )
    with pytest.raises(Exception, match="in the trash"):
        importer.import_feed_file(
            session, feed, feed_url=None, site_base_url="http://podcast.test", show_slug="leaders"
        )
    session.rollback()
    assert session.scalar(select(func.count()).where(Episode.guid == "new-1")) == 0
    show_trash.restore_show(session, _show(session, show.id))
    session.commit()
    assert client.get(f"{path}/audio").status_code == 200


def test_with_every_show_in_the_trash_nothing_of_them_shows_and_the_demo_stays_out(
    client: FlaskClient, session: Session, runner: FlaskCliRunner, show: Show
) -> None:
    for trashed in session.scalars(select(Show)).all():
        show_trash.trash_show(session, trashed)
    session.commit()
    for path in ("/feed.xml", "/", "/feeds.opml", "/sitemap.xml", "/topics/pricing"):
        response = client.get(path)
        text = response.get_data(as_text=True)
        assert "Leaders" not in text and "Makers" not in text, path
        assert "/leaders/" not in text and "/makers/" not in text, path
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "demo not seeded" in result.output
    assert session.scalar(select(func.count()).select_from(Show)) == 2
