"""/studio/jobs: what hosts and admins see of background jobs, and running a failed one again.

The jobs are real: pings sent to a local HTTP server that fails or answers, run in the
request (immediate mode) or left in a real SQLite queue with no worker (queued)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from showapp import db
from showapp.jobs import get_jobs
from showapp.models import JobRun, JobState, UserRole
from tests.conftest import serving
from tests.factories import make_show
from tests.jobs_helpers import queued_app
from tests.studio_helpers import csrf_token, login, make_user


class Flaky:
    """Answers 503 to the first `failures` requests, then 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                flaky.failures -= 1
                self.send_response(503 if flaky.failures >= 0 else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def flaky() -> Iterator[str]:
    with serving(Flaky(1).server) as url:
        yield url


@pytest.fixture
def people(session: Session) -> dict[str, Any]:
    mine, theirs = make_show(session, slug="mine", title="Mine"), make_show(session, slug="theirs")
    make_user(session, "admin@example.com", role=UserRole.ADMIN)
    make_user(session, "host@example.com", shows=[mine])
    session.commit()
    return {"mine": mine.id, "theirs": theirs.id}


def _ping(app: Flask, url: str, show_id: int, label: str) -> int:
    run_id = get_jobs(app).enqueue(
        "feeds.ping", label=label, show_id=show_id, retries=0, url=url, method="GET"
    )
    assert run_id is not None
    return run_id


def _row(page: str, run_id: int) -> str:
    found = re.search(rf'<tr id="job-{run_id}">(.*?)</tr>', page, re.S)
    assert found, f"job {run_id} is not on the page"
    return found.group(1)


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    login(client, email)
    return client


def test_the_page_shows_each_state_with_times_attempts_and_errors(
    app: Flask, app_config: dict[str, Any], people: dict[str, Any], flaky: str
) -> None:
    failed = _ping(app, flaky + "/ping", people["mine"], "Announce to the flaky hub")
    done = _ping(app, flaky + "/ping", people["mine"], "Announce again")
    with queued_app(app_config, consumer=False) as queued:
        waiting = _ping(queued, flaky + "/later", people["mine"], "Announce later")
    page = _signed_in(app, "admin@example.com").get("/studio/jobs").get_data(as_text=True)
    failed_row, done_row = _row(page, failed), _row(page, done)
    assert "failed" in failed_row and "503" in failed_row and "Run again" in failed_row
    assert ">1<" in failed_row and "UTC" in failed_row  # one attempt, when it was made
    assert "done" in done_row and "Run again" not in done_row
    assert "queued" in _row(page, waiting) and "Mine" in _row(page, waiting)


def test_hosts_see_their_shows_jobs_only(app: Flask, people: dict[str, Any], flaky: str) -> None:
    mine = _ping(app, flaky + "/a", people["mine"], "For my show")
    theirs = _ping(app, flaky + "/b", people["theirs"], "For their show")
    network = get_jobs(app).enqueue("stats.rollup")  # periodic work belongs to no show
    host = _signed_in(app, "host@example.com")
    page = host.get("/studio/jobs").get_data(as_text=True)
    assert f'id="job-{mine}"' in page
    assert f'id="job-{theirs}"' not in page and f'id="job-{network}"' not in page
    token = csrf_token(host, "/studio/jobs")
    assert host.post(f"/studio/jobs/{theirs}/retry", data={"csrf_token": token}).status_code == 403


def test_a_failed_job_runs_again_from_the_retry_button(
    app: Flask, session: Session, people: dict[str, Any], flaky: str
) -> None:
    run_id = _ping(app, flaky + "/ping", people["mine"], "Announce")  # 503: failed
    host = _signed_in(app, "host@example.com")
    token = csrf_token(host, "/studio/jobs")
    response = host.post(f"/studio/jobs/{run_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    run = session.scalars(select(JobRun).where(JobRun.id == run_id)).one()
    assert run.state == JobState.DONE and run.attempts == 2
    # A job that has not failed cannot be run again: a clear message, nothing queued.
    again = host.post(f"/studio/jobs/{run_id}/retry", data={"csrf_token": token})
    assert again.status_code == 400 and "only a failed job" in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(JobRun, run_id).attempts == 2  # type: ignore[union-attr]


def test_retry_needs_sign_in_csrf_and_a_real_job(
    app: Flask, people: dict[str, Any], flaky: str
) -> None:
    run_id = _ping(app, flaky + "/ping", people["mine"], "Announce")
    anonymous = app.test_client().post(f"/studio/jobs/{run_id}/retry", data={})
    assert anonymous.status_code == 303 and "/studio/login" in anonymous.location
    assert app.test_client().get("/studio/jobs").status_code == 303
    admin = _signed_in(app, "admin@example.com")
    assert admin.post(f"/studio/jobs/{run_id}/retry", data={}).status_code == 400
    token = csrf_token(admin, "/studio/jobs")
    assert admin.post("/studio/jobs/999999/retry", data={"csrf_token": token}).status_code == 404
    with db.new_session(app) as session:
        assert session.get(JobRun, run_id).state == JobState.FAILED  # type: ignore[union-attr]


def test_a_failed_import_is_a_failed_job_that_runs_again(
    app: Flask, session: Session, people: dict[str, Any]
) -> None:
    from http.server import ThreadingHTTPServer

    from showapp.models import Episode, ImportJob, ImportState
    from tests.test_import import Served, _handler
    from tests.test_studio_import import _feed

    served = Served()
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))) as base:
        served.files["/feed.xml"] = (b"<rss><channel><title>Broken", "application/rss+xml")
        app.config["IMPORT_ALLOW_PRIVATE"] = True
        admin = _signed_in(app, "admin@example.com")
        form = {"csrf_token": csrf_token(admin, "/studio/import"), "show": "",
                "url": f"{base}/feed.xml"}  # fmt: skip
        assert admin.post("/studio/import", data=form).status_code == 303
        run = session.scalars(select(JobRun).where(JobRun.task == "import.run")).one()
        assert run.state == JobState.FAILED and run.last_error
        # The old host fixes its feed; the host runs the job again from /studio/jobs.
        served.files["/feed.xml"] = (_feed(base, 3), "application/rss+xml")
        token = csrf_token(admin, "/studio/jobs")
        assert (
            admin.post(f"/studio/jobs/{run.id}/retry", data={"csrf_token": token}).status_code
            == 303
        )
    session.expire_all()
    assert session.get(JobRun, run.id).state == JobState.DONE  # type: ignore[union-attr]
    job = session.scalars(select(ImportJob)).one()
    assert job.state == ImportState.DONE and job.error == "" and job.created == 3
    assert len(session.scalars(select(Episode)).all()) == 3
