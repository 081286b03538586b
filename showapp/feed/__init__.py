"""Feeds for podcast apps."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from showapp.db import get_session
from showapp.services import catalog, rss

bp = Blueprint("feed", __name__)


@bp.get("/<show_slug>/feed.xml")
def show_feed(show_slug: str) -> Response:
    session = get_session()
    show = catalog.get_show(session, show_slug)
    if show is None:
        abort(404, "No show has this address.")
    episodes = catalog.list_live_episodes(session, show, limit=None)
    body = rss.build_feed(show, episodes, current_app.config["BASE_URL"])
    return Response(body, mimetype="application/rss+xml")
