"""Imports started from the studio: their progress and final report, readable by any worker."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from showapp.columns import UTCDateTime, created_at, updated_at
from showapp.models.base import Base, str_enum


class ImportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(Base):
    """One studio import. The thread running it writes here; the page polls it."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The show being updated (chosen in the form) or, once known, the show the import made.
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(2048))
    download_media: Mapped[bool] = mapped_column(default=False)
    state: Mapped[ImportState] = mapped_column(str_enum(ImportState), default=ImportState.QUEUED)
    phase: Mapped[str] = mapped_column(String(16), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    current: Mapped[str] = mapped_column(String(512), default="")
    show_slug: Mapped[str] = mapped_column(String(255), default="")
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)

    def as_progress(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "phase": self.phase,
            "done": self.done,
            "total": self.total,
            "current": self.current,
        }
