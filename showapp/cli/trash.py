"""`showapp trash purge`: delete for good the episodes and guests that have been in the trash
too long (for cron)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.services.catalog import guest_trash, trash
from showapp.services.wording import counted


@click.group("trash")
def trash_group() -> None:
    """Deleted episodes and guests."""


@trash_group.command("purge")
@with_appcontext
def purge_command() -> None:
    """Purge episodes and guests deleted more than 30 days ago (safe to run again). An
    episode's content and files go, its GUID stays retired and its counted downloads stay in
    the totals; a guest goes with their credits and photo, their episodes stay."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with db.new_session(app) as session:
        purged, files = trash.purge_due(session)
        guests, photos = guest_trash.purge_due(session)
        session.commit()
    # Only now that the rows are committed: a purge that failed keeps every file.
    removed = trash.remove_files(Path(app.config["EPISODES_DIR"]), files + photos)
    click.echo(
        f"Purged {counted(purged, 'episode')} and {counted(guests, 'guest')} from the trash; "
        f"removed {counted(removed, 'file')}."
    )
