"""Search across titles, show notes, guests, topics and transcripts."""

from __future__ import annotations

from flask import Response, render_template, request

from showapp.db import get_session
from showapp.services.search import queries as search_queries
from showapp.site import bp
from showapp.site.helpers import (
    Meta,
    canonical,
    page_number,
    page_response,
    require_page_exists,
)
from showapp.site.page_cache import cached_page

MAX_QUERY_LENGTH = 200


@bp.get("/search")
@cached_page
def search_results() -> Response:
    query = request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
    page = page_number()
    results = search_queries.search_episodes(get_session(), query, page=page)
    if results.total:
        require_page_exists(page, results.pages)
    meta = Meta(
        title=f"Search: {query}" if query else "Search",
        description="Search every episode, guest, topic and transcript.",
        canonical=canonical("site.search_results"),
        noindex=bool(query),
    )
    html = render_template("site/search.html", results=results, meta=meta, search_query=query)
    return page_response(html)
