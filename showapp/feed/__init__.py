"""Feeds for podcast apps: per show, per topic, per guest, the network feed and /feeds.opml.

Served from the feed cache (validators in the database, bodies in files every worker shares and
sends with sendfile); a stale or missing entry is rebuilt by the request that finds it.
Revalidations (304) cost one small query.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request

from showapp import db
from showapp.columns import utc_now
from showapp.feed.fastlane import FeedFastLane
from showapp.feed.http import feed_response, not_modified, wants_gzip
from showapp.services import network, urls
from showapp.services.feeds import rebuild as feed_rebuild
from showapp.services.feeds import stamps as feed_stamps
from showapp.services.feeds import websub
from showapp.services.feeds.files import FeedFiles
from showapp.services.feeds.lookup import CachedFeed, FastLookup
from showapp.services.feeds.rendering import FeedRef, FeedSite

bp = Blueprint("feed", __name__)


def announce_changed_feeds(app: Flask, show_slugs: set[str]) -> None:
    """After a commit that changed these shows: a ping job per hub and feed (the show's and
    the network feed), retried with backoff (SHOWAPP_WEBSUB_ATTEMPTS, SHOWAPP_WEBSUB_BACKOFF)."""
    announce_feeds(app, feed_stamps.feed_urls_for(app.config["BASE_URL"], show_slugs))


def announce_feeds(app: Flask, feed_urls: list[str]) -> None:
    config = app.config
    if not (config["WEBSUB_HUB"] or config["PUBNOTIFY_URL"]):
        return
    from showapp.jobs import get_jobs

    pings = websub.pings_for(config["WEBSUB_HUB"], config["PUBNOTIFY_URL"], feed_urls)
    get_jobs(app).enqueue_each(
        "feeds.ping",
        [(f"Announce {ping.feed_url} to {ping.url.split('?')[0]}",
          {"url": ping.url, "method": ping.method, "body": ping.body, "feed_url": ping.feed_url})
         for ping in pings],
        retries=max(int(config["WEBSUB_ATTEMPTS"]) - 1, 0),
        retry_delay=float(config["WEBSUB_BACKOFF"]),
    )  # fmt: skip


def make_fast_lane(app: Flask) -> FeedFastLane:
    """The WSGI layer that answers fresh feeds from their files before Flask runs."""
    files = FeedFiles(_files_root(app))
    app.extensions["showapp.feedfiles"] = files
    return FeedFastLane(app, FastLookup(app.extensions["showapp.engine"]), files)


def _files_root(app: Flask) -> Path:
    """One folder per site: files rendered for other URLs are never served (a changed
    SHOWAPP_BASE_URL finds no files and renders anew)."""
    config = app.config
    site = "\n".join([config["BASE_URL"], config["SITE_TITLE"], config["WEBSUB_HUB"],
                      config["MEDIA_PREFIX_URL"]])  # fmt: skip
    return Path(config["FEED_CACHE_DIR"]) / hashlib.sha256(site.encode()).hexdigest()[:16]


@bp.get(urls.ROUTES["show_feed"])
def show_feed(show_slug: str) -> Response:
    return _serve(FeedRef("show", show_slug=show_slug))


@bp.get(urls.ROUTES["topic_feed"])
def topic_feed(show_slug: str, topic_slug: str) -> Response:
    return _serve(FeedRef("topic", show_slug=show_slug, topic_slug=topic_slug))


@bp.get(urls.ROUTES["guest_feed"])
def guest_feed(guest_slug: str) -> Response:
    return _serve(FeedRef("guest", guest_slug=guest_slug))


@bp.get(urls.ROUTES["network_feed"])
def network_feed() -> Response:
    return _serve(FeedRef("network"))


@bp.get(urls.ROUTES["opml"])
def opml() -> Response:
    return _serve(FeedRef("opml"))


def _serve(ref: FeedRef) -> Response:
    # A fresh feed was answered by the fast lane (fastlane.py) before Flask ran: what reaches
    # a view is stale, missing, moved or unknown. Rebuilding takes a feed that another worker
    # has just rebuilt (or a moved feed's fresh row) as it is.
    feed = _rebuild(ref)
    environ = request.environ
    gzipped = wants_gzip(environ)
    if feed.redirect_to:
        return _moved(feed, gzipped)
    if not_modified(environ, feed.etag, feed.last_modified):
        return feed_response(environ, feed, gzipped, _max_age(), None)
    body = _files().open_body(feed.digest, gzipped)
    if body is None:  # replaced by another worker a moment ago, or built on another host
        feed = _rebuild(ref)
        body = _files().open_body(feed.digest, gzipped)
        if body is None:
            abort(503, "The feed is being rebuilt; try again in a moment.")
    return feed_response(environ, feed, gzipped, _max_age(), body)


def _moved(feed: CachedFeed, gzipped: bool) -> Response:
    """301 to where the feed went. A show that moved host sends its feed along, carrying
    itunes:new-feed-url, for apps that read a redirect's body before following it; a merged
    guest's or topic's feed has no body of its own."""
    body = _files().open_body(feed.digest, gzipped)
    if body is None:
        return redirect(feed.redirect_to or "/", 301)  # type: ignore[return-value]
    response = feed_response(request.environ, feed, gzipped, _max_age(), body)
    response.status_code = 301
    response.headers["Location"] = feed.redirect_to or "/"
    return response


def _rebuild(ref: FeedRef) -> CachedFeed:
    config = current_app.config
    session = db.get_session()
    # Guest and network feeds are titled with the network's name ("Priya Raman on <name>").
    name = network.current(session, config["SITE_TITLE"]).name
    site = FeedSite(
        config["BASE_URL"], name, config["WEBSUB_HUB"], config["MEDIA_PREFIX_URL"],
        config["NETWORK_FEED_LIMIT"],
    )  # fmt: skip
    built = feed_rebuild.rebuild(session, ref, site, utc_now(), _files())
    session.commit()
    feed_rebuild.discard_replaced_files(session)
    if built is None:
        abort(404, "No feed has this address.")
    row, changed = built
    if changed:
        # e.g. a scheduled episode went live: nobody saved anything, yet the feed changed.
        announce_feeds(current_app._get_current_object(), [ref.url(site.base_url)])  # type: ignore[attr-defined]
    return CachedFeed(row.etag, row.last_modified, row.content_type, row.redirect_to)


def _files() -> FeedFiles:
    files: FeedFiles = current_app.extensions["showapp.feedfiles"]
    return files


def _max_age() -> int:
    return int(current_app.config["FEED_MAX_AGE"])
