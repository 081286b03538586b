"""Imports started from the studio, run in a background thread of the web process.

The job row is the only channel between the thread and the page: the thread writes its
progress there and any worker that serves the page reads it. Progress is committed together
with the batch of episodes it counts, so what a poll shows is always what is stored, and a
failure keeps only whole episodes (the batches before it); running the import again
continues from there, as re-imports update rather than duplicate.
"""

from __future__ import annotations

import logging
import time
import zipfile
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.errors import ShowappError
from showapp.models import ImportJob, ImportState, Show, User, UserRole
from showapp.services.importing import fetch as feed_fetch
from showapp.services.importing import importer, media_extras, ssrf_guard
from showapp.services.importing.report import ImportLimits, ImportProgress, ImportReport
from showapp.services.wording import counted
from showapp.storage import Storage

log = logging.getLogger(__name__)
# Byte-level download progress is written at most this often (each write is a commit).
MEDIA_PROGRESS_SECONDS = 0.5
# A running job whose row has not changed for this long lost its thread (a restart).
STALLED_SECONDS = 15 * 60


def create_job(
    session: Session, *, user: User, source: str, show: Show | None, download_media: bool
) -> ImportJob:
    job = ImportJob(
        user_id=user.id, source=source[:2048], show_id=show.id if show else None,
        show_slug=show.slug if show else "", download_media=download_media,
        problems=[], warnings=[],
    )  # fmt: skip
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int) -> ImportJob | None:
    return session.get(ImportJob, job_id)


def may_see(user: User, job: ImportJob) -> bool:
    return user.role == UserRole.ADMIN or job.user_id == user.id


def list_recent_jobs(session: Session, user: User, limit: int = 10) -> Sequence[ImportJob]:
    query = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
    if user.role != UserRole.ADMIN:
        query = query.where(ImportJob.user_id == user.id)
    return session.scalars(query).all()


def failure_of(session: Session, job_id: int) -> str | None:
    """Why the import stopped, once it has; None while it runs or after it went through."""
    job = session.get(ImportJob, job_id)
    return job.error or "failed" if job is not None and job.state == ImportState.FAILED else None


def is_stalled(job: ImportJob) -> bool:
    age = (utc_now() - job.updated_at).total_seconds()
    return not job.finished and age > STALLED_SECONDS


@dataclass(frozen=True)
class JobSettings:
    storage: Storage
    work_dir: Path
    site_base_url: str
    screen_urls: bool
    max_archive_bytes: int = 20 * 1024**3


def run_job(
    sessions: Callable[[], Session], job_id: int, source: str, settings: JobSettings
) -> None:
    """Run the import the job describes; every outcome ends up in the job row."""
    with sessions() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            return
        job.state = ImportState.RUNNING
        job.error, job.finished_at = "", None  # a job run again after it failed
        session.commit()
        guard = ssrf_guard.screening() if settings.screen_urls else nullcontext()
        is_archive = Path(source).is_file() and zipfile.is_zipfile(source)
        # An archive import restores its media after the episodes: committing halfway would
        # leave episodes pointing at files not yet written, so only a feed import commits
        # as it goes.
        recorder = _Recorder(session, job, commit=not is_archive)
        try:
            with guard:
                report = _import(session, job, source, settings, recorder)
        except ShowappError as error:
            _fail(session, job_id, str(error), recorder.new_show)
        except Exception:
            log.exception("studio import %s failed", job_id)
            message = "The import stopped on an unexpected error; see the server log."
            _fail(session, job_id, message, recorder.new_show)
        else:
            _finish(session, job, report)


def _import(
    session: Session, job: ImportJob, source: str, settings: JobSettings, recorder: _Recorder
) -> ImportReport:
    report = importer.import_source(
        session, source, work_dir=settings.work_dir, storage=settings.storage,
        site_base_url=settings.site_base_url, show_slug=job.show_slug or None,
        limits=ImportLimits(max_archive_bytes=settings.max_archive_bytes),
        progress=recorder.on_progress,
    )  # fmt: skip
    job.show_slug = report.show_slug
    session.commit()
    recorder.new_show = ""  # the show and its episodes are in: media failures are per file
    if job.download_media:
        _download_media(session, job, report, settings)
    return report


