"""`showapp episode add` numbers an episode as the studio's upload does: the show's next
number unless --number says otherwise, and the feed carries it."""

from __future__ import annotations

from pathlib import Path

import feedparser
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode
from tests.factories import make_show, write_mp3


def _add(runner: FlaskCliRunner, audio: Path, title: str, *extra: str) -> str:
    args = ["episode", "add", str(audio), "--show", "leaders", "--title", title, *extra]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def test_episode_add_publish_gives_the_next_number(
    runner: FlaskCliRunner, client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    make_show(session, slug="leaders", title="Leaders")
    session.commit()
    first = _add(runner, write_mp3(tmp_path / "a.mp3", seed=1), "One", "--publish")
    assert "number 1" in first
    _add(runner, write_mp3(tmp_path / "b.mp3", seed=2), "Two", "--publish")
    _add(runner, write_mp3(tmp_path / "c.mp3", seed=3), "Ten", "--publish", "--number", "10")
    _add(runner, write_mp3(tmp_path / "d.mp3", seed=4), "After ten", "--publish")
    numbers = dict(session.execute(select(Episode.title, Episode.number)).tuples().all())
    assert numbers == {"One": 1, "Two": 2, "Ten": 10, "After ten": 11}
    feed = feedparser.parse(client.get("/leaders/feed.xml").data)
    assert {e.title: e.itunes_episode for e in feed.entries} == {
        "One": "1", "Two": "2", "Ten": "10", "After ten": "11",
    }  # fmt: skip
