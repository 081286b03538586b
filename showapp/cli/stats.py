"""`showapp stats ...`: roll up download figures (for cron) and refresh the OPAWG lists."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.services.audio.files import remove_leftover_parts
from showapp.services.stats import rollups, useragents
from showapp.services.wording import counted
from showapp.storage import storage_of


@click.group("stats")
def stats_group() -> None:
    """Download statistics."""


@stats_group.command("rollup")
@with_appcontext
def rollup_command() -> None:
    """Count new media requests as downloads and update the daily figures (safe to rerun)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    recorder = app.extensions.get("showapp.recorder")
    if recorder is not None:
        recorder.flush()
    with db.new_session(app) as session:
        report = rollups.rollup(session, int(app.config["STATS_KEEP_REQUESTS_DAYS"]))
        session.commit()
    click.echo(
        f"Read {counted(report.requests_read, 'new request')}; "
        f"rebuilt {counted(report.days_rebuilt, 'day')} of figures."
    )
    # Run from cron, so a long-running server also loses what killed uploads left behind.
    removed = remove_leftover_parts(storage_of(app).staging_dir(""))
    if removed:
        click.echo(f"Removed {counted(len(removed), 'file')} left behind by interrupted uploads.")


@stats_group.command("refresh-useragents")
@click.option(
    "--from",
    "source",
    default=useragents.UPSTREAM_URL,
    show_default=True,
    help="A folder or base URL holding bots.json, apps.json, ... (OPAWG user-agents-v2 src/).",
)
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=useragents.DATA_DIR,
    help="The folder of lists to replace (default: the copy shipped in the package).",
)
def refresh_useragents_command(source: str, target: Path) -> None:
    """Replace the shipped OPAWG user-agent lists with a newer copy."""
    try:
        written = useragents.refresh(source, target)
    except (OSError, ValueError) as error:
        raise click.ClickException(f"Lists not refreshed: {error}") from error
    click.echo(f"Updated {', '.join(written)} in {target}")
