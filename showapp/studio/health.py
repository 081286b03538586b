"""Feed health: what Apple, Spotify and Podcast Index would reject or warn about, per show."""

from __future__ import annotations

from flask import current_app, render_template

from showapp.db import get_session
from showapp.services.feeds.health import feed_health
from showapp.storage import current_storage
from showapp.studio import bp, current_show


@bp.get("/shows/<show_slug>/feed-health")
def feed_health_page(show_slug: str) -> str:
    show = current_show()
    problems = feed_health(
        get_session(),
        show,
        current_app.config["BASE_URL"],
        storage=current_storage(),
    )
    return render_template("studio/feed_health.html", show=show, problems=problems)
