"""The studio side of rich episodes: chapters, transcripts, soundbites, replacing audio,
duplicate uploads, tagging on publish, and tidying guests and topics, through the real app."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from mutagen.id3 import ID3
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import (
    Chapter,
    Episode,
    EpisodeStatus,
    SearchDocument,
    Soundbite,
    Transcript,
    UserRole,
)
from showapp.services.audio import retagging
from showapp.services.catalog import chapters
from showapp.services.catalog.chapters import ChapterEntry
from showapp.services.search import queries as search_queries
from showapp.storage import LocalStorage
from tests.conftest import BASE_URL
from tests.factories import add_guest, add_topic, make_episode, make_mp3, make_show
from tests.studio_helpers import csrf_token, login, make_user, sign_in_new_user

EPISODES = "/studio/shows/leaders/episodes"


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    make_show(session, slug="leaders", title="Leaders", author="Ada Host")
    return sign_in_new_user(client, session, "admin@example.com", role=UserRole.ADMIN)


@pytest.fixture
def episode(admin: FlaskClient, session: Session, episodes_dir: Path) -> Episode:
    show = studio_show(session)
    found = make_episode(session, show, episodes_dir, seconds=6.0, title="Finding a sponsor")
    session.commit()
    return found


def studio_show(session: Session) -> Any:
    from showapp.services.catalog import lookups

    return lookups.get_show(session, "leaders")


def _url(episode: Episode, page: str = "") -> str:
    return f"{EPISODES}/{episode.id}{page}"


def _post(client: FlaskClient, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")


def _fresh(session: Session, episode: Episode) -> Episode:
    session.rollback()
    found = session.get(Episode, episode.id, populate_existing=True)
    assert found is not None
    return found


def _state(session: Session, episodes_dir: Path) -> dict[str, Any]:
    """Everything a refused request must leave as it was: rows and files."""
    session.rollback()
    rows = {
        model.__name__: sorted(map(repr, session.execute(select(model.__table__)).all()))
        for model in (Episode, Chapter, Transcript, Soundbite)
    }
    files = {
        str(p.relative_to(episodes_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in episodes_dir.rglob("*")
        if p.is_file()
    }
    return {"rows": rows, "files": files}


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace("&#39;", "'"))


@pytest.fixture
def refused(admin: FlaskClient, session: Session, episodes_dir: Path) -> Callable[..., str]:
    """Posts, as the admin, a form the studio must refuse (400) leaving every row and file as
    it was; gives the answer's text."""

    def post(url: str, data: dict[str, Any], page: str | None = None) -> str:
        before = _state(session, episodes_dir)
        response = _post(admin, url, data, page=page)
        assert response.status_code == 400
        assert _state(session, episodes_dir) == before
        return _text(response)

    return post


# Chapters


