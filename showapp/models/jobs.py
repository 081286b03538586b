"""Background jobs as the studio sees them: one row per job enqueued through showapp.jobs.

The queue itself lives in the job library's store (SQLite file or Redis); this row is what
outlives it: state, attempts, the last error, and a heartbeat that tells a running job from
one whose worker died, so the job can be run again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime, created_at
from showapp.models.base import Base, str_enum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"  # failed, another attempt is scheduled
    DONE = "done"
    FAILED = "failed"


class JobRun(Base):
    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(512), default="")
    # The show the job works on, so its hosts see it; None for network-wide work.
    show_id: Mapped[int | None] = mapped_column(
        ForeignKey("shows.id", ondelete="SET NULL"), index=True
    )
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(str_enum(JobState), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
