"""Replacing an episode's audio: a new file and media URL, the same GUID."""

from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import BadAudio, ShowappError
from showapp.models import Episode
from showapp.services.audio import files as audio_files
from showapp.services.audio import retagging
from showapp.services.audio.files import PartFile
from showapp.services.catalog import editing
from showapp.storage import current_storage
from showapp.studio import bp, current_episode, current_show, redirect_303, streams_upload


def uploaded_part() -> PartFile:
    """The audio file of a ``@streams_upload`` post, already written to the show's folder."""
    upload = request.files.get("audio")
    if upload is None or not upload.filename:
        raise BadAudio("Choose an MP3 or M4A file to upload.")
    audio_files.audio_extension(upload.filename)
    part = upload.stream
    if not isinstance(part, PartFile):
        raise BadAudio("The upload did not arrive as a file; try again.")
    return part


@bp.get("/shows/<show_slug>/episodes/<int:episode_id>/audio")
def replace_audio_form(show_slug: str, episode_id: int) -> ResponseReturnValue:
    return _page(current_episode(episode_id), 200)


@bp.post("/shows/<show_slug>/episodes/<int:episode_id>/audio")
@streams_upload
def replace_audio(show_slug: str, episode_id: int) -> ResponseReturnValue:
    episode = current_episode(episode_id)
    session = get_session()
    storage = current_storage()
    try:
        part = uploaded_part()
        with (
            editing.stale_edits(),  # the commit flushes again
            audio_files.staged_part(part, storage) as staged,
        ):
            # Claimed first: a simultaneous replacement waits, then gets the 409.
            editing.claim_version(session, episode, request.form.get("version"))
            with retagging.replace_audio(
                session, episode, staged, storage, current_app.config["BASE_URL"]
            ):
                session.commit()
    except editing.StaleEdit as error:
        session.rollback()
        flash(f"The audio was not replaced: {error} Check the audio below, then upload "
              "yours again if it should replace it.", "error")  # fmt: skip
        return _page(current_episode(episode_id), 409)
    except ShowappError as error:
        session.rollback()
        flash(f"The audio was not replaced: {error}", "error")
        return _page(current_episode(episode_id), 400)
    flash(
        f"New audio for '{episode.title}': {episode.duration_seconds:.0f} s, "
        f"{(episode.audio_bytes or 0) / 1048576:.1f} MB. Its media URL changed; its GUID did not.",
        "info",
    )
    return redirect_303(
        url_for("studio.replace_audio_form", show_slug=current_show().slug, episode_id=episode.id)
    )


def _page(episode: Episode, status: int) -> tuple[str, int]:
    page = render_template(
        "studio/replace_audio.html",
        show=current_show(),
        episode=episode,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
    )
    return page, status