def test_chapters_editor_saves_rows_and_retags_the_public_file(
    admin: FlaskClient, episode: Episode, session: Session, episodes_dir: Path
) -> None:
    old_file, guid = episode.audio_file, episode.guid
    response = _post(
        admin,
        _url(episode, "/chapters"),
        {
            "start": ["0", "0:00:02.5", "", "4"],
            "title": ["Welcome", "The sponsor", "", "Goodbye"],
            "url": ["https://example.com/w", "", "", ""],
            "image": ["", "", "", ""],
        },
    )
    assert response.status_code == 303
    page = _text(admin.get(response.location))
    assert "Saved 3 chapters. The audio file is being tagged with them (Jobs)." in page
    assert 'value="The sponsor"' in page and 'value="0:00:02.500"' in page
    saved = _fresh(session, episode)
    assert [(c.start_seconds, c.title) for c in chapters.list_chapters(session, saved)] == [
        (0.0, "Welcome"), (2.5, "The sponsor"), (4.0, "Goodbye"),
    ]  # fmt: skip
    assert saved.audio_file != old_file and saved.guid == guid
    assert not (episodes_dir / str(old_file)).exists()
    tags: Any = ID3(episodes_dir / str(saved.audio_file))  # type: ignore[no-untyped-call]
    titles = sorted(
        (frame.start_time, str(frame.sub_frames["TIT2"].text[0])) for frame in tags.getall("CHAP")
    )
    assert titles == [(0, "Welcome"), (2500, "The sponsor"), (4000, "Goodbye")]
    with admin.get(f"/media/{old_file}") as gone:
        assert gone.status_code == 404


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {"start": ["0", "9"], "title": ["Welcome", "Too late"]},
            "Chapter 2: starts at 0:00:09, after the audio ends",
        ),
        ({"start": ["0", "3", "2"], "title": ["A", "B", "C"]}, "Chapter 3: starts at 0:00:02"),
        ({"start": ["0", "1"], "title": ["A", ""]}, "Chapter 2: the title is required."),
        ({"start": ["zero"], "title": ["A"]}, "Chapter 1: 'zero' is not a time"),
        ({"start": ["0"], "title": ["A"], "url": ["ftp://x"]}, "link must be an http(s) URL"),
    ],
)
def test_bad_chapter_rows_are_refused_and_change_nothing(
    refused: Callable[..., str],
    episode: Episode,
    session: Session,
    rows: dict[str, list[str]],
    message: str,
) -> None:
    chapters.replace_chapters(session, _fresh(session, episode), [ChapterEntry(1.0, "Kept")])
    session.commit()
    page = refused(_url(episode, "/chapters"), rows)
    assert "Nothing was changed" in page and message in page
    # What was typed stays in the form, to be corrected.
    assert f'value="{rows["title"][-1]}"' in page


def test_a_json_chapters_file_is_imported(
    admin: FlaskClient, episode: Episode, session: Session
) -> None:
    document = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {"startTime": 1.5, "title": "Hidden", "toc": False},
            {"startTime": 3, "title": "Sponsors", "url": "https://example.com/s"},
        ],
    }
    response = _post(
        admin,
        _url(episode, "/chapters/upload"),
        {"chapters_file": (io.BytesIO(json.dumps(document).encode()), "chapters.json")},
        page=_url(episode, "/chapters"),
    )
    assert response.status_code == 303
    saved = chapters.list_chapters(session, _fresh(session, episode))
    assert [(c.start_seconds, c.title, c.url) for c in saved] == [
        (0.0, "Intro", ""), (3.0, "Sponsors", "https://example.com/s"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"version": "1.2.0",\n "chapters": [\n {"startTime": 0,}]}', "line 3, column"),
        (b'{"version": "1.2.0", "chapters": [{"title": "x"}]}', "at /chapters/0"),
        (
            b'{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "a"}, '
            b'{"startTime": 60, "title": "b"}]}',
            "The chapters file at /chapters/1: starts at 0:01:00, after the audio ends",
        ),
    ],
)
def test_a_bad_json_chapters_file_is_refused_with_where(
    refused: Callable[..., str], episode: Episode, body: bytes, message: str
) -> None:
    upload = {"chapters_file": (io.BytesIO(body), "chapters.json")}
    page = refused(_url(episode, "/chapters/upload"), upload, page=_url(episode, "/chapters"))
    assert message in page


def test_chapters_are_taken_from_the_audio_file(
    admin: FlaskClient, episode: Episode, session: Session, episodes_dir: Path
) -> None:
    fresh = _fresh(session, episode)
    chapters.replace_chapters(
        session, fresh, [ChapterEntry(0.0, "From the file"), ChapterEntry(3.0, "Second")]
    )
    with retagging.tag_episode_audio(session, fresh, LocalStorage(episodes_dir), BASE_URL):
        session.commit()
    chapters.replace_chapters(session, fresh, [])  # forget them in the database only
    session.commit()
    response = _post(
        admin, _url(episode, "/chapters/from-audio"), {}, page=_url(episode, "/chapters")
    )
    assert response.status_code == 303
    saved = chapters.list_chapters(session, _fresh(session, episode))
    assert [(c.start_seconds, c.title) for c in saved] == [(0.0, "From the file"), (3.0, "Second")]


