"""Replay a generated access log with a known answer through the real recording and rollup.

Every simulated listener follows one scenario whose correct count follows from the rules
(once per listener, episode and 24 hours; at least one minute of audio delivered, or the whole
file when shorter; no probes, bots, HEADs or pre-release hits; page views whose player preloads
never count). The log interleaves thousands of requests from hundreds of listeners in several
countries, rollups run every few hours of log time, and days are the show's (Sydney) days.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
CHROME = next(agent for agent, app in APPS.items() if app == "Chrome")
ZONE = ZoneInfo("Australia/Sydney")
# Address blocks and the country the registries' data (iptocc) assigns them; 192.0.2.0/24 is
# a documentation range, which no registry assigns.
COUNTRIES = {
    "8.8.4.{}": "US",
    "1.0.16.{}": "JP",
    "193.0.0.{}": "NL",
    "2001:67c:2e8::{:x}": "NL",
    "200.160.0.{}": "BR",
    "41.0.0.{}": "ZA",
    "192.0.2.{}": "",
}


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
        """A request the app answered in full: the server sent every byte asked for."""
        header = None if span is None else f"bytes={span[0]}-{span[1]}"
        first, last = span or (0, audio.size - 1)
        sent = max(min(last, audio.size - 1) - first + 1, 0)
        self.hits.append(
            recording.Hit(audio.name, at, "GET", self.address, self.agent, header, None, None, sent)
        )

    def open_range(self, audio: Audio, at: datetime, start: int, sent: int | None) -> None:
        """A web player's `bytes=start-`, of which `sent` bytes went out (None: behind nginx)."""
        header = f"bytes={start}-"
        if sent is not None:
            sent = min(sent, audio.size - start)
        self.hits.append(
            recording.Hit(
                audio.name, at, "GET", self.address, self.agent, header, "web", None, sent
            )
        )

    def aborted(self, audio: Audio, at: datetime, span: tuple[int, int], sent: int) -> None:
        header = f"bytes={span[0]}-{span[1]}"
        self.hits.append(
            recording.Hit(audio.name, at, "GET", self.address, self.agent, header, None, None, sent)
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


def page_view(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Opening the episode page: the player preloads metadata and drops the connection."""
    who.agent = CHROME
    who.open_range(audio, t, 0, min(rng.randint(4_000, 60_000), audio.size // 4))
    who.open_range(audio, t + timedelta(hours=2), 0, min(16_000, audio.size // 4))


def play_30_seconds(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Preload, then play half a minute (of a short file: half of it) and leave."""
    who.agent = CHROME
    who.open_range(audio, t, 0, 20_000)
    who.open_range(audio, t + timedelta(seconds=40), 0, audio.threshold // 2)


def play_90_seconds(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Preload, then play a minute and a half: counts when the second response ends."""
    who.agent = CHROME
    who.open_range(audio, t, 0, 20_000)
    later = t + timedelta(seconds=rng.randint(5, 600))
    who.open_range(audio, later, 0, audio.threshold * 3 // 2)
    who.counts(audio, later)


def seeks(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Plays a third of a minute, seeks to the end, back to the start (nothing new), then to
    the middle: the distinct bytes reach a minute at the last request."""
    who.agent = CHROME
    piece = -(-audio.threshold // 3)
    who.open_range(audio, t, 0, piece)
    who.open_range(audio, t + timedelta(seconds=30), audio.size - piece, piece)
    who.open_range(audio, t + timedelta(seconds=60), 0, piece)
    who.open_range(audio, t + timedelta(seconds=90), piece, piece)
    who.counts(audio, t + timedelta(seconds=90))


def aborted_range(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Asks for the whole file and hangs up after a few kilobytes."""
    who.aborted(audio, t, (0, audio.size - 1), rng.randint(1_000, 8_000))


def proxied_page_view(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Behind nginx (bytes sent unknown) a browser's open-ended range is taken as a preload."""
    who.agent = CHROME
    who.open_range(audio, t, 0, None)


def proxied_app(who: Listener, audio: Audio, t: datetime, rng: random.Random) -> None:
    """Behind nginx an app's ranges are taken at their word."""
    if APPS[who.agent] == "Chrome":
        who.agent = next(iter(APPS))
    half = audio.size // 2
    who.hits.append(
        recording.Hit(
            audio.name, t, "GET", who.address, who.agent, f"bytes=0-{half - 1}", None, None
        )
    )
    who.hits.append(
        recording.Hit(
            audio.name, t + timedelta(minutes=1), "GET", who.address, who.agent,
            f"bytes={half}-", None, None,
        )
    )  # fmt: skip
    who.counts(audio, t + timedelta(minutes=1))


SCENARIOS: list[Scenario] = [
    page_view,
    play_30_seconds,
    play_90_seconds,
    seeks,
    aborted_range,
    proxied_page_view,
    proxied_app,
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
    blocks = list(COUNTRIES)
    for n in range(listeners):
        address = blocks[n % len(blocks)].format(n // len(blocks) % 250 + 1)
        who = Listener(address, rng.choice(list(APPS)), [], [])
        audio = rng.choice(audios)
        t = audio.published + timedelta(minutes=rng.randint(1, 3 * 24 * 60))
        SCENARIOS[n % len(SCENARIOS)](who, audio, t, rng)
        people.append(who)
    return people


@pytest.fixture
def audios(session: Session, episodes_dir: Path) -> list[Audio]:
    show = make_show(session, slug="replay")
    show.timezone = ZONE.key
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


def _block(address: str) -> str:
    return next(block for block in COUNTRIES if address.startswith(block.split("{")[0]))


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
    people = generate_log(audios, listeners=1140, seed=8)
    requests = _replay(app, session, people)
    assert requests > 3000
    rollups.rollup(session)
    session.commit()

    ids = {
        name: id_
        for name, id_ in session.execute(select(Episode.audio_file, Episode.id))
        if name is not None
    }
    expected = Counter(
        (ids[name], at.astimezone(ZONE).date()) for who in people for name, at in who.expected
    )
    assert session.scalar(select(func.count()).select_from(MediaRequest)) == requests
    assert _daily(session) == expected
    assert sum(expected.values()) > 400

    show_id = session.scalar(select(Episode.show_id).limit(1))
    assert show_id is not None
    period = (START.date() - timedelta(days=1), START.date() + timedelta(days=10))
    expected_apps = Counter(APPS[who.agent] for who in people for _ in who.expected)
    assert dict(rollups.by_app(session, show_id, *period)) == dict(expected_apps)
    expected_countries = Counter(
        COUNTRIES[_block(who.address)] or "Unknown" for who in people for _ in who.expected
    )
    assert len(expected_countries) == 6
    assert dict(rollups.by_country(session, show_id, *period)) == dict(expected_countries)

    # Run again: nothing new to read, the same totals.
    again = rollups.rollup(session)
    session.commit()
    assert again.requests_read == 0
    assert _daily(session) == expected
    # Only the last two days' salts remain.
    assert session.scalar(select(func.count()).select_from(ListenerSalt)) == 2
