"""Files in a bucket on an S3-compatible server, through boto3.

boto3's transfer manager uploads a file or stream in parts (multipart above
MULTIPART_BYTES), MAX_CONCURRENCY parts at once. A file on disk (an upload staged for its probe,
a tagged copy) is read part by part as each is sent, so memory stays bounded whatever its
size; a stream (save_stream) holds at most MAX_CONCURRENCY parts. boto3 also presigns URLs,
and it is the client every S3-compatible server tests against.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from s3transfer.utils import ReadFileChunk

from showapp.storage.base import checked_name

MULTIPART_BYTES = 5 * 1024 * 1024
# Parts sent at once (threads); a stream's parts are held in memory while they are sent.
MAX_CONCURRENCY = 8
TRANSFER = TransferConfig(
    multipart_threshold=MULTIPART_BYTES,
    multipart_chunksize=MULTIPART_BYTES,
    max_concurrency=MAX_CONCURRENCY,
)
MISSING = {"404", "NoSuchKey", "NotFound"}
PRESIGNED_OPERATIONS = {"GET": "get_object", "HEAD": "head_object"}
URLS_KEPT = 10_000  # redirect URLs kept per process for reuse


@dataclass(frozen=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    public_base_url: str = ""
    url_ttl: int = 900


def make_client(settings: S3Settings) -> Any:
    # Path-style addressing: local and self-hosted servers rarely resolve bucket subdomains.
    style = "path" if settings.endpoint_url else "auto"
    return boto3.client(
        "s3",
        endpoint_url=settings.endpoint_url or None,
        region_name=settings.region or "us-east-1",
        aws_access_key_id=settings.access_key_id or None,
        aws_secret_access_key=settings.secret_access_key or None,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )


class S3Storage:
    kind = "s3"

    def __init__(self, settings: S3Settings, spool: Path) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.client = make_client(settings)
        # Local work files (uploads being probed, tagged copies) before they go to the bucket.
        self.spool = spool
        self._urls: dict[tuple[str, str], tuple[str, float]] = {}  # (name, method): url, until

    def _head(self, name: str) -> dict[str, Any] | None:
        try:
            return cast(
                dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=checked_name(name))
            )
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in MISSING:
                return None
            raise

    def exists(self, name: str) -> bool:
        return self._head(name) is not None

    def size(self, name: str) -> int | None:
        head = self._head(name)
        return None if head is None else int(head["ContentLength"])

    def open(self, name: str) -> BinaryIO:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=checked_name(name))
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in MISSING:
                raise FileNotFoundError(name) from error
            raise
        return cast(BinaryIO, answer["Body"])

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as body:
            return body.read()

    def save_stream(self, name: str, stream: IO[bytes], content_type: str) -> None:
        self.client.upload_fileobj(
            stream, self.bucket, checked_name(name),
            ExtraArgs={"ContentType": content_type}, Config=TRANSFER,
        )  # fmt: skip

    def save_bytes(self, name: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=checked_name(name), Body=data, ContentType=content_type
        )

    def move_in(self, name: str, local_path: Path, content_type: str) -> None:
        self.client.upload_file(
            str(local_path), self.bucket, checked_name(name),
            ExtraArgs={"ContentType": content_type}, Config=TRANSFER,
        )  # fmt: skip
        local_path.unlink(missing_ok=True)

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=checked_name(name))

    def names(self, prefix: str = "", *, hidden: bool = False) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = str(item["Key"])
                if hidden or not any(part.startswith(".") for part in key.split("/")):
                    yield key

    def local_path(self, name: str) -> Path | None:
        return None

    def redirect_url(self, name: str, *, method: str = "GET") -> str | None:
        # Signing costs boto3 most of a millisecond, many times the rest of a redirect: a URL
        # is handed out again for the first half of its life, so it stays valid for at least
        # half of SHOWAPP_S3_URL_TTL after any listener got it. Public URLs never expire.
        now = time.monotonic()
        found = self._urls.get((name, method))
        if found is not None and found[1] > now:
            return found[0]
        key = checked_name(name)
        base = self.settings.public_base_url.rstrip("/")
        if base:
            url, until = f"{base}/{quote(key)}", float("inf")
        else:
            url = str(
                self.client.generate_presigned_url(
                    PRESIGNED_OPERATIONS.get(method, "get_object"),
                    Params={"Bucket": self.bucket, "Key": key},
                    ExpiresIn=self.settings.url_ttl,
                )
            )
            until = now + self.settings.url_ttl / 2
        if len(self._urls) >= URLS_KEPT:
            self._urls.clear()
        self._urls[(name, method)] = (url, until)
        return url

    @contextmanager
    def working_copy(self, name: str) -> Iterator[Path]:
        folder = self.staging_dir(".work")
        path = folder / f"{secrets.token_hex(8)}{Path(name).suffix}"
        try:
            self.client.download_file(self.bucket, checked_name(name), str(path), Config=TRANSFER)
        except ClientError as error:
            path.unlink(missing_ok=True)
            if str(error.response.get("Error", {}).get("Code")) in MISSING:
                raise FileNotFoundError(name) from error
            raise
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def stream_upload(self, name: str, content_type: str) -> S3PartSink:
        return S3PartSink(self, checked_name(name), content_type)

    def staging_dir(self, folder: str) -> Path:
        path = self.spool / checked_name(folder) if folder else self.spool
        path.mkdir(parents=True, exist_ok=True)
        return path


class S3PartSink:
    """A multipart upload fed from a local file as it grows: part n is sent (by one of
    MAX_CONCURRENCY threads, read from the file as it goes out) once the file holds it."""

    def __init__(self, storage: S3Storage, name: str, content_type: str) -> None:
        self.storage = storage
        self.name = name
        self.content_type = content_type
        self.upload_id: str | None = None
        self.sent_upto = 0
        self.futures: list[Future[dict[str, Any]]] = []
        self.pool: ThreadPoolExecutor | None = None
        self.done = False

    def part_written(self, path: Path, size: int) -> None:
        while size - self.sent_upto >= MULTIPART_BYTES:
            self._send(path, self.sent_upto, MULTIPART_BYTES)
            self.sent_upto += MULTIPART_BYTES

    def finish(self, path: Path, size: int) -> None:
        client, bucket = self.storage.client, self.storage.bucket
        if self.upload_id is None:  # smaller than one part: a plain upload
            self.storage.move_in(self.name, path, self.content_type)
            self.done = True
            return
        if size > self.sent_upto:
            self._send(path, self.sent_upto, size - self.sent_upto)
        try:
            parts = sorted((f.result() for f in self.futures), key=lambda p: p["PartNumber"])
            client.complete_multipart_upload(
                Bucket=bucket, Key=self.name, UploadId=self.upload_id,
                MultipartUpload={"Parts": parts},
            )  # fmt: skip
        except BaseException:
            self.abort()
            raise
        finally:
            self._close_pool()
        self.done = True

    def abort(self) -> None:
        self._close_pool()
        if self.done:
            self.storage.delete(self.name)
        elif self.upload_id is not None:
            self.storage.client.abort_multipart_upload(
                Bucket=self.storage.bucket, Key=self.name, UploadId=self.upload_id
            )
        self.upload_id = None
        self.done = False

    def _send(self, path: Path, offset: int, length: int) -> None:
        if self.upload_id is None:
            answer = self.storage.client.create_multipart_upload(
                Bucket=self.storage.bucket, Key=self.name, ContentType=self.content_type
            )
            self.upload_id = str(answer["UploadId"])
            self.pool = ThreadPoolExecutor(MAX_CONCURRENCY, thread_name_prefix="s3-part")
        assert self.pool is not None
        number = len(self.futures) + 1
        self.futures.append(self.pool.submit(self._part, path, offset, length, number))

    def _part(self, path: Path, offset: int, length: int, number: int) -> dict[str, Any]:
        body = ReadFileChunk.from_filename(str(path), offset, length)
        try:
            answer = self.storage.client.upload_part(
                Bucket=self.storage.bucket, Key=self.name, UploadId=self.upload_id,
                PartNumber=number, Body=body,
            )  # fmt: skip
        finally:
            body.close()
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def _close_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
