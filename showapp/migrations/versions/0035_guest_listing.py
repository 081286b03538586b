"""guest listing: credits carry their episode's listing, guests their first live time

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 04:00:00

The guest directory lists the guests heard in a live episode, A to Z, with a count. Whether a
guest was heard lived only on the episode rows, so every view grouped every live credit of the
network by guest and sorted the result: 106 ms at 100,000 episodes (150,000 credits), for any
page of it. With the first listed time on the guest (the earliest publication time among their
credits on episodes published or scheduled, not in the trash, of a show not in the trash), a
guest is public once that time has come, and the page walks an index of names, stopping at its
window, and counts inside an index of those times. The credits get the same listed time and
show as the tags (migration 0034), so the count of each listed guest's episodes reads an index.

Triggers keep the three in step, so no write path has to remember them:
- a credit takes its episode's show and listed time when it is added or moved;
- an episode's status, time, trash or show change its credits' copies;
- a credit added, moved to another guest (a merge), changed or removed sets its guest's time
  again (and the former guest's), and so does a show's trash or restore for its guests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def _listed(row: str) -> str:
    """lookups.is_live without the time, as migration 0034's: compared when a page is asked."""
    return (
        f"CASE WHEN {row}.status IN ('published', 'scheduled') AND {row}.deleted_at IS NULL "
        f"THEN {row}.published_at END"
    )


def _first_listed(guest: str) -> str:
    """A guest's earliest listed credit outside the shows in the trash (NULL: none)."""
    return (
        "(SELECT min(credit.listed_at) FROM appearances AS credit "
        f"WHERE credit.guest_id = {guest} "
        "AND credit.show_id NOT IN (SELECT id FROM shows WHERE deleted_at IS NOT NULL))"
    )


# Rows whose copy would not change are not written: on PostgreSQL an UPDATE locks the rows
# it writes, and two hosts crediting the same guests (most credits leave a guest's first
# listed time as it was) would wait on each other, or deadlock. SQLite's IS NOT is the same
# null-safe comparison as IS DISTINCT FROM, which it only learnt in 3.39.
SQLITE_DIFFERS, POSTGRESQL_DIFFERS = "IS NOT", "IS DISTINCT FROM"


def _set_first_listed(guest: str, differs: str, when: str = "1 = 1") -> str:
    first = _first_listed(guest)
    return (
        f"UPDATE guests SET listed_since = {first} "
        f"WHERE id = {guest} AND listed_since {differs} {first} AND {when}"
    )


def _set_first_listed_of_show(show: str, differs: str) -> str:
    first = _first_listed("guests.id")
    return (
        f"UPDATE guests SET listed_since = {first} "
        f"WHERE id IN ({GUESTS_OF_SHOW.format(show=show)}) AND listed_since {differs} {first}"
    )


def _copy_to_credits(row: str, differs: str) -> str:
    listed = _listed(row)
    return (
        f"UPDATE appearances SET show_id = {row}.show_id, listed_at = {listed} "
        f"WHERE episode_id = {row}.id "
        f"AND (show_id {differs} {row}.show_id OR listed_at {differs} {listed})"
    )


EPISODE_CHANGES = "UPDATE OF status, published_at, deleted_at, show_id ON episodes"
CREDIT_COLUMNS = "listed_at, show_id, guest_id"
SHOW_TRASH = "UPDATE OF deleted_at ON shows"
GUESTS_OF_SHOW = "SELECT guest_id FROM appearances WHERE show_id = {show}"

