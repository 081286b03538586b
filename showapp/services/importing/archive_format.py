"""What an export archive holds, shared by the export and the restore (docs/export-format.md).

Rows are written column by column from the tables, so a column added later is carried without
touching this code; the tables that hang off an episode are found from the schema the same way.
Only what is listed in SKIPPED or LEFT_OUT stays behind, each for a stated reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Date, DateTime, FromClause, Table
from sqlalchemy.types import TypeDecorator

from showapp.models import Base

FORMAT = "showapp-export"
VERSION = 2
# Version 1 had no episode parts, redirects or review state: it is read with those empty.
READABLE_VERSIONS = frozenset({1, 2})
MANIFEST = "manifest.json"

# Never exported, besides every `id` and every column referring to another row by id (rows
# refer to each other by slug or GUID instead; ids are assigned afresh on import): password
# hashes stay on the old install; a comment's one-time form key only guards against a double
# submit on the install that took it; an episode's edit counter (optimistic locking between
# two hosts' saves) starts afresh with the row. The listing copies that triggers keep
# (migration 0035: a credit's show and listed time, a guest's first listed time) describe
# the old install's catalogue, and an archive's value written over a guest here would list
# or hide them wrongly: this install's triggers set them.
SKIPPED = {
    "users.password_hash",
    "review_comments.idempotency_key",
    "episodes.version",
    "guests.listed_since",
    "appearances.show_id",
    "appearances.listed_at",
}

# Tables that refer to a show or an episode but are not part of what a host made, or are
# written another way. Everything else that refers to one is carried with it (a table added
# later included).
LEFT_OUT = {
    "episodes": "written one by one, with their parts",
    "show_hosts": "written as the show's hosts, by email",
    "import_jobs": "the log of imports run on the old install",
    "job_runs": "the old install's background jobs: its queue does not move with the show",
    "appearances": "written with the episode, the guest named by slug",
    "episode_topics": "written with the episode, topics named by slug",
    "media_requests": "the raw request log, with listener keys: stays on the old install",
    "downloads": "one row per counted listener; the daily totals (daily_downloads) go",
    "listener_windows": "the last 24 hours' working state of the download counter",
    "search_documents": "derived from the episode and rebuilt from it",
    "episode_days": "daily_downloads summed per episode and day, rebuilt from them",
    "show_days": "episode_days summed per show and day, rebuilt with them",
    "heard_episodes": "the last rollup's sums of episode_days, worked out again by the next",
    "review_links": "carried only when asked for (`--with-review`)",
    "outbox_messages": "the old install's mail log: restored rows would be sent again",
}

# Guest photos are shared by every show, so they live in this folder rather than a show's.
GUEST_FOLDER = "guests"


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may unpack to. Sizes come from the zip's central directory, which can
    lie, so they are enforced again on the bytes actually decompressed."""

    max_total_bytes: int = 20 * 1024**3  # SHOWAPP_ARCHIVE_MAX_BYTES
    max_manifest_bytes: int = 50 * 1024**2
    # Audio and images barely compress; a much higher ratio is a zip bomb, unless tiny.
    max_ratio: int = 100
    small_entry_bytes: int = 1024**2


DEFAULT_LIMITS = ArchiveLimits()


def part_tables(owner: str) -> list[Table]:
    """Every table of rows that belong to one row of `owner` ("episodes" or "shows") and go
    with it, in schema order. A row belongs to the episode or show it refers to; one that
    refers to both belongs to the one a NOT NULL column names (the other is a link, written by
    GUID), else to the episode. Rows that belong to such a part (a listener's report on a piece
    of advice) go with the part's owner, under a reference to their part."""
    tables: list[Table] = []
    for table in Base.metadata.sorted_tables:
        if table.name in LEFT_OUT:
            continue
        owned_by = _owner_of(table)
        if owned_by == owner or (owned_by is None and _parent_part(table, tables) is not None):
            tables.append(table)
    return tables


def episode_part_tables() -> list[Table]:
    return part_tables("episodes")


def owner_column(table: Table, owner: str) -> Column[Any]:
    """The column of a part table that names its episode or show, or (for the part of a part)
    the part it belongs to."""
    parent = _parent_part(table, list(Base.metadata.sorted_tables))
    target = owner if _owner_of(table) == owner else parent.name if parent is not None else owner
    columns = [
        c for c in table.columns if any(fk.column.table.name == target for fk in c.foreign_keys)
    ]
    return next((c for c in columns if not c.nullable), columns[0])


