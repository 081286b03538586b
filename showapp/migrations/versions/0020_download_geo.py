"""download figures: bytes sent, country, and days in each show's time zone

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 06:40:00

media_requests keep the bytes the app actually sent (None behind X-Accel) and the country of
the address; downloads and daily_downloads gain the country, and the daily key includes it.
Existing downloads keep their figures; their days move to the show's time zone (downloads
counted before this have UTC days) and the daily rows are rebuilt from them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

DAILY_KEY = ["day", "episode_id", "app", "platform", "source"]


def upgrade() -> None:
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bytes_sent", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(2), nullable=False, server_default=""))
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(2), nullable=False, server_default=""))
    with op.batch_alter_table("daily_downloads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(2), nullable=False, server_default=""))
        batch_op.drop_constraint("uq_daily_downloads_key", type_="unique")
        batch_op.create_unique_constraint("uq_daily_downloads_key", [*DAILY_KEY, "country"])
    _local_days()


def _local_days() -> None:
    """Move each download to its show's local day, then rebuild the daily rows from them."""
    bind = op.get_bind()
    shows = bind.execute(sa.text("SELECT id, timezone FROM shows")).all()
    for show_id, zone_name in shows:
        try:
            zone = ZoneInfo(zone_name or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            continue
        if zone.key == "UTC":
            continue
        rows = bind.execute(
            sa.text(
                "SELECT d.id, d.counted_at FROM downloads d "
                "JOIN episodes e ON e.id = d.episode_id WHERE e.show_id = :show"
            ),
            {"show": show_id},
        ).all()
        updates = [{"id": id_, "day": _local(at, zone)} for id_, at in rows]
        if updates:
            bind.execute(sa.text("UPDATE downloads SET day = :day WHERE id = :id"), updates)
    bind.execute(sa.text("DELETE FROM daily_downloads"))
    columns = ", ".join([*DAILY_KEY, "country"])
    bind.execute(
        sa.text(
            f"INSERT INTO daily_downloads ({columns}, downloads) "
            f"SELECT {columns}, COUNT(*) FROM downloads GROUP BY {columns}"
        )
    )


def _local(at: object, zone: ZoneInfo) -> date:
    # SQLite hands back text, PostgreSQL an aware datetime; both are UTC.
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    assert isinstance(moment, datetime)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def downgrade() -> None:
    with op.batch_alter_table("daily_downloads", schema=None) as batch_op:
        batch_op.drop_constraint("uq_daily_downloads_key", type_="unique")
        batch_op.drop_column("country")
    bind = op.get_bind()
    columns = ", ".join(DAILY_KEY)
    # Without countries several rows share a key: sum them back into one.
    bind.execute(sa.text("DELETE FROM daily_downloads"))
    bind.execute(
        sa.text(
            f"INSERT INTO daily_downloads ({columns}, downloads) "
            f"SELECT {columns}, COUNT(*) FROM downloads GROUP BY {columns}"
        )
    )
    with op.batch_alter_table("daily_downloads", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_daily_downloads_key", DAILY_KEY)
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_column("country")
    with op.batch_alter_table("media_requests", schema=None) as batch_op:
        batch_op.drop_column("country")
        batch_op.drop_column("bytes_sent")
