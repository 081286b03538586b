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
    # Set once, when the run made a new show (its slug): a caller that commits progress as it
    # goes deletes that show again if the run fails, so a failed import leaves nothing.
    new_show: str = ""


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
    # Defects the import fixed (an encoded URL, a type read from the extension...), per episode.
    repairs: list[str] = field(default_factory=list)
    # What the show's feed keeps from the old host, said once (a lock and its owner...).
    notes: list[str] = field(default_factory=list)
    # How many podcast:transcript / podcast:chapters each episode (by GUID) links.
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"Show '{self.show_slug}': {counted(self.created, 'episode')} added, "
            f"{self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped."
        ]
        lines += [f"  note: {text}" for text in self.notes]
        lines += [f"  warning: {text}" for text in self.warnings]
        lines += [f"  repaired: {text}" for text in self.repairs]
        lines += [f"  problem: {text}" for text in self.problems]
        if self.extras:
            transcripts = sum(e["transcripts"] for e in self.extras.values())
            chapters = sum(e["chapters"] for e in self.extras.values())
            lines.append(
                f"  {counted(len(self.extras), 'episode')} "
                f"{'carry' if len(self.extras) != 1 else 'carries'} {transcripts} transcripts "
                f"and {chapters} chapters files; they are republished as linked (copied with "
                "--download-media)."
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportLimits:
    max_feed_bytes: int = 50 * 1024 * 1024
    max_media_bytes: int = 2 * 1024 * 1024 * 1024
    timeout: float = 30.0
    # What an export archive may unpack to in total (SHOWAPP_ARCHIVE_MAX_BYTES).
    max_archive_bytes: int = 20 * 1024**3
