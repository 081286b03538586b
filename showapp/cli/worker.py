"""`showapp worker`: run background jobs in the foreground, for production.

Beside gunicorn (whose web workers only enqueue), one or more of these take jobs from the
queue; SIGINT or SIGTERM stops it after the jobs in hand (huey's consumer owns the signals).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp.jobs import get_jobs


@click.command("worker")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Threads (default SHOWAPP_JOBS_WORKERS)."
)
@click.option(
    "--periodic/--no-periodic",
    default=True,
    help="Also run scheduled work (rollups). With several workers, leave it on in one only.",
)
@with_appcontext
def worker_command(workers: int | None, periodic: bool) -> None:
    """Run background jobs: imports, pings, download figures; until stopped."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = get_jobs(app)
    if jobs.kind == "immediate":
        raise click.ClickException("SHOWAPP_JOBS=immediate runs jobs where they are enqueued.")
    click.echo(f"Taking jobs from the {jobs.kind} queue {app.config['JOBS_QUEUE']!r}.", err=True)
    jobs.run_consumer(workers, periodic)