def test_an_audio_file_without_chapters_is_said_so(
    refused: Callable[..., str], episode: Episode
) -> None:
    page = refused(_url(episode, "/chapters/from-audio"), {}, page=_url(episode, "/chapters"))
    assert "The audio file carries no chapters." in page


# Transcripts

VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Ada Host>Welcome to the kaleidoscope.\n\n"
    "00:00:02.000 --> 00:00:05.500\n<v Rosa Diaz>Thanks for having me.\n"
)


def test_a_transcript_upload_is_stored_searchable_and_warned_about(
    admin: FlaskClient, episode: Episode, session: Session
) -> None:
    long_vtt = VTT + "\n00:01:00.000 --> 00:01:30.000\n<v Ada Host>Much later.\n"
    response = _post(
        admin,
        _url(episode, "/transcripts"),
        {"transcript": (io.BytesIO(long_vtt.encode()), "talk.vtt"), "language": "en"},
    )
    assert response.status_code == 303
    page = _text(admin.get(response.location))
    assert "Warning: The transcript's last cue ends at 90 s but the audio lasts 6 s" in page
    assert "Stored the en transcript (VTT)." in page and "Ada Host, Rosa Diaz" in page
    session.rollback()
    document = session.scalars(
        select(SearchDocument).where(SearchDocument.episode_id == episode.id)
    ).one()
    assert "Rosa Diaz: Thanks for having me." in document.transcript
    titles = [
        hit.episode.title for hit in search_queries.search_episodes(session, "kaleidoscope").hits
    ]
    assert titles == ["Finding a sponsor"]

    # Replacing it reindexes the episode: the old words are gone from search.
    srt = "1\n00:00:00,000 --> 00:00:05,000\nAda Host: A prism instead.\n"
    response = _post(
        admin,
        _url(episode, "/transcripts"),
        {"transcript": (io.BytesIO(srt.encode()), "talk.srt"), "language": "en"},
    )
    assert response.status_code == 303
    assert "Replaced the en transcript (SRT)." in _text(admin.get(response.location))
    session.rollback()
    assert search_queries.search_episodes(session, "kaleidoscope").total == 0
    assert search_queries.search_episodes(session, "prism").total == 1


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("notes.txt", "Just some notes\nabout the talk.", "is not WebVTT or SRT: line 1"),
        ("talk.vtt", "WEBVTT\n\n00:00:01.000 --> soon\nHi", "Line 3: 'soon' is not a time"),
        ("talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n\nx\n", "Line 5: expected a cue"),
    ],
)
def test_a_bad_transcript_is_refused_with_its_line(
    refused: Callable[..., str], episode: Episode, name: str, body: str, message: str
) -> None:
    upload = {"transcript": (io.BytesIO(body.encode()), name), "language": "pt-BR"}
    page = refused(_url(episode, "/transcripts"), upload)
    assert "Nothing was stored" in page and message in page
    assert 'name="language" value="pt-BR"' in page  # the language typed stays


# Soundbites


def test_soundbites_are_saved_and_a_bad_one_changes_nothing(
    admin: FlaskClient, refused: Callable[..., str], episode: Episode, session: Session
) -> None:
    response = _post(
        admin,
        _url(episode, "/soundbites"),
        {"start": ["0:00:01", "", "3"], "duration": ["2", "", "2.5"], "title": ["Key", "", "End"]},
    )
    assert response.status_code == 303
    page = _text(admin.get(response.location))
    assert "Soundbite 1: Soundbites of 15 to 120 s are recommended" in page
    bites = session.scalars(select(Soundbite).order_by(Soundbite.start_seconds)).all()
    assert [(b.start_seconds, b.duration_seconds, b.title) for b in bites] == [
        (1.0, 2.0, "Key"), (3.0, 2.5, "End"),
    ]  # fmt: skip
    bad = {"start": ["1", "5"], "duration": ["2", "4"], "title": ["Key", "Past the end"]}
    page = refused(_url(episode, "/soundbites"), bad)
    assert "Soundbite 2: The soundbite ends at 9.0 s, past the end of the audio" in page


