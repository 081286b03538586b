"""schema.org JSON-LD for shows, episodes and guests (rendered with |tojson, never |safe)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import url_for

from showapp.models import Episode, Guest, Show
from showapp.services import urls
from showapp.services.advice.public import PublicAdvice
from showapp.services.catalog.cards import EpisodePeople
from showapp.site.helpers import absolute, media_url


def podcast_series(show: Show) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": show.title,
        "description": show.description,
        "url": absolute(url_for("site.show", show_slug=show.slug)),
        "inLanguage": show.language,
    }
    if show.author:
        data["author"] = {"@type": "Person", "name": show.author}
    if show.artwork:
        data["image"] = media_url(show.artwork, external=True)
    return data


def podcast_episode(
    show: Show, episode: Episode, people: EpisodePeople, advice: Sequence[PublicAdvice] = ()
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": absolute(url_for("site.episode", show_slug=show.slug, episode_slug=episode.slug)),
        "description": episode.summary or episode.title,
        "partOfSeries": {
            "@type": "PodcastSeries",
            "name": show.title,
            "url": absolute(url_for("site.show", show_slug=show.slug)),
        },
        "actor": [
            {
                "@type": "Person",
                "name": a.guest.name,
                "url": absolute(url_for("site.guest", guest_slug=a.guest.slug)),
            }
            for a in people.credits
        ],
        "about": [{"@type": "Thing", "name": topic.name} for topic in people.topics],
    }
    if episode.published_at:
        data["datePublished"] = episode.published_at.date().isoformat()
    if episode.audio_file:
        data["associatedMedia"] = {
            "@type": "MediaObject",
            "contentUrl": media_url(episode.audio_file, external=True),
            "encodingFormat": episode.audio_mime,
        }
    if episode.duration_seconds:
        data["timeRequired"] = f"PT{round(episode.duration_seconds)}S"
    if advice:
        data["hasPart"] = [_advice_clip(data["url"], piece) for piece in advice]
    return data


def _advice_clip(episode_url: str, piece: PublicAdvice) -> dict[str, Any]:
    """A piece of advice as a schema.org Clip of the episode: what was said, by whom, and
    where in the audio (startOffset, in seconds)."""
    clip: dict[str, Any] = {"@type": "Clip", "name": piece.text, "description": piece.text}
    if piece.start_seconds is not None:
        clip["startOffset"] = round(piece.start_seconds)
        clip["url"] = f"{episode_url}?t={round(piece.start_seconds)}"
    if piece.guest_name and piece.guest_slug:
        guest_url = absolute(url_for("site.guest", guest_slug=piece.guest_slug))
        clip["author"] = {"@type": "Person", "name": piece.guest_name, "url": guest_url}
    if piece.tried:
        clip["interactionStatistic"] = {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/CommentAction",
            "userInteractionCount": piece.tried,
        }
    return clip


def person(guest: Guest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": guest.name,
        "url": absolute(url_for("site.guest", guest_slug=guest.slug)),
        "description": guest.bio,
        "sameAs": urls.public_links(guest.links),
    }
    if guest.job_title:
        data["jobTitle"] = guest.job_title
    if guest.organisation:
        data["worksFor"] = {"@type": "Organization", "name": guest.organisation}
    if guest.photo:
        data["image"] = media_url(guest.photo, external=True)
    return data
