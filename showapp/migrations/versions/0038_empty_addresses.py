"""Guests and topics with an empty address get one

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 19:10:00

Before names in other scripts were transliterated, a guest or topic named only in letters
slugify dropped ('山田太郎', 'リーダーシップ') was stored with the address '': its page and
feed could not be linked, the OPML failed on it, and every later such name was matched to
it. Each such row gets the transliterated address of its name, or 'guest-<id>' /
'topic-<id>' when the name has no letters at all, made unique with a number.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from slugify import slugify

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    for table, kind in (("guests", "guest"), ("topics", "topic")):
        rows = connection.execute(sa.text(f"SELECT id, name FROM {table} WHERE slug = ''")).all()
        taken = set(connection.execute(sa.text(f"SELECT slug FROM {table}")).scalars())
        for row_id, name in rows:
            base = slugify(name or "", max_length=80) or f"{kind}-{row_id}"
            slug, number = base, 2
            while slug in taken:
                slug, number = f"{base}-{number}", number + 1
            taken.add(slug)
            connection.execute(
                sa.text(f"UPDATE {table} SET slug = :slug WHERE id = :id"),
                {"slug": slug, "id": row_id},
            )


def downgrade() -> None:
    pass  # the empty addresses were a fault: nothing to restore