# Replacing audio, duplicates, tagging on publish


def _multipart_upload(client: FlaskClient, url: str, page: str, body: bytes, **form: str) -> Any:
    token = csrf_token(client, page)
    data: dict[str, Any] = {"csrf_token": token, **form, "audio": (io.BytesIO(body), "take2.mp3")}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_replacing_the_audio_gives_a_new_url_and_keeps_the_guid(
    admin: FlaskClient, episode: Episode, session: Session, episodes_dir: Path
) -> None:
    old_file, guid = episode.audio_file, episode.guid
    with admin.get(f"/media/{old_file}") as before:
        assert before.status_code == 200
    new_audio = make_mp3(9.0, seed=42)
    response = _multipart_upload(admin, _url(episode, "/audio"), _url(episode, "/audio"), new_audio)
    assert response.status_code == 303
    assert "Its media URL changed; its GUID did not." in _text(admin.get(response.location))
    saved = _fresh(session, episode)
    assert saved.guid == guid and saved.audio_file != old_file
    assert saved.duration_seconds == pytest.approx(9.0, abs=0.5)
    assert saved.audio_sha256 == hashlib.sha256(new_audio).hexdigest()
    with admin.get(f"/media/{old_file}") as gone:
        assert gone.status_code == 404
    with admin.get(f"/media/{saved.audio_file}") as served:
        assert served.status_code == 200 and len(served.get_data()) == saved.audio_bytes
    # Published: the new file is tagged with the episode's details.
    tags: Any = ID3(episodes_dir / str(saved.audio_file))  # type: ignore[no-untyped-call]
    assert str(tags["TIT2"]) == "Finding a sponsor"
    files = sorted(p.name for p in (episodes_dir / "leaders").iterdir())
    assert files == [Path(str(saved.audio_file)).name]


def test_replacing_with_audio_too_short_for_the_chapters_changes_nothing(
    admin: FlaskClient, episode: Episode, session: Session, episodes_dir: Path
) -> None:
    chapters.replace_chapters(session, _fresh(session, episode), [ChapterEntry(5.0, "Late")])
    session.commit()
    before = _state(session, episodes_dir)
    response = _multipart_upload(
        admin, _url(episode, "/audio"), _url(episode, "/audio"), make_mp3(2.0, seed=5)
    )
    assert response.status_code == 400
    assert "Chapter 'Late' starts at 5.0 s, after the new audio ends" in _text(response)
    assert _state(session, episodes_dir) == before


