"""Benchmark the public site: requests/s under gunicorn relative to a hello-world Flask app,
with the page cache off and on, SQL queries per page, the studio's list pages, and the pages that
list a whole kind (the topics index, the sitemap).

    .venv/bin/python bench/site.py [--episodes 10000] [--seconds 2] [--rounds 3]
    .venv/bin/python bench/site.py --episodes 100000 --compare 10000

Seeds a network (shows of 1,000 episodes; 100,000 episodes make 100 shows, 20,000 guests and
500 topics) into a temporary SQLite database, serves it with gunicorn (2 sync workers) next
to the hello app and measures each page with wrk, hello, uncached and cached one after the
other, for several rounds: the ratios printed are medians of the rounds. Search asks a
different question on every request (a wrk Lua script cycles through queries made from the
seeded vocabulary), so its cached figure is what a listener's search really gets.

--compare N also serves a network of N episodes, uncached, in the same rounds, and prints
each page's ratio and CPU a request at both sizes and how much the larger costs more: two
separate runs differ by as much as the machine's load drifts between them.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import free_port  # noqa: E402
from bench.site_indexes import index_timings, print_indexes  # noqa: E402
from bench.site_seed import GIVEN, WORDS, Network, config, seed  # noqa: E402
from bench.site_studio import studio_timings  # noqa: E402
from showapp import create_app, db  # noqa: E402

HELLO_APP = """
from flask import Flask
app = Flask(__name__)

@app.get("/")
def hello():
    return "Hello, World!"
"""
SEARCH_SCRIPT = """
local queries = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/search?q=" .. queries[(i %% #queries) + 1])
end
"""
GOALS = {"episode page": 0.35, "search (distinct)": 0.2, "network home": 0.25}
UNGOALED = frozenset({"network feed", "OPML", "layout only"})
# Pages bench/site_minimal.py also serves: the yardstick, measured in the same rounds.
MINIMAL = frozenset({"show home", "episode page", "list, page 2", "list, last page",
                     "search (distinct)"})  # fmt: skip


def page_paths(found: dict[str, Any]) -> dict[str, str]:
    show = found["show"]
    return {
        "network home": "/",
        "show home": f"/{show}/",
        "episode page": f"/{show}/episodes/{found['episode']}",
        "topic page": f"/topics/{found['topic']}",
        "guest page": f"/guests/{found['guest']}",
        "guests, last page": f"/guests/?after={found['deep_guest']}",
        "list, page 2": f"/{show}/?page=2",
        "list, last page": f"/{show}/?page={found['last_page']}",
        "search (distinct)": "/search?q=courage",  # wrk asks SEARCHES; this one counts queries
        # The search form without a question: the layout and the network's settings, nothing
        # listed. No page can be cheaper, so its ratio bounds every other page's.
        "layout only": "/search",
        "network feed": "/feed.xml",
        "OPML": "/feeds.opml",
    }


def search_queries(count: int = 2000) -> list[str]:
    """Distinct questions from the seeded words: pairs of words, a word and a name, prefixes."""
    rng = random.Random(11)
    pairs = [f"{a}+{b}" for a, b in itertools.permutations(WORDS, 2)]
    named = [f"{word}+{name.lower()}" for word in WORDS for name in GIVEN]
    prefixes = [word[: 3 + len(word) % 3] for word in WORDS]
    found = list(dict.fromkeys(pairs + named + prefixes))
    rng.shuffle(found)
    return found[:count]


def count_queries(
    url: str, media: Path, paths: dict[str, str], firsts: dict[str, str] | None = None
) -> dict[str, int]:
    """SQL statements per page (the page cache off); `firsts` collects the size and time of
    each feed's first request, which renders the file the next ones are served from."""
    app = create_app({**config(url, media), "SITE_CACHE_SIZE": 0,
                      "FEED_CACHE_DIR": str(media.parent / f"feeds-{url[-14:]}")})  # fmt: skip
    engine = db.get_engine(app)
    counts: dict[str, int] = {}
    client = app.test_client()
    for name, path in paths.items():
        statements: list[str] = []

        def note(*args: object, into: list[str] = statements) -> None:
            into.append(str(args[2]))

        started = time.perf_counter()
        first = client.get(path)
        if firsts is not None and ("feed" in name or "OPML" in name):
            firsts[name] = (f"{len(first.get_data()) / 1024:,.0f} KiB, first request "
                            f"{(time.perf_counter() - started) * 1000:,.0f} ms")  # fmt: skip
        event.listen(engine, "before_cursor_execute", note)
        status = client.get(path).status_code
        event.remove(engine, "before_cursor_execute", note)
        assert status == 200, (path, status)
        counts[name] = len(statements)
    engine.dispose()
    return counts


