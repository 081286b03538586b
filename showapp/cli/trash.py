"""`showapp trash purge`: delete for good what has been in the trash too long (for cron)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.services.catalog import trash


@click.group("trash")
def trash_group() -> None:
    """Deleted episodes."""


@trash_group.command("purge")
@with_appcontext
def purge_command() -> None:
    """Purge episodes deleted more than 30 days ago (safe to run again): their content and
    files go, their GUIDs stay retired and their counted downloads stay in the totals."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with db.new_session(app) as session:
        purged, files = trash.purge_due(session)
        session.commit()
    # Only now that the rows are committed: a purge that failed keeps every file.
    removed = trash.remove_files(Path(app.config["EPISODES_DIR"]), files)
    click.echo(f"Purged {purged} episodes from the trash; removed {removed} files.")
