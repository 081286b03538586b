"""Benchmark the public site: requests/s under gunicorn relative to a hello-world Flask app,
deep pages against first pages, and SQL queries per page at two data sizes.

    .venv/bin/python bench/site.py [--seconds 3]

Seeds 10,000 episodes, 2,000 guests and 100 topics into a temporary SQLite database with
bulk inserts, serves it with gunicorn on 127.0.0.1 and measures with wrk. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import free_port  # noqa: E402
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
from showapp.services.search import index as search_index  # noqa: E402

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

HELLO_APP = """
from flask import Flask
app = Flask(__name__)

@app.get("/")
def hello():
    return "Hello, World!"
"""


def seed(url: str, episodes: int, guests: int, topics: int, media: Path) -> dict[str, Any]:
    """Bulk-insert a network of one big show; returns what the pages need to be found."""
    rng = random.Random(7)
    app = create_app(_config(url, media), check_migrations=False)
    db.upgrade(app)
    now = datetime.now(UTC)
    with db.new_session(app) as session:
        session.execute(insert(Show), [{
            "id": 1, "slug": "bench", "title": "Bench Show", "description": "Interviews.",
            "podcast_guid": str(uuid.uuid4()), "spotify_url": "https://open.spotify.com/x",
        }])  # fmt: skip
        session.execute(insert(Topic), [
            {"id": i, "slug": f"topic-{i}", "name": f"{WORDS[i % len(WORDS)].title()} {i}"}
            for i in range(1, topics + 1)
        ])  # fmt: skip
        session.execute(insert(Guest), [
            {"id": i, "slug": f"guest-{i}", "name": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {i}",
             "links": [], "organisation": "Acme", "job_title": "CTO"}
            for i in range(1, guests + 1)
        ])  # fmt: skip
        session.execute(insert(Episode), [_episode(i, now, rng) for i in range(1, episodes + 1)])
        session.execute(insert(Appearance), [
            {"episode_id": e, "guest_id": (e * 7 + k * 13) % guests + 1, "position": k,
             "organisation": "Initech", "job_title": "VP"}
            for e in range(1, episodes + 1) for k in range(1 + e % 2)
        ])  # fmt: skip
        session.execute(insert(episode_topics), [
            {"episode_id": e, "topic_id": (e * 3 + k * 17) % topics + 1}
            for e in range(1, episodes + 1) for k in range(3)
        ])  # fmt: skip
        search_index.reindex_all(session)
        session.commit()
    db.get_engine(app).dispose()
    return {"episode": f"episode-{episodes // 2}", "guest": "guest-5", "topic": "topic-7",
            "last_page": -(-episodes // 20), "word": "courage"}  # fmt: skip


def _episode(i: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
    notes = " ".join(rng.choice(WORDS) for _ in range(60))
    return {
        "id": i, "show_id": 1, "guid": str(uuid.uuid4()), "slug": f"episode-{i}",
        "title": f"{title} ({i})", "summary": notes[:120], "notes_md": notes,
        "status": EpisodeStatus.PUBLISHED, "published_at": now - timedelta(hours=i),
        "audio_file": f"bench/episode-{i}.mp3", "audio_bytes": 1000, "audio_mime": "audio/mpeg",
        "duration_seconds": 1800.0, "number": i, "version": 1,
    }  # fmt: skip


def _config(url: str, media: Path) -> dict[str, Any]:
    return {"TESTING": False, "DATABASE_URL": url, "EPISODES_DIR": str(media),
            "BASE_URL": "http://127.0.0.1", "SECRET_KEY": "bench"}  # fmt: skip


def page_paths(found: dict[str, Any]) -> dict[str, str]:
    return {
        "show home": "/bench/",
        "episode page": f"/bench/episodes/{found['episode']}",
        "topic page": f"/topics/{found['topic']}",
        "guest page": f"/guests/{found['guest']}",
        "search": f"/search?q={found['word']}",
        "list, first page": "/bench/?page=1",
        "list, last page": f"/bench/?page={found['last_page']}",
    }


def count_queries(url: str, media: Path, paths: dict[str, str]) -> dict[str, int]:
    # Rendering cost: with the page cache on, a repeat costs no query at all.
    app = create_app({**_config(url, media), "SITE_CACHE_SIZE": 0})
    engine = db.get_engine(app)
    counts: dict[str, int] = {}
    client = app.test_client()
    for name, path in paths.items():
        statements: list[str] = []

        def note(*args: object, into: list[str] = statements) -> None:
            into.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", note)
        status = client.get(path).status_code
        event.remove(engine, "before_cursor_execute", note)
        assert status == 200, (path, status)
        counts[name] = len(statements)
    engine.dispose()
    return counts


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], cwd: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        env={**os.environ, **env}, cwd=cwd,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(url: str, seconds: int) -> float:
    urllib.request.urlopen(url, timeout=10).close()  # warm up, and fail loudly on an error
    output = subprocess.run(
        ["/usr/bin/wrk", "-t1", "-c4", f"-d{seconds}s", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in output:
        raise RuntimeError(f"errors from {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match, output
    return float(match.group(1))


GOALS = {"episode page": 0.35, "search": 0.15}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="showapp-bench-") as tmp:
        work = Path(tmp)
        media = work / "episodes"
        small_url = f"sqlite:///{work / 'small.sqlite3'}"
        large_url = f"sqlite:///{work / 'large.sqlite3'}"
        started = time.perf_counter()
        small = seed(small_url, 1_000, 200, 100, media)
        large = seed(large_url, 10_000, 2_000, 100, media)
        print(f"seeded 1,000 and 10,000 episodes in {time.perf_counter() - started:.1f} s")
        small_counts = count_queries(small_url, media, page_paths(small))
        paths = page_paths(large)
        large_counts = count_queries(large_url, media, paths)
        (work / "hello.py").write_text(HELLO_APP)
        env = {
            "SHOWAPP_DATABASE_URL": large_url,
            "SHOWAPP_SECRET_KEY": "bench",
            "SHOWAPP_EPISODES_DIR": str(media),
            "SHOWAPP_BASE_URL": "http://127.0.0.1",
        }
        with gunicorn("hello:app", {}, work) as hello_base:
            hello = wrk(hello_base + "/", args.seconds)
        rates: dict[str, dict[str, float]] = {"uncached": {}, "cached": {}}
        for mode, size in (("uncached", "0"), ("cached", "1024")):
            with gunicorn(
                "showapp:create_app()", {**env, "SHOWAPP_SITE_CACHE_SIZE": size}, ROOT
            ) as base:
                for name, path in paths.items():
                    rates[mode][name] = wrk(base + path, args.seconds)
    print_table(hello, rates, small_counts, large_counts)


def print_table(
    hello: float, rates: dict[str, dict[str, float]], small: dict[str, int], large: dict[str, int]
) -> None:
    print(f"\nhello-world Flask under the same gunicorn: {hello:,.0f} req/s")
    print("uncached: SHOWAPP_SITE_CACHE_SIZE=0 (every request queries and renders)")
    print("cached: the default page cache (site revision read at most once a second)")
    print("queries: per uncached page, at 1,000 and at 10,000 episodes\n")
    header = (
        f"{'page':<17} {'uncached':>8} {'ratio':>6} {'cached':>8} {'ratio':>6} {'goal':>5}"
        f"  {'queries 1k':>10} {'10k':>4}"
    )
    print(header)
    print("-" * len(header))
    for name in rates["uncached"]:
        raw, warm = rates["uncached"][name], rates["cached"][name]
        print(
            f"{name:<17} {raw:>8,.0f} {raw / hello:>6.2f} {warm:>8,.0f} {warm / hello:>6.2f} "
            f"{GOALS.get(name, 0.2):>5.2f}  {small[name]:>10} {large[name]:>4}"
        )
    for mode in ("uncached", "cached"):
        deep = rates[mode]["list, last page"] / rates[mode]["list, first page"]
        print(
            f"\nlast page / first page of the 10,000-episode list, {mode}: {deep:.2f} (goal 0.70)"
        )
    grew = [name for name in large if large[name] != small[name]]
    print("queries per page grow with the data: " + (", ".join(grew) if grew else "no"))


if __name__ == "__main__":
    main()
