"""A show's colours as a tiny stylesheet, /theme/<hex>.css, linked from its public pages.

The site's Content-Security-Policy allows no inline style, so a show's accent cannot sit in a
style attribute. The colour is in the address, so the answer never changes and is cached for
a year; the contrast is checked in services/catalog/accent.py before the link is written.
"""

from __future__ import annotations

from flask import Response, abort

from showapp.models import Show
from showapp.services.catalog import accent
from showapp.services.catalog.artwork import copy_name
from showapp.site import bp
from showapp.storage import current_storage
from showapp.templating import page_url_for

YEAR = 365 * 24 * 3600


@bp.get("/theme/<string(length=6):colour>.css")
def theme_css(colour: str) -> Response:
    if accent.parse_hex(colour) is None:
        abort(404)
    theme = accent.theme_for(colour)
    body = (
        f":root{{--accent:#{theme.accent};--accent-ink:#{theme.ink};"
        f"--accent-soft:#{theme.soft};--accent-line:#{theme.line}}}\n"
    )
    response = Response(body, mimetype="text/css")
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def show_accent(show: Show) -> str:
    """The show's accent as six hex digits: its chosen colour, else its artwork's dominant
    colour, else the default; contrast-adjusted."""
    chosen = accent.parse_hex(show.accent_color)
    if chosen is None and show.artwork:
        small = copy_name(show.artwork, 300)
        chosen = accent.stored_dominant_colour(current_storage(), small, show.artwork)
    return accent.theme_for(chosen).accent


def theme_url(show: Show) -> str:
    return page_url_for("site.theme_css", colour=show_accent(show))
