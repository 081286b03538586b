"""merge the six branches the history grew into one head

Revision ID: 0014
Revises: 0005, 0007, 0009, 0010, 0011, 0013
Create Date: 2026-12-06 05:00:00

The early migrations were written side by side and each revised 0001 (or a sibling), which
left six heads. Installs already carry those ids in alembic_version, so the history is merged
rather than rebased: an install at the six heads upgrades to this revision and changes no
table. New migrations revise this one. (There never was a 0008.)
"""

from __future__ import annotations

revision = "0014"
down_revision = ("0005", "0007", "0009", "0010", "0011", "0013")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
