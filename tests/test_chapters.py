"""Chapters: edited as a list, imported from JSON or the audio file, served as JSON."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import jsonschema
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from showapp.errors import InvalidInput
from showapp.models import Episode
from showapp.services.catalog import chapters, transcripts
from showapp.services.catalog.chapters import ChapterEntry
from tests.factories import make_episode, make_show

GOOD_JSON = json.dumps(
    {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0, "title": "Welcome"},
            {"startTime": 1.5, "title": "First question", "url": "https://example.com/q"},
            {"startTime": 2.0, "title": "Hidden", "toc": False},
            {"startTime": 2.5, "title": "Goodbye", "img": "https://example.com/b.png"},
        ],
    }
)


def _titles(session: Session, episode: Episode) -> list[tuple[float, str]]:
    return [(c.start_seconds, c.title) for c in chapters.list_chapters(session, episode)]


def test_replace_chapters_from_form_rows(session: Session, episodes_dir: Path) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    rows = [{"start": "0:00", "title": "Intro"}, {"start": "0:01.5", "title": " Talk "}]
    chapters.replace_chapters(session, episode, rows)
    assert _titles(session, episode) == [(0.0, "Intro"), (1.5, "Talk")]
    chapters.replace_chapters(session, episode, [])
    assert _titles(session, episode) == []


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"start": 0, "title": "A"}, {"start": 9, "title": "B"}], "Chapter 2: starts at 0:00:09"),
        ([{"start": 1, "title": "A"}, {"start": 1, "title": "B"}], "Chapter 2: starts at"),
        ([{"start": 0, "title": "  "}], "Chapter 1: the title is required"),
        ([{"start": "soon", "title": "A"}], "Chapter 1: 'soon' is not a time"),
        ([{"start": 0, "title": "A", "url": "javascript:x"}], "Chapter 1: the link must be"),
    ],
)
def test_bad_chapter_rows_are_refused_and_nothing_changes(
    session: Session, episodes_dir: Path, rows: list[dict[str, object]], message: str
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    chapters.replace_chapters(session, episode, [ChapterEntry(0.0, "Kept")])
    with pytest.raises(InvalidInput, match=message):
        chapters.replace_chapters(session, episode, rows)
    assert _titles(session, episode) == [(0.0, "Kept")]


def test_import_json_chapters_skips_hidden_ones(session: Session, episodes_dir: Path) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    chapters.import_json_chapters(session, episode, GOOD_JSON)
    stored = chapters.list_chapters(session, episode)
    assert [(c.start_seconds, c.title) for c in stored] == [
        (0.0, "Welcome"),
        (1.5, "First question"),
        (2.5, "Goodbye"),
    ]
    assert stored[1].url == "https://example.com/q"
    assert stored[2].image == "https://example.com/b.png"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "1.2.0",\n "chapters": [\n  {"startTime": 0,}\n]}', "line 3, column"),
        ('{"chapters": []}', "at /: 'version' is a required property"),
        ('{"version": "1.2.0", "chapters": [{"title": "x"}]}', "at /chapters/0: 'startTime'"),
        (
            '{"version": "1.2.0", "chapters": [{"startTime": "1:00"}]}',
            "at /chapters/0/startTime: '1:00' is not of type 'number'",
        ),
        (
            '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "a"},'
            ' {"startTime": 60, "title": "b"}]}',
            "at /chapters/1: starts at 0:01:00, after the audio ends",
        ),
        ('{"version": "1.2.0", "chapters": [{"startTime": 0}]}', "/chapters/0: the title"),
    ],
)
def test_bad_json_chapters_name_the_place(
    session: Session, episodes_dir: Path, text: str, message: str
) -> None:
    episode = make_episode(session, make_show(session), episodes_dir)
    with pytest.raises(InvalidInput, match=message):
        chapters.import_json_chapters(session, episode, text)
    assert chapters.list_chapters(session, episode) == []


def test_chapters_document_is_served_and_validates(
    session: Session, episodes_dir: Path, live_server: str
) -> None:
    show = make_show(session)
    episode = make_episode(session, show, episodes_dir)
    chapters.import_json_chapters(session, episode, GOOD_JSON)
    session.commit()
    url = f"{live_server}/media/{show.slug}/{episode.slug}/chapters.json"
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"] == "application/json+chapters"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        etag = response.headers["ETag"]
        document = json.loads(response.read())
    jsonschema.Draft202012Validator(chapters.chapters_schema()).validate(document)
    assert [c["startTime"] for c in document["chapters"]] == [0.0, 1.5, 2.5]
    assert document["chapters"][1]["url"] == "https://example.com/q"
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(request)
    not_modified.value.close()
    assert not_modified.value.code == 304


def test_the_schema_matches_the_spec_example() -> None:
    # The example from jsonChapters.md (v1.2) must pass, a number-as-string must not.
    example = {
        "version": "1.2.0",
        "author": "John Doe",
        "title": "Episode 1 - The Best Episode",
        "podcastName": "John's Awesome Podcast",
        "chapters": [
            {"startTime": 0, "title": "Intro"},
            {"startTime": 168, "title": "Hearing Aids", "img": "https://example.com/i.jpg"},
            {
                "startTime": 260,
                "title": "Progressive Lenses",
                "url": "https://example.com",
                "location": {"name": "Austin, TX", "geo": "geo:30.2672,97.7431"},
            },
            {"startTime": 410, "toc": False},
        ],
    }
    validator = jsonschema.Draft202012Validator(chapters.chapters_schema())
    validator.validate(example)
    assert not validator.is_valid({"version": 1.2, "chapters": []})


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_documents_of_unpublished_episodes_are_404(
    session: Session, episodes_dir: Path, client: FlaskClient, status: str
) -> None:
    from datetime import timedelta

    from showapp.columns import utc_now

    show = make_show(session)
    when = None if status == "draft" else utc_now() + timedelta(days=2)
    episode = make_episode(session, show, episodes_dir, published_at=when or False)
    chapters.replace_chapters(session, episode, [ChapterEntry(0.0, "Secret")])
    session.commit()
    transcripts.add_transcript(session, episode, "WEBVTT\n\n00:00.000 --> 00:01.000\nSecret\n")
    session.commit()
    for document in ("chapters.json", "transcript.vtt", "transcript.txt"):
        response = client.get(f"/media/{show.slug}/{episode.slug}/{document}")
        assert response.status_code == 404
        assert b"Secret" not in response.data