@dataclass
class Server:
    """A gunicorn on 127.0.0.1: its address, and the CPU its workers have used so far."""

    base: str
    master: int

    def cpu_seconds(self) -> float:
        # utime + stime of every worker, from /proc: what requests cost, whatever else the
        # machine runs (wall-clock req/s swing with the other load on a shared machine).
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        ticks = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def gunicorn(app_spec: str, env: dict[str, str], cwd: Path) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        env={**os.environ, **env}, cwd=cwd,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Rate:
    per_second: float
    cpu_ms: float  # worker CPU per request


def wrk(server: Server, path: str, seconds: int, script: Path | None = None) -> Rate:
    url = server.base + path
    urllib.request.urlopen(url, timeout=30).close()  # warm up, and fail loudly on an error
    cpu = server.cpu_seconds()
    command = ["/usr/bin/wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "10s"]
    output = subprocess.run(
        command + (["-s", str(script)] if script else []) + [url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"errors from {url}:\n{output}")
    used = server.cpu_seconds() - cpu
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    assert match and count, output
    return Rate(float(match.group(1)), used * 1000 / max(1, int(count.group(1))))


def measure(
    servers: dict[str, Server],
    paths: dict[str, str],
    seconds: int,
    rounds: int,
    script: Path,
    elsewhere: dict[str, dict[str, str]],
) -> tuple[dict[str, float], dict[str, dict[str, list[float]]]]:
    """Per round and page: hello, then the page uncached, then cached, then the minimal app's
    version of it (and the compared network's, at its own `elsewhere` paths); ratios to that
    hello, of requests/s and of worker CPU per request (hello's CPU per request / the
    page's)."""
    ratios: dict[str, dict[str, list[float]]] = {
        "uncached": {},
        "cached": {},
        "cpu": {},
        "minimal": {},
        "compare": {},
        "uncached cpu ms": {},
        "compare cpu ms": {},
    }
    hellos: list[float] = []
    rates: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, path in paths.items():
            hello = wrk(servers["hello"], "/", seconds)
            hellos.append(hello.per_second)
            modes = ["uncached", "cached"] + ["minimal"] * (name in MINIMAL)
            modes += [mode for mode in elsewhere if mode in servers]
            for mode in modes:
                searching = name.startswith("search")
                asked = elsewhere[mode][name] if mode in elsewhere else path
                rate = wrk(servers[mode], asked, seconds, script if searching else None)
                ratios[mode].setdefault(name, []).append(rate.per_second / hello.per_second)
                if mode in ("uncached", "compare"):
                    ratios[f"{mode} cpu ms"].setdefault(name, []).append(rate.cpu_ms)
                if mode == "uncached":
                    rates.setdefault(name, []).append(rate.per_second)
                    ratios["cpu"].setdefault(name, []).append(hello.cpu_ms / rate.cpu_ms)
                    rates.setdefault(f"{name} cpu", []).append(rate.cpu_ms)
            rates.setdefault("hello cpu", []).append(hello.cpu_ms)
    medians = {name: statistics.median(found) for name, found in rates.items()}
    return {"hello": statistics.median(hellos), **medians}, ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="queries and studio only")
    parser.add_argument("--skip", nargs="*", default=[], help="pages not to measure with wrk")
    parser.add_argument("--compare", type=int, help="a smaller network to measure alongside")
    args = parser.parse_args()
    network = Network.of(args.episodes)
    with tempfile.TemporaryDirectory(prefix="showapp-bench-") as tmp:
        work = Path(tmp)
        media = work / "episodes"
        small_url = f"sqlite:///{work / 'small.sqlite3'}"
        large_url = f"sqlite:///{work / 'large.sqlite3'}"
        small = seed(small_url, Network.of(1_000), media)
        started = time.perf_counter()
        large = seed(large_url, network, media)
        print(
            f"seeded {network.episodes:,} episodes, {network.shows} shows, "
            f"{network.guests:,} guests, {network.topics} topics "
            f"in {time.perf_counter() - started:.1f} s"
        )
        small_counts = count_queries(small_url, media, page_paths(small))
        paths = page_paths(large)
        firsts: dict[str, str] = {}
        large_counts = count_queries(large_url, media, paths, firsts)
        studio = studio_timings(config(large_url, media), large["show"])
        indexes = index_timings(config(large_url, media))
        if args.no_http:
            print_queries(small_counts, large_counts, network)
            print_studio(studio, firsts, network)
            print_indexes(indexes, network.episodes)
            return
        compare = seed(f"sqlite:///{work / 'compare.sqlite3'}", Network.of(args.compare),
                       work / "compare-episodes") if args.compare else None  # fmt: skip
        (work / "hello.py").write_text(HELLO_APP)
        script = work / "search.lua"
        script.write_text(SEARCH_SCRIPT % ", ".join(f'"{q}"' for q in search_queries()))
        env = {
            "SHOWAPP_DATABASE_URL": large_url,
            "SHOWAPP_SECRET_KEY": "bench",
            "SHOWAPP_EPISODES_DIR": str(media),
            "SHOWAPP_BASE_URL": "http://127.0.0.1",
            "SHOWAPP_FEED_CACHE_DIR": str(work / "feeds"),
        }
        with ExitStack() as stack:
            servers = {
                "hello": stack.enter_context(gunicorn("hello:app", {}, work)),
                "uncached": stack.enter_context(gunicorn(
                    "showapp:create_app()", {**env, "SHOWAPP_SITE_CACHE_SIZE": "0"}, ROOT
                )),
                "cached": stack.enter_context(gunicorn(
                    "showapp:create_app()", {**env, "SHOWAPP_SITE_CACHE_SIZE": "1024"}, ROOT
                )),
                "minimal": stack.enter_context(gunicorn(
                    "bench.site_minimal:create_app()", {"SHOWAPP_DATABASE_URL": large_url}, ROOT
                )),
            }  # fmt: skip
            elsewhere: dict[str, dict[str, str]] = {}
            if compare is not None:
                servers["compare"] = stack.enter_context(gunicorn("showapp:create_app()", {
                    **env, "SHOWAPP_SITE_CACHE_SIZE": "0",
                    "SHOWAPP_DATABASE_URL": f"sqlite:///{work / 'compare.sqlite3'}",
                    "SHOWAPP_EPISODES_DIR": str(work / "compare-episodes"),
                    "SHOWAPP_FEED_CACHE_DIR": str(work / "compare-feeds"),
                }, ROOT))  # fmt: skip
                elsewhere["compare"] = page_paths(compare)
            measured = {name: path for name, path in paths.items() if name not in args.skip}
            rates, ratios = measure(servers, measured, args.seconds, args.rounds, script, elsewhere)
    print_table(rates, ratios, small_counts, large_counts, network, args.rounds)
    if args.compare:
        print_scale(ratios, network, args.compare)
    print_studio(studio, firsts, network)
    print_indexes(indexes, network.episodes)


def print_table(
    rates: dict[str, float],
    ratios: dict[str, dict[str, list[float]]],
    small: dict[str, int],
    large: dict[str, int],
    network: Network,
    rounds: int,
) -> None:
    print(f"\n{network.episodes:,} episodes; hello-world Flask under the same gunicorn: "
          f"{rates['hello']:,.0f} req/s, {rates['hello cpu']:.2f} ms CPU a request "
          "(medians)")  # fmt: skip
    print("uncached: SHOWAPP_SITE_CACHE_SIZE=0 (every request queries and renders)")
    print(f"ratio: page req/s / hello req/s measured just before it, median of {rounds} rounds")
    print("cpu ms: worker CPU per uncached request; cpu ratio: hello's CPU a request / the page's")
    print("minimal: bench/site_minimal.py's version of the page (Flask, SQLAlchemy, Jinja2 only)")
    print(f"queries: SQL statements per uncached page at 1,000 and {network.episodes:,} episodes\n")
    _heading(
        f"{'page':<18} {'uncached':>8} {'ratio':>6} {'cpu ms':>6} {'cpu ratio':>9} {'cached':>6}"
        f" {'minimal':>7} {'goal':>5}  {'queries 1k':>10} {'large':>5}"
    )
    for name, found in ratios["uncached"].items():
        raw, warm = statistics.median(found), statistics.median(ratios["cached"][name])
        cpu = statistics.median(ratios["cpu"][name])
        minimal = ratios["minimal"].get(name)
        least = f"{statistics.median(minimal):.2f}" if minimal else ""
        goal = f"{GOALS.get(name, 0.25):.2f}" if name not in UNGOALED else ""
        print(
            f"{name:<18} {rates[name]:>8,.0f} {raw:>6.2f} {rates[name + ' cpu']:>6.2f} {cpu:>9.2f}"
            f" {warm:>6.2f} {least:>7} {goal:>5}  {small[name]:>10} {large[name]:>5}"
        )
    print_queries(small, large, network, table=False)


def _heading(header: str) -> None:
    print(header)
    print("-" * len(header))


def print_scale(ratios: dict[str, dict[str, list[float]]], network: Network, compared: int) -> None:
    """The issue's scale rule (every ratio within 20 % of the smaller network's), from the
    same rounds: the change of the median ratio, and of the worker CPU a request, median and
    best round (noise from the rest of the machine only ever adds CPU)."""
    print(f"\nscale: {compared:,} and {network.episodes:,} episodes, uncached, in the same rounds")
    _heading(
        f"{'page':<18} {'ratio small':>11} {'large':>6} {'change':>7}"
        f" {'cpu ms small':>12} {'large':>6} {'change':>7} {'best small':>10} {'large':>6}"
        f" {'change':>7}"
    )
    for name, found in ratios["compare"].items():
        small, large = statistics.median(found), statistics.median(ratios["uncached"][name])
        cpu_small, cpu_large = ratios["compare cpu ms"][name], ratios["uncached cpu ms"][name]
        median_small, median_large = statistics.median(cpu_small), statistics.median(cpu_large)
        best_small, best_large = min(cpu_small), min(cpu_large)
        print(
            f"{name:<18} {small:>11.2f} {large:>6.2f} {large / small - 1:>+7.0%}"
            f" {median_small:>12.2f} {median_large:>6.2f} {median_large / median_small - 1:>+7.0%}"
            f" {best_small:>10.2f} {best_large:>6.2f} {best_large / best_small - 1:>+7.0%}"
        )


def print_queries(
    small: dict[str, int], large: dict[str, int], network: Network, table: bool = True
) -> None:
    if table:
        print(f"\nSQL statements per uncached page at 1,000 and {network.episodes:,} episodes")
        for name in large:
            print(f"  {name:<18} {small[name]:>4} {large[name]:>4}")
    grew = [name for name in large if large[name] != small[name]]
    print("queries per page grow with the data: " + (", ".join(grew) if grew else "no"))


def print_studio(timings: dict[str, float], firsts: dict[str, str], network: Network) -> None:
    print(f"\nfeeds at {network.episodes:,} episodes (rendered once, then served from the file)")
    for name, figures in firsts.items():
        print(f"  {name:<28} {figures}")
    print(f"\nstudio at {network.episodes:,} episodes, test client, median of 20 (goal < 100 ms)")
    for name, ms in timings.items():
        print(f"  {name:<28} {ms:>7.1f} ms")


if __name__ == "__main__":
    main()
