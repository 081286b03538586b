"""Feed requests the cache can answer as it is, answered before Flask builds a request.

Podcast apps poll feeds around the clock, and nearly every poll finds the cached feed fresh:
it either revalidates (304) or fetches the stored file. Answering that takes one indexed
query, so this WSGI layer does it without Flask's request, session, login and limiter work.
Everything else (a stale or missing feed, a moved feed, an unknown address, other methods)
goes on to the app, whose feed views rebuild and answer with the same headers (http.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, RequestRedirect
from werkzeug.wsgi import FileWrapper

from showapp.feed.http import Environ, feed_headers, not_modified, wants_gzip
from showapp.services import urls
from showapp.services.feeds.files import FeedFiles
from showapp.services.feeds.lookup import CachedFeed
from showapp.services.feeds.rendering import FeedRef

StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
# Cheap test first: every other request (pages, media, the studio) passes straight on.
# Every feed path ends with one of these (see urls.ROUTES); anything else goes straight on.
FEED_PATHS = (urls.ROUTES["network_feed"], urls.ROUTES["opml"])
MEMO_SIZE = 4096
KINDS = {"feed.show_feed": "show", "feed.topic_feed": "topic", "feed.guest_feed": "guest",
         "feed.network_feed": "network", "feed.opml": "opml"}  # fmt: skip


class FeedFastLane:
    def __init__(
        self, app: Flask, fresh: Callable[[str], CachedFeed | None], files: FeedFiles
    ) -> None:
        self.next_app: WSGIApp = app.wsgi_app
        self.url_map: Map = app.url_map
        self.fresh = fresh  # the cached feed under a key, if fresh (services/feeds/stamps.py)
        self.files = files
        self.max_age = int(app.config["FEED_MAX_AGE"])
        self.refs: dict[str, FeedRef | None] = {}

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").endswith(FEED_PATHS) and environ["REQUEST_METHOD"] in {
            "GET",
            "HEAD",
        }:
            answer = self._answer(environ, start_response)
            if answer is not None:
                return answer
        return self.next_app(environ, start_response)

    def _answer(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes] | None:
        ref = self._ref(environ)
        feed = self.fresh(ref.key) if ref is not None else None
        if feed is None or feed.redirect_to:
            return None
        gzipped = wants_gzip(environ)
        if not_modified(environ, feed.etag, feed.last_modified):
            start_response("304 Not Modified", feed_headers(feed, gzipped, self.max_age, None))
            return []
        body = self.files.open_body(feed.digest, gzipped)
        if body is None:
            return None
        size, handle = body
        start_response("200 OK", feed_headers(feed, gzipped, self.max_age, size))
        if environ["REQUEST_METHOD"] == "HEAD":
            handle.close()
            return []
        # gunicorn's wrapper sends the file with sendfile(); others read it in blocks.
        wrapper = environ.get("wsgi.file_wrapper", FileWrapper)
        wrapped: Iterable[bytes] = wrapper(handle, 1 << 16)
        return wrapped

    def _ref(self, environ: Environ) -> FeedRef | None:
        # The same few feed paths come back all day: match each once (a bounded memo).
        path = environ.get("PATH_INFO", "")
        if path in self.refs:
            return self.refs[path]
        try:
            endpoint, values = self.url_map.bind_to_environ(environ).match()
        except (HTTPException, RequestRedirect):
            return None
        kind = KINDS.get(str(endpoint))
        ref = FeedRef(kind, **values) if kind is not None else None
        if len(self.refs) >= MEMO_SIZE:
            self.refs.clear()
        self.refs[path] = ref
        return ref
