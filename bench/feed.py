"""Feed benchmark: render cost against feedgen alone, and HTTP throughput against nginx.

    .venv/bin/python bench/feed.py            # everything (about ten minutes)
    .venv/bin/python bench/feed.py --no-http  # render figures only

Seeds shows of 100, 1,000 and 10,000 episodes into a temporary SQLite database (bulk inserts),
then prints side-by-side figures and ratios. Servers bind 127.0.0.1 on free ports and are
stopped at the end; each load run lasts about 3 seconds.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import feed_baseline  # noqa: E402
from showapp import create_app, db  # noqa: E402
from showapp.models import (  # noqa: E402
    Appearance,
    Episode,
    EpisodeStatus,
    Guest,
    Show,
    Topic,
    episode_topics,
)
from showapp.services.catalog import editing, writes  # noqa: E402
from showapp.services.catalog.text import render_notes  # noqa: E402
from showapp.services.feeds import queries as feed_queries  # noqa: E402
from showapp.services.feeds import rebuild as feed_rebuild  # noqa: E402
from showapp.services.feeds import rendering as feed_rendering  # noqa: E402
from showapp.services.feeds import rows as feed_rows  # noqa: E402
from showapp.services.feeds import rss  # noqa: E402
from showapp.services.feeds.files import FeedFiles  # noqa: E402
from showapp.services.feeds.items import Item  # noqa: E402

SIZES = (100, 1_000, 10_000)
ROUNDS = 5
DJANGO_CAST_1000 = (
    2.75  # seconds, django-cast rendering a 1,000-episode feed (measured when feeds were built)
)
BASE_URL = "https://podcast.example.org"
NOTES = """Our guest runs a {n}-person team and talks about the mentor who changed her mind.

## In this episode

- (02:10) The first manager who *listened*
- (11:45) Sponsorship versus mentoring & why both matter
- (24:30) What she would tell her younger self

