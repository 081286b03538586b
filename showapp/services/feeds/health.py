"""What Apple Podcasts, Spotify and Podcast Index would reject or warn about in a show's feed.

Each problem says what to do. Used by `showapp feed check SHOW` and, later, the studio.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import Episode, EpisodeStatus, EpisodeType, Show, ShowType
from showapp.services.catalog.lookups import is_live
from showapp.storage import Storage

# Apple's category list (feed-standards.md section 2): category -> subcategories.
APPLE_CATEGORIES: dict[str, frozenset[str]] = {
    name: frozenset(filter(None, subs.split(", ")))
    for name, subs in {
        "Arts": "Books, Design, Fashion & Beauty, Food, Performing Arts, Visual Arts",
        "Business": "Careers, Entrepreneurship, Investing, Management, Marketing, Non-Profit",
        "Comedy": "Comedy Interviews, Improv, Stand-Up",
        "Education": "Courses, How To, Language Learning, Self-Improvement",
        "Fiction": "Comedy Fiction, Drama, Science Fiction",
        "Government": "",
        "History": "",
        "Health & Fitness": "Alternative Health, Fitness, Medicine, Mental Health, Nutrition, "
        "Sexuality",
        "Kids & Family": "Education for Kids, Parenting, Pets & Animals, Stories for Kids",
        "Leisure": "Animation & Manga, Automotive, Aviation, Crafts, Games, Hobbies, "
        "Home & Garden, Video Games",
        "Music": "Music Commentary, Music History, Music Interviews",
        "News": "Business News, Daily News, Entertainment News, News Commentary, Politics, "
        "Sports News, Tech News",
        "Religion & Spirituality": "Buddhism, Christianity, Hinduism, Islam, Judaism, Religion, "
        "Spirituality",
        "Science": "Astronomy, Chemistry, Earth Sciences, Life Sciences, Mathematics, "
        "Natural Sciences, Nature, Physics, Social Sciences",
        "Society & Culture": "Documentary, Personal Journals, Philosophy, Places & Travel, "
        "Relationships",
        "Sports": "Baseball, Basketball, Cricket, Fantasy Sports, Football, Golf, Hockey, Rugby, "
        "Running, Soccer, Swimming, Tennis, Volleyball, Wilderness, Wrestling",
        "Technology": "",
        "True Crime": "",
        "TV & Film": "After Shows, Film History, Film Interviews, Film Reviews, TV Reviews",
    }.items()
}
APPLE_AUDIO_TYPES = {"audio/mpeg", "audio/x-m4a", "audio/mp4", "audio/aac"}
_LANGUAGE = re.compile(r"^[a-z]{2}(-[a-z]{2,3})?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# What the import noticed about an item (an empty guid, two enclosures): measuring the audio
# again changes none of it.
IMPORT_NOTE = "Noted when the show was imported: check the item in the old feed if it matters."


@dataclass(frozen=True)
class Problem:
    level: str  # "error": a directory rejects the feed; "warning": accepted, but fix it
    message: str
    fix: str
    episode: str | None = None  # episode slug when the problem is one episode's


def feed_health(
    session: Session,
    show: Show,
    base_url: str,
    *,
    storage: Storage | None = None,
    now: datetime | None = None,
) -> list[Problem]:
    """Every problem with `show`'s feed, errors first."""
    episodes = session.scalars(
        select(Episode)
        .where(Episode.show_id == show.id, is_live(now or utc_now()))
        .order_by(Episode.published_at.desc())
    ).all()
    problems = [
        *_show_problems(show, base_url),
        *_artwork_problems(show, storage),
        *_episode_problems(show, episodes),
        *_held_back(session, show),
    ]
    return sorted(problems, key=lambda p: p.level != "error")


