"""Moving a show in and out from the studio: imports with live progress, and the export zip.

An import runs as a job (`import.run`, showapp/jobs/tasks.py) on whichever worker takes it; it
writes its progress to an import_jobs row, which the page polls, so any worker can show it,
and a worker killed mid-import leaves the job to be run again by another.
While the studio imports, every address fetched is screened (importing/ssrf_guard.py) unless
SHOWAPP_IMPORT_ALLOW_PRIVATE is set.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import InvalidInput, ShowappError
from showapp.jobs import get_jobs
from showapp.models import ImportJob, Show, UserRole
from showapp.services import accounts
from showapp.services.importing import archive, ssrf_guard
from showapp.services.importing import fetch as feed_fetch
from showapp.services.importing import jobs as import_jobs
from showapp.storage import current_storage
from showapp.studio import bp, current_show, redirect_303, signed_in_user
from showapp.studio.forms import ImportForm

NEW_SHOW = ""


@bp.route("/import", methods=["GET", "POST"])
def import_show() -> ResponseReturnValue:
    session = get_session()
    user = signed_in_user()
    form = _import_form(accounts.shows_for(session, user))
    if not form.validate_on_submit():
        return _import_page(form, 400 if request.method == "POST" else 200)
    show = _chosen_show(form)
    work_dir = Path(tempfile.mkdtemp(prefix="showapp-import-"))
    try:
        source = _source(form, work_dir, show)
    except ShowappError as error:
        shutil.rmtree(work_dir, ignore_errors=True)
        flash(str(error), "error")
        return _import_page(form, 400)
    job = import_jobs.create_job(
        session, user=user, source=_label(form, source), show=show,
        download_media=bool(form.download_media.data),
    )  # fmt: skip
    session.commit()
    get_jobs(current_app).enqueue(
        "import.run", label=f"Import {job.source}", show_id=show.id if show else None,
        job_id=job.id, source=source, work_dir=str(work_dir),
    )  # fmt: skip
    return redirect_303(url_for("studio.import_job", job_id=job.id))


@bp.get("/import/<int:job_id>")
def import_job(job_id: int) -> ResponseReturnValue:
    job = _visible_job(job_id)
    return render_template("studio/import_job.html", job=job, stalled=import_jobs.is_stalled(job))


@bp.get("/import/<int:job_id>/progress")
def import_progress(job_id: int) -> ResponseReturnValue:
    job = _visible_job(job_id)
    response = jsonify(job.as_progress() | {"finished": job.finished})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/shows/<show_slug>/export")
def export_show(show_slug: str) -> ResponseReturnValue:
    """The show's export zip, written to an unlinked temporary file and streamed from it."""
    show = current_show()
    storage = current_storage()
    with tempfile.NamedTemporaryFile(prefix="showapp-export-", suffix=".zip") as handle:
        archive.export_show(get_session(), show.slug, storage, Path(handle.name))
        # Reopened before the name goes away: the open file outlives it, and the disk space
        # is freed when the response closes it, however the download ends.
        stream = open(handle.name, "rb")  # noqa: SIM115
    return send_file(
        stream, mimetype="application/zip", as_attachment=True,
        download_name=f"{show.slug}-export.zip", max_age=0,
    )  # fmt: skip


def _import_form(shows: Any) -> ImportForm:
    form = ImportForm()
    choices = [(show.slug, show.title) for show in shows]
    if signed_in_user().role == UserRole.ADMIN:
        choices.insert(0, (NEW_SHOW, "A new show (or the one this feed came from before)"))
    form.show.choices = choices
    return form


def _chosen_show(form: ImportForm) -> Show | None:
    slug = form.show.data or NEW_SHOW
    if slug == NEW_SHOW:
        return None
    shows = accounts.shows_for(get_session(), signed_in_user())
    return next(show for show in shows if show.slug == slug)


def _source(form: ImportForm, work_dir: Path, show: Show | None) -> str:
    """The URL (screened now, for a clear message) or the uploaded file saved in work_dir."""
    url = (form.url.data or "").strip()
    upload = form.source_file.data
    has_file = upload is not None and bool(upload.filename)
    if bool(url) == has_file:
        raise InvalidInput("Enter a feed URL or choose a file (one of the two).")
    if url:
        if not feed_fetch.is_url(url):
            raise InvalidInput("The feed URL must start with http:// or https://.")
        if not current_app.config["IMPORT_ALLOW_PRIVATE"]:
            ssrf_guard.screen_url(url)
        return url
    path = work_dir / "upload"
    upload.save(path)
    if zipfile.is_zipfile(path) and signed_in_user().role != UserRole.ADMIN:
        # An archive names its own show (by slug), so it could overwrite any show.
        raise InvalidInput("Only an admin can import an export archive.")
    return str(path)


def _label(form: ImportForm, source: str) -> str:
    url = (form.url.data or "").strip()
    return url or f"uploaded file {form.source_file.data.filename}"


def _visible_job(job_id: int) -> ImportJob:
    job = import_jobs.get_job(get_session(), job_id)
    if job is None or not import_jobs.may_see(signed_in_user(), job):
        abort(404, "No import has this number.")
    return job


def _import_page(form: ImportForm, status: int) -> tuple[str, int]:
    jobs = import_jobs.list_recent_jobs(get_session(), signed_in_user())
    return render_template("studio/import_form.html", form=form, jobs=jobs), status
