"""Per-episode pages: chapters, transcripts and soundbites.

Every form works without JavaScript. Bad input re-renders the page with the message (naming
the row or line) and a 4xx status, and the transaction is rolled back, so nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import zip_longest
from typing import Any

from flask import flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import InvalidInput, ShowappError
from showapp.models import Episode
from showapp.services.catalog import chapters, editing, soundbites, transcripts
from showapp.services.catalog.text import clock
from showapp.services.wording import counted
from showapp.storage import current_storage
from showapp.studio import bp, current_episode, current_show, redirect_303, retag

BLANK_ROWS = 3
MAX_CHAPTERS_FILE = 1024 * 1024
CHAPTER_FIELDS = ("start", "title", "url", "image")
SOUNDBITE_FIELDS = ("start", "duration", "title")


def form_rows(names: Sequence[str]) -> list[dict[str, str]]:
    """Rows posted as parallel lists (start=..&title=..&start=..), blank rows left out."""
    columns = [request.form.getlist(name) for name in names]
    count = max((len(column) for column in columns), default=0)
    rows = [
        {
            name: (column[i] if i < len(column) else "").strip()
            for name, column in zip(names, columns, strict=True)
        }
        for i in range(count)
    ]
    return [row for row in rows if any(row.values())]


def with_blank_rows(rows: list[dict[str, str]], names: Sequence[str]) -> list[dict[str, str]]:
    return rows + [dict.fromkeys(names, "") for _ in range(BLANK_ROWS)]


# Chapters


@bp.route("/shows/<show_slug>/episodes/<int:episode_id>/chapters", methods=["GET", "POST"])
def edit_chapters(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    if request.method == "GET":
        return _chapters_page(episode, _stored_chapter_rows(episode), 200)
    rows = form_rows(CHAPTER_FIELDS)
    return _save_chapters(
        episode, rows, lambda: chapters.replace_chapters(get_session(), episode, rows)
    )


@bp.post("/shows/<show_slug>/episodes/<int:episode_id>/chapters/upload")
def upload_chapters(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    upload = request.files.get("chapters_file")
    if upload is None or not upload.filename:
        return _chapters_refused(episode, "Choose a JSON chapters file to upload.")
    data = upload.stream.read(MAX_CHAPTERS_FILE + 1)
    if len(data) > MAX_CHAPTERS_FILE:
        return _chapters_refused(episode, "The chapters file is larger than 1 MB.")
    return _save_chapters(
        episode,
        None,
        lambda: chapters.import_json_chapters(get_session(), episode, data),
    )


@bp.post("/shows/<show_slug>/episodes/<int:episode_id>/chapters/from-audio")
def chapters_from_audio(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    storage = current_storage()
    return _save_chapters(
        episode, None, lambda: chapters.import_audio_chapters(get_session(), episode, storage)
    )


def _save_chapters(
    episode: Episode, typed: list[dict[str, str]] | None, store: Any
) -> ResponseReturnValue:
    session = get_session()
    try:
        with editing.stale_edits():  # the commit flushes again
            editing.claim_version(session, episode, request.form.get("version"))
            stored = store()
            tagged = retag.commit_with_tags(episode)
    except editing.StaleEdit as error:
        session.rollback()
        return _conflict("studio/chapters.html", episode.id, str(error), CHAPTER_FIELDS,
                         _stored_chapter_rows, typed)  # fmt: skip
    except ShowappError as error:
        session.rollback()
        return _chapters_refused(episode, str(error), typed)
    note = " The audio file is being tagged with them (Jobs)." if tagged else ""
    flash(f"Saved {counted(len(stored), 'chapter')}.{note}", "info")
    return redirect_303(
        url_for("studio.edit_chapters", show_slug=current_show().slug, episode_id=episode.id)
    )


def _chapters_refused(
    episode: Episode, message: str, typed: list[dict[str, str]] | None = None
) -> tuple[str, int]:
    flash(f"Nothing was changed: {message}", "error")
    fresh = current_episode(episode.id)
    rows = typed if typed is not None else _stored_chapter_rows(fresh)
    return _chapters_page(fresh, rows, 400)


def _stored_chapter_rows(episode: Episode) -> list[dict[str, str]]:
    return [
        {
            "start": clock(chapter.start_seconds, exact=True),
            "title": chapter.title,
            "url": chapter.url,
            "image": chapter.image,
        }
        for chapter in chapters.list_chapters(get_session(), episode)
    ]


def _chapters_page(episode: Episode, rows: list[dict[str, str]], status: int) -> tuple[str, int]:
    return _rows_page(
        "studio/chapters.html", episode, with_blank_rows(rows, CHAPTER_FIELDS), status
    )


def _rows_page(
    template: str, episode: Episode, rows: list[dict[str, str]], status: int, **extra: Any
) -> tuple[str, int]:
    """A page of editable rows (chapters, soundbites), with the audio's length for reference."""
    duration = clock(episode.duration_seconds or 0, exact=True)
    page = render_template(template, show=current_show(), episode=episode, rows=rows,
                           duration=duration, **extra)  # fmt: skip
    return page, status