def _show_problems(show: Show, base_url: str) -> list[Problem]:
    found: list[Problem] = []
    if not _EMAIL.match(show.owner_email or ""):
        found.append(
            Problem(
                "error",
                "The feed has no owner e-mail (itunes:owner).",
                "Set the owner e-mail: Spotify sends its verification code there.",
            )
        )
    if not show.category:
        found.append(
            Problem("error", "The show has no category.", "Choose a category from Apple's list.")
        )
    elif show.category not in APPLE_CATEGORIES:
        found.append(
            Problem(
                "error",
                f"'{show.category}' is not on Apple's category list.",
                "Choose one of: " + ", ".join(sorted(APPLE_CATEGORIES)) + ".",
            )
        )
    elif show.subcategory and show.subcategory not in APPLE_CATEGORIES[show.category]:
        found.append(
            Problem(
                "warning",
                f"'{show.subcategory}' is not a subcategory of '{show.category}'.",
                "Pick a subcategory Apple lists under that category, or none.",
            )
        )
    if not _LANGUAGE.match(show.language or ""):
        found.append(
            Problem(
                "error",
                f"'{show.language}' is not an ISO 639 language code.",
                "Use a two-letter code such as 'en' or 'en-gb'.",
            )
        )
    if not show.description.strip():
        found.append(
            Problem(
                "error", "The show has no description.", "Write a few sentences about the show."
            )
        )
    elif len(show.description.encode()) > 4000:
        found.append(
            Problem(
                "warning",
                "The show description is longer than 4000 bytes.",
                "Shorten it: Apple cuts it off.",
            )
        )
    if not show.author.strip():
        found.append(
            Problem(
                "warning",
                "The show has no author (itunes:author).",
                "Set the author shown under the title in podcast apps.",
            )
        )
    if not base_url.startswith("https://"):
        found.append(
            Problem(
                "warning",
                "Feed and media URLs are not https.",
                "Serve the site over TLS and set SHOWAPP_BASE_URL to https://…",
            )
        )
    return found  # fmt: skip


def _artwork_problems(show: Show, storage: Storage | None) -> list[Problem]:
    if not show.artwork and show.artwork_url:
        # An imported show's artwork still served by the old host: there, but not ours.
        linked = Problem(
            "warning",
            "The artwork is linked from the old host.",
            "Import again with --download-media to copy it, or upload one.",
        )
        suffix = PurePosixPath(urlsplit(show.artwork_url).path).suffix.lower()
        if suffix in {".gif", ".webp", ".bmp", ".svg", ".tif", ".tiff", ".heic"}:
            wrong = Problem(
                "error",
                f"The linked artwork is a {suffix[1:].upper()} file; Apple needs JPEG or PNG.",
                "Upload a square JPEG or PNG of 1400 to 3000 pixels.",
            )
            return [wrong, linked]
        return [linked]
    if not show.artwork:
        return [Problem("error", "The show has no artwork.",
                        "Upload a square JPEG or PNG of 1400 to 3000 pixels.")]  # fmt: skip
    if storage is None:
        return []
    try:
        with storage.working_copy(show.artwork) as path, Image.open(path) as image:
            size, mode, kind = image.size, image.mode, image.format
    except (OSError, UnidentifiedImageError):
        return [Problem("error", "The artwork file is missing or is not an image.",
                        "Upload the artwork again.")]  # fmt: skip
    found: list[Problem] = []
    width, height = size
    if width != height:
        found.append(
            Problem(
                "error", f"The artwork is {width}×{height}, not square.", "Crop it to a square."
            )
        )
    if min(size) < 1400 or max(size) > 3000:
        found.append(
            Problem(
                "error",
                f"The artwork is {width}×{height} pixels.",
                "Apple needs 1400×1400 to 3000×3000 pixels.",
            )
        )
    if kind not in ("JPEG", "PNG"):
        found.append(
            Problem("error", f"The artwork is {kind}, not JPEG or PNG.", "Save it as JPEG or PNG.")
        )
    if mode != "RGB":
        found.append(
            Problem(
                "error",
                f"The artwork's colour mode is {mode}.",
                "Save it as RGB without transparency.",
            )
        )
    return found  # fmt: skip


