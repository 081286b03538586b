"""The `showapp` command line: init, demo, episode add."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from showapp import db
from showapp.config import write_secret_key
from showapp.errors import ShowappError


def _create_app_for_cli() -> Flask:
    from showapp import create_app

    # Whoever runs the CLI administers this install, so a missing instance key is created here
    # (as `showapp init` would); gunicorn and other servers still refuse to start without one.
    if not os.environ.get("SHOWAPP_SECRET_KEY"):
        write_secret_key(Flask("showapp", instance_relative_config=True).instance_path)
    return create_app(check_migrations=False)


@click.group(cls=FlaskGroup, create_app=_create_app_for_cli, add_default_commands=True)
def cli() -> None:
    """Manage a showapp install: migrate, seed the demo, add episodes, run the server."""


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(episode_group)
    app.cli.add_command(feed_group)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("init")
@click.option("--admin-email", help="Create (or reset) this admin user; the password is prompted.")
@with_appcontext
def init_command(admin_email: str | None) -> None:
    """Apply database migrations (safe to run again) and optionally create the first admin."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.upgrade(app)
    click.echo(f"Database is up to date ({_display_url(app.config['DATABASE_URL'])}).")
    if admin_email is None:
        return
    password = os.environ.get("SHOWAPP_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            _fail("No terminal to ask for a password: set SHOWAPP_ADMIN_PASSWORD.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    from showapp.services import accounts

    with db.new_session(app) as session:
        try:
            user = accounts.create_admin(session, admin_email, password)
        except ShowappError as error:
            _fail(str(error))
        session.commit()
        click.echo(f"Admin {user.email} is ready; sign in at {app.config['BASE_URL']}/studio/")


def _require_migrated(app: Flask) -> None:
    try:
        db.check_migrated(app)
    except db.NotMigrated as error:
        _fail(str(error))


def _display_url(url: str) -> str:
    # Never echo a database password to a terminal or a CI log.
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Seed only when the install has no show yet.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Seed the demo network (idempotent): an interview show with audio, guests and topics."""
    from showapp.services import catalog, demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    with db.new_session(app) as session:
        if if_empty and catalog.list_shows(session):
            click.echo("Shows exist already; demo not seeded.")
            return
        report = demo.seed_demo(session, Path(app.config["EPISODES_DIR"]), app.config["BASE_URL"])
        session.commit()
    click.echo(report)


@click.group("episode")
def episode_group() -> None:
    """Work with episodes."""


@episode_group.command("add")
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show", "show_slug", required=True, help="Slug of the show.")
@click.option("--title", required=True)
@click.option("--slug", help="Address of the episode (default: from the title).")
@click.option("--summary", default="")
@click.option("--notes", "notes_file", type=click.File("r"), help="Markdown show notes file.")
@click.option("--guest", "guests", multiple=True, help="Guest name (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Topic name (repeatable).")
@click.option("--season", type=click.IntRange(min=1))
@click.option("--number", type=click.IntRange(min=1))
@click.option("--publish", is_flag=True, help="Publish now (default: save as a draft).")
@click.option(
    "--publish-at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
    help="Schedule, e.g. 2026-12-01T09:00+0000.",
)
@with_appcontext
def add_episode_command(audio: Path, **options: Any) -> None:
    """Add an episode from an MP3 or M4A file, reading its length and format with mutagen."""
    from showapp.services import catalog, media, studio

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    publish_at: datetime | None = options.pop("publish_at")
    notes_file = options.pop("notes_file")
    publish = options.pop("publish") or publish_at is not None
    with db.new_session(app) as session:
        show = catalog.get_show(session, options.pop("show_slug"))
        if show is None:
            _fail("No show has that slug; `showapp demo` creates the demo show.")
        assert show is not None
        try:
            with (
                audio.open("rb") as stream,
                media.staged_audio(
                    stream, Path(app.config["EPISODES_DIR"]), show.slug, audio.name
                ) as staged,
            ):
                episode = studio.add_episode(
                    session,
                    show,
                    staged,
                    notes_md=notes_file.read() if notes_file else "",
                    publish_at=publish_at if publish else None,
                    publish=publish,
                    **options,
                )
                staged.keep()
                session.commit()
        except ShowappError as error:
            _fail(str(error))
    click.echo(
        f"Added '{episode.title}' ({episode.status.value}, "
        f"{episode.duration_seconds:.0f} s, {episode.audio_bytes} bytes) as {episode.slug}"
    )


@click.group("feed")
def feed_group() -> None:
    """Check feeds."""


@feed_group.command("check")
@click.argument("show_slug")
@with_appcontext
def feed_check_command(show_slug: str) -> None:
    """List what Apple, Spotify and Podcast Index would reject or warn about in SHOW's feed.

    Exits with status 1 when there is an error (a directory would refuse the feed)."""
    from showapp.services import catalog
    from showapp.services.feed_health import feed_health

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    with db.new_session(app) as session:
        show = catalog.get_show(session, show_slug)
        if show is None:
            _fail(f"No show has the slug '{show_slug}'.")
        assert show is not None
        problems = feed_health(
            session, show, app.config["BASE_URL"], episodes_dir=Path(app.config["EPISODES_DIR"])
        )
    for problem in problems:
        where = f" [{problem.episode}]" if problem.episode else ""
        click.echo(f"{problem.level.upper()}{where}: {problem.message} {problem.fix}")
    errors = sum(p.level == "error" for p in problems)
    click.echo(f"{errors} errors, {len(problems) - errors} warnings.")
    if errors:
        sys.exit(1)
