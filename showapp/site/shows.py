"""Network home, show home and episode pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Response, render_template, request, url_for

from showapp.db import get_session
from showapp.models import Episode, Show
from showapp.services import urls
from showapp.services.advice import public as advice_pages
from showapp.services.catalog import cards, episode_documents, episode_page, site_pages, writes
from showapp.services.listeners import stories
from showapp.site import bp, structured
from showapp.site.helpers import (
    Meta,
    absolute,
    alternates,
    canonical,
    excerpt,
    feed_url,
    media_url,
    newest,
    page_arg,
    page_number,
    page_response,
    parse_start,
    require_page_exists,
    show_and_episode_or_404,
    show_or_404,
)
from showapp.site.page_cache import cached_page
from showapp.templating import current_network

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251 - only for annotations


@dataclass(frozen=True)
class SubscribeLink:
    label: str
    href: str
    css: str


@dataclass(frozen=True)
class PlayerMedia:
    audio_url: str
    download_url: str
    chapters_url: str | None
    transcript_url: str | None


@bp.get("/")
@cached_page
def index() -> Response:
    session = get_session()
    shows = site_pages.shows_page(session, per_page=site_pages.HOME_SHOWS)
    latest = site_pages.latest_episodes(session)
    meta = Meta(
        title=_site_title(),
        description=f"Interview podcasts from {_site_title()}: episodes, guests and topics.",
        canonical=canonical("site.index"),
        alternates=alternates(("All shows", feed_url("network"))),
    )
    html = render_template("site/index.html", shows=shows, latest=latest, meta=meta)
    return page_response(html, newest(*(s.updated_at for s in shows.items)))


@bp.get("/shows/")
@cached_page
def shows_directory() -> Response:
    """Every show of the network, A to Z, paged (?page=): the home lists the first few."""
    page = page_number()
    shows = site_pages.shows_page(get_session(), page)
    require_page_exists(page, shows.pages)
    meta = Meta(
        title="Shows" if page == 1 else f"Shows, page {page}",
        description=f"Every show from {_site_title()}.",
        canonical=canonical("site.shows_directory", **page_arg(page)),
        alternates=alternates(("All shows", feed_url("network"))),
    )
    html = render_template("site/shows.html", shows=shows, meta=meta)
    return page_response(html, newest(*(s.updated_at for s in shows.items)))


@bp.get(urls.ROUTES["show"])
@cached_page
def show(show_slug: str) -> Response:
    session = get_session()
    found = show_or_404(show_slug)
    page = page_number()
    episodes = site_pages.show_episodes(session, found, page)
    require_page_exists(page, episodes.pages)
    meta = Meta(
        title=found.title if page == 1 else f"{found.title} · page {page}",
        description=excerpt(found.subtitle or found.description),
        canonical=canonical("site.show", show_slug=found.slug, **page_arg(page)),
        image=media_url(found.artwork, external=True),
        jsonld=structured.podcast_series(found),
        alternates=alternates((found.title, feed_url("show", found.slug))),
    )
    html = render_template(
        "site/show.html",
        show=found,
        episodes=episodes,
        subscribe=subscribe_links(found),
        topics=site_pages.topics_of(episodes.items),
        guests=site_pages.guests_of(episodes.items),
        mentor_stories=found.mentor_call_open or stories.has_published(session, found),
        meta=meta,
    )
    return page_response(html, newest(found.updated_at, *(e.updated_at for e in episodes.items)))


def _button_class(column: str) -> str:
    # sub-apple, sub-spotify, sub-youtubemusic, ... (Apple's predates the others)
    return "apple" if column == "apple_podcasts_url" else column[:-4].replace("_", "")


def subscribe_links(show: Show) -> list[SubscribeLink]:
    rss = feed_url("show", show.slug)
    links = [SubscribeLink("RSS", absolute(rss), "rss")] if rss else []
    configured = [
        (label, getattr(show, column), _button_class(column))
        for column, label in writes.DIRECTORIES
    ]
    links += [
        SubscribeLink(label, href, css)
        for label, href, css in configured
        if urls.is_public_url(href)
    ]
    return links


@bp.get(urls.ROUTES["episode"])
@cached_page
def episode(show_slug: str, episode_slug: str) -> Response:
    session = get_session()
    found, item = show_and_episode_or_404(show_slug, episode_slug)
    people = cards.people_of(session, item.id)
    advice = advice_pages.episode_advice(session, item)
    follow_ups = episode_page.follow_up_links(session, item)
    meta = episode_meta(found, item)
    meta.jsonld = structured.podcast_episode(found, item, people, advice)
    html = render_template(
        "site/episode.html",
        show=found,
        episode=item,
        media=player_media(session, found, item, "web"),
        start=parse_start(request.args.get("t")),
        share_url=canonical("site.episode", show_slug=found.slug, episode_slug=item.slug),
        around=episode_page.neighbours(session, item),
        related=episode_page.related_episodes(session, item, people, follow_ups),
        people=people,
        advice=advice,
        follow_ups=follow_ups,
        meta=meta,
    )
    return page_response(html, newest(found.updated_at, item.updated_at))


def player_media(session: Session, show: Show, episode: Episode, source: str) -> PlayerMedia | None:
    """What the player needs; source ("web" or "embed") goes in our audio URLs as ?_from=
    so that the dashboard tells plays on this site and in embeds from podcast apps."""
    if episode.audio_file:
        audio = url_for("media.media_file", filename=episode.audio_file, _from=source)
    elif episode.audio_url and urls.is_public_url(episode.audio_url):  # still on the old host
        audio = episode.audio_url
    else:
        return None
    documents = episode_documents.episode_documents(session, episode)
    # Relative URLs: the page and its documents come from the same app.
    chapters = (
        urls.path("chapters", show_slug=show.slug, episode_slug=episode.slug)
        if documents.has_chapters
        else None
    )
    transcript = (
        urls.path(
            "transcript",
            show_slug=show.slug,
            episode_slug=episode.slug,
            extension=documents.transcript_format,
        )
        if documents.transcript_format
        else None
    )
    return PlayerMedia(
        audio_url=audio, download_url=audio, chapters_url=chapters, transcript_url=transcript
    )


def episode_meta(show: Show, episode: Episode) -> Meta:
    """The episode's title, description and links for search engines and link previews; its
    page adds the JSON-LD (structured.podcast_episode), which needs its people and advice."""
    return Meta(
        title=f"{episode.title} · {show.title}",
        description=excerpt(episode.summary or episode.notes_md or show.description),
        canonical=canonical("site.episode", show_slug=show.slug, episode_slug=episode.slug),
        image=media_url(episode.artwork or show.artwork, external=True),
        og_type="article",
        alternates=alternates((show.title, feed_url("show", show.slug))),
        noindex=episode.status == "unlisted",
    )


def _site_title() -> str:
    return current_network().name
