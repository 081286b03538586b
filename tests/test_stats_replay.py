"""Replay a generated access log with a known answer through the real recording and rollup.

Every simulated listener follows one scenario whose correct count follows from the rules
(once per listener, episode and 24 hours; at least one minute of audio, or the whole file when
shorter; no probes, bots, HEADs or pre-release hits). The log interleaves thousands of
requests from hundreds of listeners, and rollups run every few hours of log time.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from showapp.media.recorder import get_recorder
from showapp.models import DailyDownloads, Episode, ListenerSalt, MediaRequest
from showapp.services.stats import counting, recording, rollups
from tests.factories import make_episode, make_show

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
# Real user agents (OPAWG examples) and the app each one is.
APPS = {
    "Podcasts/1410.53 CFNetwork/1111 Darwin/19.0.0 (x86_64)": "Apple Podcasts",
    "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)": "Overcast",
    "Pocket%20Casts/7.96.0.4 CFNetwork/3826.600.41 Darwin/24.6.0": "Pocket Casts",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36": "Chrome",
}
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@dataclass(frozen=True)
class Audio:
    name: str
    size: int
    threshold: int
    published: datetime


@dataclass
class Listener:
    address: str
    agent: str
    hits: list[recording.Hit]
    expected: list[tuple[str, datetime]]  # (audio name, when the download counts)

    def get(self, audio: Audio, at: datetime, span: tuple[int, int] | None = None) -> None:
        header = None if span is None else f"bytes={span[0]}-{span[1]}"
        self.hits.append(
            recording.Hit(audio.name, at, "GET", self.address, self.agent, header, None, None)
        )

    def head(self, audio: Audio, at: datetime) -> None:
        self.hits.append(
            recording.Hit(audio.name, at, "HEAD", self.address, self.agent, None, None, None)
        )

    def counts(self, audio: Audio, at: datetime) -> None:
        self.expected.append((audio.name, at))


Scenario = Callable[[Listener, Audio, datetime, random.Random], None]


def full_once(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    who.get(audio, t)
    who.counts(audio, t)


def repeats_within_a_day(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    for hours in (0, 2, 13, 23.5):
        who.get(audio, t + timedelta(hours=hours))
    who.counts(audio, t)


def again_after_a_day(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    who.get(audio, t)
    who.get(audio, t + timedelta(hours=25))
    who.counts(audio, t)
    who.counts(audio, t + timedelta(hours=25))


def probe_only(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    who.get(audio, t, (0, 1))
    who.get(audio, t + timedelta(seconds=5), (0, 1))


def probe_then_ranges(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Apple's way: a bytes=0-1 probe, then consecutive chunks; counts when a minute is in."""
    who.get(audio, t, (0, 1))
    chunk = max(audio.size // 8, 3)
    got = 0
    at = t
    while got < audio.size:
        at += timedelta(seconds=rng.randint(1, 90))
        last = min(got + chunk, audio.size) - 1
        who.get(audio, at, (got, last))
        if got < audio.threshold <= last + 1:
            who.counts(audio, at)
        got = last + 1


def same_range_retried(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    span = (0, audio.threshold // 2)
    for n in range(5):
        who.get(audio, t + timedelta(minutes=n), span)


def bot_fetch(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    bot = Listener(who.address, BOT, who.hits, who.expected)
    bot.get(audio, t)
    bot.get(audio, t + timedelta(hours=30))


def head_only(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    who.head(audio, t)
    who.head(audio, t + timedelta(hours=1))


def before_release(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    early = audio.published - timedelta(minutes=rng.randint(1, 300))
    who.get(audio, early)
    later = audio.published + timedelta(minutes=rng.randint(1, 120))
    who.get(audio, later)
    who.counts(audio, later)


def across_midnight(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Full at 23:50 and again at 00:10: one download, though the salt changed in between."""
    night = datetime.combine(t.date(), datetime.min.time(), UTC) + timedelta(hours=23, minutes=50)
    who.get(audio, night)
    who.get(audio, night + timedelta(minutes=20))
    who.counts(audio, night)


def ranges_across_midnight(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Half the file before midnight and half after: counts after midnight, once."""
    night = datetime.combine(t.date(), datetime.min.time(), UTC) + timedelta(hours=23, minutes=58)
    half = audio.size // 2
    who.get(audio, night, (0, half - 1))
    who.get(audio, night + timedelta(minutes=4), (half, audio.size - 1))
    who.counts(audio, night + timedelta(minutes=4))
    who.get(audio, night + timedelta(hours=3))


def short_of_the_threshold(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    who.get(audio, t, (0, audio.threshold - 2))
    who.get(audio, t + timedelta(minutes=3), (audio.threshold // 4, audio.threshold - 2))


SCENARIOS: list[Scenario] = [
    full_once,
    repeats_within_a_day,
    again_after_a_day,
    probe_only,
    probe_then_ranges,
    same_range_retried,
    bot_fetch,
    head_only,
    before_release,
    across_midnight,
    ranges_across_midnight,
    short_of_the_threshold,
]


def generate_log(audios: list[Audio], listeners: int, seed: int) -> list[Listener]:
    rng = random.Random(seed)
    people = []
    for n in range(listeners):
        who = Listener(f"198.51.{n // 250}.{n % 250}", rng.choice(list(APPS)), [], [])
        audio = rng.choice(audios)
        t = audio.published + timedelta(minutes=rng.randint(1, 3 * 24 * 60))
        SCENARIOS[n % len(SCENARIOS)](who, audio, t, rng)
        people.append(who)
    return people


@pytest.fixture
def audios(session: Session, episodes_dir: Path) -> list[Audio]:
    show = make_show(session, slug="replay")
    long = make_episode(session, show, episodes_dir, seconds=90, published_at=START)
    short = make_episode(
        session, show, episodes_dir, seconds=20, published_at=START + timedelta(hours=30)
    )
    session.commit()
    return [_audio(long), _audio(short)]


def _audio(episode: Episode) -> Audio:
    assert episode.audio_file and episode.audio_bytes and episode.published_at
    threshold = counting.one_minute_threshold(episode.audio_bytes, episode.duration_seconds)
    return Audio(episode.audio_file, episode.audio_bytes, threshold, episode.published_at)


def _daily(session: Session) -> Counter[tuple[int, date]]:
    rows = session.execute(
        select(
            DailyDownloads.episode_id, DailyDownloads.day, func.sum(DailyDownloads.downloads)
        ).group_by(DailyDownloads.episode_id, DailyDownloads.day)
    )
    return Counter({(episode_id, day): int(n) for episode_id, day, n in rows})


def _replay(app: Flask, session: Session, people: list[Listener]) -> int:
    recorder = get_recorder(app)
    assert recorder is not None
    hits = sorted((hit for who in people for hit in who.hits), key=lambda hit: hit.at)
    block = None
    for hit in hits:
        # A rollup every six hours of log time, as cron would run it.
        if block is not None and hit.at.hour // 6 != block:
            recorder.flush()
            rollups.rollup(session)
            session.commit()
        block = hit.at.hour // 6
        recorder.record(hit)
    recorder.flush()
    return len(hits)


def test_replayed_log_gives_exactly_the_expected_counts(
    app: Flask, session: Session, audios: list[Audio]
) -> None:
    long, short = audios
    assert long.threshold < long.size and short.threshold == short.size
    people = generate_log(audios, listeners=720, seed=8)
    requests = _replay(app, session, people)
    assert requests > 2000
    rollups.rollup(session)
    session.commit()

    ids = {
        name: id_
        for name, id_ in session.execute(select(Episode.audio_file, Episode.id))
        if name is not None
    }
    expected = Counter(
        (ids[name], at.astimezone(UTC).date()) for who in people for name, at in who.expected
    )
    assert session.scalar(select(func.count()).select_from(MediaRequest)) == requests
    assert _daily(session) == expected
    assert sum(expected.values()) > 400

    show_id = session.scalar(select(Episode.show_id).limit(1))
    assert show_id is not None
    period = (START.date() - timedelta(days=1), START.date() + timedelta(days=10))
    expected_apps = Counter(APPS[who.agent] for who in people for _ in who.expected)
    assert dict(rollups.by_app(session, show_id, *period)) == dict(expected_apps)

    # Run again: nothing new to read, the same totals.
    again = rollups.rollup(session)
    session.commit()
    assert again.requests_read == 0
    assert _daily(session) == expected
    # Only the last two days' salts remain.
    assert session.scalar(select(func.count()).select_from(ListenerSalt)) == 2
