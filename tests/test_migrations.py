"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text

from showapp import db
from showapp.models import Base, is_fulltext_object


# SQLAlchemy reads no expression index back from SQLite (ix_guests_directory, on lower(name)):
# it says so, and Alembic leaves such indexes out of the comparison there. PostgreSQL compares
# them, and tests/test_guest_listing.py checks the directory's plan uses it on SQLite.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
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


def test_0017_gives_existing_users_a_session_version_and_downgrades(tmp_path: Path) -> None:
    """0017 adds the session version (1 for existing users) and remakes the form stash table
    with its owner; it downgrades cleanly."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0014")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (email, name, role, active) VALUES ('a@b.c', '', 'host', 1)")
        )
    command.upgrade(config, "0017")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT session_version FROM users")).scalar() == 1
        columns = {c["name"] for c in inspect(connection).get_columns("form_stashes")}
        assert "user_id" in columns
    command.downgrade(config, "0014")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT email FROM users")).scalar() == "a@b.c"
        columns = {c["name"] for c in inspect(connection).get_columns("form_stashes")}
        assert "user_id" not in columns
    engine.dispose()


def test_0038_gives_guests_and_topics_with_an_empty_address_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = db.alembic_config(url)
    command.upgrade(config, "0037")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        for name, slug in (("山田太郎", ""), ("shan tian tai lang", "shan-tian-tai-lang")):
            connection.execute(
                text("INSERT INTO guests (name, slug, organisation, job_title, bio, links)"
                     " VALUES (:name, :slug, '', '', '', '[]')"),
                {"name": name, "slug": slug},
            )  # fmt: skip
        connection.execute(
            text("INSERT INTO topics (name, slug, description) VALUES ('!!!', '', '')")
        )
    command.upgrade(config, "0038")
    with engine.connect() as connection:
        guests = dict(connection.execute(text("SELECT name, slug FROM guests")).tuples().all())
        topic = connection.execute(text("SELECT id, slug FROM topics")).one()
    assert guests == {
        "山田太郎": "shan-tian-tai-lang-2",
        "shan tian tai lang": "shan-tian-tai-lang",
    }
    assert topic.slug == f"topic-{topic.id}"
    engine.dispose()
