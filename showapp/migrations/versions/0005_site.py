"""the public site: subscribe links, listing indexes and the search index

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

SUBSCRIBE_COLUMNS = (
    "apple_podcasts_url",
    "spotify_url",
    "overcast_url",
    "pocket_casts_url",
    "antennapod_url",
)

# What search matches; the PostgreSQL index and query must use this exact expression.
PG_DOCUMENT = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', guests || ' ' || topics), 'B') || "
    "setweight(to_tsvector('english', body || ' ' || transcript), 'C')"
)

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, guests, topics, transcript, "
    "content='search_documents', content_rowid='episode_id', tokenize='porter unicode61')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts(rowid, title, body, guests, topics, transcript) VALUES "
    "(new.episode_id, new.title, new.body, new.guests, new.topics, new.transcript); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, guests, topics, transcript) VALUES "
    "('delete', old.episode_id, old.title, old.body, old.guests, old.topics, old.transcript); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, guests, topics, transcript) VALUES "
    "('delete', old.episode_id, old.title, old.body, old.guests, old.topics, old.transcript); "
    "INSERT INTO search_fts(rowid, title, body, guests, topics, transcript) VALUES "
    "(new.episode_id, new.title, new.body, new.guests, new.topics, new.transcript); END",
]


def upgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        for name in SUBSCRIBE_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.String(length=255), server_default="", nullable=False)
            )
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_episodes_show_listing", ["show_id", "published_at", "id", "status"], unique=False
        )
    with op.batch_alter_table("episode_topics", schema=None) as batch_op:
        batch_op.create_index("ix_episode_topics_topic", ["topic_id", "episode_id"], unique=False)
    op.create_table(
        "search_documents",
        sa.Column("episode_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("guests", sa.Text(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["episode_id"], ["episodes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("episode_id"),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_documents_show_id"), ["show_id"], unique=False)
    op.create_table(
        "site_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO site_revision (id, revision) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(
            f"CREATE INDEX search_fts_document ON search_documents USING gin (({PG_DOCUMENT}))"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("search_fts_au", "search_fts_ad", "search_fts_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS search_fts_document")
    op.drop_table("site_revision")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_show_id"))
    op.drop_table("search_documents")
    with op.batch_alter_table("episode_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_episode_topics_topic")
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_show_listing")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        for name in reversed(SUBSCRIBE_COLUMNS):
            batch_op.drop_column(name)
