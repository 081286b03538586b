"""Alembic environment: runs on the connection showapp hands it, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from showapp.models import Base, is_fulltext_object

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)


def is_fulltext_object_excluded(name: str | None, type_: str, parent_names: object) -> bool:
    return not is_fulltext_object(name, type_, parent_names)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables.
        compare_type=True,
        include_name=is_fulltext_object_excluded,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
