"""Fetch what an import reads from the network: bounded in size and time, http(s) only.

Only the standard library (urllib): redirects are followed (and the final address is kept,
so relative URLs resolve against where the feed really lives), but only to http and https.
"""

from __future__ import annotations

import http.client
import io
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from showapp.errors import InvalidInput
from showapp.services.importing import ssrf_guard

USER_AGENT = "showapp-import/0.1 (+https://github.com/showapp)"
CHUNK_BYTES = 256 * 1024


class FetchError(InvalidInput):
    """The address could not be fetched (network error, HTTP error, too large)."""

    # The HTTP status when the server answered with an error (404: the file is gone).
    status: int | None = None


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
        headers: HTTPMessage, newurl: str,
    ) -> urllib.request.Request | None:  # fmt: skip
        if urlsplit(newurl).scheme not in {"http", "https"}:
            raise FetchError(f"Refusing to follow a redirect to {newurl}")
        if ssrf_guard.is_screening():
            ssrf_guard.screen_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# Connections go through ssrf_guard.create_connection, which checks the address actually
# connected to while the studio screens URLs (and does nothing more otherwise).
class _ScreenedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = ssrf_guard.create_connection


class _ScreenedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = ssrf_guard.create_connection


class _ScreenedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_ScreenedHTTPConnection, req)


class _ScreenedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_ScreenedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


_opener = urllib.request.build_opener(
    _HttpOnlyRedirects(), _ScreenedHTTPHandler(), _ScreenedHTTPSHandler()
)


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in {"http", "https"}


def open_url(url: str, timeout: float, headers: dict[str, str] | None = None) -> Any:
    """Open an http(s) URL; the caller closes the response. Errors become FetchError."""
    if not is_url(url):
        raise FetchError(f"Not an http(s) address: {url}")
    if ssrf_guard.is_screening():
        ssrf_guard.screen_url(url)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        return _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        failure = FetchError(f"{url} answered HTTP {error.code} {error.reason}")
        failure.status = error.code
        raise failure from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise FetchError(f"Could not fetch {url}: {error}") from error


@dataclass
class FetchedFeed:
    path: Path
    final_url: str


def fetch_feed(url: str, directory: Path, *, max_bytes: int, timeout: float) -> FetchedFeed:
    """Download a feed into a temporary file in `directory`; the caller deletes it."""
    with (
        open_url(url, timeout) as response,
        tempfile.NamedTemporaryFile(
            dir=directory, prefix=".feed-", suffix=".xml", delete=False
        ) as handle,
    ):
        try:
            copy_limited(response, handle, max_bytes, url)
        except FetchError:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return FetchedFeed(Path(handle.name), response.geturl())


def copy_limited(
    source: IO[bytes],
    target: IO[bytes],
    max_bytes: int,
    label: str,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    written = 0
    try:
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > max_bytes:
                raise FetchError(f"{label} is larger than the {max_bytes:,} bytes allowed")
            target.write(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
    except (OSError, ValueError) as error:
        message = f"Download of {label} broke off after {written:,} bytes: {error}"
        raise FetchError(message) from error
    return written


def fetch_bytes(url: str, *, max_bytes: int, timeout: float) -> tuple[bytes, str]:
    """A small file (artwork, a transcript) in memory, with the type the server gave."""
    with open_url(url, timeout) as response:
        buffer = io.BytesIO()
        copy_limited(response, buffer, max_bytes, url)
        return buffer.getvalue(), response.headers.get_content_type() or ""


def copy_file(path: Path, target: IO[bytes]) -> None:
    with path.open("rb") as source:
        shutil.copyfileobj(source, target, CHUNK_BYTES)
