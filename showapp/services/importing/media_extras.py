"""With "download the media", the rest of what an imported show links on the old host: show and
episode artwork, and the transcripts and chapters files its feed named.

Artwork goes through the upload's checks (JPEG or PNG, square, 1400 to 3000 pixels, RGB):
what fails them stays linked, and the reason is reported. Transcripts and chapters are copied
when they are text of a kind we serve (WebVTT, SRT, JSON, plain text) and read as what they
claim; an HTML transcript stays linked, since serving a page from our media origin would run
its script there. Each helper returns problems, one line each; none raises for one bad file.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable
from posixpath import splitext
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp.errors import ShowappError
from showapp.models import Episode, LinkedFile, Show
from showapp.services.catalog import artwork as artworks
from showapp.services.importing import fetch
from showapp.services.importing.report import ImportLimits
from showapp.storage import Storage

ARTWORK_MAX_BYTES = 20 * 1024 * 1024
TEXT_MAX_BYTES = 5 * 1024 * 1024
# What a copied transcript or chapters file is stored as, by type, then by extension.
TEXT_EXTENSIONS = {
    "text/vtt": ".vtt", "application/x-subrip": ".srt", "application/srt": ".srt",
    "text/srt": ".srt", "application/json": ".json", "application/json+chapters": ".json",
    "text/plain": ".txt",
}  # fmt: skip
_KNOWN = frozenset(TEXT_EXTENSIONS.values())


def copy_artwork(session: Session, show: Show, storage: Storage, limits: ImportLimits) -> list[str]:
    """Show and episode artwork still linked from the old host, copied and checked. An image
    several episodes share is fetched once (each episode still gets its own stored copy,
    since deleting an episode deletes its artwork)."""
    fetched: dict[str, bytes | _Refused] = {}
    problems: list[str] = []
    if show.artwork_url and not show.artwork:
        stored = _store(show.artwork_url, storage, show.slug, "artwork", limits, fetched)
        if isinstance(stored, _Refused):
            problems.append(f"show artwork not copied ({stored}); it stays linked")
        else:
            show.artwork = stored
    episodes = session.scalars(
        select(Episode).where(
            Episode.show_id == show.id,
            Episode.artwork_url.is_not(None),
            Episode.artwork.is_(None),
            Episode.deleted_at.is_(None),
        )
    ).all()
    for episode in episodes:
        assert episode.artwork_url is not None
        stem = f"{episode.slug}-art"
        stored = _store(episode.artwork_url, storage, show.slug, stem, limits, fetched)
        if isinstance(stored, _Refused):
            problems.append(f"'{episode.title}': artwork not copied ({stored}); it stays linked")
        else:
            episode.artwork = stored
    session.flush()
    return problems


class _Refused(str):
    """Why a file was not copied: a str, told from a stored name by its class."""


def _store(
    url: str, storage: Storage, folder: str, stem: str, limits: ImportLimits,
    fetched: dict[str, bytes | _Refused],
) -> str | _Refused:  # fmt: skip
    data = fetched.get(url)
    if data is None:
        try:
            data, _type = fetch.fetch_bytes(
                url, max_bytes=ARTWORK_MAX_BYTES, timeout=limits.timeout
            )
        except ShowappError as error:
            data = _Refused(str(error))
        fetched[url] = data
    if isinstance(data, _Refused):
        return data
    try:
        names = artworks.store_artwork(storage, folder, stem, io.BytesIO(data))
    except ShowappError as error:
        fetched[url] = _Refused(str(error))
        return _Refused(str(error))
    return names[0]


def copy_linked_files(
    session: Session, show: Show, storage: Storage, limits: ImportLimits
) -> list[str]:
    """The show's transcripts and chapters files, copied where they pass; the feed then
    points at our copies."""
    rows = session.execute(
        select(LinkedFile, Episode.slug, Episode.title)
        .join(Episode, Episode.id == LinkedFile.episode_id)
        .where(Episode.show_id == show.id, LinkedFile.local_file.is_(None))
        .order_by(LinkedFile.id)
    ).all()
    problems: list[str] = []
    for linked, slug, title in rows:
        try:
            stem = f"{show.slug}/linked/{slug}"  # the only folder text is served from
            linked.local_file = _copy_text(linked, storage, stem, limits)
        except ShowappError as error:
            problems.append(f"'{title}': {linked.kind} file not copied ({error}); it stays linked")
    session.flush()
    return problems


def _copy_text(linked: LinkedFile, storage: Storage, stem: str, limits: ImportLimits) -> str:
    extension = _text_extension(linked.mime, linked.url)
    if extension is None:
        raise _NotCopied(f"{linked.mime or 'an unknown type'} is not copied")
    data, _type = fetch.fetch_bytes(linked.url, max_bytes=TEXT_MAX_BYTES, timeout=limits.timeout)
    _check_text(data, extension)
    relative = f"{stem}-{linked.kind}-{secrets.token_hex(4)}{extension}"
    storage.save_bytes(relative, data, linked.mime or "text/plain")
    return relative


class _NotCopied(ShowappError):
    pass


def _text_extension(mime: str, url: str) -> str | None:
    found = TEXT_EXTENSIONS.get(mime.strip().lower())
    if found is not None:
        return found
    extension = splitext(urlsplit(url).path)[1].lower()
    return extension if not mime and extension in _KNOWN else None


_CHECKS: dict[str, Callable[[str], bool]] = {
    ".vtt": lambda text: text.lstrip("\ufeff").startswith("WEBVTT"),
    ".json": lambda text: isinstance(json.loads(text), (dict, list)),
    ".srt": lambda text: "-->" in text,
    ".txt": lambda text: True,
}


def _check_text(data: bytes, extension: str) -> None:
    """UTF-8 text of the kind it claims: an error page sent with a 200 is not a transcript."""
    try:
        text = data.decode("utf-8")
        fits = _CHECKS[extension](text) and "<script" not in text.lower()
    except (UnicodeDecodeError, ValueError):
        fits = False
    if not fits:
        raise _NotCopied(f"the file is not {extension[1:].upper()} text")
