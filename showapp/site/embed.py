"""The embeddable player page and the oEmbed endpoint that advertises it."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from showapp.db import get_session
from showapp.site import bp
from showapp.site.helpers import (
    Meta,
    canonical,
    media_url,
    page_response,
    parse_start,
    show_and_episode_or_404,
)
from showapp.site.page_cache import cached_page
from showapp.site.shows import player_media
from showapp.templating import current_network

EMBED_HEIGHT = 200
DEFAULT_WIDTH = 600


@bp.get("/embed/<show_slug>/<episode_slug>")
@cached_page
def embed(show_slug: str, episode_slug: str) -> Response:
    show, item = show_and_episode_or_404(show_slug, episode_slug)
    page_url = canonical("site.episode", show_slug=show.slug, episode_slug=item.slug)
    meta = Meta(title=item.title, description=show.title, canonical=page_url, noindex=True)
    html = render_template(
        "site/embed.html",
        show=show,
        episode=item,
        media=player_media(get_session(), show, item, "embed"),
        start=parse_start(request.args.get("t")),
        share_url=page_url,
        meta=meta,
    )
    return page_response(html, item.updated_at)


@bp.get("/oembed")
def oembed() -> Response:
    """oEmbed 1.0 (https://oembed.com) for episode pages: a rich type with an iframe."""
    if request.args.get("format", "json") != "json":
        abort(501, "Only the json format is offered.")
    show_slug, episode_slug = _episode_address(request.args.get("url", ""))
    show, item = show_and_episode_or_404(show_slug, episode_slug)
    width = _bounded(request.args.get("maxwidth"), DEFAULT_WIDTH)
    src = canonical("site.embed", show_slug=show.slug, episode_slug=item.slug)
    iframe = (
        f'<iframe src="{src}" width="{width}" height="{EMBED_HEIGHT}" frameborder="0" '
        f'title="{_attr(item.title)}" loading="lazy" allow="autoplay"></iframe>'
    )
    body = {
        "version": "1.0",
        "type": "rich",
        "provider_name": current_network().name,
        "provider_url": current_app.config["BASE_URL"] + "/",
        "title": item.title,
        "author_name": show.author or show.title,
        "author_url": canonical("site.show", show_slug=show.slug),
        "html": iframe,
        "width": width,
        "height": EMBED_HEIGHT,
    }
    thumbnail = media_url(item.artwork or show.artwork, external=True)
    if thumbnail:
        body.update(thumbnail_url=thumbnail, thumbnail_width=1400, thumbnail_height=1400)
    return jsonify(body)


def _episode_address(url: str) -> tuple[str, str]:
    base = urlsplit(current_app.config["BASE_URL"])
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        abort(404, "The url is not an episode page of this site.")
    try:
        endpoint, values = current_app.url_map.bind("").match(parts.path.removeprefix(base.path))
    except HTTPException:
        abort(404, "The url is not an episode page of this site.")
    if endpoint != "site.episode":
        abort(404, "The url is not an episode page of this site.")
    return str(values["show_slug"]), str(values["episode_slug"])


def _bounded(raw: str | None, default: int) -> int:
    return min(int(raw), default) if raw and raw.isdigit() and int(raw) >= 200 else default


def _attr(value: str) -> str:
    from markupsafe import escape

    return str(escape(value))


def oembed_link(page_url: str) -> str:
    return url_for("site.oembed", url=page_url, format="json")
