"""Chapters: validate a list, import a Podcasting 2.0 JSON file or the audio's own chapters,
and build the JSON chapters document that feeds and players fetch."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import mutagen
from mutagen.id3 import ID3, WXXX, ID3NoHeaderError
from mutagen.mp4 import MP4
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showapp.errors import BadAudio, InvalidInput
from showapp.models import Chapter, Episode
from showapp.models.feeds import of_episode
from showapp.services import urls
from showapp.services.catalog.text import CONTROL_CHARACTER, clock
from showapp.storage import Storage

CHAPTERS_VERSION = "1.2.0"
MAX_CHAPTERS = 255  # the Nero chpl atom in M4A files counts chapters in one byte
MAX_TITLE = 255


@dataclass(frozen=True)
class ChapterEntry:
    start_seconds: float
    title: str
    url: str = ""
    image: str = ""


@cache
def chapters_schema() -> dict[str, Any]:
    """JSON Schema for the Podcasting 2.0 JSON chapters format, version 1.2."""
    text = resources.files("showapp").joinpath("data/chapters-1.2.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def list_chapters(session: Session, episode: Episode) -> Sequence[Chapter]:
    query = select(Chapter).where(Chapter.episode_id == episode.id).order_by(Chapter.position)
    return session.scalars(query).all()


def replace_chapters(
    session: Session, episode: Episode, entries: Iterable[ChapterEntry | Mapping[str, Any]]
) -> list[Chapter]:
    """Replace an episode's chapters with a validated list (an empty list removes them all).

    Entries are ChapterEntry values or form rows with ``start`` (seconds, or ``h:mm:ss``),
    ``title``, ``url`` and ``image``; a bad row raises InvalidInput naming its line.
    """
    cleaned = validate_entries([_entry(row, line) for line, row in enumerate(entries, 1)], episode)
    session.execute(of_episode(delete(Chapter).where(Chapter.episode_id == episode.id), episode.id))
    chapters = [
        Chapter(
            episode_id=episode.id,
            position=position,
            start_seconds=entry.start_seconds,
            title=entry.title,
            url=entry.url,
            image=entry.image,
        )
        for position, entry in enumerate(cleaned)
    ]
    session.add_all(chapters)
    session.flush()
    return chapters


def validate_entries(entries: Sequence[ChapterEntry], episode: Episode) -> list[ChapterEntry]:
    if len(entries) > MAX_CHAPTERS:
        raise InvalidInput(f"At most {MAX_CHAPTERS} chapters are allowed, not {len(entries)}.")
    duration = episode.duration_seconds
    previous: float | None = None
    for line, entry in enumerate(entries, 1):
        where = f"Chapter {line}"
        if not entry.title.strip():
            raise InvalidInput(f"{where}: the title is required.")
        if len(entry.title) > MAX_TITLE:
            raise InvalidInput(f"{where}: the title is longer than {MAX_TITLE} characters.")
        if CONTROL_CHARACTER.search(entry.title):
            raise InvalidInput(f"{where}: the title holds a control character; remove it.")
        if not math.isfinite(entry.start_seconds):
            raise InvalidInput(f"{where}: the start time must be a number of seconds.")
        if entry.start_seconds < 0:
            raise InvalidInput(f"{where}: the start time cannot be negative.")
        if duration is not None and entry.start_seconds >= duration:
            raise InvalidInput(
                f"{where}: starts at {clock(entry.start_seconds, exact=True)}, after the audio "
                f"ends ({clock(duration, exact=True)})."
            )
        if previous is not None and entry.start_seconds <= previous:
            raise InvalidInput(
                f"{where}: starts at {clock(entry.start_seconds, exact=True)}, not after the "
                f"chapter before it ({clock(previous, exact=True)}); times must increase."
            )
        for label, value in (("link", entry.url), ("image", entry.image)):
            problem = urls.url_problem(value.strip(), label)
            if problem:
                raise InvalidInput(f"{where}: {problem}")
        previous = entry.start_seconds
    return [
        ChapterEntry(e.start_seconds, e.title.strip(), e.url.strip(), e.image.strip())
        for e in entries
    ]


def _entry(row: ChapterEntry | Mapping[str, Any], line: int) -> ChapterEntry:
    if isinstance(row, ChapterEntry):
        return row
    start = row.get("start", row.get("start_seconds"))
    return ChapterEntry(
        start_seconds=parse_time(start, f"Chapter {line}"),
        title=str(row.get("title") or ""),
        url=str(row.get("url") or "").strip(),
        image=str(row.get("image") or "").strip(),
    )


def parse_time(value: object, where: str) -> float:
    """Seconds from a number, '75.5', '1:15.5' or '0:01:15.5'.

    Minutes and seconds after a colon are below 60; NaN and infinities are no times."""
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidInput(f"{where}: the start time is required.")
    if isinstance(value, int | float):
        return _finite(value, value, where)
    text = str(value).strip()
    try:
        first, *rest = (float(part) for part in text.split(":"))
    except ValueError:
        raise _not_a_time(value, where) from None
    if not all(math.isfinite(part) for part in rest):
        raise _not_a_time(value, where)
    if not all(0 <= part < 60 for part in rest):
        raise InvalidInput(
            f"{where}: '{_shown(value)}' is not a time: minutes and seconds go from 0 to 59 "
            "(h:mm:ss)."
        )
    # The sign belongs to the whole time: '-0:30' is half a minute before the start.
    seconds = abs(first)
    for part in rest:
        seconds = seconds * 60 + part
    return _finite(-seconds if text.startswith("-") else seconds, value, where)


def _finite(seconds: float, value: object, where: str) -> float:
    try:
        number = float(seconds)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise _not_a_time(value, where)
    return number


def _not_a_time(value: object, where: str) -> InvalidInput:
    return InvalidInput(f"{where}: '{_shown(value)}' is not a time (use seconds or h:mm:ss).")


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def parse_json_chapters(text: str | bytes) -> list[ChapterEntry]:
    """Read a Podcasting 2.0 JSON chapters file; errors name the line or the JSON pointer.

    Hidden chapters (``toc: false``) are kept out: they are not part of the table of contents.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"The chapters file is not valid JSON: line {error.lineno}, column {error.colno}: "
            f"{error.msg}."
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput("The chapters file is not UTF-8 text.") from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise InvalidInput("The chapters file holds a number too long to read.") from None
    problem = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(chapters_schema()).iter_errors(document)
    )
    if problem is not None:
        pointer = "/" + "/".join(str(part) for part in problem.absolute_path)
        raise InvalidInput(
            f"The chapters file is not Podcasting 2.0 chapters at {pointer}: {problem.message}."
        )
    return [
        ChapterEntry(
            start_seconds=parse_time(item["startTime"], f"The chapters file at /chapters/{index}"),
            title=item.get("title", ""),
            url=item.get("url", ""),
            image=item.get("img", ""),
        )
        for index, item in enumerate(document["chapters"])
        if item.get("toc", True)
    ]