def _episode_problems(show: Show, episodes: Sequence[Episode]) -> list[Problem]:
    if not episodes:
        return [Problem("error", "The feed has no published episode.",
                        "Publish at least one episode: Spotify refuses empty feeds.")]  # fmt: skip
    found: list[Problem] = []
    # Apple ignores an episode whose enclosure URL another episode already uses.
    audio_files = Counter(url for e in episodes if (url := _enclosure(e)))
    for episode in episodes:
        found.extend(_one_episode(show, episode, audio_files))
    return found


def _enclosure(episode: Episode) -> str | None:
    """Our file, or the old host's URL for an imported episode whose media stays linked."""
    return episode.audio_file or episode.audio_url


def _held_back(session: Session, show: Show) -> list[Problem]:
    """Imported episodes kept as drafts, with the reason the import gave (dead media...)."""
    drafts = session.scalars(
        select(Episode).where(
            Episode.show_id == show.id,
            Episode.status == EpisodeStatus.DRAFT,
            Episode.deleted_at.is_(None),
        )
    ).all()
    return [
        Problem("warning", f"'{e.title}' was imported as a draft: {'; '.join(_issues(e))}.",
                "Fix its audio, then publish it.", e.slug)
        for e in drafts
        if _issues(e)
    ]  # fmt: skip


def _issues(episode: Episode) -> list[str]:
    """What the import found wrong and could not repair (repairs are done, not problems)."""
    found = (episode.source_extras or {}).get("import_issues") or []
    return [str(text) for text in found if not str(text).startswith("repaired:")]


def _one_episode(show: Show, episode: Episode, audio_files: Counter[str]) -> list[Problem]:
    found: list[Problem] = []
    slug = episode.slug
    enclosure = _enclosure(episode)
    if not enclosure:
        return [Problem("error", f"'{episode.title}' has no audio.",
                        "Upload its audio or unpublish it.", slug)]  # fmt: skip
    linked = not episode.audio_file
    again = ("Import again with --download-media so the file is measured." if linked
             else "Upload the audio again so it is measured.")  # fmt: skip
    # Size and length have their own checks below; the rest of the import's findings go here.
    found.extend(
        Problem("warning", f"'{episode.title}': {text}.", IMPORT_NOTE, slug)
        for text in _issues(episode)
        if "length" not in text and "duration" not in text
    )
    if audio_files[enclosure] > 1:
        found.append(
            Problem(
                "error",
                f"'{episode.title}' shares its audio file with another episode.",
                "Give each episode its own audio file.",
                slug,
            )
        )
    if episode.duration_seconds is None:
        found.append(
            Problem(
                "warning",
                f"'{episode.title}' has no duration.",
                again,
                slug,
            )
        )
    if not episode.audio_bytes:
        found.append(
            Problem("error", f"'{episode.title}' has no file size (length=\"0\").", again, slug)
        )
    if episode.audio_mime not in APPLE_AUDIO_TYPES:
        found.append(
            Problem(
                "warning",
                f"'{episode.title}' is {episode.audio_mime}.",
                "Use MP3 or AAC (M4A): Spotify plays only those.",
                slug,
            )
        )
    # Apple numbers a serial show's full episodes; trailers and bonus episodes may go without.
    if (
        show.show_type == ShowType.SERIAL
        and episode.number is None
        and episode.episode_type == EpisodeType.FULL
    ):
        found.append(
            Problem(
                "error",
                f"'{episode.title}' has no episode number.",
                "Serial shows must number every episode.",
                slug,
            )
        )
    if len((episode.notes_html or episode.notes_md).encode()) > 4000:
        found.append(
            Problem(
                "warning",
                f"The notes of '{episode.title}' pass 4000 bytes.",
                "Shorten them: Apple cuts descriptions off there.",
                slug,
            )
        )
    return found  # fmt: skip
