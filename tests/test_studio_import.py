"""The studio side of moving a show: imports with progress, SSRF screening, export download.

Everything goes through the real app: the studio form, a real background import thread, a
local HTTP server playing the old host, the progress JSON the page polls, and the zip.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from showapp import db
from showapp.models import Episode, ImportJob, Show, UserRole
from showapp.services.importing import ssrf_guard
from tests import test_import
from tests.conftest import fresh_app, serving
from tests.factories import make_mp3, make_show
from tests.studio_helpers import csrf_token, login, make_user
from tests.test_import import Served, _feed_items, _handler

http_server = test_import.http_server  # the old host, a local server
ITEMS = 230  # three batches of the importer, so progress moves more than once


def _feed(base: str, count: int, enclosure: str = "{base}/audio/{n}.mp3") -> bytes:
    items = "".join(
        f"<item><title>Episode {n}</title><guid>old-host-{n}</guid>"
        f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 10:00:00 +0000</pubDate>"
        f"<description>&lt;p&gt;Notes {n}&lt;/p&gt;</description>"
        f'<enclosure url="{enclosure.format(base=base, n=n)}" length="1000" type="audio/mpeg"/>'
        "</item>"
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Old Host Show</title><link>{base}/</link><description>Moved here</description>"
        f"{items}</channel></rss>"
    ).encode()


def _serve_feed(
    http_server: tuple[str, Served], count: int, enclosure: str = "{base}/audio/{n}.mp3"
) -> tuple[str, Served]:
    """The old host serves a feed of `count` episodes at /feed.xml; its URL and its record."""
    base, served = http_server
    served.files["/feed.xml"] = (_feed(base, count, enclosure), "application/rss+xml")
    return base, served


@pytest.fixture
def admin_client(app: Flask, session: Session) -> FlaskClient:
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    client = app.test_client()
    login(client, "admin@example.com")
    return client


def _start_import(client: FlaskClient, **fields: Any) -> Any:
    data = {"csrf_token": csrf_token(client, "/studio/import"), "show": "", **fields}
    values = {
        name: FileStorage(value[0], filename=value[1]) if isinstance(value, tuple) else value
        for name, value in data.items()
    }
    # Encoded in memory: the test client would spool a large body (the archive) to a
    # temporary file that it never closes.
    boundary, body = encode_multipart(values)
    content_type = f"multipart/form-data; boundary={boundary}"
    return client.post("/studio/import", data=body, content_type=content_type)


def _wait_until_finished(client: FlaskClient, job_url: str) -> list[dict[str, Any]]:
    """Poll the progress JSON the page polls; return every distinct state seen."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with client.get(f"{job_url}/progress", headers={"Accept": "application/json"}) as r:
            assert r.status_code == 200
            assert r.headers["Cache-Control"] == "no-store"
            progress = r.get_json()
        if not seen or progress != seen[-1]:
            seen.append(progress)
        if progress["finished"]:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"import did not finish: {seen[-3:]}")


def test_studio_import_of_a_local_feed_shows_progress_and_summary(
    app: Flask, admin_client: FlaskClient, session: Session, http_server: tuple[str, Served]
) -> None:
    base, _ = _serve_feed(http_server, ITEMS)
    app.config["IMPORT_ALLOW_PRIVATE"] = True

    response = _start_import(admin_client, url=f"{base}/feed.xml")
    assert response.status_code == 303
    job_url = response.location
    running = admin_client.get(job_url).get_data(as_text=True)
    assert "<progress" in running or "Done." in running

    seen = _wait_until_finished(admin_client, job_url)
    assert seen[-1]["state"] == "done"
    assert seen[-1]["done"] == seen[-1]["total"] == ITEMS

    page = admin_client.get(job_url).get_data(as_text=True)
    assert f'<dd id="summary-created">{ITEMS}</dd>' in page
    assert '<dd id="summary-updated">0</dd>' in page
    assert "No problems." in page
    show = session.scalars(select(Show).where(Show.title == "Old Host Show")).one()
    guids = set(session.scalars(select(Episode.guid).where(Episode.show_id == show.id)))
    assert guids == {f"old-host-{n}" for n in range(1, ITEMS + 1)}
    assert f"/studio/shows/{show.slug}/episodes" in page

    # The same feed again, into that show: updates, never duplicates.
    _serve_feed(http_server, ITEMS + 2)
    again = _start_import(admin_client, url=f"{base}/feed.xml", show=show.slug).location
    _wait_until_finished(admin_client, again)
    page = admin_client.get(again).get_data(as_text=True)
    assert '<dd id="summary-created">2</dd>' in page
    count = select(func.count()).select_from(Episode).where(Episode.show_id == show.id)
    assert session.scalar(count) == ITEMS + 2


