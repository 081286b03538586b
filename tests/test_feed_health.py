"""Feed health: what directories would reject or warn about, with what to do."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskCliRunner
from PIL import Image
from sqlalchemy.orm import Session

from showapp.services.feeds.health import feed_health
from showapp.storage import LocalStorage
from tests.factories import make_episode, make_show

HTTPS = "https://podcast.test"


def _artwork(episodes_dir: Path, name: str, size: tuple[int, int], mode: str = "RGB") -> str:
    path = episodes_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size).save(path, "PNG")
    return name


def _messages(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{p.level}: {p.message}" for p in problems]


def test_a_good_show_has_no_problems(session: Session, episodes_dir: Path) -> None:
    show = make_show(session)
    show.artwork = _artwork(episodes_dir, "s/cover.png", (1400, 1400))
    make_episode(session, show, episodes_dir)
    assert feed_health(session, show, HTTPS, storage=LocalStorage(episodes_dir)) == []


def test_show_level_problems(session: Session, episodes_dir: Path) -> None:
    show = make_show(session, owner_email="", category="Podcasting", language="english")
    show.artwork = _artwork(episodes_dir, "s/small.png", (600, 500), mode="RGBA")
    make_episode(session, show, episodes_dir)
    problems = feed_health(session, show, "http://podcast.test", storage=LocalStorage(episodes_dir))
    found = _messages(problems)
    assert "error: The feed has no owner e-mail (itunes:owner)." in found
    assert "error: 'Podcasting' is not on Apple's category list." in found
    assert "error: 'english' is not an ISO 639 language code." in found
    assert "error: The artwork is 600×500, not square." in found
    assert "error: The artwork is 600×500 pixels." in found
    assert "error: The artwork's colour mode is RGBA." in found
    assert "warning: Feed and media URLs are not https." in found
    assert all(p.fix for p in problems)
    assert [p.level for p in problems] == sorted((p.level for p in problems), key="warning".__eq__)


def test_episode_level_problems(session: Session, episodes_dir: Path) -> None:
    show = make_show(session)
    first = make_episode(session, show, episodes_dir, title="One")
    second = make_episode(session, show, episodes_dir, title="Two")
    second.audio_file = first.audio_file
    second.duration_seconds = None
    session.flush()
    found = _messages(feed_health(session, show, HTTPS))
    assert "error: 'Two' shares its audio file with another episode." in found
    assert "warning: 'Two' has no duration." in found
    assert "error: The show has no artwork." in found


def test_empty_show(session: Session) -> None:
    show = make_show(session, category="Business", subcategory="Cooking")
    found = _messages(feed_health(session, show, HTTPS))
    assert "error: The feed has no published episode." in found
    assert "warning: 'Cooking' is not a subcategory of 'Business'." in found


def test_cli_feed_check(runner: FlaskCliRunner, session: Session, episodes_dir: Path) -> None:
    make_show(session, slug="checked", owner_email="")
    session.commit()
    result = runner.invoke(args=["feed", "check", "checked"])
    assert result.exit_code == 1
    assert (
        "ERROR: The feed has no owner e-mail (itunes:owner). Set the owner e-mail" in result.output
    )
    assert "errors," in result.output
    assert runner.invoke(args=["feed", "check", "nope"]).exit_code != 0


def test_cli_feed_check_demo_passes(runner: FlaskCliRunner, demo: None) -> None:
    result = runner.invoke(args=["feed", "check", "mentors-and-sponsors"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output
