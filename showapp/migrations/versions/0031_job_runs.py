"""job runs: background jobs' state, attempts and last error, for the studio's jobs page

Revision ID: 0031
Revises: 0028
Create Date: 2026-12-06 09:40:00

The queue lives in the job library's store (SQLite file or Redis); this table is what the
studio shows and what tells a running job from one whose worker was killed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=512), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "queued",
                "running",
                "retrying",
                "done",
                "failed",
                name="jobstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_runs_task", "job_runs", ["task"])
    op.create_index("ix_job_runs_show_id", "job_runs", ["show_id"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_show_id", table_name="job_runs")
    op.drop_index("ix_job_runs_task", table_name="job_runs")
    op.drop_table("job_runs")