def test_downloads_media_and_reports_a_broken_file_per_episode(
    app: Flask, admin_client: FlaskClient, session: Session, http_server: tuple[str, Served],
    episodes_dir: Path,
) -> None:  # fmt: skip
    base, served = _serve_feed(http_server, 3)
    for n in (1, 3):
        served.files[f"/audio/{n}.mp3"] = (make_mp3(2.0), "audio/mpeg")
    app.config["IMPORT_ALLOW_PRIVATE"] = True

    job_url = _start_import(admin_client, url=f"{base}/feed.xml", download_media="y").location
    assert _wait_until_finished(admin_client, job_url)[-1]["state"] == "done"

    page = admin_client.get(job_url).get_data(as_text=True)
    assert '<dd id="summary-created">3</dd>' in page
    assert "Episode 2: " in page and "HTTP 404" in page  # the problem names the episode
    stored = session.execute(select(Episode.guid, Episode.audio_file).order_by(Episode.guid))
    files = {row.guid: row.audio_file for row in stored}
    assert files["old-host-2"] is None
    assert files["old-host-1"] and (episodes_dir / files["old-host-1"]).is_file()
    assert files["old-host-3"] and (episodes_dir / files["old-host-3"]).is_file()


def test_an_uploaded_feed_file_is_imported(admin_client: FlaskClient, session: Session) -> None:
    feed = (io.BytesIO(_feed("https://old.example", 4)), "saved.xml")
    job_url = _start_import(admin_client, source_file=feed).location
    _wait_until_finished(admin_client, job_url)
    page = admin_client.get(job_url).get_data(as_text=True)
    assert '<dd id="summary-created">4</dd>' in page
    assert "uploaded file saved.xml" in page
    assert session.scalar(select(func.count()).select_from(Episode)) == 4


def test_a_malformed_feed_fails_clearly_and_stores_no_episode(
    admin_client: FlaskClient, session: Session
) -> None:
    broken = b'<?xml version="1.0"?><rss><channel><title>x</title><item><title>a</item>'
    job_url = _start_import(admin_client, source_file=(io.BytesIO(broken), "bad.xml")).location
    seen = _wait_until_finished(admin_client, job_url)
    assert seen[-1]["state"] == "failed"
    page = admin_client.get(job_url).get_data(as_text=True)
    assert "The import stopped:" in page
    assert session.scalar(select(func.count()).select_from(Episode)) == 0


# --- SSRF: the switch is off (the default) in these tests ---------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/feed.xml",
        "http://10.20.30.40/feed.xml",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/feed.xml",  # a host name that resolves to loopback
        "http://[::1]:{port}/feed.xml",
        "http://0.0.0.0:{port}/feed.xml",
        "http://224.0.0.1/feed.xml",
    ],
)
def test_internal_addresses_are_refused_before_anything_is_fetched(
    app: Flask, admin_client: FlaskClient, session: Session, http_server: tuple[str, Served],
    url: str,
) -> None:  # fmt: skip
    base, served = _serve_feed(http_server, 1)
    assert app.config["IMPORT_ALLOW_PRIVATE"] is False
    port = base.rsplit(":", 1)[1]
    response = _start_import(admin_client, url=url.format(port=port))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Refusing to fetch" in page and "inside this server" in page
    assert served.requests == []
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0


