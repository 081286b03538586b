"""The public pages that list a whole kind at once, the topics index and the sitemap (its
index and first part once the network passes 50,000 addresses): milliseconds and size, page
cache off, median of 5 requests through the test client.

    .venv/bin/python bench/site_indexes.py [--episodes 100000] [--db PATH]

bench/site.py prints these after its own seeding. They grow with the topics and with the
addresses, so they are timed here rather than against hello under wrk.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import median_get  # noqa: E402
from showapp import create_app, db  # noqa: E402

REPEATS = 5


def index_timings(config: dict[str, Any]) -> dict[str, tuple[float, int]]:
    """Each page's median milliseconds and its size in bytes."""
    app = create_app({**config, "SITE_CACHE_SIZE": 0})
    client = app.test_client()
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    pages = {"topics index": "/topics/", "sitemap.xml": "/sitemap.xml"}
    first_part = re.search(r"<sitemap><loc>[^<]*(/sitemap-1\.xml)</loc>", sitemap)
    if first_part:
        pages["sitemap, first part"] = first_part.group(1)
    timings: dict[str, tuple[float, int]] = {}
    for name, path in pages.items():
        ms, body = median_get(client, path, REPEATS)
        timings[name] = (ms, len(body))
    db.get_engine(app).dispose()
    return timings


def print_indexes(timings: dict[str, tuple[float, int]], episodes: int) -> None:
    print(f"\nwhole-kind pages at {episodes:,} episodes, test client, page cache off, "
          f"median of {REPEATS}")  # fmt: skip
    for name, (ms, size) in timings.items():
        print(f"  {name:<28} {ms:>7.1f} ms {size / 1024:>8,.0f} KiB")


def main() -> None:
    from bench.site_seed import Network, config, seed

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="SQLite file to seed, or reuse if it exists")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="showapp-indexes-") as tmp:
        path = args.db or Path(tmp) / "indexes.sqlite3"
        url, media = f"sqlite:///{path.resolve()}", Path(tmp) / "episodes"
        if not path.exists():
            started = time.perf_counter()
            seed(url, Network.of(args.episodes), media)
            print(f"seeded {args.episodes:,} episodes in {time.perf_counter() - started:.1f} s")
        timings = index_timings(config(url, media))
    print_indexes(timings, args.episodes)


if __name__ == "__main__":
    main()
