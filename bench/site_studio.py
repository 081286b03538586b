"""The studio's list pages at bench size: median of 20 requests through the test client, as
an admin who is signed in through the real form.

    .venv/bin/python bench/site_studio.py [--episodes 100000] [--db PATH]

bench/site.py runs this after its own seeding; alone, it seeds the same network into PATH (or a
temporary folder) and prints only these timings. An existing PATH is reused as it is.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.servers import median_get  # noqa: E402
from showapp import create_app, db  # noqa: E402
from showapp.models import User, UserRole  # noqa: E402
from tests.studio_helpers import login, make_user  # noqa: E402

REPEATS = 20


def studio_timings(config: dict[str, Any], show: str) -> dict[str, float]:
    app = create_app(config)
    with db.new_session(app) as session:
        known = select(User.id).where(User.email == "bench@example.com")
        if session.scalar(known) is None:  # a reused database (--db) has it already
            make_user(session, "bench@example.com", role=UserRole.ADMIN)
            session.commit()
    client = app.test_client()
    assert login(client, "bench@example.com").status_code in (302, 303)
    pages = {
        "studio home (shows)": "/studio/",
        "episode list": f"/studio/shows/{show}/episodes",
        "guest list": "/studio/guests",
        "topic list": "/studio/topics",
        "downloads dashboard": f"/studio/shows/{show}/downloads",
    }
    timings = {name: median_get(client, path, REPEATS)[0] for name, path in pages.items()}
    db.get_engine(app).dispose()
    return timings


def main() -> None:
    from bench.site_seed import PER_SHOW, Network, config, seed

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="SQLite file to seed, or reuse if it exists")
    args = parser.parse_args()
    network = Network.of(args.episodes)
    with tempfile.TemporaryDirectory(prefix="showapp-studio-") as tmp:
        path = args.db or Path(tmp) / "studio.sqlite3"
        url, media = f"sqlite:///{path.resolve()}", Path(tmp) / "episodes"
        if path.exists():
            found = {"show": f"show-{(network.episodes // 2 - 1) // PER_SHOW + 1}"}
        else:
            started = time.perf_counter()
            found = seed(url, network, media)
            print(f"seeded {network.episodes:,} episodes in {time.perf_counter() - started:.1f} s")
        timings = studio_timings(config(url, media), found["show"])
    print(f"studio at {network.episodes:,} episodes, test client, median of {REPEATS} "
          "(goal < 100 ms)")  # fmt: skip
    for name, ms in timings.items():
        print(f"  {name:<28} {ms:>7.1f} ms")


if __name__ == "__main__":
    main()
