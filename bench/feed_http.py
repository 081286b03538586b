"""HTTP half of bench/feed.py: wrk against gunicorn, nginx static, a minimal Flask app and the
documented nginx reverse-proxy configuration (docs/feeds.md), side by side on 127.0.0.1."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from statistics import median
from typing import Any

from bench.servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
WORKERS = 2  # the machine has two cores
WRK_SECONDS = 3
ROUNDS = 7
SIZES = (1_000, 10_000)

MINIMAL_APP = """
from pathlib import Path
from flask import Flask, Response, request

here = Path(__file__).parent
BODY = (here / "static" / "feed.xml").read_bytes()
GZIP = (here / "static" / "feed.xml.gz").read_bytes()
ETAG, GZ_ETAG = (here / "etags").read_text().split()
app = Flask(__name__)

@app.get("/bench/feed.xml")
def feed():
    if request.headers.get("If-None-Match") in (ETAG, GZ_ETAG):
        return Response(status=304, headers={"ETag": ETAG})
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        return Response(GZIP, headers={"Content-Encoding": "gzip", "ETag": GZ_ETAG},
                        mimetype="application/rss+xml")
    return Response(BODY, headers={"ETag": ETAG}, mimetype="application/rss+xml")
"""

NGINX_CONF = """
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 100000;

    # Both servers take `reuseport`, so that the kernel spreads wrk's 8 connections over the
    # two workers: without it they sometimes pile onto one worker, and a run measures one core
    # (per-round 304s through the proxy went from 42,000 to 63,000 a second).
    server {{   # the same bytes as static files
        listen 127.0.0.1:{static_port} reuseport;
        root {dir}/static;
        types {{ application/rss+xml xml; }}
        gzip_static on;
        location /bench/ {{ alias {dir}/static/; }}
    }}

