"""The README's nginx snippet, run as written: the app answers X-Accel-Redirect and nginx
sends the bytes, ranges and CORS headers included."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from showapp.config import REPO_ROOT
from showapp.media.recorder import get_recorder
from showapp.models import Episode
from tests.conftest import require
from tests.factories import make_episode, make_show

NGINX = Path("/usr/sbin/nginx")
APPLE = "Podcasts/1410.53 CFNetwork/1111 Darwin/19.0.0 (x86_64)"


def readme_snippet() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", (REPO_ROOT / "README.md").read_text(), re.S)
    return next(block for block in blocks if "X-Accel-Redirect" in block or "/_media/" in block)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def nginx(app: Flask, live_server: str, tmp_path: Path) -> Iterator[str]:
    require(NGINX.exists(), "nginx")
    app.config["MEDIA_ACCEL"] = "x-accel"
    port = _free_port()
    snippet = (
        readme_snippet()
        .replace("127.0.0.1:8000", live_server.removeprefix("http://"))
        .replace("# ... listen, server_name, TLS as above ...", f"listen 127.0.0.1:{port};")
        .replace("/srv/showapp/episodes/", app.config["EPISODES_DIR"] + "/")
    )
    folder = tmp_path / "nginx"
    folder.mkdir()
    temp_paths = "".join(
        f"{kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi")
    )
    # As root, nginx's workers would run as nobody, who cannot read pytest's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{\naccess_log off;\ntypes {{ audio/mpeg mp3; }}\n"
        f"{temp_paths}uwsgi_temp_path {folder}/uwsgi;\nscgi_temp_path {folder}/scgi;\n"
        f"{snippet}\n}}\n"
    )
    process = subprocess.Popen(
        [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def episode(session: Session, episodes_dir: Path) -> Episode:
    episode = make_episode(session, make_show(session, slug="proxied"), episodes_dir, seconds=4)
    session.commit()
    return episode


def _get(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_readme_nginx_snippet_serves_through_x_accel(
    app: Flask, nginx: str, episode: Episode, episodes_dir: Path
) -> None:
    assert episode.audio_file
    body = (episodes_dir / episode.audio_file).read_bytes()
    url = f"{nginx}/media/{episode.audio_file}"
    status, headers, data = _get(url, **{"Range": "bytes=0-1", "User-Agent": APPLE})
    assert (status, data) == (206, body[:2])
    assert headers["Server"].startswith("nginx")
    assert headers["Content-Range"] == f"bytes 0-1/{len(body)}"
    assert headers["Content-Type"] == "audio/mpeg"
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, data = _get(url, **{"Range": "bytes=100-", "User-Agent": APPLE})
    assert (status, data) == (206, body[100:])
    status, headers, data = _get(url, method="HEAD")
    assert (status, data) == (200, b"")
    assert headers["Content-Length"] == str(len(body))
    # The internal location cannot be reached from outside.
    assert _get(f"{nginx}/_media/{episode.audio_file}")[0] == 404
    recorder = get_recorder(app)
    assert recorder is not None and recorder.flush() == 3
