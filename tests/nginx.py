"""Runs the README's nginx blocks as written, in front of the test app: the block is read from
README.md, this run's ports and folders are filled in, and a real nginx serves it on 127.0.0.1."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from showapp.config import REPO_ROOT

NGINX = Path("/usr/sbin/nginx")
START_SECONDS = 10


def readme_block(marker: str, replacements: dict[str, str]) -> str:
    """The documented ```nginx block (README.md or docs/) containing `marker`, with each `old`
    replaced by `new`."""
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    text = "\n".join(page.read_text() for page in pages)
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    block: str = next(block for block in blocks if marker in block)
    for old, new in replacements.items():
        # A silent no-op would test a different configuration than the documented one.
        assert old in block, f"The docs' nginx block with {marker!r} no longer has {old!r}"
        block = block.replace(old, new)
    return block


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_config(folder: Path, http_config: str) -> Path:
    """An nginx.conf that keeps everything nginx writes in `folder`, with `http_config`
    (a README block, plus whatever the test adds) inside http { }."""
    temp_paths = "".join(
        f"{kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would run as nobody, who cannot read pytest's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(
        f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{\naccess_log off;\n{temp_paths}{http_config}\n}}\n"
    )
    return config


@contextmanager
def running_nginx(folder: Path, port: int, http_config: str) -> Iterator[str]:
    """nginx serving `http_config` (which must listen on 127.0.0.1:`port`); yields its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    config = write_config(folder, http_config)
    stderr = folder / "stderr.log"
    with stderr.open("wb") as errors:
        process = subprocess.Popen(
            [str(NGINX), "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        _wait_for(process, port, stderr)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(process: subprocess.Popen[bytes], port: int, stderr: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    # A refused configuration is reported on stderr, before error_log applies.
    raise RuntimeError(f"nginx did not start on port {port}: {stderr.read_text()}")
