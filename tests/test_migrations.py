"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
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


def test_the_history_has_one_head() -> None:
    heads = ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, (
        f"Alembic has {len(heads)} heads {sorted(heads)}: a new migration must revise the "
        "current head (alembic heads), not an older revision."
    )


def test_an_install_at_the_six_old_heads_upgrades_to_the_merge(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    for old_head in ("0005", "0007", "0009", "0010", "0011", "0013"):
        command.upgrade(config, old_head)
    engine = db.make_engine(url)
    with engine.connect() as connection:
        before = set(MigrationContext.configure(connection).get_current_heads())
    assert before == {"0005", "0007", "0009", "0010", "0011", "0013"}
    command.upgrade(config, "heads")
    with engine.connect() as connection:
        after = set(MigrationContext.configure(connection).get_current_heads())
    engine.dispose()
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    # The merge (0014) is in the history of today's single head, which later revisions extend.
    assert after == set(heads) and len(heads) == 1
    assert "0014" in {revision.revision for revision in script.iterate_revisions(heads[0], "base")}
