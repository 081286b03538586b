"""Guest pages and topic pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for

from showapp.db import get_session
from showapp.models import Guest, Show, Topic
from showapp.services import urls
from showapp.services.advice import guest_links
from showapp.services.advice import public as advice_pages
from showapp.services.catalog import guest_directory, guests_topics, site_pages
from showapp.services.catalog.cards import ShowRef
from showapp.services.catalog.site_pages import Page
from showapp.site import bp, structured
from showapp.site.helpers import (
    Meta,
    alternates,
    canonical,
    excerpt,
    feed_url,
    media_url,
    newest,
    page_arg,
    page_number,
    page_response,
    require_page_exists,
)
from showapp.site.page_cache import cached_page
from showapp.templating import current_network

PagedView = Callable[[Any, int, Any], Response]  # the listing's own Page subclass


def with_page(
    kind: guests_topics.Kind, find: Callable[..., Any], listing: Callable[..., Page[Any]]
) -> Callable[[PagedView], Callable[..., Response]]:
    """Call the view with the guest or topic in the URL and this page (?page=) of its public
    episodes. An old slug redirects; one that only drafts carry is a 404, like an unknown one:
    it is not public yet. A guest in the trash whose page was public is 410: gone, not unknown."""

    def decorate(view: PagedView) -> Callable[..., Response]:
        @wraps(view)
        def wrapper(**values: str) -> Response:
            slug = values[f"{kind}_slug"]
            session = get_session()
            found = find(session, slug)
            if found is None:
                return _moved(kind, slug)
            page = page_number()
            paged = listing(session, found, page)
            if paged.total == 0:
                abort(404, f"No {kind} has this address.")
            if getattr(found, "deleted_at", None) is not None:  # a guest in the trash
                abort(410, f"{found.name} is no longer on this site.")
            require_page_exists(page, paged.pages)
            return view(found, page, paged)

        return wrapper

    return decorate


@bp.get(urls.ROUTES["guest"])
@cached_page
@with_page("guest", site_pages.get_guest, site_pages.guest_appearances)
def guest(found: Guest, page: int, appearances: Page[Any]) -> Response:
    meta = Meta(
        title=found.name,
        description=excerpt(found.bio or f"{found.name}'s interviews."),
        canonical=canonical("site.guest", guest_slug=found.slug, **page_arg(page)),
        image=media_url(found.photo, external=True)
        or share_image(*(a.episode.show for a in appearances.items)),
        og_type="profile",
        jsonld=structured.person(found),
        alternates=alternates((f"{found.name}: appearances", feed_url("guest", found.slug))),
    )
    session = get_session()
    html = render_template(
        "site/guest.html", guest=found, appearances=appearances, meta=meta,
        advice=advice_pages.guest_advice(session, found),
        network=guest_links.public_links(session, found),
    )  # fmt: skip
    return page_response(html, newest(*(a.episode.updated_at for a in appearances.items)))


@bp.get("/guests/")
@cached_page
def guests() -> Response:
    """Every guest heard in a live episode, A to Z: ?after= or ?before= a guest's id pages on
    or back, ?letter= starts at a letter; the old ?page=N sends its links on."""
    if "page" in request.args:
        return _numbered_guest_page(page_number())
    session = get_session()
    if sum(name in request.args for name in ("after", "before", "letter")) > 1:
        abort(404, "A page of guests starts after a guest, before one, or at a letter.")
    letter = request.args.get("letter")
    if letter is not None and letter not in guest_directory.LETTERS:
        abort(404, "Pick a letter from a to z.")
    after, before = _guest_id("after"), _guest_id("before")
    listing = guest_directory.public_guests(session, after=after, before=before, letter=letter)
    if listing is None or (not listing.items and not listing.first):
        abort(404, "There is no such page of guests.")
    heading = f"Guests from {letter.upper()}" if letter else "Guests"
    meta = Meta(
        title=heading if listing.first or letter else "Guests, continued",
        description="Everyone our shows have interviewed.",
        canonical=canonical("site.guests", **_own_args(listing, after, before, letter)),
    )
    html = render_template("site/guests.html", listing=listing, meta=meta)
    return page_response(html)


def _guest_id(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        abort(404, "There is no such page of guests.")
    return int(raw)


def _own_args(
    listing: guest_directory.Directory, after: int | None, before: int | None, letter: str | None
) -> dict[str, Any]:
    """The page's own address; a walk back to the start is the first page, which has none."""
    if listing.first:
        return {}
    asked = {"after": after, "before": before, "letter": letter}
    return {name: value for name, value in asked.items() if value is not None}


def _numbered_guest_page(page: int) -> Response:
    """?page=N from before the directory was walked by key: the same guests, at their key."""
    if page == 1:
        return redirect(url_for("site.guests"), 301)  # type: ignore[return-value]
    after = guest_directory.guest_before_page(get_session(), page)
    if after is None:
        abort(404, "There is no such page of guests.")
    return redirect(url_for("site.guests", after=after), 301)  # type: ignore[return-value]


@bp.get("/topics/")
@cached_page
def topics() -> Response:
    meta = Meta(
        title="Topics",
        description="Every topic our guests talk about.",
        canonical=canonical("site.topics"),
    )
    html = render_template(
        "site/topics.html", topics=site_pages.list_topics(get_session()), meta=meta
    )
    return page_response(html)


@bp.get(urls.ROUTES["topic"])
@cached_page
@with_page("topic", site_pages.get_topic, site_pages.topic_episodes)
def topic(found: Topic, page: int, episodes: site_pages.TopicPage) -> Response:
    shows = site_pages.shows_on_topic(get_session(), episodes.show_ids)
    meta = Meta(
        title=found.name if page == 1 else f"{found.name} · page {page}",
        description=excerpt(found.description or f"Interviews about {found.name}."),
        canonical=canonical("site.topic", topic_slug=found.slug, **page_arg(page)),
        image=share_image(*shows),
        alternates=alternates(*_topic_feeds(found, shows)),
    )
    html = render_template(
        "site/topic.html",
        topic=found,
        episodes=episodes,
        related=site_pages.related_topics(get_session(), found),
        advice=advice_pages.topic_advice(get_session(), episodes.newest_ids),
        meta=meta,
    )
    return page_response(html, newest(*(e.updated_at for e in episodes.items)))


def _topic_feeds(topic: Topic, shows: Sequence[ShowRef]) -> list[tuple[str, str | None]]:
    # Topic feeds belong to a show ("only the episodes about sponsorship"), so a topic that
    # several shows cover offers one feed per show.
    return [
        (
            f"{show.title}: {topic.name}",
            urls.path("topic_feed", show_slug=show.slug, topic_slug=topic.slug),
        )
        for show in shows
    ]


def share_image(*shows: Show | ShowRef) -> str | None:
    """The picture link previews show (og:image) for a page without its own: the first of
    these shows' artwork, else the network's logo."""
    for show in shows:
        if show.artwork:
            return media_url(show.artwork, external=True)
        if show.artwork_url and urls.is_public_url(show.artwork_url):
            return show.artwork_url
    return media_url(current_network().logo, external=True)


def _moved(kind: guests_topics.Kind, slug: str) -> Response:
    """301 to the guest or topic an old (renamed or merged-away) slug now belongs to."""
    current = guests_topics.resolve_slug_redirect(get_session(), kind, slug)
    if current is None:
        abort(404, f"No {kind} has this address.")
    target = (
        url_for("site.guest", guest_slug=current)
        if kind == "guest"
        else url_for("site.topic", topic_slug=current)
    )
    response: Response = redirect(target, 301)  # type: ignore[assignment]
    return response