class _Recorder:
    def __init__(self, session: Session, job: ImportJob, *, commit: bool) -> None:
        self.session = session
        self.job = job
        self.commit = commit
        self.last_write = 0.0
        self.new_show = ""

    def on_progress(self, progress: ImportProgress) -> None:
        if progress.new_show:
            self.new_show = progress.new_show
        self.job.phase = progress.phase
        self.job.done = progress.done
        self.job.total = progress.total
        self.job.current = progress.message[:512]
        if self.commit:
            self.session.commit()
            self.last_write = time.monotonic()

    def bytes_callback(self, label: str) -> Callable[[int, int], None]:
        return lambda done, total: self.on_bytes(label, done, total)

    def on_bytes(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last_write < MEDIA_PROGRESS_SECONDS and done != total:
            return
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        self.job.current = f"{label}: {size}"[:512]
        self.session.commit()
        self.last_write = now


def _download_media(
    session: Session, job: ImportJob, report: ImportReport, settings: JobSettings
) -> None:
    # One commit per file, as the CLI does: a stopped run keeps every finished download.
    show = session.scalars(select(Show).where(Show.slug == report.show_slug)).one()
    remote = importer.list_remote_episodes(session, show)
    recorder = _Recorder(session, job, commit=True)
    for done, (episode_id, title) in enumerate(remote):
        recorder.on_progress(ImportProgress("media", done, len(remote), title))
        try:
            report.warnings += importer.download_episode_audio(
                session, episode_id, storage=settings.storage,
                on_progress=recorder.bytes_callback(title),
            )  # fmt: skip
            session.commit()
        except importer.MediaGone as error:
            session.commit()  # the episode is a draft now, with the reason
            report.problems.append(f"{title}: {error}")
        except ShowappError as error:
            session.rollback()
            report.problems.append(f"{title}: {error}")
    limits = ImportLimits()
    for copy in (media_extras.copy_artwork, media_extras.copy_linked_files):
        report.problems += copy(session, show, settings.storage, limits)
        session.commit()
    recorder.on_progress(ImportProgress("media", len(remote), len(remote)))


def count_remote_media(session: Session, show_slug: str) -> tuple[int | None, int]:
    """The show's id and how many of its episodes' audio is still on the old host."""
    show = session.scalars(select(Show).where(Show.slug == show_slug)).first()
    if show is None:
        return None, 0
    return show.id, len(importer.list_remote_episodes(session, show))


def fetch_remaining_media(
    sessions: Callable[[], Session], show_id: int, settings: JobSettings
) -> list[str]:
    """Fetch again the audio an import left on the old host, one commit per file; returns the
    failures that may pass (no answer, a cut connection, a 5xx or 429), for a later attempt.
    A 404 makes the episode a draft, as in the import; other refusals stay as they are."""
    transient: list[str] = []
    with sessions() as session:
        show = session.get(Show, show_id)
        if show is None:
            return transient
        with ssrf_guard.screening() if settings.screen_urls else nullcontext():
            for episode_id, title in importer.list_remote_episodes(session, show):
                try:
                    importer.download_episode_audio(session, episode_id, storage=settings.storage)
                    session.commit()
                except importer.MediaGone:
                    session.commit()
                except feed_fetch.FetchError as error:
                    session.rollback()
                    if error.status is None or error.status == 429 or error.status >= 500:
                        transient.append(f"{title}: {error}")
                except ShowappError:
                    session.rollback()
    return transient


def _finish(session: Session, job: ImportJob, report: ImportReport) -> None:
    job.state = ImportState.DONE
    job.phase = "done"
    job.current = ""
    job.show_slug = report.show_slug
    job.show_id = session.scalar(select(Show.id).where(Show.slug == report.show_slug))
    job.created, job.updated = report.created, report.updated
    job.unchanged, job.skipped = report.unchanged, report.skipped
    job.problems = list(report.problems)
    # The job keeps two lists: what the host must act on, and the rest (notes such as a kept
    # lock, warnings, and the repairs made).
    job.warnings = [*report.notes, *report.warnings, *(f"repaired: {r}" for r in report.repairs)]
    if report.extras:
        job.warnings.append(
            f"{counted(len(report.extras), 'episode')} "
            f"{'carries' if len(report.extras) == 1 else 'carry'} transcripts or chapters; "
            "they are republished as linked (copied when the media is downloaded)."
        )
    job.finished_at = utc_now()
    session.commit()


def _fail(session: Session, job_id: int, message: str, new_show: str = "") -> None:
    session.rollback()
    if new_show:
        # Progress was committed as the import went: a show this run made goes again,
        # with whatever episodes it got, so a failed import leaves nothing behind.
        # Core delete: the database cascades to episodes, credits and linked files.
        session.execute(delete(Show).where(Show.slug == new_show))
        session.commit()
    job = session.get(ImportJob, job_id)
    if job is None:
        return
    job.state = ImportState.FAILED
    job.error = message
    job.current = ""
    job.finished_at = utc_now()
    session.commit()
