"""Give some demo episodes chapters, a transcript and a soundbite, timed to their audio.

The demo audio is a melody of notes NOTE_SECONDS long; every cue, chapter and soundbite starts
and ends on a note boundary inside the audio's measured length, so what a player highlights
changes with the music. Each part is added only when the episode has none (idempotent).
"""

from __future__ import annotations

import json
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.models import Episode, Show
from showapp.services.catalog import chapters, soundbites, transcripts
from showapp.services.demo.rich_content import RICH_EPISODES, RichData
from showapp.services.demo.tones import NOTE_SECONDS


def add_rich_parts(session: Session, show: Show) -> int:
    """Add the missing parts to the show's rich demo episodes; returns how many were added."""
    added = 0
    for slug, data in RICH_EPISODES.items():
        query = select(Episode).where(Episode.show_id == show.id, Episode.slug == slug)
        episode = session.scalars(query).one_or_none()
        if episode is None or not episode.duration_seconds:
            continue
        added += _add_missing(session, episode, data)
    return added


def _add_missing(session: Session, episode: Episode, data: RichData) -> int:
    cues = cue_times(episode.duration_seconds or 0.0, len(data["transcript"]))
    starts = chapter_starts(cues, len(data["chapters"]))
    added = 0
    if transcripts.get_transcript(session, episode) is None:
        transcripts.add_transcript(session, episode, webvtt(data, cues), filename="demo.vtt")
        added += 1
    if not chapters.list_chapters(session, episode):
        chapters.import_json_chapters(session, episode, json_chapters(data, starts))
        added += 1
    if not soundbites.list_soundbites(session, episode):
        start, end = starts[2], starts[3] if len(starts) > 3 else cues[-1][1]
        soundbites.add_soundbite(
            session, episode, start=start, duration=round(end - start, 3), title=data["soundbite"]
        )
        added += 1
    return added


def cue_times(duration: float, count: int) -> list[tuple[float, float]]:
    """`count` back-to-back (start, end) spans over the whole notes of the audio."""
    notes = math.floor(duration / NOTE_SECONDS + 1e-9)
    bounds = [round(notes * index / count) for index in range(count + 1)]
    return [
        (round(bounds[i] * NOTE_SECONDS, 3), round(bounds[i + 1] * NOTE_SECONDS, 3))
        for i in range(count)
    ]


def chapter_starts(cues: list[tuple[float, float]], count: int) -> list[float]:
    """Chapters begin with a cue, spread evenly over them; the first at 0."""
    return [cues[len(cues) * index // count][0] for index in range(count)]


def webvtt(data: RichData, cues: list[tuple[float, float]]) -> str:
    blocks = ["WEBVTT"]
    for (speaker, words), (start, end) in zip(data["transcript"], cues, strict=True):
        blocks.append(f"{_clock(start)} --> {_clock(end)}\n<v {speaker}>{words}")
    return "\n\n".join(blocks) + "\n"


def json_chapters(data: RichData, starts: list[float]) -> str:
    """A Podcasting 2.0 JSON chapters file, read through the same path as an upload."""
    items = [
        {"startTime": start, "title": title}
        for start, title in zip(starts, data["chapters"], strict=True)
    ]
    return json.dumps({"version": "1.2.0", "chapters": items})


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
