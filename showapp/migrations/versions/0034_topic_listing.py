"""topic listing: each tag carries its episode's show and listed time, kept by triggers

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 01:00:00

A topic page counts and lists the topic's live episodes newest first. Whether an episode is
live, and its date, lived only on the episode rows, so every view read all of the topic's
episodes: 300 at 10,000 episodes, 600 at 100,000, and more with every year of a show. With
the episode's show and its listed time (its publication time while it is published or
scheduled and not in the trash) beside the tag, the page counts inside an index of (topic,
time) and walks it newest first, stopping at its window. Triggers copy both when a tag is
added and when the episode changes, so no write path has to remember them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def _listed(row: str) -> str:
    """lookups.is_live without the time: the time is compared when a page is asked."""
    return (
        f"CASE WHEN {row}.status IN ('published', 'scheduled') AND {row}.deleted_at IS NULL "
        f"THEN {row}.published_at END"
    )


CHANGES = "UPDATE OF status, published_at, deleted_at, show_id ON episodes"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER episode_topics_listed AFTER INSERT ON episode_topics BEGIN "
    f"UPDATE episode_topics SET (show_id, listed_at) = (SELECT show_id, {_listed('episodes')} "
    "FROM episodes WHERE id = new.episode_id) "
    "WHERE episode_id = new.episode_id AND topic_id = new.topic_id; END",
    f"CREATE TRIGGER episode_topic_listing AFTER {CHANGES} BEGIN "
    f"UPDATE episode_topics SET show_id = new.show_id, listed_at = {_listed('new')} "
    "WHERE episode_id = new.id; END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION episode_topics_listed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"SELECT show_id, {_listed('episodes')} INTO NEW.show_id, NEW.listed_at "
    "FROM episodes WHERE id = NEW.episode_id; RETURN NEW; END $$",
    "CREATE TRIGGER episode_topics_listed BEFORE INSERT OR UPDATE OF episode_id "
    "ON episode_topics FOR EACH ROW EXECUTE FUNCTION episode_topics_listed()",
    "CREATE FUNCTION episode_topic_listing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"UPDATE episode_topics SET show_id = NEW.show_id, listed_at = {_listed('NEW')} "
    "WHERE episode_id = NEW.id; RETURN NULL; END $$",
    f"CREATE TRIGGER episode_topic_listing AFTER {CHANGES} FOR EACH ROW "
    "EXECUTE FUNCTION episode_topic_listing()",
]
TRIGGERS = (("episode_topic_listing", "episodes"), ("episode_topics_listed", "episode_topics"))


def upgrade() -> None:
    with op.batch_alter_table("episode_topics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_id", sa.Integer()))
        batch_op.add_column(sa.Column("listed_at", sa.DateTime(timezone=True)))
    op.execute(
        f"UPDATE episode_topics SET (show_id, listed_at) = (SELECT show_id, {_listed('episodes')} "
        "FROM episodes WHERE episodes.id = episode_topics.episode_id)"
    )
    with op.batch_alter_table("episode_topics", schema=None) as batch_op:
        batch_op.create_index(
            "ix_episode_topics_listed",
            ["topic_id", "listed_at", "episode_id", "show_id"],
            unique=False,
        )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    if sqlite:
        # The planner needs the new index's figures to prefer it (db._gather_statistics).
        op.execute("ANALYZE episode_topics")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    with op.batch_alter_table("episode_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_episode_topics_listed")
        batch_op.drop_column("listed_at")
        batch_op.drop_column("show_id")