@pytest.fixture
def second_loopback_server() -> Iterator[tuple[str, Served]]:
    """A server on 127.0.0.2: stands for a host inside the private network."""
    served = Served()
    with serving(ThreadingHTTPServer(("127.0.0.2", 0), _handler(served))) as base:
        yield base, served


@pytest.fixture
def loopback_one_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    # The test machine has no public address, so 127.0.0.1 plays the old host on the public
    # internet; every other address is judged by the real rule.
    real = ssrf_guard.is_public
    monkeypatch.setattr(ssrf_guard, "is_public", lambda a: str(a) == "127.0.0.1" or real(a))


def test_a_redirect_into_the_private_network_is_refused(
    admin_client: FlaskClient, session: Session, http_server: tuple[str, Served],
    second_loopback_server: tuple[str, Served], loopback_one_is_public: None,
) -> None:  # fmt: skip
    base, served = http_server
    inside, inside_served = second_loopback_server
    inside_served.files["/secret.xml"] = (_feed(inside, 1), "application/rss+xml")
    served.redirects["/feed.xml"] = f"{inside}/secret.xml"

    job_url = _start_import(admin_client, url=f"{base}/feed.xml").location
    seen = _wait_until_finished(admin_client, job_url)
    assert seen[-1]["state"] == "failed"
    page = admin_client.get(job_url).get_data(as_text=True)
    assert "Refusing to fetch http://127.0.0.2" in page
    assert [path for path, _range in served.requests] == ["/feed.xml"]
    assert inside_served.requests == []
    assert session.scalar(select(func.count()).select_from(Episode)) == 0


def test_enclosure_downloads_into_the_private_network_are_refused_per_episode(
    admin_client: FlaskClient, session: Session, http_server: tuple[str, Served],
    second_loopback_server: tuple[str, Served], loopback_one_is_public: None,
) -> None:  # fmt: skip
    inside, inside_served = second_loopback_server
    base, _ = _serve_feed(http_server, 2, enclosure=inside + "/audio/{n}.mp3")
    inside_served.files["/audio/1.mp3"] = (make_mp3(1.0), "audio/mpeg")

    job_url = _start_import(admin_client, url=f"{base}/feed.xml", download_media="y").location
    assert _wait_until_finished(admin_client, job_url)[-1]["state"] == "done"
    page = admin_client.get(job_url).get_data(as_text=True)
    assert page.count("Refusing to fetch http://127.0.0.2") == 2
    assert inside_served.requests == []
    assert session.scalar(select(func.count()).select_from(Episode)) == 2


def test_the_connected_address_is_checked_again(http_server: tuple[str, Served]) -> None:
    # Against DNS rebinding: a name that resolved to a public address when screened and to a
    # private one when connecting is caught at the socket.
    port = int(http_server[0].rsplit(":", 1)[1])
    with ssrf_guard.screening(), pytest.raises(ssrf_guard.UnsafeAddress, match="127.0.0.1"):
        ssrf_guard.create_connection(("127.0.0.1", port), 5)
    ssrf_guard.create_connection(("127.0.0.1", port), 5).close()  # not screening: allowed


