"""Cost of tagging: writing a tagged copy of a long MP3 versus a plain copy of it.

Run: .venv/bin/python bench/episode_extras.py  (prints figures; writes only to a temp folder)
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from showapp.services.audio.tags import TagValues, write_tagged_copy
from showapp.services.demo import tones

MINUTES = 60


def _long_mp3(folder: Path) -> Path:
    # Repeating a short CBR encode gives a long, valid frame stream without minutes of LAME.
    chunk = tones.melody_mp3(1, 60.0)
    path = folder / "long.mp3"
    with path.open("wb") as out:
        for _ in range(MINUTES):
            out.write(chunk)
    return path


def _best(action: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        source = _long_mp3(folder)
        size_mb = source.stat().st_size / 1e6
        chapters = [(i * 60.0, i * 60.0 + 60.0, f"Chapter {i + 1}", "") for i in range(MINUTES)]
        values = TagValues(
            "Episode", "Host", "Show", 12, "2026", "Summary", "https://example.com/e",
            (b"\x89PNG" + b"\0" * 200_000, "image/png"), chapters,
        )  # fmt: skip
        counter = iter(range(1000))

        def plain() -> None:
            shutil.copyfile(source, folder / f"plain-{next(counter)}.mp3")

        def tagged() -> None:
            write_tagged_copy(source, folder / f"tagged-{next(counter)}.mp3", ".mp3", values)

        plain_s, tagged_s = _best(plain), _best(tagged)
        print(f"MP3 of {MINUTES} min, {size_mb:.1f} MB, {len(chapters)} chapters, 200 kB cover")
        print(f"  plain copy:            {plain_s * 1000:8.1f} ms  ({size_mb / plain_s:7.0f} MB/s)")
        print(
            f"  tagged copy + fsync:   {tagged_s * 1000:8.1f} ms  ({size_mb / tagged_s:7.0f} MB/s)"
        )
        print(f"  ratio tagged/plain:    {tagged_s / plain_s:8.2f}x")


if __name__ == "__main__":
    main()
