"""Tell WebSub hubs and Podcast Index that a feed changed, off the request path.

A daemon thread drains a bounded queue and retries with backoff; a slow or failing hub delays
only this thread, and a full queue drops the ping (the next change or the apps' polling catch
up), so a host's save is never slowed or broken by a hub.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class Notifier:
    hub_url: str = ""
    pubnotify_url: str = ""
    attempts: int = 4
    backoff_seconds: float = 2.0
    timeout_seconds: float = 10.0
    queue_size: int = 1000
    _queue: queue.Queue[str] = field(init=False)
    _thread: threading.Thread | None = field(init=False, default=None)
    _pid: int = field(init=False, default=0)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._queue = queue.Queue(self.queue_size)

    @property
    def enabled(self) -> bool:
        return bool(self.hub_url or self.pubnotify_url)

    def notify(self, feed_urls: Iterable[str]) -> None:
        """Queue a ping per feed URL and return at once."""
        if not self.enabled:
            return
        self._ensure_thread()
        for url in feed_urls:
            try:
                self._queue.put_nowait(url)
            except queue.Full:
                log.warning("WebSub queue full; not announcing %s", url)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """For tests and shutdown: True once every queued ping was attempted."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks

    def _ensure_thread(self) -> None:
        # gunicorn forks workers after the app is built: threads do not survive a fork.
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="websub", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            url = self._queue.get()
            try:
                self._announce(url)
            finally:
                self._queue.task_done()

    def _announce(self, feed_url: str) -> None:
        if self.hub_url:
            body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode()
            self._with_retries(urllib.request.Request(self.hub_url, data=body, method="POST"))
        if self.pubnotify_url:
            separator = "&" if "?" in self.pubnotify_url else "?"
            target = self.pubnotify_url + separator + urllib.parse.urlencode({"url": feed_url})
            self._with_retries(urllib.request.Request(target, method="GET"))

    def _with_retries(self, request: urllib.request.Request) -> None:
        for attempt in range(1, self.attempts + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    if response.status < 300:
                        return
            except urllib.error.HTTPError as error:
                error.close()  # it holds the open response
                log.info("ping %s failed (attempt %d): %s", request.full_url, attempt, error)
            except OSError as error:  # URLError, timeouts and refused connections
                log.info("ping %s failed (attempt %d): %s", request.full_url, attempt, error)
            if attempt < self.attempts:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        log.warning("gave up announcing to %s", request.full_url)
