"""Which stored files the database names, found by column name across every table."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from showapp.models import Base
from showapp.services.importing.archive_format import is_file_column


def named_files(session: Session) -> set[str]:
    """Every value of a file column (`audio_file`, `artwork`, `photo`, `logo`, `local_file`…)
    in every table: what `showapp storage move` must carry."""
    names: set[str] = set()
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String) and _names_a_file(column.name):
                query = select(column).where(column.is_not(None)).distinct()
                names.update(str(value) for value in session.scalars(query) if value)
    return names


def _names_a_file(column: str) -> bool:
    return is_file_column(column) or column == "logo"
