"""What an import reports: progress events while it runs, and the summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from showapp.services.wording import counted


@dataclass(frozen=True)
class ImportProgress:
    phase: str  # "fetch", "episodes", "media"
    done: int
    total: int
    message: str = ""


ProgressCallback = Callable[[ImportProgress], None]


def ignore_progress(_progress: ImportProgress) -> None:
    return None


@dataclass
class ImportReport:
    show_slug: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # podcast:transcript / podcast:chapters found, by GUID, until showapp has models for them
    # (they are also stored per episode in Episode.source_extras).
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"Show '{self.show_slug}': {counted(self.created, 'episode')} added, "
            f"{self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped."
        ]
        lines += [f"  warning: {text}" for text in self.warnings]
        lines += [f"  problem: {text}" for text in self.problems]
        if self.extras:
            lines.append(
                f"  {counted(len(self.extras), 'episode')} "
                f"{'carries' if len(self.extras) == 1 else 'carry'} transcripts or chapters; "
                "their URLs are "
                "kept in each episode's source_extras."
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportLimits:
    max_feed_bytes: int = 50 * 1024 * 1024
    max_media_bytes: int = 2 * 1024 * 1024 * 1024
    timeout: float = 30.0
    # What an export archive may unpack to in total (SHOWAPP_ARCHIVE_MAX_BYTES).
    max_archive_bytes: int = 20 * 1024**3