{proxy_conf}
}}
"""


def readme_proxy_config(listen: str, upstream: str, cache_dir: Path) -> str:
    """The production proxy block of docs/feeds.md, as written there, with this run's ports
    and cache folder (and no TLS) filled in."""
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "docs" / "feeds.md").read_text(), re.S)
    block: str = next(b for b in blocks if "proxy_cache_path" in b)
    replacements = {
        "/var/cache/nginx/showapp ": f"{cache_dir} ",
        "listen 443 ssl http2;": f"listen {listen} reuseport;",  # see NGINX_CONF
        "http://127.0.0.1:8000;": f"http://{upstream};",
    }
    for old, new in replacements.items():
        assert old in block, f"docs/feeds.md's proxy block no longer has {old!r}"
        block = block.replace(old, new)
    return block


@contextmanager
def process(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            port: int | None = None) -> Iterator[subprocess.Popen[bytes]]:  # fmt: skip
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        if port is not None:
            wait_for(port)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def gunicorn(app: str, port: int, env: dict[str, str], cwd: Path) -> Any:
    args = [str(GUNICORN), "-w", str(WORKERS), "-k", "sync", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", app]  # fmt: skip
    return process(args, env=env, cwd=cwd, port=port)


def wrk(url: str, headers: dict[str, str]) -> float:
    args = [WRK, "-t2", "-c8", f"-d{WRK_SECONDS}s", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        print(f"  warning: {non2xx.group(1)} error responses from {url}", file=sys.stderr)
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return float(match.group(1)) if match else 0.0


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return response.read(), dict(response.headers)


def http_figures(
    workdir: Path, urls: dict[int, str], config: Callable[[str], dict[str, Any]]
) -> None:
    print(f"\n## Requests per second (wrk -t2 -c8 -d{WRK_SECONDS}s, {ROUNDS} interleaved rounds: "
          f"best round; ratios are medians of per-round ratios; {WORKERS} sync gunicorn "
          f"workers, nginx worker_processes {WORKERS})\n")  # fmt: skip
    print("| episodes | request | showapp | nginx static | minimal Flask | showapp/nginx | "
          "showapp/Flask | nginx proxy (README) | proxy/nginx static |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in [s for s in SIZES if s in urls]:
        _one_size(workdir / f"http-{size}", urls[size], config, size)


def _one_size(dir: Path, url: str, config: Callable[[str], dict[str, Any]], size: int) -> None:
    dir.mkdir()
    # nginx workers run as an unprivileged user: let them read the static copy.
    for folder in (dir.parent, dir):
        folder.chmod(0o755)
    settings = config(url)
    env = {**os.environ, "SHOWAPP_DATABASE_URL": url, "SHOWAPP_SECRET_KEY": "bench",
           "SHOWAPP_BASE_URL": settings["BASE_URL"],
           "SHOWAPP_EPISODES_DIR": settings["EPISODES_DIR"],
           "SHOWAPP_FEED_CACHE_DIR": settings["FEED_CACHE_DIR"]}  # fmt: skip
    app_port, flask_port, static_port, proxy_port = (free_port() for _ in range(4))
    with ExitStack() as stack:
        stack.enter_context(gunicorn("showapp:create_app()", app_port, env, ROOT))
        app_url = f"http://127.0.0.1:{app_port}/bench/feed.xml"
        body, headers = fetch(app_url)
        gz, gz_headers = fetch(app_url, {"Accept-Encoding": "gzip"})
        assert gzip.decompress(gz) == body
        _write_static(dir, body, gz, headers["ETag"], gz_headers["ETag"])
        stack.enter_context(gunicorn("minimal:app", flask_port, {**os.environ}, dir))
        _write_nginx(dir, static_port, proxy_port, app_port)
        stack.enter_context(process([NGINX, "-p", str(dir), "-c", str(dir / "nginx.conf"),
                                     "-g", "daemon off;"], port=proxy_port))  # fmt: skip
        wait_for(static_port)
        static_url = f"http://127.0.0.1:{static_port}/bench/feed.xml"
        static_etag = fetch(static_url)[1]["ETag"]
        targets = {
            "showapp": (app_url, headers["ETag"]),
            "static": (static_url, static_etag),
            "flask": (f"http://127.0.0.1:{flask_port}/bench/feed.xml", headers["ETag"]),
            "proxy": (f"http://127.0.0.1:{proxy_port}/bench/feed.xml", headers["ETag"]),
        }
        fetch(targets["proxy"][0])  # fill the proxy cache (both codings)
        fetch(targets["proxy"][0], {"Accept-Encoding": "gzip"})
        for label, extra in (
            ("full feed", {}),
            ("304", None),
            ("gzip", {"Accept-Encoding": "gzip"}),
        ):
            rates: dict[str, list[float]] = {name: [] for name in targets}
            # Interleaved rounds (in reverse order every other round), so that a slow spell of
            # the machine, or the warm-up of the one measured first, lands on every server.
            for round_ in range(ROUNDS):
                order = list(targets.items())
                for name, (target, etag) in order if round_ % 2 == 0 else order[::-1]:
                    sent = {"If-None-Match": etag} if extra is None else extra
                    rates[name].append(wrk(target, sent))
            _print_row(size, label, rates)


def _print_row(size: int, label: str, rates: dict[str, list[float]]) -> None:
    """Each server's best round, and each ratio as the median over rounds of the two servers'
    rates in that round: one 3-second run varies by up to 20% here, and a ratio of two bests
    compounded the luck of both."""

    def ratio(a: str, b: str) -> float:
        return median(x / y for x, y in zip(rates[a], rates[b], strict=True))

    app, static, flask, proxy = (max(rates[name]) for name in ("showapp", "static", "flask",
                                                                "proxy"))  # fmt: skip
    print(f"| {size:,} | {label} | {app:,.0f} | {static:,.0f} | {flask:,.0f} | "
          f"{ratio('showapp', 'static'):.2f} | {ratio('showapp', 'flask'):.2f} | {proxy:,.0f} | "
          f"{ratio('proxy', 'static'):.2f} |", flush=True)  # fmt: skip


def _write_static(dir: Path, body: bytes, gz: bytes, etag: str, gz_etag: str) -> None:
    static = dir / "static"
    static.mkdir()
    (static / "feed.xml").write_bytes(body)
    (static / "feed.xml.gz").write_bytes(gz)
    (dir / "etags").write_text(f"{etag} {gz_etag}")
    (dir / "minimal.py").write_text(MINIMAL_APP)


def _write_nginx(dir: Path, static_port: int, proxy_port: int, app_port: int) -> None:
    proxy = readme_proxy_config(f"127.0.0.1:{proxy_port}", f"127.0.0.1:{app_port}", dir / "cache")
    (dir / "nginx.conf").write_text(NGINX_CONF.format(
        workers=WORKERS, dir=dir, static_port=static_port, proxy_conf=proxy))  # fmt: skip
