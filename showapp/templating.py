"""Template filters: formatting only, no decisions and no queries."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Flask, current_app, url_for
from markupsafe import Markup

from showapp.models import Episode
from showapp.services import urls
from showapp.services.catalog.artwork import copy_name
from showapp.services.catalog.text import clock, render_episode_notes, render_notes


def init_app(app: Flask) -> None:
    from showapp.site.helpers import feed_url, media_url
    from showapp.site.theme import theme_url

    app.add_template_filter(clock, "clock")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(notes_html, "notes")
    app.add_template_filter(episode_notes_html, "episode_notes")
    # Stored links as hrefs: only http(s) ones, whatever a row holds (a javascript: link
    # would run script on the site's origin, which is also the studio's).
    app.add_template_filter(urls.public_links, "public_links")
    app.jinja_env.globals["site_title"] = app.config["SITE_TITLE"]
    app.jinja_env.globals["feed_url"] = feed_url
    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["artwork_src"] = artwork_src
    app.jinja_env.globals["theme_url"] = theme_url
    app.add_template_filter(initials, "initials")


def format_date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def notes_html(markdown_source: str) -> Markup:
    # render_notes sanitises with nh3, so marking the result safe is sound.
    return Markup(render_notes(markdown_source))  # noqa: S704


def episode_notes_html(episode: Episode) -> Markup:
    # Both branches of render_episode_notes sanitise with nh3.
    return Markup(render_episode_notes(episode))  # noqa: S704


def artwork_src(relative: str | None, size: int = 300) -> str | None:
    """The address of the smaller copy of some stored artwork (a list shows thumbnails, not
    3000 px originals); the original when no copy was made; None without artwork."""
    if not relative:
        return None
    small = copy_name(relative, size)
    name = small if (Path(current_app.config["EPISODES_DIR"]) / small).is_file() else relative
    return url_for("media.media_file", filename=name)


def initials(title: str) -> str:
    """Up to two initials for the placeholder picture of a show without artwork."""
    words = [w for w in title.replace("&", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"
