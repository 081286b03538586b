"""The public site for listeners and guests: shows, episodes, guests, topics and search.

One blueprint, one module per kind of page; helpers.py holds what they share (conditional
responses, page metadata, feed links, paging).
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("site", __name__)


def _setup(state: BlueprintSetupState) -> None:
    from showapp.services.search import index as search_index
    from showapp.site import helpers

    # Every session of this app keeps the search index in step with what it commits.
    app = state.app
    search_index.watch_sessions(
        app.extensions["showapp.sessionmaker"],
        lambda: helpers.forget_pages(app),  # type: ignore[arg-type]
    )
    helpers.init_templates(state.app)  # type: ignore[arg-type]


bp.record_once(_setup)

# Route modules register on bp when imported; the fixed paths come before the show slugs.
from showapp.site import discovery, embed, people, review, search_page, shows  # noqa: E402

__all__ = ["bp", "discovery", "embed", "people", "review", "search_page", "shows"]