def test_a_duplicate_upload_is_pointed_out_before_a_second_episode(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    audio = make_mp3(4.0, seed=8)
    first = _multipart_upload(admin, f"{EPISODES}/upload", EPISODES, audio)
    assert first.status_code == 303
    existing = session.scalars(select(Episode)).one()
    before = _state(session, episodes_dir)

    again = _multipart_upload(admin, f"{EPISODES}/upload", EPISODES, audio)
    assert again.status_code == 409
    page = _text(again)
    assert f"already uploaded as '{existing.title}' (leaders/{existing.slug})" in page
    assert f'href="{EPISODES}/{existing.id}"' in page
    assert 'name="allow_duplicate" value="1"' in page and "Upload anyway" in page
    assert _state(session, episodes_dir) == before

    as_json = admin.post(
        f"{EPISODES}/upload",
        data={"csrf_token": csrf_token(admin, EPISODES), "audio": (io.BytesIO(audio), "a.mp3")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 409
    assert as_json.json is not None
    assert as_json.json["duplicate_url"] == f"{EPISODES}/{existing.id}"
    assert _state(session, episodes_dir) == before

    anyway = _multipart_upload(admin, f"{EPISODES}/upload", EPISODES, audio, allow_duplicate="1")
    assert anyway.status_code == 303
    session.rollback()
    assert session.scalar(select(func.count(Episode.id))) == 2


def test_publishing_from_the_studio_tags_the_file(
    admin: FlaskClient, session: Session, episodes_dir: Path
) -> None:
    show = studio_show(session)
    draft = make_episode(
        session, show, episodes_dir, seconds=6.0, published_at=None, title="Draft", number=4
    )
    chapters.replace_chapters(session, draft, [ChapterEntry(0, "Hello"), ChapterEntry(3, "Bye")])
    session.commit()
    untagged = draft.audio_file
    url = _url(draft)
    form = {
        "csrf_token": csrf_token(admin, url),
        "version": str(_fresh(session, draft).version),
        "title": "Finding a mentor",
        "summary": "How to find one.",
        "status": "published",
        "episode_type": "full",
        "number": "4",
    }
    response = admin.post(url, data=form)
    assert response.status_code == 303
    saved_page = _text(admin.get(response.location))
    assert "The audio file is being tagged with the new details (Jobs)." in saved_page
    saved = _fresh(session, draft)
    assert saved.status == EpisodeStatus.PUBLISHED and saved.audio_file != untagged
    tags: Any = ID3(episodes_dir / str(saved.audio_file))  # type: ignore[no-untyped-call]
    assert str(tags["TIT2"]) == "Finding a mentor"
    assert str(tags["TALB"]) == "Leaders" and str(tags["TPE1"]) == "Ada Host"
    assert str(tags["TRCK"]) == "4"
    frames = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [str(f.sub_frames["TIT2"].text[0]) for f in frames] == ["Hello", "Bye"]
    assert not (episodes_dir / str(untagged)).exists()

    # Saving again with nothing the tags show changed keeps the same file and URL.
    form.update(csrf_token=csrf_token(admin, url), version=str(saved.version))
    form["notes_md"] = "Only the notes changed."
    assert admin.post(url, data=form).status_code == 303
    assert _fresh(session, draft).audio_file == saved.audio_file


# Guests and topics


@pytest.fixture
def people(admin: FlaskClient, session: Session, episodes_dir: Path) -> list[Episode]:
    show = studio_show(session)
    one, two = (make_episode(session, show, episodes_dir) for _ in range(2))
    add_guest(session, one, "Grace Hopper")
    add_guest(session, two, "Grace M Hopper")
    for episode, name in ((one, "Mentoring"), (two, "Mentorship"), (two, "Careers")):
        add_topic(session, episode, name)
    session.commit()
    return [one, two]


def test_guests_are_searched_merged_with_confirmation_and_old_urls_redirect(
    admin: FlaskClient, people: list[Episode], session: Session
) -> None:
    listing = _text(admin.get("/studio/guests?q=m+hopper"))
    assert "Grace M Hopper" in listing and ">Grace Hopper<" not in listing
    url = "/studio/guests/grace-m-hopper/merge"
    asked = _post(admin, url, {"into": "grace-hopper"}, page="/studio/guests/grace-m-hopper")
    assert asked.status_code == 200
    assert "Merge Grace M Hopper into Grace Hopper?" in _text(asked)
    assert admin.get("/guests/grace-m-hopper").status_code == 200  # nothing happened yet
    done = _post(
        admin, url, {"into": "grace-hopper", "confirm": "1"}, page="/studio/guests/grace-m-hopper"
    )
    assert done.status_code == 303 and done.location.endswith("/studio/guests/grace-hopper")
    moved = admin.get("/guests/grace-m-hopper")
    assert moved.status_code == 301 and moved.location.endswith("/guests/grace-hopper")
    kept = _text(admin.get("/guests/grace-hopper"))
    assert people[0].title in kept and people[1].title in kept

    renamed = _post(
        admin,
        "/studio/guests/grace-hopper",
        {"name": "Rear Admiral Grace Hopper", "slug": "admiral-hopper"},
    )
    assert renamed.status_code == 303
    for old in ("grace-hopper", "grace-m-hopper"):
        response = admin.get(f"/guests/{old}")
        assert response.status_code == 301 and response.location.endswith("/guests/admiral-hopper")
    assert "Rear Admiral Grace Hopper" in _text(admin.get("/guests/admiral-hopper"))


def test_topics_are_renamed_merged_and_deleted(
    admin: FlaskClient, people: list[Episode], session: Session
) -> None:
    renamed = _post(admin, "/studio/topics/mentorship", {"name": "Mentors", "slug": "mentors"})
    assert renamed.status_code == 303
    assert admin.get("/topics/mentorship").location.endswith("/topics/mentors")
    merged = _post(
        admin,
        "/studio/topics/mentors/merge",
        {"into": "mentoring", "confirm": "1"},
        page="/studio/topics/mentors",
    )
    assert merged.status_code == 303
    for old in ("mentors", "mentorship"):
        response = admin.get(f"/topics/{old}")
        assert response.status_code == 301 and response.location.endswith("/topics/mentoring")
    assert people[1].title in _text(admin.get("/topics/mentoring"))

    asked = _post(admin, "/studio/topics/careers/delete", {}, page="/studio/topics/careers")
    assert asked.status_code == 200 and "Delete the topic Careers?" in _text(asked)
    deleted = _post(
        admin, "/studio/topics/careers/delete", {"confirm": "1"}, page="/studio/topics/careers"
    )
    assert deleted.status_code == 303
    assert admin.get("/topics/careers").status_code == 404
    page = _text(admin.get(f"/leaders/episodes/{people[1].slug}"))
    assert "Mentoring" in page and "Careers" not in page


def test_bad_tidy_input_is_refused_and_changes_nothing(
    admin: FlaskClient, people: list[Episode], session: Session, episodes_dir: Path
) -> None:
    before = _state(session, episodes_dir)
    taken = _post(admin, "/studio/guests/grace-hopper", {"name": "G", "slug": "grace-m-hopper"})
    assert taken.status_code == 400
    assert "Another guest already uses the address 'grace-m-hopper'." in _text(taken)
    bad = _post(admin, "/studio/topics/careers", {"name": "Careers", "slug": "Not A Slug"})
    assert bad.status_code == 400 and "is not a valid address" in _text(bad)
    itself = _post(
        admin, "/studio/topics/careers/merge", {"into": "careers", "confirm": "1"},
        page="/studio/topics/careers",
    )  # fmt: skip
    assert itself.status_code == 400
    assert admin.get("/guests/grace-m-hopper").status_code == 200
    assert _state(session, episodes_dir) == before


def test_hosts_do_not_get_the_admin_pages(
    client: FlaskClient, session: Session, people: list[Episode]
) -> None:
    host = make_user(session, "host@example.com", shows=[studio_show(session)])
    session.commit()
    assert host.id
    client.post("/studio/logout", data={"csrf_token": csrf_token(client, "/studio/")})
    login(client, "host@example.com")
    home = _text(client.get("/studio/"))
    assert "/studio/guests" not in home
    assert client.get("/studio/guests").status_code == 403


# The public episode page offers what the episode has


def test_the_player_gets_the_chapters_and_transcript_urls(
    admin: FlaskClient, episode: Episode, session: Session
) -> None:
    page = admin.get("/leaders/episodes/finding-a-sponsor").get_data(as_text=True)
    assert "data-chapters-url" not in page and "data-transcript-url" not in page
    fresh = _fresh(session, episode)
    chapters.replace_chapters(session, fresh, [ChapterEntry(0, "Hello")])
    from showapp.services.catalog import transcripts

    transcripts.add_transcript(session, fresh, VTT, filename="t.vtt")
    session.commit()
    page = admin.get("/leaders/episodes/finding-a-sponsor").get_data(as_text=True)
    chapters_url = "/media/leaders/finding-a-sponsor/chapters.json"
    transcript_url = "/media/leaders/finding-a-sponsor/transcript.vtt"
    assert f'data-chapters-url="{chapters_url}"' in page
    assert f'data-transcript-url="{transcript_url}"' in page
    document = json.loads(admin.get(chapters_url).get_data())
    assert document["chapters"][0]["title"] == "Hello"
    assert admin.get(transcript_url).mimetype == "text/vtt"
