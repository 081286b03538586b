"""/studio/jobs: background jobs and how they went, with a retry button for failed ones.

Admins see every job; a host sees the jobs of the shows they work on (imports into them).
"""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.jobs import get_jobs
from showapp.models import JobRun
from showapp.services.jobs import runs
from showapp.studio import bp, redirect_303, signed_in_user

STATE_BADGES = {"done": "badge-ok", "failed": "badge-warn", "retrying": "badge-warn"}


@bp.get("/jobs")
def list_jobs() -> ResponseReturnValue:
    return _jobs_page(200)


@bp.post("/jobs/<int:run_id>/retry")
def retry_job(run_id: int) -> ResponseReturnValue:
    run = _visible_run(run_id)
    if not get_jobs(current_app).retry(run.id):
        flash(f"Job #{run.id} has not failed: only a failed job can be run again.", "error")
        return _jobs_page(400)
    flash(f"Job #{run.id} is queued again.", "info")
    return redirect_303(url_for("studio.list_jobs"))


def _visible_run(run_id: int) -> JobRun:
    session = get_session()
    run = runs.get_run(session, run_id)
    if run is None:
        abort(404, "No job has this number.")
    if not runs.may_see(session, signed_in_user(), run):
        abort(403, "This job is not about one of your shows.")
    return run


def _jobs_page(status: int) -> tuple[str, int]:
    session = get_session()
    shown = runs.list_runs(session, signed_in_user())
    page = render_template(
        "studio/jobs.html", runs=shown, shows=runs.show_titles(session, shown),
        badges=STATE_BADGES,
    )  # fmt: skip
    return page, status
