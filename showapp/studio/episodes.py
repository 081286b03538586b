"""Episodes: the list, the upload, the editor with its notes preview, and publishing."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from showapp.db import get_session
from showapp.errors import ShowappError, json_error, wants_json
from showapp.models import Episode, EpisodeStatus
from showapp.services import saved_forms
from showapp.services.advice import episode_links
from showapp.services.audio import files as audio_files
from showapp.services.audio import retagging
from showapp.services.catalog import artwork, editing, writes
from showapp.services.catalog.text import render_notes
from showapp.storage import current_storage
from showapp.studio import (
    bp,
    current_episode,
    current_show,
    list_page,
    redirect_303,
    retag,
    signed_in_user,
    streams_upload,
)
from showapp.studio.audio import duplicate_url, uploaded_part
from showapp.studio.editor import (
    changes_from_form,
    conflict_rows,
    editor_form,
    publish_at_local,
    save_episode_artwork,
)
from showapp.studio.forms import EpisodeForm, UploadForm


@bp.get("/shows/<show_slug>/episodes")
def list_episodes(show_slug: str) -> ResponseReturnValue:
    return _episode_list(200)


def _episode_list(
    status: int, duplicate: Episode | None = None, upload_error: str = ""
) -> tuple[str, int]:
    show = current_show()
    session = get_session()
    filters = {key: request.args.get(key, "") for key in ("status", "topic", "q")}
    if filters["status"] not in {"", *EpisodeStatus}:
        abort(400, f"Unknown status '{filters['status']}'.")
    episodes = editing.list_show_episodes(
        session,
        show,
        status=filters["status"] or None,
        topic_slug=filters["topic"] or None,
        search=filters["q"] or None,
        page=list_page(),
    )
    page = render_template(
        "studio/episodes.html",
        show=show,
        episodes=episodes,
        filters=filters,
        statuses=list(EpisodeStatus),
        topics=editing.show_topic_choices(session, show),
        upload_form=UploadForm(),
        upload_error=upload_error,
        list_endpoint="studio.list_episodes",  # also drawn by a refused upload or duplicate
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        duplicate=duplicate,
        duplicate_url=duplicate_url(duplicate),
        duplicate_note=retagging.duplicate_message(session, duplicate) if duplicate else "",
    )
    return page, status


@bp.post("/shows/<show_slug>/episodes/upload")
@streams_upload
def upload_episode(show_slug: str) -> ResponseReturnValue:
    """Create a draft from an uploaded file, then open it in the editor."""
    show = current_show()
    try:
        part = uploaded_part()
        with audio_files.staged_part(part, current_storage()) as staged:
            duplicate = retagging.find_by_sha256(get_session(), staged.sha256)
            if duplicate is not None and not request.form.get("allow_duplicate"):
                # Leaving the block without keeping the file removes it again.
                return _duplicate_refused(duplicate)
            title = Path(request.files["audio"].filename or "").stem.replace("_", " ").strip()
            episode = writes.create_episode(
                get_session(),
                show,
                title=title or "New episode",
                audio=staged,
                number=writes.next_episode_number(get_session(), show),
            )
            get_session().flush()
            staged.keep()
            get_session().commit()
    except ShowappError as error:
        get_session().rollback()
        return _upload_refused(str(error))
    edit_url = url_for("studio.edit_episode", show_slug=show.slug, episode_id=episode.id)
    if wants_json():
        return jsonify(edit_url=edit_url, episode_id=episode.id), 201
    flash(f"Uploaded '{episode.title}' ({episode.duration_seconds:.0f} s). Fill in the details.")
    return redirect_303(edit_url)


def _duplicate_refused(duplicate: Episode) -> ResponseReturnValue:
    """409: the same bytes were uploaded before; say where, and offer to upload anyway."""
    message = retagging.duplicate_message(get_session(), duplicate)
    if wants_json():
        return jsonify(
            error=message,
            status=409,
            duplicate_title=duplicate.title,
            duplicate_url=duplicate_url(duplicate),
        ), 409
    return _episode_list(409, duplicate)


def _upload_refused(message: str) -> ResponseReturnValue:
    """400: the upload form's page, the refusal beside the form (browsers show a 4xx page
    as it is; they do not follow a redirect that comes with it)."""
    if wants_json():
        return json_error(400, message)
    return _episode_list(400, upload_error=message)


@bp.route("/shows/<show_slug>/episodes/<int:episode_id>", methods=["GET", "POST"])
def edit_episode(show_slug: str, episode_id: int) -> ResponseReturnValue:
    show = current_show()
    session = get_session()
    episode = current_episode(episode_id)
    if request.method == "GET":
        return _editor(episode, _restored_form(episode), 200)
    form = EpisodeForm()
    if "preview" in request.form:
        # The no-JavaScript preview: render the notes, keep everything typed, save nothing.
        return _editor(episode, form, 200)
    if not form.validate():
        return _editor(episode, form, 400)
    try:
        with editing.stale_edits():  # the artwork and the commit flush again
            before = retag.current_tags(episode)
            editing.save_episode(session, show, episode, changes_from_form(form, show))
            if "follows_up" in request.form:  # a post without the field keeps the link
                episode_links.set_follows_up(session, show, episode, request.form["follows_up"])
            replaced = save_episode_artwork(episode, show, form)
            tagged = retag.commit_with_tags(episode, before)
    except editing.StaleEdit as error:
        session.rollback()
        return _conflict(episode_id, form, str(error))
    except ShowappError as error:
        session.rollback()
        flash(str(error), "error")
        return _editor(current_episode(episode_id), form, 400)
    # The old files go only once the new artwork is committed, as for the show's artwork.
    artwork.delete_artwork(current_storage(), replaced)
    note = " The audio file is being tagged with the new details (Jobs)." if tagged else ""
    flash(f"Saved '{episode.title}' ({episode.effective_status.value}).{note}", "info")
    return redirect_303(url_for("studio.edit_episode", show_slug=show.slug, episode_id=episode.id))


def _restored_form(episode: Episode) -> EpisodeForm:
    """The editor, refilled with what was typed before a sign-in when there is a stash."""
    token = request.args.get("restore")
    if not token:
        return editor_form(episode, current_show())
    data = saved_forms.pop_stash(get_session(), token, request.path, signed_in_user().id)
    get_session().commit()  # the stash taken, and any expired ones deleted
    if data is None:
        return editor_form(episode, current_show())
    flash("Your session had expired: what you typed is restored below. Review it and save.")
    return EpisodeForm(formdata=MultiDict([(k, v) for k, vs in data.items() for v in vs]))


def _editor(episode: Episode, form: EpisodeForm, status: int) -> tuple[str, int]:
    show = current_show()
    session = get_session()
    page = render_template(
        "studio/episode_form.html",
        show=show,
        episode=episode,
        form=form,
        topics=editing.list_topics(session),
        guests=editing.list_guests(session),
        publish_at_local=publish_at_local(episode, show),
        preview="preview" in request.form,
        follow_up_choices=episode_links.follow_up_choices(session, show, episode),
    )
    return page, status


def _conflict(episode_id: int, form: EpisodeForm, message: str) -> tuple[str, int]:
    """409: show the stored version beside what this host typed; keep theirs in the form."""
    stored = current_episode(episode_id)
    form.version.data = str(stored.version)
    page = render_template(
        "studio/episode_form.html",
        show=current_show(),
        episode=stored,
        form=form,
        topics=editing.list_topics(get_session()),
        guests=editing.list_guests(get_session()),
        publish_at_local=publish_at_local(stored, current_show()),
        conflict=message,
        conflict_rows=conflict_rows(stored, form),
        preview=False,
        follow_up_choices=episode_links.follow_up_choices(get_session(), current_show(), stored),
    )
    return page, 409


@bp.post("/shows/<show_slug>/episodes/<int:episode_id>/preview")
def preview_notes(show_slug: str, episode_id: int) -> ResponseReturnValue:
    """Render show notes as listeners will see them (fetched by the editor's script)."""
    current_episode(episode_id)
    html = render_notes(request.form.get("notes_md", ""))
    if wants_json():
        return jsonify(html=html)
    return html
