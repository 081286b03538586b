"""`showapp trash purge`: delete for good the episodes and guests that have been in the trash
too long (for cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.services.catalog import guest_trash, show_trash, trash
from showapp.services.wording import counted
from showapp.storage import storage_of


@click.group("trash")
def trash_group() -> None:
    """Deleted episodes, guests and shows."""


@trash_group.command("purge")
@with_appcontext
def purge_command() -> None:
    """Purge episodes, guests and shows deleted more than 30 days ago (safe to run again). An
    episode's content and files go, its GUID stays retired and its counted downloads stay in
    the totals; a guest goes with their credits and photo, their episodes stay; a show goes
    with its episodes (tombstones, as for episodes) and files, and frees its address."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = storage_of(app)
    with db.new_session(app) as session:
        shows, show_files = show_trash.purge_due(session, storage)
        purged, files = trash.purge_due(session)
        guests, photos = guest_trash.purge_due(session)
        session.commit()
    # Only now that the rows are committed: a purge that failed keeps every file.
    removed = trash.remove_files(storage, show_files + files + photos)
    click.echo(
        f"Purged {counted(purged, 'episode')}, {counted(guests, 'guest')} and "
        f"{counted(shows, 'show')} from the trash; removed {counted(removed, 'file')}."
    )
