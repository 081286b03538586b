"""Where a public page's time goes with the page cache off: cProfile over the app's own
request handling (Flask's test client, no HTTP server), on a seeded network.

    .venv/bin/python bench/profile_site.py [--episodes 10000] [--requests 200] [--top 25]

Prints, for each page, the milliseconds per request and the functions with the most own and
cumulative time; the figures quoted in docs/benchmarks.md came from here.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.site import page_paths, search_queries  # noqa: E402
from bench.site_seed import Network, config, seed  # noqa: E402
from showapp import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--page", action="append", help="only these pages (by name)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        media = Path(folder) / "episodes"
        media.mkdir()
        url = f"sqlite:///{Path(folder) / 'site.db'}"
        found = seed(url, Network.of(options.episodes), media)
        app = create_app({**config(url, media), "SITE_CACHE_SIZE": 0, "STATS_ENABLED": False})
        client = app.test_client()
        queries = iter(search_queries() * 10)
        for name, path in page_paths(found).items():
            if options.page and name not in options.page:
                continue
            if "feed" in name or "OPML" in name:
                continue

            def one(path: str = path, name: str = name) -> None:
                asked = f"/search?q={next(queries)}" if name.startswith("search") else path
                response = client.get(asked)
                assert response.status_code == 200, (asked, response.status_code)

            for _ in range(10):
                one()
            started = time.perf_counter()
            for _ in range(options.requests):
                one()
            plain = (time.perf_counter() - started) / options.requests * 1000
            started = time.perf_counter()
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(options.requests):
                one()
            profile.disable()
            took = (time.perf_counter() - started) / options.requests * 1000
            print(f"\n=== {name}: {plain:.2f} ms a request ({took:.2f} ms under cProfile) ===")
            stats = pstats.Stats(profile).strip_dirs()
            stats.sort_stats("tottime").print_stats(options.top)
            stats.sort_stats("cumulative").print_stats(options.top)


if __name__ == "__main__":
    main()
