"""Media delivery benchmark: a 50 MB MP3 served on 127.0.0.1 by showapp under gunicorn (with
and without download counting, which includes tracking the bytes sent and the country lookup;
and through nginx with X-Accel-Redirect), by a minimal Flask send_file app, and by nginx
alone; 1 MB range requests and full downloads, ~3 s of wrk each.

Run: .venv/bin/python bench/media.py   (needs /usr/sbin/nginx and /usr/bin/wrk)
     .venv/bin/python bench/media.py --counting-rounds 10   (counting against not, only)
     .venv/bin/python bench/media.py --redirect   (no nginx or wrk: the app's own cost per
        counted request, in this process: the X-Accel hand-off and a 1 MB range sent by the
        app, as today, against the counted 302 to a bucket, presigned or to a public base)
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.servers import bench_install, free_port, wait_for  # noqa: E402
from showapp import create_app, db  # noqa: E402
from showapp.columns import utc_now  # noqa: E402
from showapp.jobs.spool import make_spool  # noqa: E402
from showapp.media.delivery import record_request  # noqa: E402
from showapp.media.recorder import Recorder  # noqa: E402
from showapp.models import MediaRequest  # noqa: E402
from showapp.services.audio import files as audio_files  # noqa: E402
from showapp.services.catalog import writes  # noqa: E402
from showapp.services.demo import tones  # noqa: E402
from showapp.services.stats import geo  # noqa: E402
from showapp.storage import LocalStorage  # noqa: E402

SIZE = 50 * 1024 * 1024
SECONDS = 3
ROUNDS = 5  # the best of these is kept: other work on the machine only ever slows a run
ACCEL = "showapp X-Accel via nginx"
APPLE = "Podcasts/1410.53 CFNetwork/1111 Darwin/19.0.0 (x86_64)"
ADDRESSES = ["8.8.4.{}", "1.0.16.{}", "193.0.0.{}", "200.160.0.{}", "41.0.0.{}", "2001:67c:2e8::{}"]
GUNICORN = [str(REPO / ".venv/bin/gunicorn"), "-w", "2", "-k", "sync"]
WRK_THREADS, WRK_CONNECTIONS = "2", "8"

RANGE_LUA = """
math.randomseed(os.time())
request = function()
  local start = math.random(0, %d) * 1048576
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. start .. "-" .. (start + 1048575),
                                 ["User-Agent"] = "%s"})
end
"""

MINIMAL_FLASK = """
from flask import Flask, send_file
app = Flask(__name__)
PATH = {path!r}

@app.get("/media/<path:name>")
def audio(name):
    return send_file(PATH, mimetype="audio/mpeg", conditional=True)
