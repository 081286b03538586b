"""Moving a show in and out from the studio: imports with live progress, and the export zip.

An import runs in a background thread of this process with its own database session; it
writes its progress to an import_jobs row, which the page polls, so any worker can show it.
While the studio imports, every address fetched is screened (importing/ssrf_guard.py) unless
SHOWAPP_IMPORT_ALLOW_PRIVATE is set.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from flask import (
    Flask,
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
from showapp.models import ImportJob, Show, UserRole
from showapp.services import accounts
from showapp.services.importing import archive, ssrf_guard
from showapp.services.importing import fetch as feed_fetch
from showapp.services.importing import jobs as import_jobs
from showapp.storage import current_storage, storage_of
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
    current_app.extensions["showapp.imports"].start(job.id, source, work_dir)
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


class ImportThreads:
    """Studio imports of this process, each on a thread with its own database session."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._threads: list[threading.Thread] = []

    def start(self, job_id: int, source: str, work_dir: Path) -> None:
        app = self._app
        settings = import_jobs.JobSettings(
            storage=storage_of(app), work_dir=work_dir,
            site_base_url=app.config["BASE_URL"],
            screen_urls=not app.config["IMPORT_ALLOW_PRIVATE"],
            max_archive_bytes=int(app.config["ARCHIVE_MAX_BYTES"]),
        )  # fmt: skip
        sessions = app.extensions["showapp.sessionmaker"]

        def work() -> None:
            try:
                import_jobs.run_job(sessions, job_id, source, settings)
            finally:
                shutil.rmtree(work_dir, ignore_errors=True)

        thread = threading.Thread(target=work, name=f"showapp-import-{job_id}", daemon=True)
        self._threads[:] = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def join(self, timeout: float = 60.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout)


def wait_for_imports(app: Flask, timeout: float = 60.0) -> None:
    """Join this app's import threads (tests call it before they drop the database)."""
    imports: ImportThreads = app.extensions["showapp.imports"]
    imports.join(timeout)


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
