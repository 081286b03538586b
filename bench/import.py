"""Import a generated feed of N episodes (metadata only) into a temporary SQLite database.

Each item carries what a Podcasting 2.0 host publishes: two transcripts, a chapters file, a
soundbite and a value block, so the figures include storing and linking them.

Prints wall time, Python peak memory (tracemalloc) and the process's peak RSS for 1,000,
5,000 and 10,000 episodes, each in a fresh subprocess so the figures do not mix.
Run: .venv/bin/python bench/import.py [N ...]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SIZES = [1000, 5000, 10000]


def write_feed(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
            "<title>Bench Show</title><link>https://old.example/</link>"
            "<description>Generated</description><language>en</language>"
            '<itunes:image href="https://old.example/cover.jpg"/>'
            '<itunes:category text="Business"><itunes:category text="Management"/>'
            "</itunes:category><itunes:explicit>no</itunes:explicit>\n"
        )
        for n in range(count, 0, -1):
            day = 1 + n % 28
            out.write(
                f"<item><title>Episode {n}: a conversation</title>"
                f'<guid isPermaLink="false">bench-{n}</guid>'
                f"<pubDate>Mon, {day:02d} Jan 2024 10:00:00 +0000</pubDate>"
                f"<description><![CDATA[<p>Notes for <b>episode {n}</b> with a "
                f'<a href="https://example.com/{n}">link</a>.</p>]]></description>'
                f'<enclosure url="https://cdn.example/e{n}.mp3?src=rss" length="{n * 1000}" '
                'type="audio/mpeg"/>'
                f"<itunes:duration>{n % 3600}</itunes:duration>"
                f"<itunes:episode>{n}</itunes:episode><itunes:season>{1 + n // 100}</itunes:season>"
                f"<itunes:keywords>mentoring, topic {n % 20}</itunes:keywords>"
                f'<podcast:person role="guest">Guest {n % 50}</podcast:person>'
                f'<podcast:transcript url="https://cdn.example/t{n}.vtt" type="text/vtt"/>'
                f'<podcast:transcript url="https://cdn.example/t{n}.json" '
                'type="application/json" language="en"/>'
                f'<podcast:chapters url="https://cdn.example/c{n}.json" '
                'type="application/json+chapters"/>'
                f'<podcast:soundbite startTime="{n % 600}" duration="30">Best bit'
                "</podcast:soundbite>"
                '<podcast:value type="lightning" method="keysend" suggested="0.00000005">'
                '<podcast:valueRecipient name="Host" type="node" address="03ae9f91a0cb8ff4" '
                'split="100"/></podcast:value>'
                "</item>\n"
            )
        out.write("</channel></rss>\n")


def measure(count: int, traced: bool) -> dict[str, float]:
    from showapp import create_app, db
    from showapp.services.importing import importer

    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        feed = folder / "feed.xml"
        write_feed(feed, count)
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
                "EPISODES_DIR": str(folder / "episodes"),
                "SECRET_KEY": "bench",
                "BASE_URL": "http://podcast.test",
            },
            check_migrations=False,
        )
        db.upgrade(app)
        if traced:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        with db.new_session(app) as session:
            report = importer.import_feed_file(
                session, feed, feed_url="https://old.example/feed.xml",
                site_base_url="http://podcast.test",
            )  # fmt: skip
            session.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        _current, peak = tracemalloc.get_traced_memory() if traced else (0, 0)
        tracemalloc.stop()
        db.get_engine(app).dispose()
        assert report.created == count, report.summary()
        return {
            "episodes": count,
            "feed_mb": feed.stat().st_size / 1e6,
            "seconds": elapsed,
            "cpu_seconds": cpu,
            "peak_python_mb": peak / 1e6,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]), traced=sys.argv[3] == "traced")))
        return
    sizes = [int(arg) for arg in sys.argv[1:]] or SIZES
    # Time is measured without tracemalloc (it slows Python several-fold); memory in a
    # second run with it. CPU seconds show how much of the wall time was this process.
    print(f"{'episodes':>9} {'feed MB':>8} {'wall s':>7} {'cpu s':>6} {'eps/s':>6} "
          f"{'peak py MB':>11} {'peak RSS MB':>12}")  # fmt: skip
    for size in sizes:
        timed, traced = (_run(size, mode) for mode in ("timed", "traced"))
        print(
            f"{size:>9} {timed['feed_mb']:>8.1f} {timed['seconds']:>7.2f} "
            f"{timed['cpu_seconds']:>6.2f} {size / timed['seconds']:>6.0f} "
            f"{traced['peak_python_mb']:>11.1f} {timed['peak_rss_mb']:>12.1f}"
        )


def _run(size: int, mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--one", str(size), mode],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    row: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return row


if __name__ == "__main__":
    main()
