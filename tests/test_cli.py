"""The showapp command line, through click's runner against a real database and folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.models import Appearance, Episode, EpisodeStatus, Guest, Show, Topic
from tests.factories import make_show, write_mp3

DATA = Path(__file__).parent / "data"


@pytest.fixture
def show(session: Session) -> Show:
    show = make_show(session, slug="leaders")
    session.commit()
    return show


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "args",
    [["--help"], ["init", "--help"], ["demo", "--help"], ["episode", "add", "--help"]],
)
def test_every_command_has_help(runner: FlaskCliRunner, args: list[str]) -> None:
    result = runner.invoke(args=args)
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_init_is_safe_to_run_again(runner: FlaskCliRunner) -> None:
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output


def test_init_creates_an_admin_from_the_environment(
    runner: FlaskCliRunner, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOWAPP_ADMIN_PASSWORD", "a long enough password")
    result = runner.invoke(args=["init", "--admin-email", "Boss@Example.com"])
    assert result.exit_code == 0, result.output
    from showapp.services import accounts

    user = accounts.get_user_by_email(session, "boss@example.com")
    assert user is not None and user.role == "admin"
    assert accounts.password_matches(user, "a long enough password")


def test_init_without_a_terminal_or_password_refuses_clearly(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOWAPP_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["init", "--admin-email", "boss@example.com"])
    assert result.exit_code != 0
    assert "SHOWAPP_ADMIN_PASSWORD" in result.output


def test_demo_seeds_a_full_show_and_a_second_run_changes_nothing(
    runner: FlaskCliRunner, session: Session, episodes_dir: Path
) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    counts = {m: _count(session, m) for m in (Show, Episode, Guest, Topic, Appearance)}
    files = _files(episodes_dir)
    assert counts[Show] == 1
    assert counts[Episode] >= 12 and counts[Guest] >= 8 and counts[Topic] >= 6
    assert counts[Appearance] >= counts[Episode] - 1
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "0 episodes added" in result.output
    assert {m: _count(session, m) for m in counts} == counts
    assert _files(episodes_dir) == files


def test_demo_if_empty_leaves_an_existing_install_alone(
    runner: FlaskCliRunner, show: Show, session: Session
) -> None:
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert _count(session, Show) == 1


def test_episode_add_reads_the_audio_and_publishes(
    runner: FlaskCliRunner, show: Show, session: Session, episodes_dir: Path, tmp_path: Path
) -> None:
    audio = write_mp3(tmp_path / "Interview FINAL (2).mp3", seconds=5)
    result = runner.invoke(
        args=[
            "episode",
            "add",
            str(audio),
            "--show",
            "leaders",
            "--title",
            "Finding a sponsor",
            "--guest",
            "Grace Hopper",
            "--topic",
            "Sponsorship",
            "--topic",
            "Careers",
            "--publish",
        ]  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    episode = session.scalars(select(Episode)).one()
    assert episode.status == EpisodeStatus.PUBLISHED
    assert episode.slug == "finding-a-sponsor"
    assert episode.audio_mime == "audio/mpeg"
    assert episode.duration_seconds == pytest.approx(5, abs=0.2)
    assert episode.audio_file is not None and episode.audio_file.startswith("leaders/")
    stored = episodes_dir / episode.audio_file
    # Publishing tags the file: the same audio frames behind an ID3v2.4 tag.
    assert episode.audio_bytes == stored.stat().st_size > audio.stat().st_size
    assert stored.read_bytes().endswith(audio.read_bytes())
    assert _files(episodes_dir) == {stored}
    assert "Interview" not in episode.audio_file  # the client's name is never used
    assert _count(session, Topic) == 2 and _count(session, Appearance) == 1


def test_episode_add_accepts_m4a(
    runner: FlaskCliRunner, show: Show, session: Session, tmp_path: Path
) -> None:
    audio = shutil.copy(DATA / "tone.m4a", tmp_path / "tone.m4a")
    result = runner.invoke(
        args=["episode", "add", str(audio), "--show", "leaders", "--title", "AAC"]
    )
    assert result.exit_code == 0, result.output
    episode = session.scalars(select(Episode)).one()
    assert episode.audio_mime == "audio/x-m4a"
    assert episode.duration_seconds == pytest.approx(3, abs=0.1)
    assert episode.status == EpisodeStatus.DRAFT


def _truncated_mp3(tmp_path: Path) -> Path:
    whole = write_mp3(tmp_path / "whole.mp3", seconds=6).read_bytes()
    path = tmp_path / "cut.mp3"
    path.write_bytes(whole[: len(whole) * 2 // 3 + 57])
    return path


def _text_as_mp3(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp3"
    path.write_text("These are my show notes, not audio.\n" * 200)
    return path


def _truncated_m4a(tmp_path: Path) -> Path:
    path = tmp_path / "cut.m4a"
    path.write_bytes((DATA / "tone.m4a").read_bytes()[:-3000])
    return path


def _wav(tmp_path: Path) -> Path:
    path = tmp_path / "talk.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    return path


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (_text_as_mp3, "not"),
        (_truncated_mp3, "truncated"),
        (_truncated_m4a, "truncated"),
        (_wav, "not a supported audio file"),
    ],
)
def test_episode_add_refuses_bad_audio_and_leaves_nothing(
    runner: FlaskCliRunner,
    show: Show,
    session: Session,
    episodes_dir: Path,
    tmp_path: Path,
    make_file: object,
    message: str,
) -> None:
    before = _files(episodes_dir)
    bad = make_file(tmp_path)  # type: ignore[operator]
    result = runner.invoke(args=["episode", "add", str(bad), "--show", "leaders", "--title", "X"])
    assert result.exit_code != 0
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1 and message in error_lines[0]
    assert _count(session, Episode) == 0
    assert _files(episodes_dir) == before


def test_episode_add_to_an_unknown_show_fails_clearly(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    audio = write_mp3(tmp_path / "a.mp3")
    result = runner.invoke(args=["episode", "add", str(audio), "--show", "nope", "--title", "X"])
    assert result.exit_code != 0
    assert "No show has that slug" in result.output


def test_episode_add_with_a_taken_slug_is_refused(
    runner: FlaskCliRunner, show: Show, session: Session, episodes_dir: Path, tmp_path: Path
) -> None:
    audio = write_mp3(tmp_path / "a.mp3")
    args = ["episode", "add", str(audio), "--show", "leaders", "--title", "One", "--slug", "one",
            "--allow-duplicate"]  # fmt: skip
    assert runner.invoke(args=args).exit_code == 0
    files = _files(episodes_dir)
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "already uses the address 'one'" in result.output
    assert _count(session, Episode) == 1
    assert _files(episodes_dir) == files


def test_commands_refuse_an_unmigrated_database(tmp_path: Path, app: Flask) -> None:
    from showapp import create_app

    fresh = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}",
            "EPISODES_DIR": str(tmp_path / "media"),
            "SECRET_KEY": "x",
        },  # fmt: skip
        check_migrations=False,
    )
    result = fresh.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "not migrated" in result.output and "Run: showapp init" in result.output
