"""Queries on job_runs. Every function flushes; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from showapp.columns import utc_now
from showapp.models import JobRun, JobState, Show, User, UserRole, show_hosts

# The last error is kept whole enough to read, short enough for a table cell.
ERROR_CHARS = 2000


def create_run(
    session: Session, task: str, arguments: dict[str, Any], *, label: str, show_id: int | None
) -> JobRun:
    run = JobRun(task=task, arguments=arguments, label=label[:512], show_id=show_id)
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: int) -> JobRun | None:
    return session.get(JobRun, run_id)


def mark_running(session: Session, run: JobRun) -> None:
    now = utc_now()
    run.state = JobState.RUNNING
    run.attempts += 1
    run.started_at = run.heartbeat_at = now
    session.flush()


def beat(session: Session, run_id: int) -> None:
    """A running job is alive: tells it from one whose worker was killed."""
    run = session.get(JobRun, run_id)
    if run is not None and run.state == JobState.RUNNING:
        run.heartbeat_at = utc_now()
        session.flush()


def mark_done(session: Session, run: JobRun) -> None:
    run.state = JobState.DONE
    run.finished_at = utc_now()
    session.flush()


def mark_error(session: Session, run: JobRun, error: str, *, will_retry: bool) -> None:
    run.last_error = error[:ERROR_CHARS]
    run.state = JobState.RETRYING if will_retry else JobState.FAILED
    run.finished_at = None if will_retry else utc_now()
    session.flush()


def mark_queued(session: Session, run: JobRun) -> None:
    run.state = JobState.QUEUED
    run.finished_at = None
    session.flush()


def claim_orphans(session: Session, now: datetime, lease_seconds: float) -> list[JobRun]:
    """Mark queued again the runs marked running whose heartbeat stopped (their worker was
    killed mid-job) and return them. Each is claimed by a conditional UPDATE, so of two
    consumers reclaiming at once only one queues a given run again."""
    cutoff = now - timedelta(seconds=lease_seconds)
    stale = (
        JobRun.state == JobState.RUNNING,
        or_(JobRun.heartbeat_at.is_(None), JobRun.heartbeat_at < cutoff),
    )
    claimed = []
    for run_id in session.scalars(select(JobRun.id).where(*stale).order_by(JobRun.id)).all():
        won = session.execute(
            update(JobRun).where(JobRun.id == run_id, *stale).values(state=JobState.QUEUED)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            found = session.get(JobRun, run_id, populate_existing=True)
            assert found is not None
            claimed.append(found)
    return claimed


def list_runs(session: Session, user: User, limit: int = 100) -> Sequence[JobRun]:
    """Newest first: every job for an admin, the jobs of their shows for a host."""
    query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if user.role != UserRole.ADMIN:
        query = query.where(JobRun.show_id.in_(_host_show_ids(user)))
    return session.scalars(query).all()


def may_see(session: Session, user: User, run: JobRun) -> bool:
    if user.role == UserRole.ADMIN:
        return True
    if run.show_id is None:
        return False
    hosted = session.execute(_host_show_ids(user).where(show_hosts.c.show_id == run.show_id))
    return hosted.first() is not None


def show_titles(session: Session, runs: Sequence[JobRun]) -> dict[int, str]:
    ids = {run.show_id for run in runs if run.show_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Show.id, Show.title).where(Show.id.in_(ids)))
    return {id_: title for id_, title in rows}


def _host_show_ids(user: User) -> Any:
    return select(show_hosts.c.show_id).where(show_hosts.c.user_id == user.id)


def count_unfinished(session: Session) -> int:
    unfinished = (JobState.QUEUED, JobState.RUNNING, JobState.RETRYING)
    query = select(func.count()).select_from(JobRun).where(JobRun.state.in_(unfinished))
    return int(session.scalar(query) or 0)


def delete_finished_before(session: Session, cutoff: datetime) -> int:
    """Forget jobs that finished before `cutoff` (done or failed): the page shows recent work."""
    finished = (JobState.DONE, JobState.FAILED)
    query = delete(JobRun).where(JobRun.state.in_(finished), JobRun.finished_at < cutoff)
    return int(session.execute(query).rowcount or 0)  # type: ignore[attr-defined]
