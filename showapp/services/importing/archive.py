"""Export a show to a zip archive (JSON manifest plus media), and restore one.

The format is documented in docs/export-format.md and lives in archive_format.py; the export
in archive_export.py; the checks an archive passes before anything is written in
archive_checks.py; the restore in archive_restore.py; the rows that go with an episode or
a show, both ways, in archive_parts.py. This module is their front door.
"""

from showapp.services.importing.archive_export import export_show
from showapp.services.importing.archive_format import (
    DEFAULT_LIMITS,
    FORMAT,
    LEFT_OUT,
    MANIFEST,
    VERSION,
    ArchiveLimits,
    episode_part_tables,
    part_tables,
)
from showapp.services.importing.archive_restore import import_archive

__all__ = [
    "DEFAULT_LIMITS",
    "FORMAT",
    "LEFT_OUT",
    "MANIFEST",
    "VERSION",
    "ArchiveLimits",
    "episode_part_tables",
    "export_show",
    "import_archive",
    "part_tables",
]