def _conflict(
    template: str,
    episode_id: int,
    message: str,
    fields: Sequence[str],
    stored_rows: Callable[[Episode], list[dict[str, str]]],
    typed: list[dict[str, str]] | None,
) -> tuple[str, int]:
    """409: the rows saved meanwhile beside the rows this host typed, which stay in the form
    (with the new version: saving them again replaces the saved ones). After an upload there
    is nothing typed: the form holds the saved rows."""
    fresh = current_episode(episode_id)
    stored = stored_rows(fresh)
    rows = typed if typed is not None else stored
    compared = [
        (_line(saved, fields), None if typed is None else _line(yours, fields))
        for saved, yours in zip_longest(stored, typed or [])
    ]
    return _rows_page(template, fresh, with_blank_rows(rows, fields), 409, conflict=message,
                      compared=compared, typed=typed is not None)  # fmt: skip


def _line(row: dict[str, str] | None, fields: Sequence[str]) -> str:
    """One row of the conflict table: its filled-in fields, in the form's order."""
    return " · ".join(row[name] for name in fields if row[name]) if row else ""


# Transcripts


@bp.route("/shows/<show_slug>/episodes/<int:episode_id>/transcripts", methods=["GET", "POST"])
def edit_transcripts(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    if request.method == "GET":
        return _transcripts_page(episode, 200)
    upload = request.files.get("transcript")
    language = request.form.get("language", "en").strip() or "en"
    if upload is None or not upload.filename:
        message = "Choose a WebVTT (.vtt) or SRT (.srt) file to upload."
        return _transcript_refused(episode, message, language)
    data = upload.stream.read(transcripts.MAX_BYTES + 1)
    session = get_session()
    replaced = transcripts.get_transcript(session, episode, language) is not None
    try:
        stored, warnings = transcripts.add_transcript(
            session, episode, data, filename=upload.filename, language=language
        )
        session.commit()
    except ShowappError as error:
        session.rollback()
        return _transcript_refused(episode, str(error), language)
    for warning in warnings:
        flash(f"Warning: {warning}", "warning")
    done = "Replaced the" if replaced else "Stored the"
    flash(f"{done} {stored.language} transcript ({stored.format.upper()}).", "info")
    return redirect_303(
        url_for("studio.edit_transcripts", show_slug=current_show().slug, episode_id=episode.id)
    )


def _transcript_refused(episode: Episode, message: str, language: str) -> tuple[str, int]:
    flash(f"Nothing was stored: {message}", "error")
    return _transcripts_page(current_episode(episode.id), 400, language)


def _transcripts_page(episode: Episode, status: int, language: str = "en") -> tuple[str, int]:
    page = render_template(
        "studio/transcripts.html",
        show=current_show(),
        episode=episode,
        transcripts=transcripts.list_transcripts(get_session(), episode),
        language=language,
    )
    return page, status


# Soundbites


@bp.route("/shows/<show_slug>/episodes/<int:episode_id>/soundbites", methods=["GET", "POST"])
def edit_soundbites(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    if request.method == "GET":
        return _soundbites_page(episode, _stored_soundbite_rows(episode), 200)
    rows = form_rows(SOUNDBITE_FIELDS)
    session = get_session()
    try:
        with editing.stale_edits():
            editing.claim_version(session, episode, request.form.get("version"))
            entries = [_soundbite_entry(row, line) for line, row in enumerate(rows, 1)]
            _stored, warnings = soundbites.replace_soundbites(session, episode, entries)
            session.commit()
    except editing.StaleEdit as error:
        session.rollback()
        return _conflict("studio/soundbites.html", episode_id, str(error), SOUNDBITE_FIELDS,
                         _stored_soundbite_rows, rows)  # fmt: skip
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was changed: {error}", "error")
        return _soundbites_page(current_episode(episode_id), rows, 400)
    for warning in warnings:
        flash(f"Warning: {warning}", "warning")
    flash(f"Saved {counted(len(rows), 'soundbite')}.", "info")
    return redirect_303(
        url_for("studio.edit_soundbites", show_slug=current_show().slug, episode_id=episode.id)
    )


def _soundbite_entry(row: dict[str, str], line: int) -> tuple[float, float, str]:
    where = f"Soundbite {line}"
    if not row["duration"]:
        raise InvalidInput(f"{where}: the duration is required.")
    return (
        chapters.parse_time(row["start"], where),
        chapters.parse_time(row["duration"], where),
        row["title"],
    )


def _stored_soundbite_rows(episode: Episode) -> list[dict[str, str]]:
    return [
        {
            "start": clock(bite.start_seconds, exact=True),
            "duration": f"{bite.duration_seconds:g}",
            "title": bite.title,
        }
        for bite in soundbites.list_soundbites(get_session(), episode)
    ]


def _soundbites_page(episode: Episode, rows: list[dict[str, str]], status: int) -> tuple[str, int]:
    rows = with_blank_rows(rows, SOUNDBITE_FIELDS)
    return _rows_page("studio/soundbites.html", episode, rows, status)
