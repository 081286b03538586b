"""The app's background work, in one list: every consumer imports this module, so each task
here is known wherever a job may run. Task bodies are thin: the work itself lives with its
domain (services/importing, services/stats, services/feeds)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from huey import crontab

from showapp import db
from showapp.columns import utc_now
from showapp.jobs.registry import periodic_task, task
from showapp.jobs.runtime import get_jobs
from showapp.services.audio import retagging
from showapp.services.audio.files import remove_leftover_parts
from showapp.services.feeds import websub
from showapp.services.importing import jobs as import_jobs
from showapp.services.jobs import runs
from showapp.services.stats import rollups
from showapp.storage import storage_of

# Finished jobs stay on /studio/jobs this long.
JOBS_KEEP_DAYS = 30


@task("import.run")
def run_import(app: Flask, job_id: int, source: str, work_dir: str) -> None:
    """A studio import. Killed midway, it is run again from the start (reclaim_orphans): a
    re-import updates the episodes the first run stored and downloads only missing media."""
    settings = _import_settings(app, Path(work_dir))
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    sessions = app.extensions["showapp.sessionmaker"]
    import_jobs.run_job(sessions, job_id, source, settings)
    with sessions() as session:
        failure = import_jobs.failure_of(session, job_id)
        job = import_jobs.get_job(session, job_id)
        wanted_media = job is not None and job.download_media
        show_id, remote = import_jobs.count_remote_media(session, job.show_slug if job else "")
    if failure is not None:
        # The job fails with the import's reason; its uploaded file stays for "Run again".
        raise ImportFailed(failure)
    # Only once the import went through: a killed run keeps the uploaded file for the next.
    shutil.rmtree(work_dir, ignore_errors=True)
    if wanted_media and remote and show_id is not None:
        # Audio the old host did not give this time is asked for again, later and later.
        delay = float(app.config["JOBS_RETRY_SECONDS"])
        get_jobs(app).enqueue(
            "media.download", label=f"Fetch {remote} audio files still on the old host",
            show_id=show_id, delay=delay, retry_delay=delay, show=show_id,
        )  # fmt: skip


@task("media.download", retries=4)
def download_media(app: Flask, show: int) -> None:
    """Audio an import could not fetch for a reason that may pass; retried with backoff."""
    sessions = app.extensions["showapp.sessionmaker"]
    settings = _import_settings(app, Path(app.config["JOBS_DIR"]))
    left = import_jobs.fetch_remaining_media(sessions, show, settings)
    if left:
        raise DownloadsLeft(f"{len(left)} still to fetch; first: {left[0]}")


def _import_settings(app: Flask, work_dir: Path) -> import_jobs.JobSettings:
    config = app.config
    return import_jobs.JobSettings(
        storage=storage_of(app), work_dir=work_dir,
        site_base_url=config["BASE_URL"], screen_urls=not config["IMPORT_ALLOW_PRIVATE"],
        max_archive_bytes=int(config["ARCHIVE_MAX_BYTES"]),
    )  # fmt: skip


class ImportFailed(Exception):
    """The import stopped (its page says why); running the job again continues it."""


class DownloadsLeft(Exception):
    """Some audio could not be fetched yet; the job is tried again later."""


@task("media.retag", retries=3, retry_delay=1.0, retry_backoff=2.0)
def retag_audio(app: Flask, episode_id: int) -> None:
    """A public episode's audio tagged with what its rows say when the job runs: successive
    saves need only the last job; one that raced new audio is run again (RetagRaced)."""
    with db.new_session(app) as session:
        retagging.retag_in_background(
            session, episode_id, storage_of(app), str(app.config["BASE_URL"])
        )


@task("feeds.ping", retries=3, retry_delay=2.0, retry_backoff=2.0)
def ping_feed(app: Flask, url: str, method: str, body: str = "", feed_url: str = "") -> None:
    websub.send(websub.Ping(url, method, body, feed_url))


@task("stats.store_hits", tracked=False)
def store_hits(app: Flask) -> None:
    """Move spooled media hits into media_requests (scheduled by the requests that spool)."""
    from showapp.media.recorder import get_recorder

    recorder = get_recorder(app)
    if recorder is not None:
        recorder.flush()


def _every_n_minutes(config: dict[str, Any]) -> Any:
    return crontab(minute=f"*/{int(config['STATS_ROLLUP_MINUTES'])}")


@periodic_task("stats.schedule_rollup", _every_n_minutes, tracked=False)
def schedule_rollup(app: Flask) -> None:
    """Every SHOWAPP_STATS_ROLLUP_MINUTES, so no cron line is needed: a rollup job, which is
    retried with backoff when it fails (the database away, say)."""
    delay = float(app.config["JOBS_RETRY_SECONDS"])
    get_jobs(app).enqueue("stats.rollup", label="Roll up the download figures", retry_delay=delay)


@task("stats.rollup", retries=3)
def rollup(app: Flask) -> None:
    """Count new requests as downloads; also clears what killed uploads left in the media
    folder."""
    store_hits(app)
    with db.new_session(app) as session:
        rollups.rollup(session, int(app.config["STATS_KEEP_REQUESTS_DAYS"]))
        session.commit()
    remove_leftover_parts(storage_of(app).staging_dir(""))


@task("mail.send", tracked=False)
def send_mail(app: Flask) -> None:
    """Send the outbox's due messages: enqueued by each commit that queued mail, so a message
    leaves seconds after its request (the outbox keeps each message's own retries)."""
    from showapp.mail.runner import deliver_now

    with db.new_session(app) as session:
        deliver_now(app, session)


@periodic_task("mail.periodic", lambda _config: crontab(), tracked=False)
def mail_round(app: Flask) -> None:
    """Every minute: queue the digests, follow-up reminders, replies and review news that
    are due, then send whatever is due (retries included)."""
    from showapp.mail.runner import run_periodic

    run_periodic(app)


@periodic_task("jobs.reclaim", lambda _config: crontab(), tracked=False)
def reclaim(app: Flask) -> None:
    """Every minute: run again the jobs whose worker died (on another host, say), and forget
    jobs that finished more than JOBS_KEEP_DAYS ago."""
    get_jobs(app).reclaim_orphans()
    with db.new_session(app) as session:
        runs.delete_finished_before(session, utc_now() - timedelta(days=JOBS_KEEP_DAYS))
        session.commit()