def import_json_chapters(session: Session, episode: Episode, text: str | bytes) -> list[Chapter]:
    entries = parse_json_chapters(text)
    try:
        return replace_chapters(session, episode, entries)
    except InvalidInput as error:
        # Name the element as the file does: chapters[0] is the first object.
        raise InvalidInput(_json_position(str(error))) from None


def _json_position(message: str) -> str:
    if message.startswith("Chapter "):
        number, _, rest = message.removeprefix("Chapter ").partition(":")
        if number.isdigit():
            return f"The chapters file at /chapters/{int(number) - 1}:{rest}"
    return message


def read_audio_chapters(path: Path) -> list[ChapterEntry]:
    """Chapters stored in the file itself: ID3 CHAP frames in MP3, the Nero chpl atom in M4A."""
    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as error:
        raise BadAudio(f"The audio file could not be read: {error}") from error
    if isinstance(audio, MP4):
        return [ChapterEntry(float(c.start), c.title) for c in (audio.chapters or [])]
    try:
        tags: Any = ID3(path)  # type: ignore[no-untyped-call]
    except ID3NoHeaderError:
        return []
    frames = sorted(tags.getall("CHAP"), key=lambda frame: frame.start_time)
    return [_entry_from_chap(frame) for frame in frames]


def _entry_from_chap(frame: Any) -> ChapterEntry:
    title_frame: Any = frame.sub_frames.get("TIT2")
    title = str(title_frame.text[0]) if title_frame is not None else str(frame.element_id)
    links: list[Any] = [f for f in frame.sub_frames.values() if isinstance(f, WXXX)]
    return ChapterEntry(frame.start_time / 1000, title, links[0].url if links else "")


def import_audio_chapters(session: Session, episode: Episode, storage: Storage) -> list[Chapter]:
    if episode.audio_file is None:
        raise InvalidInput("The episode has no audio file to read chapters from.")
    with storage.working_copy(episode.audio_file) as path:
        entries = read_audio_chapters(path)
    if not entries:
        raise InvalidInput("The audio file carries no chapters.")
    return replace_chapters(session, episode, entries)


def chapters_document(
    chapters: Sequence[Chapter], *, title: str, podcast_name: str
) -> dict[str, Any]:
    """The Podcasting 2.0 JSON chapters document (serve as application/json+chapters)."""
    items: list[dict[str, Any]] = []
    for chapter in chapters:
        item: dict[str, Any] = {"startTime": chapter.start_seconds, "title": chapter.title}
        # Checked when written; a row written by other means still never links elsewhere.
        if urls.is_public_url(chapter.url):
            item["url"] = chapter.url
        if urls.is_public_url(chapter.image):
            item["img"] = chapter.image
        items.append(item)
    return {
        "version": CHAPTERS_VERSION,
        "title": title,
        "podcastName": podcast_name,
        "chapters": items,
    }
