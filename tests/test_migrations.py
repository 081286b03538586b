"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask

from showapp import db
from showapp.models import Base, is_fulltext_object


def test_migrated_schema_matches_the_models(app: Flask) -> None:
    with db.get_engine(app).connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # The full-text tables and indexes are database-specific and not modelled.
                "include_name": lambda name, type_, parents: (
                    not is_fulltext_object(name, type_, parents)
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
