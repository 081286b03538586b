"""One piece of advice with every story listeners published about trying it: where the
episode page's "Show all stories" leads. (The "I tried this" form is the listeners' part.)"""

from __future__ import annotations

from flask import Response, abort, render_template, url_for

from showapp.db import get_session
from showapp.models import Episode
from showapp.services.advice import public as advice_pages
from showapp.services.catalog import lookups
from showapp.site import bp
from showapp.site.helpers import Meta, canonical, excerpt, page_response
from showapp.site.page_cache import cached_page


@bp.get("/advice/<int:advice_id>/reports")
@cached_page
def advice_reports(advice_id: int) -> Response:
    session = get_session()
    found = advice_pages.advice_with_all_reports(session, advice_id)
    if found is None or not _is_public(found[1]):
        abort(404, "No published advice has this address.")
    piece = found[0]
    meta = Meta(
        title=f"What listeners did with “{excerpt(piece.text, 60)}”",
        description=excerpt(piece.text),
        canonical=canonical("site.advice_reports", advice_id=advice_id),
    )
    episode_url = url_for(
        "site.episode", show_slug=piece.show_slug, episode_slug=piece.episode_slug
    )
    html = render_template("site/advice_reports.html", piece=piece, episode_url=episode_url,
                           meta=meta)  # fmt: skip
    return page_response(html)


def _is_public(episode_id: int) -> bool:
    """The episode is public (live, or unlisted and reachable by its link) in a live show."""
    session = get_session()
    episode = session.get(Episode, episode_id)
    show = lookups.get_show_by_id(session, episode.show_id) if episode is not None else None
    if episode is None or show is None or show.deleted_at is not None:
        return False
    return lookups.get_public_episode(session, show, episode.slug) is not None