"""

# The X-Accel-Redirect part is docs/media-and-stats.md's snippet; the rest makes nginx run
# unprivileged.
NGINX_CONF = """
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    types {{ audio/mpeg mp3; }}
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    server {{  # nginx alone
        listen 127.0.0.1:{static_port};
        location /media/ {{ alias {episodes}/; }}
    }}

    upstream showapp {{ server 127.0.0.1:{app_port}; keepalive 16; }}
    server {{  # nginx in front of showapp with SHOWAPP_MEDIA_ACCEL=x-accel
        listen 127.0.0.1:{accel_port};
        client_max_body_size 512m;
        location / {{
            proxy_pass http://showapp;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_request_buffering off;
        }}
        location /_media/ {{
            internal;
            alias {episodes}/;
            # nginx drops the app's headers other than a few (Content-Type, Cache-Control...)
            add_header Access-Control-Allow-Origin "*" always;
            add_header Access-Control-Expose-Headers "Content-Length, Content-Range, ETag" always;
        }}
    }}
}}
"""


@contextmanager
def running(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[None]:
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(port)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def readable_by_nginx_workers(root: Path) -> None:
    # Run as root, nginx serves files as "nobody"; mkdtemp and the app make private files.
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def make_install(root: Path) -> tuple[dict[str, str], str, Path]:
    """A migrated SQLite install holding one published episode with a 50 MB MP3."""
    episodes = root / "episodes"
    config = {
        "DATABASE_URL": "sqlite:///" + str(root / "bench.sqlite3"),
        "EPISODES_DIR": str(episodes),
        "SECRET_KEY": "bench",
        "BASE_URL": "http://127.0.0.1",
        "JOBS_DIR": str(root / "jobs"),
        # Each gunicorn worker also runs the job consumer that writes the spooled hits, so
        # the writing is paid for on the measured host, as the writer thread was.
        "JOBS_IN_PROCESS": "true",
    }
    piece = tones.melody_mp3(1, 30)
    audio = piece * -(-SIZE // len(piece))  # whole MP3s end to end: about 50 MB
    with (
        bench_install(config) as (session, show),
        audio_files.staged_audio(
            io.BytesIO(audio), LocalStorage(episodes), "bench", "bench.mp3"
        ) as staged,
    ):
        episode = writes.create_episode(session, show, audio=staged, title="Fifty megabytes")
        writes.publish_episode(episode, utc_now() - timedelta(days=1))
        session.flush()
        staged.keep()
    name = episode.audio_file
    assert name is not None
    env = {f"SHOWAPP_{key}": value for key, value in config.items()}
    return env, name, episodes


def wrk(url: str, script: Path | None, seconds: int = SECONDS) -> tuple[float, float]:
    # A long timeout: on a shared 2-core machine a slow response must count, not vanish.
    command = [
        "wrk",
        "-t",
        WRK_THREADS,
        "-c",
        WRK_CONNECTIONS,
        "-d",
        f"{seconds}s",
        "--timeout",
        "20s",
    ]
    command += ["-s", str(script)] if script else ["-H", f"User-Agent: {APPLE}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", output)
    assert transfer is not None
    scale = {"B": 1 / 1e6, "KB": 1024 / 1e6, "MB": 1024**2 / 1e6, "GB": 1024**3 / 1e6}
    return rate, float(transfer.group(1)) * scale[transfer.group(2)]


def count_requests(env: dict[str, str]) -> int:
    config = {key.removeprefix("SHOWAPP_"): value for key, value in env.items()}
    app = create_app({**config, "STATS_ENABLED": False})
    with db.new_session(app) as session:
        total = session.scalar(select(func.count()).select_from(MediaRequest)) or 0
    db.get_engine(app).dispose()
    return total


def recording_cost(env: dict[str, str], name: str, hits: int = 2000) -> tuple[float, float]:
    """Microseconds per hit on the request path (what the view does to spool it: reading the
    request and appending to the durable spool) and in the writing job (hashing, classifying,
    inserting), measured in this process on the bench database."""
    config = {key.removeprefix("SHOWAPP_"): value for key, value in env.items()}
    app = create_app(
        {**config, "STATS_ENABLED": False, "TRUSTED_PROXIES": 1, "JOBS_IN_PROCESS": False}
    )
    # No consumer runs here, so every hit stays spooled until flush() below.
    recorder = Recorder(app, make_spool(app.config, "bench-hits"), 3600.0, batch_size=hits + 1)
    app.extensions["showapp.recorder"] = recorder
    agents = [APPLE, "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"]
    queued = 0.0
    for n in range(hits):
        headers = {
            "User-Agent": agents[n % 2],
            "Range": "bytes=0-1048575",
            # Addresses the registries assign to several countries: the lookup does real work.
            "X-Forwarded-For": ADDRESSES[n % len(ADDRESSES)].format(n % 250 + 1),
        }
        with app.test_request_context(f"/media/{name}", headers=headers):
            started = time.perf_counter()
            record_request(name)
            queued += time.perf_counter() - started
    started = time.perf_counter()
    recorder.flush()
    written = time.perf_counter() - started
    db.get_engine(app).dispose()
    return queued / hits * 1e6, written / hits * 1e6


REDIRECT_VARIANTS: dict[str, dict[str, object]] = {
    "X-Accel hand-off (today, proxied)": {"MEDIA_ACCEL": "x-accel"},
    "1 MB range sent by the app (today)": {},
    "302 to bucket, presigned": {
        "STORAGE": "s3", "S3_BUCKET": "bench", "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "S3_ACCESS_KEY_ID": "bench", "S3_SECRET_ACCESS_KEY": "bench-secret",
    },
    "302 to bucket, public base": {
        "STORAGE": "s3", "S3_BUCKET": "bench", "S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "S3_PUBLIC_BASE_URL": "https://cdn.example.com",
    },
}  # fmt: skip


def redirect_cost(root: Path, hits: int = 2000, rounds: int = 5) -> None:
    """Microseconds of app time per counted media request (WSGI call to the last byte, hit
    queued), best of `rounds`; the bucket is never asked (a redirect does not check). One
    file is asked for again and again, so a presigned URL is made once and then reused (see
    S3Storage.redirect_url); the cold cost of signing is printed apart."""
    from werkzeug.test import EnvironBuilder

    env, name, _ = make_install(root)
    config = {key.removeprefix("SHOWAPP_"): value for key, value in env.items()}
    headers = {"User-Agent": APPLE, "Range": "bytes=0-1048575"}
    print(f"app time per counted request of a 50 MB MP3, best of {rounds} x {hits}")
    results: dict[str, float] = {}
    statuses: list[str] = []

    def start_response(status: str, headers: object, error: object = None) -> None:
        statuses.append(status)

    for label, extra in REDIRECT_VARIANTS.items():
        app = create_app({**config, **extra, "STATS_ENABLED": False})
        recorder = Recorder(app, 60.0, batch_size=hits * rounds + 1)  # no writes while timed
        app.extensions["showapp.recorder"] = recorder
        environ = EnvironBuilder(path=f"/media/{name}", headers=headers).get_environ()
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(hits):
                body = app.wsgi_app(dict(environ), start_response)
                for _chunk in body:
                    pass
                getattr(body, "close", lambda: None)()
            best = min(best, (time.perf_counter() - started) / hits * 1e6)
        assert statuses[-1][:3] in {"200", "206", "302"}, statuses[-1]
        results[label] = best
        recorder.flush()
        db.get_engine(app).dispose()
        print(f"{label:38} {best:8.1f} us  ({statuses[-1]})", flush=True)
    signing = create_app({**config, **REDIRECT_VARIANTS["302 to bucket, presigned"]})
    storage = signing.extensions["storage"]
    started = time.perf_counter()
    for n in range(200):
        storage.redirect_url(f"bench/file-{n}.mp3")
    print(f"{'signing a URL (first request of a file)':38} "
          f"{(time.perf_counter() - started) / 200 * 1e6:8.1f} us")  # fmt: skip
    db.get_engine(signing).dispose()
    proxied = results["X-Accel hand-off (today, proxied)"]
    for label in ("302 to bucket, presigned", "302 to bucket, public base"):
        print(f"{label} / X-Accel hand-off: {results[label] / proxied:.2f} (goal <= 1.0)")


def main() -> None:
    if sys.argv[1:2] == ["--redirect"]:
        root = Path(tempfile.mkdtemp(prefix="showapp-bench-"))
        try:
            redirect_cost(root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    for tool in ("/usr/sbin/nginx", "/usr/bin/wrk"):
        if not Path(tool).exists():
            sys.exit(f"{tool} is needed")
    root = Path(tempfile.mkdtemp(prefix="showapp-bench-"))
    try:
        if len(sys.argv) > 2 and sys.argv[1] == "--counting-rounds":
            counting_only(root, int(sys.argv[2]))
        else:
            run_all(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def counting_only(root: Path, rounds: int) -> None:
    """Only showapp with and without counting, for `rounds` interleaved rounds: the median of
    each round's ratio, which holds better than a ratio of bests on a busy machine."""
    env, name, _ = make_install(root)
    script = root / "range.lua"
    script.write_text(RANGE_LUA % (SIZE // 1048576 - 1, APPLE))
    plain, counting = free_port(), free_port()
    servers = {
        "no counting": (plain, {**env, "SHOWAPP_STATS_ENABLED": "false"}),
        "counting": (counting, env),
    }
    runs: dict[str, dict[str, list[float]]] = {k: {"range": [], "full": []} for k in servers}
    with ExitStack() as stack:
        for port, extra in servers.values():
            command = [*GUNICORN, "-b", f"127.0.0.1:{port}", "showapp:create_app()"]
            stack.enter_context(running(command, port, extra))
            wrk(f"http://127.0.0.1:{port}/media/{name}", script, seconds=1)
        for round_number in range(rounds):
            order = list(servers.items())
            for label, (port, _) in order if round_number % 2 == 0 else reversed(order):
                url = f"http://127.0.0.1:{port}/media/{name}"
                runs[label]["range"].append(wrk(url, script)[1])
                runs[label]["full"].append(wrk(url, None)[1])
    print(f"counting / no counting, MB/s, {rounds} interleaved rounds (goal >= 0.90)")
    for kind in ("range", "full"):
        pairs = zip(runs["counting"][kind], runs["no counting"][kind], strict=True)
        ratios = [a / b for a, b in pairs if a and b]  # a round with no response is skipped
        print(
            f"{kind:6} median of round ratios {statistics.median(ratios):.2f}, "
            f"best / best {max(runs['counting'][kind]) / max(runs['no counting'][kind]):.2f}"
        )


def run_all(root: Path) -> None:
    env, name, episodes = make_install(root)
    readable_by_nginx_workers(root)
    script = root / "range.lua"
    script.write_text(RANGE_LUA % (SIZE // 1048576 - 1, APPLE))
    (root / "minimal.py").write_text(MINIMAL_FLASK.format(path=str(episodes / name)))
    ports = {key: free_port() for key in ("minimal", "plain", "counting", "accel_app")}
    static_port, accel_port = free_port(), free_port()
    nginx_dir = root / "nginx"
    nginx_dir.mkdir()
    (nginx_dir / "nginx.conf").write_text(
        NGINX_CONF.format(
            dir=nginx_dir,
            static_port=static_port,
            accel_port=accel_port,
            app_port=ports["accel_app"],
            episodes=episodes,
        )  # fmt: skip
    )
    servers = {
        "minimal Flask send_file": (
            [*GUNICORN, "-b", f"127.0.0.1:{ports['minimal']}", "--chdir", str(root), "minimal:app"],
            ports["minimal"], {},
        ),
        "showapp, no counting": (
            [*GUNICORN, "-b", f"127.0.0.1:{ports['plain']}", "showapp:create_app()"],
            ports["plain"], {**env, "SHOWAPP_STATS_ENABLED": "false"},
        ),
        "showapp, counting": (
            [*GUNICORN, "-b", f"127.0.0.1:{ports['counting']}", "showapp:create_app()"],
            ports["counting"], env,
        ),
        "nginx alone": (
            ["/usr/sbin/nginx", "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf"),
             "-g", "daemon off;"],
            static_port, {},
        ),
    }  # fmt: skip
    accel_env = {**env, "SHOWAPP_MEDIA_ACCEL": "x-accel", "SHOWAPP_MEDIA_ACCEL_PREFIX": "/_media"}
    # Behind nginx the app only answers with headers: gthread keeps nginx's upstream
    # connections alive instead of one TCP connection per request. One worker per core, as
    # docs/media-and-stats.md advises (this machine has 2).
    accel_cmd = [
        *GUNICORN,
        "-k",
        "gthread",
        "--threads",
        "4",
        "-b",
        f"127.0.0.1:{ports['accel_app']}",
        "showapp:create_app()",
    ]
    servers[ACCEL + ", counting"] = (accel_cmd, ports["accel_app"], accel_env)
    urls = {
        label: f"http://127.0.0.1:{port}/media/{name}" for label, (_, port, _) in servers.items()
    }
    urls[ACCEL + ", counting"] = f"http://127.0.0.1:{accel_port}/media/{name}"
    runs: dict[str, dict[str, list[tuple[float, float]]]] = {
        label: {"range": [], "full": []} for label in servers
    }
    with ExitStack() as stack:
        for command, port, extra in servers.values():
            stack.enter_context(running(command, port, extra))
        for url in urls.values():
            wrk(url, script, seconds=1)  # boot the workers and warm the page cache
        # Idle servers cost nothing, so rounds interleave them: a burst of load from other
        # work on the machine then slows every server alike instead of one of them. Every
        # other round runs them in reverse, so that no server always follows the same one.
        for round_number in range(ROUNDS):
            order = list(urls.items())
            for label, url in order if round_number % 2 == 0 else reversed(order):
                for kind, lua in (("range", script), ("full", None)):
                    runs[label][kind].append(wrk(url, lua))
    results = {label: {kind: max(r) for kind, r in kinds.items()} for label, kinds in runs.items()}
    report(results, count_requests(env))
    report_spread(runs)
    on_path, in_thread = recording_cost(env, name)
    lookup = country_lookup_cost()
    range_ms = 1000 * 2 / results["showapp, no counting"]["range"][0]  # 2 workers
    print(
        f"recording cost per request: {on_path:.1f} µs on the request path, {in_thread:.0f} µs in "
        f"the writing job; a 1 MB range took {range_ms:.1f} ms of a worker "
        f"({(on_path + in_thread) / 10 / range_ms:.2f}% of it); the country lookup in it "
        f"{lookup:.2f} µs"
    )


def country_lookup_cost(lookups: int = 100_000) -> float:
    """Microseconds per country lookup (done in the writer thread, never on the request path)."""
    addresses = [ADDRESSES[n % len(ADDRESSES)].format(n % 250 + 1) for n in range(lookups)]
    started = time.perf_counter()
    for address in addresses:
        geo.country_of(address)
    return (time.perf_counter() - started) / lookups * 1e6


def report(results: dict[str, dict[str, tuple[float, float]]], recorded: int) -> None:
    print(
        f"50 MB MP3, wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{SECONDS}s, best of {ROUNDS} "
        "interleaved rounds; gunicorn -w 2 sync (gthread x4 behind nginx for X-Accel)"
    )
    print(f"{'server':40} {'1 MB range req/s':>17} {'MB/s':>9} {'full req/s':>11} {'MB/s':>9}")
    for label, figures in results.items():
        (r_rate, r_mb), (f_rate, f_mb) = figures["range"], figures["full"]
        print(f"{label:40} {r_rate:17.1f} {r_mb:9.0f} {f_rate:11.2f} {f_mb:9.0f}")

    def ratio(a: str, b: str, kind: str) -> float:
        return results[a][kind][1] / results[b][kind][1]

    print("\nratios of MB/s (goal)                          range     full")
    minimal, counting, plain = (
        "minimal Flask send_file",
        "showapp, counting",
        "showapp, no counting",
    )
    checks = [
        ("showapp counting / minimal Flask (>=0.75)", counting, minimal),
        ("showapp no counting / minimal Flask (>=0.75)", plain, minimal),
        ("counting / no counting (>=0.90)", counting, plain),
        ("X-Accel via nginx / nginx alone (>=0.40)", f"{ACCEL}, counting", "nginx alone"),
    ]
    for text, a, b in checks:
        print(f"{text:46} {ratio(a, b, 'range'):7.2f} {ratio(a, b, 'full'):8.2f}")
    print(f"\nmedia requests recorded by the counting servers: {recorded}")


def report_spread(runs: dict[str, dict[str, list[tuple[float, float]]]]) -> None:
    """How far the worst round fell below the best: the noise the ratios above carry."""
    print("\nworst / best round, MB/s                        range     full")
    for label, kinds in runs.items():
        spread = [min(r)[1] / max(r)[1] for r in (kinds["range"], kinds["full"])]
        print(f"{label:46} {spread[0]:7.2f} {spread[1]:8.2f}")


if __name__ == "__main__":
    main()
