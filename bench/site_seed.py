"""A generated network for bench/site.py: shows of 1,000 episodes, guests, topics, credits and
the search index, bulk-inserted with Core executemany so 100,000 episodes seed in seconds."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from showapp import create_app, db
from showapp.columns import utc_now
from showapp.models import (
    Appearance,
    DailyDownloads,
    Episode,
    EpisodeStatus,
    Guest,
    SearchDocument,
    Show,
    Topic,
    episode_topics,
)
from showapp.services.catalog import guest_directory
from showapp.services.catalog.lookups import listed_guest
from showapp.services.stats import heard, rollups

VOCABULARY = """
mentor sponsor career leadership trust feedback growth promotion coaching network influence
strategy culture hiring delegation conflict negotiation burnout remote startup scale product
engineering design research sales finance operations board equity inclusion ethics change
vision habit focus decision risk failure learning writing speaking listening empathy authority
power politics visibility ambition resilience patience courage curiosity humility craft quality
speed platform data
"""
NAMES = """
Rosa Kenji Amara Lena Omar Priya Tom Ines Yuki Sam Nadia Ravi Zoe Ade Mei
|
Diaz Watanabe Okafor Novak Haddad Iyer Berg Costa Sato Reed Brennan Rao Kim
"""
WORDS = VOCABULARY.split()
GIVEN, FAMILY = (part.split() for part in NAMES.split("|"))
PER_SHOW = 1_000
BATCH = 20_000


@dataclass(frozen=True)
class Network:
    episodes: int
    shows: int
    guests: int
    topics: int

    @classmethod
    def of(cls, episodes: int) -> Network:
        """100 shows x 1,000 episodes, 20,000 guests and 500 topics at 100,000 episodes."""
        return cls(episodes, max(1, episodes // PER_SHOW), episodes // 5, max(100, episodes // 200))


def config(url: str, media: Path) -> dict[str, Any]:
    return {"TESTING": False, "DATABASE_URL": url, "EPISODES_DIR": str(media),
            "BASE_URL": "http://127.0.0.1", "SECRET_KEY": "bench"}  # fmt: skip


def seed(url: str, network: Network, media: Path) -> dict[str, Any]:
    """Migrate and fill a new database; returns what the pages need to be found."""
    rng = random.Random(7)
    app = create_app(config(url, media), check_migrations=False)
    db.upgrade(app)
    now = datetime.now(UTC)
    with db.new_session(app) as session:
        _insert(session, Show, [_show(s) for s in range(1, network.shows + 1)])
        _insert(session, Topic, [
            {"id": i, "slug": f"topic-{i}", "name": f"{WORDS[i % len(WORDS)].title()} {i}"}
            for i in range(1, network.topics + 1)
        ])  # fmt: skip
        names = {i: f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {i}"
                 for i in range(1, network.guests + 1)}  # fmt: skip
        _insert(session, Guest, [
            {"id": i, "slug": f"guest-{i}", "name": name, "links": [], "organisation": "Acme",
             "job_title": "CTO"}
            for i, name in names.items()
        ])  # fmt: skip
        episodes = [_episode(i, network, now, rng) for i in range(1, network.episodes + 1)]
        _insert(session, Episode, episodes)
        credits = [
            {"episode_id": e, "guest_id": (e * 7 + k * 13) % network.guests + 1, "position": k,
             "organisation": "Initech", "job_title": "VP"}
            for e in range(1, network.episodes + 1) for k in range(1 + e % 2)
        ]  # fmt: skip
        _insert(session, Appearance, credits)
        tags = [
            {"episode_id": e, "topic_id": (e * 3 + k * 17) % network.topics + 1}
            for e in range(1, network.episodes + 1) for k in range(3)
        ]  # fmt: skip
        session.execute(insert(episode_topics), tags)
        _insert(session, DailyDownloads, _daily_downloads(network, now))
        for show_id in range(1, network.shows + 1):
            rollups.refresh_show_episode_days(session, show_id)  # as the rollup would
        heard.refresh(session, now)
        _index(session, episodes, credits, tags, names)
        session.commit()
        deep_guest = _last_directory_page(session)
    db.get_engine(app).dispose()
    middle = network.episodes // 2
    return {"show": f"show-{(middle - 1) // PER_SHOW + 1}" if network.shows > 1 else "show-1",
            "episode": f"episode-{middle}", "guest": "guest-5", "topic": "topic-7",
            "last_page": -(-min(network.episodes, PER_SHOW) // 20),
            "deep_guest": deep_guest}  # fmt: skip


def _last_directory_page(session: Session) -> int | None:
    """The guest the directory's last page of 48 starts after: the deepest page site.py asks
    (the one the numbered pages made walk every name)."""
    listed = session.scalar(select(func.count()).where(listed_guest(utc_now()))) or 0
    pages = max(2, -(-listed // guest_directory.GUESTS_PER_PAGE))
    return guest_directory.guest_before_page(session, pages)


def _daily_downloads(network: Network, now: datetime) -> list[dict[str, Any]]:
    """Counted downloads for the studio's figures: each show's 20 newest episodes on each of
    the last 30 days, from two apps (120,000 rows at 100,000 episodes)."""
    today = now.date()
    return [
        {"day": today - timedelta(days=d), "episode_id": e, "app": app, "platform": "iOS",
         "source": "app", "country": "DE", "downloads": 1 + (e + d) % 7}
        for s in range(network.shows)
        for e in range(s * PER_SHOW + 1, s * PER_SHOW + 21)
        for d in range(30)
        for app in ("Overcast", "Apple Podcasts")
    ]  # fmt: skip


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    # Core executemany on the table: no ORM bookkeeping per row.
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model.__table__), rows[start : start + BATCH])


def _show(i: int) -> dict[str, Any]:
    return {"id": i, "slug": f"show-{i}", "title": f"Bench Show {i}",
            "description": "Interviews.", "podcast_guid": str(uuid.uuid4()),
            "spotify_url": "https://open.spotify.com/x"}  # fmt: skip


def _episode(i: int, network: Network, now: datetime, rng: random.Random) -> dict[str, Any]:
    title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
    notes = " ".join(rng.choice(WORDS) for _ in range(60))
    return {
        "id": i, "show_id": (i - 1) // PER_SHOW + 1 if network.shows > 1 else 1,
        "guid": str(uuid.uuid4()), "slug": f"episode-{i}",
        "title": f"{title} ({i})", "summary": notes[:120], "notes_md": notes,
        "notes_html": f"<p>{notes}</p>",
        "status": EpisodeStatus.PUBLISHED, "published_at": now - timedelta(minutes=i),
        "audio_file": f"bench/episode-{i}.mp3", "audio_bytes": 1000, "audio_mime": "audio/mpeg",
        "duration_seconds": 1800.0, "number": i, "version": 1,
    }  # fmt: skip


def _index(
    session: Session,
    episodes: list[dict[str, Any]],
    credits: list[dict[str, Any]],
    tags: list[dict[str, Any]],
    names: dict[int, str],
) -> None:
    """The search rows the app would write (the notes are plain words, so their plain text is
    themselves), then the FTS5 index rebuilt once instead of a trigger call per row."""
    guests: dict[int, list[str]] = {}
    for credit in credits:
        credited = f"{names[credit['guest_id']]} Initech VP"
        guests.setdefault(credit["episode_id"], []).append(credited)
    topics: dict[int, list[str]] = {}
    for tag in tags:
        topics.setdefault(tag["episode_id"], []).append(WORDS[tag["topic_id"] % len(WORDS)])
    rows = [
        {"episode_id": e["id"], "show_id": e["show_id"], "published_at": e["published_at"],
         "title": e["title"], "body": f"{e['summary']} {e['notes_md']}",
         "guests": " ".join(guests.get(e["id"], [])), "topics": " ".join(topics[e["id"]]),
         "transcript": ""}
        for e in episodes
    ]  # fmt: skip
    # The full-text indexes are built once after the rows, not row by row by their triggers.
    indexes = ("search_fts", "search_fts_titles")
    triggers: list[str] = []
    if session.get_bind().dialect.name == "sqlite":
        for index in indexes:
            triggers.append(session.execute(
                text(f"SELECT sql FROM sqlite_master WHERE name = '{index}_ai'")
            ).scalar_one())  # fmt: skip
            session.execute(text(f"DROP TRIGGER {index}_ai"))
    _insert(session, SearchDocument, rows)
    if triggers:
        for index, trigger in zip(indexes, triggers, strict=True):
            session.execute(text(f"INSERT INTO {index}({index}) VALUES ('rebuild')"))
            session.execute(text(trigger))
