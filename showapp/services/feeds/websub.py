"""Tell WebSub hubs and Podcast Index that a feed changed.

Each ping is a job (`feeds.ping`, showapp/jobs/tasks.py): a slow or failing hub delays only
a worker, a failure is retried with backoff, a ping survives a restart, and one that never
went through shows as failed on /studio/jobs. A host's save is never slowed by a hub.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass


class PingFailed(Exception):
    """The hub did not take the ping; the job is retried."""


@dataclass(frozen=True)
class Ping:
    url: str
    method: str  # POST to a WebSub hub, GET to Podcast Index's pubnotify
    body: str = ""
    feed_url: str = ""


def pings_for(hub_url: str, pubnotify_url: str, feed_urls: Iterable[str]) -> list[Ping]:
    """The requests that announce these feeds to the configured hub and to Podcast Index."""
    pings = []
    for feed_url in feed_urls:
        if hub_url:
            body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url})
            pings.append(Ping(hub_url, "POST", body, feed_url))
        if pubnotify_url:
            separator = "&" if "?" in pubnotify_url else "?"
            query = urllib.parse.urlencode({"url": feed_url})
            pings.append(Ping(pubnotify_url + separator + query, "GET", "", feed_url))
    return pings


def send(ping: Ping, timeout_seconds: float = 10.0) -> None:
    """One attempt; raises PingFailed unless the hub answered with a 2xx."""
    data = ping.body.encode() if ping.method == "POST" else None
    request = urllib.request.Request(ping.url, data=data, method=ping.method)
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
            if response.status < 300:
                return
            raise PingFailed(f"{ping.url} answered {response.status}")
    except urllib.error.HTTPError as error:
        error.close()  # it holds the open response
        raise PingFailed(f"{ping.url} answered {error.code}") from None
    except OSError as error:  # URLError, timeouts and refused connections
        raise PingFailed(f"{ping.url}: {error}") from None
