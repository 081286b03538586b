"""The public site: network home, show pages and episode pages."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from showapp.db import get_session
from showapp.models import Show
from showapp.services import catalog

bp = Blueprint("site", __name__)


@bp.get("/")
def index() -> str:
    return render_template("site/index.html", shows=catalog.list_shows(get_session()))


@bp.get("/<show_slug>/")
def show(show_slug: str) -> str:
    session = get_session()
    found = _show_or_404(show_slug)
    episodes = catalog.list_live_episodes(session, found, limit=None)
    return render_template("site/show.html", show=found, episodes=episodes)


@bp.get("/<show_slug>/episodes/<episode_slug>")
def episode(show_slug: str, episode_slug: str) -> str:
    found = _show_or_404(show_slug)
    item = catalog.get_public_episode(get_session(), found, episode_slug)
    if item is None:
        abort(404, "No published episode has this address.")
    return render_template(
        "site/episode.html", show=found, episode=item, base_url=current_app.config["BASE_URL"]
    )


def _show_or_404(slug: str) -> Show:
    found = catalog.get_show(get_session(), slug)
    if found is None:
        abort(404, "No show has this address.")
    return found
