"""`showapp demo` gives some episodes chapters, a transcript timed to their audio and a
soundbite, served to players and listed in the feed like a host's own."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from showapp import db
from showapp.models import Chapter, Episode, Soundbite, Transcript
from showapp.services.catalog import transcripts
from showapp.services.demo.rich_content import RICH_EPISODES
from showapp.services.demo.tones import NOTE_SECONDS

PODCAST = "{https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md}"
SHOW = "mentors-and-sponsors"


def _counts(session: Session) -> dict[str, int]:
    session.rollback()
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Chapter, Transcript, Soundbite)}  # fmt: skip


def test_demo_episodes_carry_timed_parts_that_players_and_the_feed_see(
    app: Flask, demo: None, session: Session
) -> None:
    client = app.test_client()
    feed = ET.fromstring(client.get(f"/{SHOW}/feed.xml").data)
    items = {item.findtext("link", "").rstrip("/").rsplit("/", 1)[-1]: item
             for item in feed.iter("item")}  # fmt: skip
    for slug, data in RICH_EPISODES.items():
        episode = session.scalars(select(Episode).where(Episode.slug == slug)).one()
        duration = episode.duration_seconds or 0.0
        base = f"/media/{SHOW}/{slug}"

        vtt = client.get(f"{base}/transcript.vtt")
        assert vtt.status_code == 200 and vtt.mimetype == "text/vtt"
        cues = transcripts.parse_transcript(vtt.get_data(as_text=True), "vtt")
        assert [(c.speaker, c.text) for c in cues] == data["transcript"]
        # Timed to the audio: back to back on note boundaries, ending with the last whole note.
        assert cues[0].start == 0
        assert all(a.end == b.start for a, b in zip(cues, cues[1:], strict=False))
        assert all(abs(c.end / NOTE_SECONDS - round(c.end / NOTE_SECONDS)) < 1e-6 for c in cues)
        assert duration - NOTE_SECONDS < cues[-1].end <= duration

        document = client.get(f"{base}/chapters.json")
        assert document.status_code == 200
        chapters = json.loads(document.data)["chapters"]
        assert [c["title"] for c in chapters] == data["chapters"]
        starts = [c["startTime"] for c in chapters]
        assert starts[0] == 0 and starts == sorted(starts) and starts[-1] < duration
        assert set(starts) <= {c.start for c in cues}

        item = items[slug]
        assert item.find(f"{PODCAST}chapters") is not None
        types = {t.get("type") for t in item.iter(f"{PODCAST}transcript")}
        assert types == {"text/vtt", "text/plain"}
        (bite,) = item.iter(f"{PODCAST}soundbite")
        start, length = float(bite.get("startTime", "")), float(bite.get("duration", ""))
        assert bite.text == data["soundbite"] and length > 0 and start + length <= duration
    # The other episodes stay plain, as most real ones are.
    assert sum(1 for item in items.values() if item.find(f"{PODCAST}chapters") is not None) == 3


def test_demo_run_again_adds_nothing_and_fills_in_missing_parts(
    app: Flask, demo: None, runner: FlaskCliRunner, session: Session
) -> None:
    before = _counts(session)
    assert before == {"Chapter": 12, "Transcript": 3, "Soundbite": 3}
    again = runner.invoke(args=["demo"])
    assert "0 episodes added, 0 episode parts (chapters" in again.output
    assert _counts(session) == before
    # A demo seeded before episodes had parts gets them on the next run.
    with db.new_session(app) as other:
        other.execute(delete(Soundbite))
        other.execute(delete(Transcript))
        other.commit()
    third = runner.invoke(args=["demo"])
    assert "0 episodes added, 6 episode parts (chapters" in third.output
    assert _counts(session) == before