def test_the_cli_still_imports_from_local_addresses(
    app: Flask, http_server: tuple[str, Served], session: Session
) -> None:
    base, _ = _serve_feed(http_server, 2)
    result = app.test_cli_runner().invoke(args=["import", f"{base}/feed.xml"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(Episode)) == 2


# --- Access ---------------------------------------------------------------------------------


def test_hosts_import_only_into_their_own_shows(
    app: Flask, session: Session, episodes_dir: Path, tmp_path: Path
) -> None:
    mine = make_show(session, slug="mine")
    make_show(session, slug="theirs")
    make_user(session, "host@example.com", shows=[mine])
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    session.commit()
    host = app.test_client()
    login(host, "host@example.com")
    form = host.get("/studio/import").get_data(as_text=True)
    assert '<option value="mine"' in form
    assert '<option value="theirs"' not in form and '<option value=""' not in form

    def feed() -> tuple[io.BytesIO, str]:
        return io.BytesIO(_feed("https://old.example", 1)), "feed.xml"

    for show in ("theirs", ""):
        assert _start_import(host, show=show, source_file=feed()).status_code == 400
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("manifest.json", "{}")
    archive.seek(0)
    refused = _start_import(host, show="mine", source_file=(archive, "show.zip"))
    assert refused.status_code == 400
    assert "Only an admin can import an export archive" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ImportJob)) == 0

    job_url = _start_import(host, show="mine", source_file=feed()).location
    _wait_until_finished(host, job_url)
    assert session.scalars(select(Show.slug).join(Episode)).all() == ["mine"]

    # Another host cannot see this import; an admin can.
    make_user(session, "other@example.com", shows=[mine])
    session.commit()
    other = app.test_client()
    login(other, "other@example.com")
    assert other.get(job_url).status_code == 404
    assert other.get(f"{job_url}/progress").status_code == 404
    admin = app.test_client()
    login(admin, "admin@example.com")
    assert admin.get(job_url).status_code == 200


def test_signed_out_visitors_cannot_start_an_import(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/studio/import", data={"url": "http://127.0.0.1/feed.xml"})
    assert response.status_code == 303
    assert response.location.startswith("/studio/login")


# --- Export ---------------------------------------------------------------------------------


def test_download_everything_is_a_zip_that_reimports_to_the_same_feed(
    app: Flask, admin_client: FlaskClient, demo: None, tmp_path: Path,
    migrated_database: str, session: Session,
) -> None:  # fmt: skip
    slug = session.scalars(select(Show.slug)).one()
    settings = admin_client.get(f"/studio/shows/{slug}/settings").get_data(as_text=True)
    assert "Download everything" in settings
    before = _feed_items(app, slug)
    guids = set(session.scalars(select(Episode.guid)))
    archive = tmp_path / "download.zip"
    with admin_client.get(f"/studio/shows/{slug}/export") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/zip"
        assert f"{slug}-export.zip" in response.headers["Content-Disposition"]
        with archive.open("wb") as out:
            for chunk in response.response:
                out.write(chunk)
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.testzip() is None
        manifest = json.loads(zipped.read("manifest.json"))
        assert {e["guid"] for e in manifest["episodes"]} == guids
        assert set(manifest["media"]) <= set(zipped.namelist())
        assert manifest["media"]

    # On PostgreSQL the fresh install empties the same database: end our transaction first.
    session.rollback()
    fresh = fresh_app(app, tmp_path, migrated_database)
    try:
        with fresh.app_context(), db.new_session(fresh) as fresh_session:
            make_user(fresh_session, "admin@example.com", role=UserRole.ADMIN)
            fresh_session.commit()
        client = fresh.test_client()
        login(client, "admin@example.com")
        with archive.open("rb") as upload:
            job_url = _start_import(client, source_file=(upload, "show.zip")).location
        assert _wait_until_finished(client, job_url)[-1]["state"] == "done"
        after = _feed_items(fresh, slug)
        assert after[1] == before[1]
        assert after[0] == before[0]
    finally:
        db.get_engine(fresh).dispose()


def test_export_is_refused_to_hosts_of_other_shows(app: Flask, session: Session) -> None:
    make_show(session, slug="mine")
    make_show(session, slug="theirs")
    mine = session.scalars(select(Show).where(Show.slug == "mine")).one()
    make_user(session, "host@example.com", shows=[mine])
    session.commit()
    client = app.test_client()
    login(client, "host@example.com")
    assert client.get("/studio/shows/theirs/export").status_code == 403
    with client.get("/studio/shows/mine/export") as response:
        assert response.status_code == 200
        names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert "manifest.json" in names
