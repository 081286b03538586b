"""Uploading, editing and publishing episodes in the studio, and losing nothing on bad input."""

from __future__ import annotations

import hashlib
import http.client
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from showapp.columns import utc_now
from showapp.models import Episode, EpisodeStatus
from showapp.services.catalog import editing, lookups
from showapp.services.review import links as review_links
from tests.factories import add_guest, add_topic, make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, edit_form, lapse_sign_in, live_login, login, make_user

UPLOAD = "/studio/shows/leaders/episodes/upload"


@pytest.fixture
def host(client: FlaskClient, session: Session) -> FlaskClient:
    show = make_show(session, slug="leaders", title="Leaders", timezone="America/New_York")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    login(client, "host@example.com")
    return client


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _count(session: Session) -> int:
    return session.scalar(select(func.count(Episode.id))) or 0


def _upload(client: FlaskClient, body: bytes, name: str, **headers: str) -> Any:
    token = csrf_token(client, "/studio/shows/leaders/episodes")
    # Encoded in memory: werkzeug would spool a large body to a temporary file that nobody
    # closes when the server answers without reading it (413).
    stream, length, boundary = stream_encode_multipart(
        {"csrf_token": token, "audio": FileStorage(io.BytesIO(body), filename=name)},
        use_tempfile=False,
    )
    return client.post(
        UPLOAD,
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


def test_upload_stores_the_file_once_with_its_facts(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    audio = make_mp3(4.0, seed=3)
    response = _upload(host, audio, "Interview_with_Rosa.mp3")
    assert response.status_code == 303 and "/studio/shows/leaders/episodes/" in response.location
    episode = session.scalars(select(Episode)).one()
    assert episode.title == "Interview with Rosa" and episode.status == EpisodeStatus.DRAFT
    assert episode.audio_sha256 == hashlib.sha256(audio).hexdigest()
    assert episode.audio_bytes == len(audio) and episode.audio_mime == "audio/mpeg"
    assert episode.duration_seconds == pytest.approx(4.0, abs=0.5)
    assert episode.sample_rate == 22050 and episode.channels == 1 and episode.bitrate
    assert episode.number == 1
    assert (episodes_dir / str(episode.audio_file)).read_bytes() == audio
    assert [p.name for p in (episodes_dir / "leaders").iterdir()] == [
        Path(str(episode.audio_file)).name
    ]


def test_upload_by_script_gets_json_with_the_editor_address(
    host: FlaskClient, session: Session
) -> None:
    response = _upload(host, make_mp3(2.0), "a.mp3", Accept="application/json")
    assert response.status_code == 201
    episode = session.scalars(select(Episode)).one()
    assert response.get_json()["edit_url"].endswith(f"/episodes/{episode.id}")


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        (b"<html>not audio</html>" * 100, "fake.mp3", "not"),
        (make_mp3(3.0)[:-700], "cut.mp3", "damaged"),
        (b"RIFF....WAVEfmt " + b"\0" * 2000, "take1.wav", "Spotify both take MP3 and M4A"),
        (b"", "empty.mp3", "empty"),
    ],
)
def test_bad_audio_is_refused_and_leaves_nothing(
    host: FlaskClient,
    session: Session,
    episodes_dir: Path,
    body: bytes,
    name: str,
    message: str,
) -> None:
    before = _files(episodes_dir)
    response = _upload(host, body, name, Accept="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert _files(episodes_dir) == before and _count(session) == 0


def test_bad_audio_without_javascript_shows_the_message(
    host: FlaskClient, session: Session
) -> None:
    response = _upload(host, make_mp3(3.0)[:-700], "cut.mp3")
    assert response.status_code == 400
    assert response.location is None  # the page itself: a browser shows a 400's body
    assert "damaged" in response.get_data(as_text=True)


def test_an_upload_over_the_limit_is_413_with_the_limit_and_leaves_nothing(
    app: Flask, host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 3 * 1024 * 1024
    before = _files(episodes_dir)
    response = _upload(host, make_mp3(1.0) * 1000, "long.mp3", Accept="application/json")
    assert response.status_code == 413
    assert "(3 MB)" in response.get_json()["error"]
    assert _files(episodes_dir) == before and _count(session) == 0


def test_a_chunked_upload_over_the_limit_is_cut_off_and_its_part_file_removed(
    app: Flask, session: Session, episodes_dir: Path, live_server: str
) -> None:
    """No Content-Length: werkzeug stops reading at the limit, mid-file, and the partly
    written .part file in the show's folder must go."""
    show = make_show(session, slug="leaders")
    make_user(session, "host@example.com", shows=[show])
    session.commit()
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    cookie, token = live_login(live_server, "host@example.com")
    boundary = "XyZbOuNdArY"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="big.mp3"\r\n'
        "Content-Type: audio/mpeg\r\n\r\n"
    ).encode()
    chunk = make_mp3(2.0)
    connection = http.client.HTTPConnection(urlsplit(live_server).netloc, timeout=30)
    connection.putrequest("POST", UPLOAD)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.putheader("Cookie", cookie)
    connection.putheader("Accept", "application/json")
    connection.endheaders()
    try:
        connection.send(_chunk(head))
        for _ in range(4 * 1024 * 1024 // len(chunk)):
            connection.send(_chunk(chunk))
        connection.send(_chunk(f"\r\n--{boundary}--\r\n".encode()) + b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may stop reading once it has refused the upload
    response = connection.getresponse()
    assert response.status == 413
    response.read()
    connection.close()
    assert [p for p in episodes_dir.rglob("*") if p.is_file()] == []
    assert _count(session) == 0


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


@pytest.fixture
def episode(session: Session, host: FlaskClient, episodes_dir: Path) -> Episode:
    show = lookups.get_show(session, "leaders")
    assert show is not None
    found = make_episode(session, show, episodes_dir, title="First cut", published_at=None)
    session.commit()
    return found


def _url(episode: Episode) -> str:
    return f"/studio/shows/leaders/episodes/{episode.id}"


def test_editor_saves_notes_guests_topics_and_publishes(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    form = edit_form(
        host,
        _url(episode),
        title="Sponsors open doors",
        summary="Why sponsors matter.",
        notes_md="We talk **sponsorship**.",
        season="2",
        number="7",
        explicit="y",
        status="published",
        topics="Sponsorship, Career growth, Sponsorship",
        **{
            "guests-0-name": "Rosa Diaz",
            "guests-0-role": "guest",
            "guests-0-organisation": "Initech",
            "guests-0-job_title": "VP Engineering",
        },
    )
    response = host.post(_url(episode), data=form)
    assert response.status_code == 303
    saved = editing.get_show_episode(session, lookups.get_show(session, "leaders"), episode.id)  # type: ignore[arg-type]
    assert saved is not None and saved.status == EpisodeStatus.PUBLISHED
    assert saved.published_at is not None and (saved.season, saved.number) == (2, 7)
    assert [t.name for t in saved.topics] == ["Career growth", "Sponsorship"]
    assert [(a.guest.name, a.organisation, a.job_title) for a in saved.appearances] == [
        ("Rosa Diaz", "Initech", "VP Engineering")
    ]
    page = host.get(f"/leaders/episodes/{saved.slug}").get_data(as_text=True)
    assert "<strong>sponsorship</strong>" in page and "VP Engineering at Initech" in page
    assert "Sponsors open doors" in host.get("/leaders/feed.xml").get_data(as_text=True)


def test_scheduled_time_is_entered_in_the_shows_time_zone(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    form = edit_form(host, _url(episode), status="scheduled", publish_at="2030-01-15T09:00")
    assert host.post(_url(episode), data=form).status_code == 303
    session.expire_all()
    saved = session.get(Episode, episode.id)
    assert saved is not None and saved.status == EpisodeStatus.SCHEDULED
    assert saved.published_at == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)  # New York is UTC-5
    assert "First cut" not in host.get("/leaders/feed.xml").get_data(as_text=True)
    assert "2030-01-15 09:00 (America/New_York)" in host.get(_url(episode)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"title": ""}, 400, "The title is required."),
        ({"slug": "Not A Slug"}, 400, "is not a valid address"),
        ({"status": "scheduled", "publish_at": "2001-01-01T09:00"}, 400, "in the future"),
    ],
)
def test_bad_editor_input_is_refused_and_nothing_changes(
    host: FlaskClient,
    session: Session,
    episode: Episode,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    response = host.post(_url(episode), data=edit_form(host, _url(episode), **fields))
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    session.expire_all()
    saved = session.get(Episode, episode.id)
    assert saved is not None and saved.title == "First cut" and saved.version == 1


def test_a_duplicate_slug_is_refused(
    host: FlaskClient, session: Session, episode: Episode, episodes_dir: Path
) -> None:
    show = lookups.get_show(session, "leaders")
    make_episode(session, show, episodes_dir, title="Taken", slug="taken")  # type: ignore[arg-type]
    session.commit()
    response = host.post(_url(episode), data=edit_form(host, _url(episode), slug="taken"))
    assert response.status_code == 400
    assert "already uses the address &#39;taken&#39;" in response.get_data(as_text=True)


def test_slug_is_fixed_once_published(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    host.post(_url(episode), data=edit_form(host, _url(episode), status="published"))
    response = host.post(_url(episode), data=edit_form(host, _url(episode), slug="new-address"))
    assert response.status_code == 400
    assert "cannot change once the episode is published" in response.get_data(as_text=True)


def test_a_stale_save_is_refused_with_both_versions_shown(
    app: Flask, host: FlaskClient, session: Session, episode: Episode
) -> None:
    other = app.test_client()
    login(other, "host@example.com")
    mine = edit_form(host, _url(episode), title="Mine", notes_md="my notes")
    theirs = edit_form(other, _url(episode), title="Theirs", notes_md="their notes")
    assert other.post(_url(episode), data=theirs).status_code == 303
    response = host.post(_url(episode), data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this episode" in page
    assert "their notes" in page and "my notes" in page  # the stored version and mine
    session.expire_all()
    assert session.get(Episode, episode.id).title == "Theirs"  # type: ignore[union-attr]
    # The refused form carries the stored version now, so saving it again is a choice.
    again = {**mine, "version": page.split('name="version" type="hidden" value="')[1][:1]}
    assert host.post(_url(episode), data=again).status_code == 303
    session.expire_all()
    assert session.get(Episode, episode.id).title == "Mine"  # type: ignore[union-attr]


def test_what_was_typed_survives_an_expired_session(
    host: FlaskClient, session: Session, episode: Episode
) -> None:
    form = edit_form(host, _url(episode), title="Typed before expiry", notes_md="long notes")
    lapse_sign_in(host)  # the sign-in lapsed while the host was typing
    # The editor's form is multipart (it can carry artwork), as a browser sends it.
    response = host.post(_url(episode), data=form, content_type="multipart/form-data")
    assert response.status_code == 303 and response.location.startswith("/studio/login")
    session.expire_all()
    assert session.get(Episode, episode.id).title == "First cut"  # type: ignore[union-attr]
    signed_in = login(host, "host@example.com", page=response.location)
    assert signed_in.status_code == 303 and "restore=" in signed_in.location
    page = host.get(signed_in.location).get_data(as_text=True)
    assert "what you typed is restored" in page
    assert 'value="Typed before expiry"' in page and "long notes" in page
    restored = edit_form(host, _url(episode), title="Typed before expiry", notes_md="long notes")
    assert host.post(_url(episode), data=restored).status_code == 303
    session.expire_all()
    assert session.get(Episode, episode.id).title == "Typed before expiry"  # type: ignore[union-attr]


def test_notes_preview_is_rendered_and_sanitised_by_the_server(
    host: FlaskClient, episode: Episode
) -> None:
    token = csrf_token(host, _url(episode))
    notes = "Hello **there** <script>alert(1)</script>"
    as_json = host.post(
        _url(episode) + "/preview",
        data={"csrf_token": token, "notes_md": notes},
        headers={"Accept": "application/json"},
    ).get_json()
    assert "<strong>there</strong>" in as_json["html"] and "<script>" not in as_json["html"]
    form = edit_form(host, _url(episode), notes_md=notes, preview="1")
    no_js = host.post(_url(episode), data=form)
    assert no_js.status_code == 200
    assert "<strong>there</strong>" in no_js.get_data(as_text=True)


def test_episode_list_filters_by_status_and_topic_and_searches(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = lookups.get_show(session, "leaders")
    assert show is not None

    live = make_episode(session, show, episodes_dir, title="Mentors at work")
    make_episode(session, show, episodes_dir, title="Draft on sponsors", published_at=None)
    add_topic(session, live, "Mentoring")
    session.commit()
    base = "/studio/shows/leaders/episodes"
    both = host.get(base).get_data(as_text=True)
    assert "Mentors at work" in both and "Draft on sponsors" in both
    drafts = host.get(base + "?status=draft").get_data(as_text=True)
    assert "Draft on sponsors" in drafts and "Mentors at work" not in drafts
    topic = host.get(base + "?topic=mentoring").get_data(as_text=True)
    assert "Mentors at work" in topic and "Draft on sponsors" not in topic
    found = host.get(base + "?q=sponsor").get_data(as_text=True)
    assert "Draft on sponsors" in found and "Mentors at work" not in found
    assert host.get(base + "?status=bogus").status_code == 400


def test_audio_is_streamed_to_the_show_folder_never_spooled_by_werkzeug(
    host: FlaskClient, session: Session, episodes_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """werkzeug's own file stream (a temporary file the view would copy) must not be used."""
    import werkzeug.wrappers

    def spooled(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the upload was spooled to a temporary file")

    monkeypatch.setattr(werkzeug.wrappers.Request, "_get_file_stream", spooled)
    audio = make_mp3(3.0, seed=5)
    response = _upload(host, audio, "streamed.mp3")
    assert response.status_code == 303
    episode = session.scalars(select(Episode)).one()
    assert (episodes_dir / str(episode.audio_file)).read_bytes() == audio


def _gone_live(session: Session, show_slug: str, episodes_dir: Path, title: str) -> Episode:
    """An episode scheduled for a moment that has now passed: nothing rewrote its row."""
    show = lookups.get_show(session, show_slug)
    assert show is not None
    episode = make_episode(
        session, show, episodes_dir, title=title, published_at=utc_now() + timedelta(hours=1)
    )
    episode.published_at = utc_now() - timedelta(minutes=5)
    session.commit()
    assert episode.status == EpisodeStatus.SCHEDULED
    return episode


def _row_status(page: str, title: str) -> str:
    row = page.split(f">{title}</a>", 1)[1].split("</tr>", 1)[0]
    found = re.search(r'class="status status-(\w+)">(\w+)<', row)
    assert found and found[1] == found[2]
    return found[1]


def test_a_scheduled_episode_whose_time_has_come_is_published_in_the_list(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    _gone_live(session, "leaders", episodes_dir, "Went out this morning")
    show = lookups.get_show(session, "leaders")
    assert show is not None
    make_episode(
        session, show, episodes_dir, title="Next week", published_at=utc_now() + timedelta(days=7)
    )
    session.commit()
    base = "/studio/shows/leaders/episodes"
    page = host.get(base).get_data(as_text=True)
    assert _row_status(page, "Went out this morning") == "published"
    assert _row_status(page, "Next week") == "scheduled"
    published = host.get(base + "?status=published").get_data(as_text=True)
    assert "Went out this morning" in published and "Next week" not in published
    scheduled = host.get(base + "?status=scheduled").get_data(as_text=True)
    assert "Next week" in scheduled and "Went out this morning" not in scheduled


def test_the_editor_shows_it_published_and_saves_it_without_a_new_time(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    episode = _gone_live(session, "leaders", episodes_dir, "Went out this morning")
    went_out = episode.published_at
    page = host.get(_url(episode)).get_data(as_text=True)
    assert 'class="status status-published">published<' in page
    assert re.search(r'<option (selected value="published"|value="published" selected)', page)
    form = edit_form(host, _url(episode), title="Went out this morning", status="published")
    response = host.post(_url(episode), data=form)
    assert response.status_code == 303
    assert "(published)" in host.get(response.location).get_data(as_text=True)
    session.expire_all()
    saved = session.get(Episode, episode.id)
    assert saved is not None and saved.status == EpisodeStatus.PUBLISHED
    assert saved.published_at == went_out


def test_saving_the_time_the_editor_shows_keeps_the_exact_release_time(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """The editor shows a release time to the minute; saving it back as a browser does must
    not move the pubDate to the whole minute (podcast apps read a new date as news)."""
    show = lookups.get_show(session, "leaders")
    assert show is not None
    went_out = datetime(2026, 3, 4, 18, 27, 12, 490000, tzinfo=UTC)
    episode = make_episode(session, show, episodes_dir, title="Out", published_at=went_out)
    session.commit()
    page = host.get(_url(episode)).get_data(as_text=True)
    shown = re.search(r'name="publish_at"[^>]*value="([^"]+)"', page)
    assert shown is not None and shown.group(1) == "2026-03-04T13:27"  # New York
    form = edit_form(host, _url(episode), title="Out", status="published", publish_at=shown[1])
    assert host.post(_url(episode), data=form).status_code == 303
    session.expire_all()
    assert session.get(Episode, episode.id).published_at == went_out  # type: ignore[union-attr]
    form = edit_form(
        host, _url(episode), title="Out", status="published", publish_at="2026-03-04T13:28"
    )
    assert host.post(_url(episode), data=form).status_code == 303
    session.expire_all()
    moved = datetime(2026, 3, 4, 18, 28, tzinfo=UTC)
    assert session.get(Episode, episode.id).published_at == moved  # type: ignore[union-attr]


def test_the_approval_rule_treats_it_as_published(
    host: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    """Scheduled before a guest had approved; once out, the studio no longer asks for the
    approval 'before publishing', and no review link is made for a public episode."""
    show = lookups.get_show(session, "leaders")
    assert show is not None
    show.require_guest_approval = True
    episode = make_episode(
        session, show, episodes_dir, title="Out now", published_at=utc_now() + timedelta(hours=1)
    )
    guest = add_guest(session, episode, "Grace Lee")
    review_links.create_link(session, episode, guest.id, days=7, message="")
    episode.published_at = utc_now() - timedelta(minutes=5)
    session.commit()
    review = f"{_url(episode)}/review"
    page = host.get(review).get_data(as_text=True)
    assert "Still missing" not in page
    assert "This episode is published: the approval rule no longer applies to it." in page
    form = edit_form(host, _url(episode), title="Out now, with notes", status="published")
    response = host.post(_url(episode), data=form)
    assert response.status_code == 303
    refused = host.post(
        f"{review}/links",
        data={"csrf_token": csrf_token(host, review), "guest_id": guest.id, "days": 7,
              "action": "create"},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "Review links are for episodes that are not public yet." in refused.get_data(
        as_text=True
    )
    session.expire_all()
    saved = session.get(Episode, episode.id)
    assert saved is not None and saved.title == "Out now, with notes"
