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
from showapp.services.catalog import editing, lookups
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
    try:
        _replace(episode, uploaded_part())
    except editing.StaleEdit as error:
        session.rollback()
        flash(f"The audio was not replaced: {error} Check the audio below, then upload "
              "yours again if it should replace it.", "error")  # fmt: skip
        return _page(current_episode(episode_id), 409)
    except retagging.SameAudio as error:
        session.rollback()
        flash(f"{error} Nothing was changed.", "info")
        return redirect_303(_form_url(episode))
    except retagging.DuplicateAudio as error:
        session.rollback()
        return _page(current_episode(episode_id), 409, duplicate=error.episode)
    except ShowappError as error:
        session.rollback()
        flash(f"The audio was not replaced: {error}", "error")
        return _page(current_episode(episode_id), 400)
    flash(
        f"New audio for '{episode.title}': {episode.duration_seconds:.0f} s, "
        f"{(episode.audio_bytes or 0) / 1048576:.1f} MB. Its media URL changed; its GUID did not.",
        "info",
    )
    return redirect_303(_form_url(episode))


def _replace(episode: Episode, part: PartFile) -> None:
    """Swap the upload in and commit. Any refusal leaves the staged block with an exception,
    which removes the upload: the stored file and the row stay as they were."""
    session = get_session()
    storage = current_storage()
    with (
        editing.stale_edits(),  # the commit flushes again
        audio_files.staged_part(part, storage) as staged,
    ):
        # Claimed first: a simultaneous replacement waits, then gets the 409; the checks
        # below then see the episode's audio as it is now.
        editing.claim_version(session, episode, request.form.get("version"))
        allow_duplicate = bool(request.form.get("allow_duplicate"))
        retagging.check_replacement(
            session, episode, staged.sha256, allow_duplicate=allow_duplicate
        )
        with retagging.replace_audio(
            session, episode, staged, storage, current_app.config["BASE_URL"]
        ):
            session.commit()


def duplicate_url(duplicate: Episode | None) -> str | None:
    """The editor of the episode an upload duplicates, for the warning's link."""
    if duplicate is None:
        return None
    show = lookups.get_show_by_id(get_session(), duplicate.show_id)
    if show is None:
        return None
    return url_for("studio.edit_episode", show_slug=show.slug, episode_id=duplicate.id)


def _form_url(episode: Episode) -> str:
    return url_for(
        "studio.replace_audio_form", show_slug=current_show().slug, episode_id=episode.id
    )


def _page(episode: Episode, status: int, duplicate: Episode | None = None) -> tuple[str, int]:
    page = render_template(
        "studio/replace_audio.html",
        show=current_show(),
        episode=episode,
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        duplicate=duplicate,
        duplicate_url=duplicate_url(duplicate),
        duplicate_note=retagging.duplicate_message(get_session(), duplicate) if duplicate else "",
    )
    return page, status
