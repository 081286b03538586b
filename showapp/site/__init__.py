"""The public site for listeners and guests: shows, episodes, guests, topics and search.

One blueprint, one module per kind of page; helpers.py holds what they share (conditional
responses, page metadata, feed links, paging); page_cache.py keeps rendered pages.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("site", __name__)

# Route modules register on bp when imported; the fixed paths come before the show slugs.
from showapp.site import (  # noqa: E402
    advice,
    discovery,
    embed,
    listeners,
    people,
    review,
    search_page,
    shows,
    theme,
    unsubscribe,
)

__all__ = [
    "advice",
    "bp",
    "discovery",
    "embed",
    "listeners",
    "people",
    "review",
    "search_page",
    "shows",
    "theme",
    "unsubscribe",
]
