"""Template filters: formatting only, no decisions and no queries."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from showapp.models import Episode
from showapp.services import urls
from showapp.services.catalog.text import clock, render_episode_notes, render_notes


def init_app(app: Flask) -> None:
    from showapp.site.helpers import feed_url, media_url

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


def format_date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def notes_html(markdown_source: str) -> Markup:
    # render_notes sanitises with nh3, so marking the result safe is sound.
    return Markup(render_notes(markdown_source))  # noqa: S704


def episode_notes_html(episode: Episode) -> Markup:
    # Both branches of render_episode_notes sanitise with nh3.
    return Markup(render_episode_notes(episode))  # noqa: S704