# SQLite: an UPDATE made by a trigger fires the other tables' and columns' triggers, so a
# credit's new copy sets its guest's time through appearance_guest_listing.
COPY_FROM_EPISODE = (
    f"UPDATE appearances SET (show_id, listed_at) = (SELECT show_id, {_listed('episodes')} "
    "FROM episodes WHERE id = new.episode_id) WHERE id = new.id"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER appearances_listed AFTER INSERT ON appearances BEGIN {COPY_FROM_EPISODE}; END",
    "CREATE TRIGGER appearances_moved AFTER UPDATE OF episode_id ON appearances BEGIN "
    f"{COPY_FROM_EPISODE}; END",
    f"CREATE TRIGGER episode_appearance_listing AFTER {EPISODE_CHANGES} BEGIN "
    f"{_copy_to_credits('new', SQLITE_DIFFERS)}; END",
    f"CREATE TRIGGER appearance_guest_listing AFTER UPDATE OF {CREDIT_COLUMNS} ON appearances "
    "BEGIN "
    f"{_set_first_listed('new.guest_id', SQLITE_DIFFERS)}; "
    f"{_set_first_listed('old.guest_id', SQLITE_DIFFERS, 'old.guest_id <> new.guest_id')}; END",
    "CREATE TRIGGER appearance_guest_unlisting AFTER DELETE ON appearances BEGIN "
    f"{_set_first_listed('old.guest_id', SQLITE_DIFFERS)}; END",
    f"CREATE TRIGGER show_guest_listing AFTER {SHOW_TRASH} BEGIN "
    f"{_set_first_listed_of_show('new.id', SQLITE_DIFFERS)}; END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION appearances_listed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"SELECT show_id, {_listed('episodes')} INTO NEW.show_id, NEW.listed_at "
    "FROM episodes WHERE id = NEW.episode_id; RETURN NEW; END $$",
    "CREATE TRIGGER appearances_listed BEFORE INSERT OR UPDATE OF episode_id "
    "ON appearances FOR EACH ROW EXECUTE FUNCTION appearances_listed()",
    "CREATE FUNCTION episode_appearance_listing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_copy_to_credits('NEW', POSTGRESQL_DIFFERS)}; RETURN NULL; END $$",
    f"CREATE TRIGGER episode_appearance_listing AFTER {EPISODE_CHANGES} FOR EACH ROW "
    "EXECUTE FUNCTION episode_appearance_listing()",
    "CREATE FUNCTION appearance_guest_listing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'DELETE' THEN {_set_first_listed('NEW.guest_id', POSTGRESQL_DIFFERS)}; "
    "END IF; IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.guest_id <> NEW.guest_id) THEN "
    f"{_set_first_listed('OLD.guest_id', POSTGRESQL_DIFFERS)}; END IF; "
    "RETURN NULL; END $$",
    # A column's trigger does not see a BEFORE trigger's change: a moved credit's new copy
    # comes from appearances_listed, so the move itself sets the guest's time.
    "CREATE TRIGGER appearance_guest_listing AFTER INSERT OR DELETE OR "
    f"UPDATE OF {CREDIT_COLUMNS}, episode_id ON appearances "
    "FOR EACH ROW EXECUTE FUNCTION appearance_guest_listing()",
    "CREATE FUNCTION show_guest_listing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_set_first_listed_of_show('NEW.id', POSTGRESQL_DIFFERS)}; RETURN NULL; END $$",
    f"CREATE TRIGGER show_guest_listing AFTER {SHOW_TRASH} FOR EACH ROW "
    "EXECUTE FUNCTION show_guest_listing()",
]
TRIGGERS = (
    ("appearances_listed", "appearances"),
    ("appearances_moved", "appearances"),
    ("episode_appearance_listing", "episodes"),
    ("appearance_guest_listing", "appearances"),
    ("appearance_guest_unlisting", "appearances"),
    ("show_guest_listing", "shows"),
)


def upgrade() -> None:
    with op.batch_alter_table("appearances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_id", sa.Integer()))
        batch_op.add_column(sa.Column("listed_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed_since", sa.DateTime(timezone=True)))
    op.execute(
        f"UPDATE appearances SET (show_id, listed_at) = (SELECT show_id, {_listed('episodes')} "
        "FROM episodes WHERE episodes.id = appearances.episode_id)"
    )
    op.execute(f"UPDATE guests SET listed_since = {_first_listed('guests.id')}")
    op.create_index(
        "ix_appearances_listed", "appearances", ["guest_id", "listed_at", "show_id", "episode_id"]
    )
    # The directory walks the names in order and counts by time, both without the trash.
    not_trashed = sa.text("deleted_at IS NULL")
    op.create_index(
        "ix_guests_directory",
        "guests",
        [sa.text("lower(name)"), "id", "listed_since"],
        sqlite_where=not_trashed,
        postgresql_where=not_trashed,
    )
    op.create_index(
        "ix_guests_listed_since",
        "guests",
        ["listed_since"],
        sqlite_where=not_trashed,
        postgresql_where=not_trashed,
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_TRIGGERS if sqlite else POSTGRESQL_TRIGGERS:
        op.execute(statement)
    if sqlite:
        # The planner needs the new indexes' figures to prefer them (db._gather_statistics).
        op.execute("ANALYZE appearances")
        op.execute("ANALYZE guests")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger, table in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    op.drop_index("ix_guests_listed_since", table_name="guests")
    op.drop_index("ix_guests_directory", table_name="guests")
    op.drop_index("ix_appearances_listed", table_name="appearances")
    with op.batch_alter_table("guests", schema=None) as batch_op:
        batch_op.drop_column("listed_since")
    with op.batch_alter_table("appearances", schema=None) as batch_op:
        batch_op.drop_column("listed_at")
        batch_op.drop_column("show_id")
