"""The rich-episode commands: thin wrappers that store nothing when the input is bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from mutagen.id3 import ID3
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import Appearance, Chapter, Episode, Guest, Soundbite, Transcript
from showapp.services.catalog import guests_topics, writes
from tests.factories import add_topic, make_committed_episode, make_show, write_mp3


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    return make_committed_episode(session, episodes_dir, "leaders")


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_chapters_import_stores_and_retags_a_published_episode(
    runner: FlaskCliRunner, session: Session, episode: Episode, episodes_dir: Path, tmp_path: Path
) -> None:
    old_file = episode.audio_file
    chapters_file = tmp_path / "chapters.json"
    chapters_file.write_text(
        json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Hello"}]})
    )
    result = runner.invoke(
        args=["chapters", "import", f"leaders/{episode.slug}", str(chapters_file)]
    )
    assert result.exit_code == 0, result.output
    assert "Stored 1 chapter " in result.output
    session.refresh(episode)
    assert episode.audio_file != old_file
    tags = ID3(episodes_dir / str(episode.audio_file))
    assert [str(c.sub_frames["TIT2"]) for c in tags.getall("CHAP")] == ["Hello"]


def test_chapters_from_the_audio_file(
    runner: FlaskCliRunner, session: Session, episode: Episode, tmp_path: Path
) -> None:
    good = tmp_path / "chapters.json"
    good.write_text('{"version": "1.2.0", "chapters": [{"startTime": 1, "title": "One"}]}')
    runner.invoke(args=["chapters", "import", f"leaders/{episode.slug}", str(good)])
    session.execute(Chapter.__table__.delete())
    session.commit()
    result = runner.invoke(args=["chapters", "import", f"leaders/{episode.slug}", "--from-audio"])
    assert result.exit_code == 0, result.output
    assert _count(session, Chapter) == 1


def test_transcript_add_warns_about_length(
    runner: FlaskCliRunner, session: Session, episode: Episode, tmp_path: Path
) -> None:
    vtt = tmp_path / "talk.vtt"
    vtt.write_text("WEBVTT\n\n00:10:00.000 --> 00:10:02.000\n<v Ada>Bye.\n")
    result = runner.invoke(
        args=["transcript", "add", f"leaders/{episode.slug}", str(vtt), "--language", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "Warning: The transcript's last cue ends at 602 s" in result.output
    assert _count(session, Transcript) == 1


@pytest.mark.parametrize(
    ("command", "file", "options", "message", "model"),
    [
        pytest.param(
            ["chapters", "import"],
            (
                "chapters.json",
                '{"version": "1.2.0", "chapters": [{"startTime": 99, "title": "Late"}]}',
            ),
            [],
            "/chapters/0: starts at 0:01:39, after the audio ends",
            Chapter,
            id="chapters-past-the-end",
        ),
        pytest.param(
            ["transcript", "add"],
            ("talk.txt", "Just some words.\n"),
            [],
            "not WebVTT or SRT",
            Transcript,
            id="transcript-other-format",
        ),
        pytest.param(
            ["soundbite", "add"],
            None,
            ["--start", "2", "--duration", "30"],
            "past the end of the audio",
            Soundbite,
            id="soundbite-past-the-end",
        ),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(
    runner: FlaskCliRunner, session: Session, episode: Episode, tmp_path: Path,
    command: list[str], file: tuple[str, str] | None, options: list[str], message: str,
    model: type,
) -> None:  # fmt: skip
    files = []
    if file is not None:
        name, content = file
        (tmp_path / name).write_text(content)
        files.append(str(tmp_path / name))
    result = runner.invoke(args=[*command, f"leaders/{episode.slug}", *files, *options])
    assert result.exit_code == 1
    assert message in result.output
    assert _count(session, model) == 0


def test_unknown_episode_is_named(runner: FlaskCliRunner, episode: Episode) -> None:
    result = runner.invoke(
        args=["soundbite", "add", "leaders/nope", "--start", "0", "--duration", "1"]
    )
    assert result.exit_code == 1
    assert "No episode 'leaders/nope'" in result.output


def test_guest_and_topic_merge(runner: FlaskCliRunner, session: Session, episode: Episode) -> None:
    ada = writes.find_or_create_guest(session, "Ada")
    ada2 = writes.find_or_create_guest(session, "Ada L")
    writes.credit_guest(session, episode, ada2)
    add_topic(session, episode, "Tech")
    writes.find_or_create_topic(session, "Technology")
    session.commit()
    result = runner.invoke(args=["guest", "merge", "ada", "ada-l"])
    assert result.exit_code == 0, result.output
    assert "1 appearance moved" in result.output
    result = runner.invoke(args=["topic", "merge", "technology", "tech"])
    assert result.exit_code == 0, result.output
    assert _count(session, Guest) == 1
    assert session.scalar(select(Appearance.guest_id)) == ada.id
    assert guests_topics.resolve_slug_redirect(session, "topic", "tech") == "technology"


def test_episode_add_points_out_a_duplicate_upload(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    make_show(session, slug="leaders")
    session.commit()
    audio = write_mp3(tmp_path / "talk.mp3", seconds=2.0, seed=5)
    base = ["episode", "add", str(audio), "--show", "leaders"]
    first = runner.invoke(args=[*base, "--title", "First", "--publish"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=[*base, "--title", "Again"])
    assert again.exit_code == 1
    assert "already uploaded as 'First' (leaders/first)" in again.output
    assert _count(session, Episode) == 1
    forced = runner.invoke(args=[*base, "--title", "Again", "--allow-duplicate"])
    assert forced.exit_code == 0, forced.output
    assert _count(session, Episode) == 2
    published = session.scalars(select(Episode).where(Episode.slug == "first")).one()
    assert (
        str(ID3(Path(runner.app.config["EPISODES_DIR"]) / str(published.audio_file))["TIT2"])
        == "First"
    )


def test_replace_audio_keeps_the_guid(
    runner: FlaskCliRunner, session: Session, episode: Episode, episodes_dir: Path, tmp_path: Path
) -> None:
    old_file, guid = episode.audio_file, episode.guid
    audio = write_mp3(tmp_path / "longer.mp3", seconds=6.0, seed=42)
    result = runner.invoke(args=["episode", "replace-audio", f"leaders/{episode.slug}", str(audio)])
    assert result.exit_code == 0, result.output
    session.refresh(episode)
    assert (episode.guid, episode.audio_file != old_file) == (guid, True)
    assert episode.duration_seconds is not None and episode.duration_seconds > 5
    assert not (episodes_dir / str(old_file)).exists()
    assert {p.name for p in (episodes_dir / "leaders").iterdir()} == {
        Path(str(episode.audio_file)).name
    }


def test_replace_audio_refuses_a_non_audio_file(
    runner: FlaskCliRunner, session: Session, episode: Episode, episodes_dir: Path, tmp_path: Path
) -> None:
    old_file = episode.audio_file
    fake = tmp_path / "fake.mp3"
    fake.write_bytes(b"not audio at all" * 100)
    result = runner.invoke(args=["episode", "replace-audio", f"leaders/{episode.slug}", str(fake)])
    assert result.exit_code == 1
    session.refresh(episode)
    assert episode.audio_file == old_file
    assert {p.name for p in (episodes_dir / "leaders").iterdir()} == {Path(str(old_file)).name}


def test_replace_audio_refuses_another_episodes_file_unless_allowed(
    runner: FlaskCliRunner, session: Session, episode: Episode, episodes_dir: Path, tmp_path: Path
) -> None:
    audio = write_mp3(tmp_path / "talk.mp3", seconds=3.0, seed=77)
    added = runner.invoke(args=["episode", "add", str(audio), "--show", "leaders",
                                "--title", "Other talk"])  # fmt: skip
    assert added.exit_code == 0, added.output
    old_file = episode.audio_file
    target = f"leaders/{episode.slug}"
    refused = runner.invoke(args=["episode", "replace-audio", target, str(audio)])
    assert refused.exit_code == 1
    assert "already uploaded as 'Other talk' (leaders/other-talk)" in refused.output
    assert "--allow-duplicate" in refused.output
    session.refresh(episode)
    assert episode.audio_file == old_file
    assert (episodes_dir / str(old_file)).exists()
    forced = runner.invoke(args=["episode", "replace-audio", target, str(audio),
                                 "--allow-duplicate"])  # fmt: skip
    assert forced.exit_code == 0, forced.output
    session.refresh(episode)
    assert episode.audio_file != old_file
    same = runner.invoke(args=["episode", "replace-audio", target, str(audio)])
    assert same.exit_code == 1
    assert f"already the audio of '{episode.title}'" in same.output