def parent_table(table: Table, owner: str) -> Table | None:
    """For the part of a part, the part table it belongs to; None for a direct part."""
    if _owner_of(table) == owner:
        return None
    return _parent_part(table, list(Base.metadata.sorted_tables))


@cache
def referenced_parts() -> frozenset[str]:
    """The part tables other part tables point at: their rows carry a `ref` to be found by."""
    names = {table.name for table in _all_parts()}
    found: set[str] = set()
    for table in _all_parts():
        for column in table.columns:
            found |= {fk.column.table.name for fk in column.foreign_keys} & names
    return frozenset(found)


def part_reference(column: Column[Any]) -> str | None:
    """For a column pointing at a row of another part table (by its archive `ref`), or at an
    episode (by GUID), the key the reference is written under."""
    for fk in column.foreign_keys:
        target = fk.column.table.name
        if target == "episodes":
            return column.key.removesuffix("_id")
        if target in referenced_parts():
            return column.key.removesuffix("_id") + "_ref"
    return None


@cache
def _all_parts() -> tuple[Table, ...]:
    return tuple(part_tables("episodes") + part_tables("shows"))


def _owner_of(table: Table) -> str | None:
    """ "episodes" or "shows", for a table that refers to one."""
    refers = [
        (not column.nullable, fk.column.table.name == "episodes", fk.column.table.name)
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name in {"episodes", "shows"}
    ]
    return max(refers)[2] if refers else None


def _parent_part(table: Table, parts: list[Table]) -> Table | None:
    for column in table.columns:
        for fk in column.foreign_keys:
            if not column.nullable and fk.column.table in parts and fk.column.table is not table:
                return fk.column.table
    return None


def slug_reference(column: Column[Any]) -> str | None:
    """For a column pointing at a guest or topic, the key its slug is written under."""
    for fk in column.foreign_keys:
        if fk.column.table.name in {"guests", "topics"}:
            return column.key.removesuffix("_id")
    return None


def skipped(column: Any) -> bool:
    """Whether a column stays out of the archive (see SKIPPED)."""
    qualified = f"{column.table.name}.{column.key}"
    return column.key == "id" or bool(column.foreign_keys) or qualified in SKIPPED


def model_values(row: Any) -> dict[str, Any]:
    """One model instance as JSON values."""
    table = row.__table__
    return table_values(table, {column.key: getattr(row, column.key) for column in table.columns})


def table_values(table: Table, mapping: Any) -> dict[str, Any]:
    """One row of `table` (a mapping by column key) as JSON values; references to guests and
    topics become their slugs (the caller adds them), other ids are left out."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if skipped(column):
            continue
        values[column.key] = to_json(mapping[column.key])
    return values


def to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def column_values(table: FromClause, record: dict[str, Any]) -> dict[str, Any]:
    """The record's values for the table's own columns, typed back from JSON. Unknown keys
    (an archive from a newer install) are ignored; missing ones take the column's default."""
    values = {}
    for column in table.columns:
        if skipped(column) or column.key not in record:
            continue
        values[column.key] = from_json(column, record[column.key])
    return values


def from_json(column: Any, value: Any) -> Any:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if value is None or not isinstance(value, str):
        return value
    if isinstance(kind, DateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    return value


def is_file_column(name: str) -> bool:
    """Columns naming a file under SHOWAPP_EPISODES_DIR, by their name (`artwork`, `photo`,
    `audio_file`, and any `file` or `*_file` a later table has): these files are archived."""
    return name in {"artwork", "photo", "file"} or name.endswith("_file")


def show_files(manifest: dict[str, Any]) -> list[str]:
    """The files the show's and its episodes' rows name (episode parts included): all of them
    live in the show's folder."""
    rows = [manifest["show"]]
    for part_rows in manifest.get("show_parts", {}).values():
        rows += [row for row in part_rows if isinstance(row, dict)]
    for episode in manifest["episodes"]:
        rows.append(episode)
        for part_rows in episode.get("parts", {}).values():
            rows += [row for row in part_rows if isinstance(row, dict)]
    return [
        str(value)
        for row in rows
        for key, value in row.items()
        if is_file_column(key) and value and isinstance(value, str)
    ]


# Named like links but never shown as one: where an imported feed came from, the key a
# re-import finds its show by (it may be a file's name).
NOT_LINKS = {"source_feed_url"}


def is_link_column(name: str) -> bool:
    """Columns whose value becomes a link on pages and in feeds, by their name."""
    if name in NOT_LINKS:
        return False
    return name in {"url", "href", "img", "image", "website"} or name.endswith(("_url", "_href"))