Mentioned: [the report](https://example.com/report-{n}) and [her blog](https://example.org/b).
"""


def seed(url: str, episodes: int) -> None:
    """One show of `episodes` episodes with guests and topics, by bulk inserts."""
    app = create_app(_config(url), check_migrations=False)
    db.upgrade(app)
    now = datetime.now(UTC)
    with app.app_context(), db.new_session(app) as session:
        feed_url = f"{BASE_URL}/bench/feed.xml"
        show = writes.create_show(
            session, slug="bench", title="Bench & Mentors", feed_url=feed_url,
            description="A benchmark show.", author="Ada Host", owner_name="Ada Host",
            owner_email="ada@example.com", category="Business", subcategory="Management",
        )  # fmt: skip
        show.artwork = "bench/cover.png"
        session.commit()
        connection = session.connection()
        connection.execute(insert(Guest), [
            {"slug": f"guest-{g}", "name": f"Guest Number {g}", "bio": "", "links":
             [f"https://example.com/people/{g}"], "organisation": "", "job_title": ""}
            for g in range(300)
        ])  # fmt: skip
        connection.execute(insert(Topic), [
            {"slug": f"topic-{t}", "name": f"Topic {t}", "description": ""} for t in range(10)
        ])  # fmt: skip
        connection.execute(insert(Episode), [_episode(show.id, n, now) for n in range(episodes)])
        ids = list(connection.scalars(select(Episode.id).order_by(Episode.id)))
        guest_ids = list(connection.scalars(select(Guest.id)))
        topic_ids = list(connection.scalars(select(Topic.id)))
        connection.execute(insert(Appearance), [
            {"episode_id": e, "guest_id": guest_ids[(i * 7 + k) % len(guest_ids)], "role":
             "guest", "group": "cast", "organisation": "", "job_title": "", "position": k}
            for i, e in enumerate(ids) for k in range(1 + i % 2)
        ])  # fmt: skip
        connection.execute(insert(episode_topics), [
            {"episode_id": e, "topic_id": topic_ids[i % len(topic_ids)]} for i, e in enumerate(ids)
        ])  # fmt: skip
        session.commit()
    db.get_engine(app).dispose()


def _episode(show_id: int, n: int, now: datetime) -> dict[str, Any]:
    notes = NOTES.format(n=n)
    return {
        "show_id": show_id, "guid": str(uuid.uuid4()), "slug": f"episode-{n}",
        "title": f"Episode {n}: mentors, sponsors & the long game", "summary": "",
        "notes_md": notes, "notes_html": render_notes(notes), "status": "published",
        "published_at": now - timedelta(hours=n + 1), "season": 1 + n // 100,
        "number": n + 1, "episode_type": "full", "explicit": False, "artwork": None,
        "audio_file": f"bench/episode-{n}.mp3", "audio_bytes": 30_000_000 + n,
        "audio_mime": "audio/mpeg", "duration_seconds": 1800.0 + n, "version": 1,
    }  # fmt: skip


def _config(url: str) -> dict[str, Any]:
    episodes_dir = Path(url.removeprefix("sqlite:///")).parent / "episodes"
    return {"TESTING": True, "DATABASE_URL": url, "EPISODES_DIR": str(episodes_dir),
            "FEED_CACHE_DIR": str(episodes_dir.parent / "feeds"), "BASE_URL": BASE_URL,
            "SECRET_KEY": "bench"}  # fmt: skip


def _paused(action: Callable[[], object]) -> object:
    # Same conditions as our renderer, which pauses the cyclic GC while it builds a feed.
    with rss.gc_paused():
        return action()


def best_interleaved(runs: int, actions: list[Callable[[], object]]) -> list[float]:
    """Each action's best time over `runs` rounds, the actions taking turns in every round, so
    that a slow spell of this shared machine hits them all alike."""
    timings: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, times in zip(actions, timings, strict=True):
            gc.collect()
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return [min(times) for times in timings]


def render_figures(workdir: Path, sizes: list[int]) -> dict[int, str]:
    print(f"## Render (seconds, best of {ROUNDS} interleaved rounds; database load included)\n")
    print(
        "feedgen, same items: feedgen with a minimal Podcasting 2.0 extension writing every tag "
        "we write (bench/feed_baseline.py); fewer tags: feedgen's podcast extension alone.\n"
    )
    print("| episodes | feedgen, same items | feedgen, fewer tags | cold render | "
          "cold/same (goal <= 1.3) | cold/fewer | after 1 edit | edit/cold (goal <= 0.1) | "
          "after an editor save | vs django-cast 2.75 s |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    urls: dict[int, str] = {}
    for size in sizes:
        url = f"sqlite:///{workdir}/bench-{size}.sqlite3"
        seed(url, size)
        urls[size] = url
        print(_render_row(url, size), flush=True)
    return urls


def _render_row(url: str, size: int) -> str:
    app = create_app(_config(url))
    site = feed_rendering.FeedSite(BASE_URL, "Bench network")
    ref = feed_rendering.FeedRef("show", show_slug="bench")
    with app.app_context(), db.new_session(app) as session:
        now = datetime.now(UTC)
        rendered = feed_rendering.render(session, ref, site, now)
        assert rendered is not None
        items = _items(session, site, now)
        same = feed_baseline.same_items(items)
        # The baseline is only fair if its items carry the same tags as ours.
        assert feed_baseline.item_tags(same) == feed_baseline.item_tags(rendered.body)
        cold, alone, fewer = best_interleaved(ROUNDS, [
            lambda: feed_rendering.render(session, ref, site, now),
            lambda: _paused(lambda: feed_baseline.same_items(items)),
            lambda: _paused(lambda: feed_baseline.fewer_tags(items)),
        ])  # fmt: skip
        files = app.extensions["showapp.feedfiles"]
        edited = _time_rebuild_after_edit(session, ref, site, files, _retitle)
        saved = _time_rebuild_after_edit(session, ref, site, files, _editor_save)
    cast = f"{DJANGO_CAST_1000 / cold:.1f}x faster (goal >= 10x)" if size == 1_000 else "–"
    db.get_engine(app).dispose()
    return (f"| {size:,} | {alone:.4f} | {fewer:.4f} | {cold:.4f} | {cold / alone:.2f} | "
            f"{cold / fewer:.2f} | {edited:.4f} | {edited / cold:.3f} | {saved:.4f} | "
            f"{cast} |")  # fmt: skip


def _items(session: Any, site: feed_rendering.FeedSite, now: datetime) -> list[Item]:
    return feed_rows.load_items(session, feed_queries.EVERY_EPISODE, site, now, None).items


def _retitle(session: Any, episode: Episode, attempt: int) -> None:
    episode.title = f"Edited title {attempt}"


def _editor_save(session: Any, episode: Episode, attempt: int) -> None:
    """What the studio's editor does on save: the fields, and the credits and topics replaced
    (with a guest and a topic that exist, as most saves do)."""
    show = session.get(Show, episode.show_id)
    changes = editing.EpisodeChanges(
        version=episode.version, title=f"Saved title {attempt}", slug=episode.slug,
        status=EpisodeStatus.PUBLISHED, publish_at=episode.published_at,
        guests=[editing.GuestCredit("Guest Number 1")], topics=["Topic 1"],
    )  # fmt: skip
    editing.save_episode(session, show, episode, changes)


def _time_rebuild_after_edit(
    session: Any,
    ref: feed_rendering.FeedRef,
    site: feed_rendering.FeedSite,
    files: FeedFiles,
    edit: Callable[[Any, Episode, int], None],
) -> float:
    """Build the feed, edit one episode and commit, then time the rebuild the next request
    does (the same calls the feed view makes: render, write the files, store the row, commit).
    Each round edits another episode, so no round finds its items already rendered."""
    feed_rebuild.rebuild(session, ref, site, datetime.now(UTC), files)
    session.commit()
    timings = []
    ordered = select(Episode).order_by(Episode.id.desc()).limit(3)
    episodes = session.scalars(ordered.where(Episode.title.not_like("Edited title%"))).all()
    for attempt, episode in enumerate(episodes):
        edit(session, episode, attempt)
        session.commit()
        gc.collect()
        started = time.perf_counter()
        feed_rebuild.rebuild(session, ref, site, datetime.now(UTC), files)
        session.commit()
        feed_rebuild.discard_replaced_files(session)
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-http", action="store_true", help="skip the wrk runs")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="showapp-bench-") as tmp:
        workdir = Path(tmp)
        urls = render_figures(workdir, args.sizes)
        if not args.no_http:
            from bench.feed_http import http_figures

            http_figures(workdir, urls, _config)


if __name__ == "__main__":
    main()
