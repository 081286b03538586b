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
from showapp.cli import serve
from showapp.config import write_secret_key
from showapp.errors import ShowappError
from showapp.services.wording import counted
from showapp.storage import Storage, storage_of


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


# Flask's own `run`, except that links follow the --host and --port it listens on.
cli.add_command(serve.run_command)


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(episode_group)
    from showapp.cli import episode_extras, guests_topics

    episode_extras.init_app(app)
    guests_topics.init_app(app)
    episode_group.add_command(episode_extras.tag_episode)
    episode_group.add_command(episode_extras.replace_audio)
    from showapp.cli.stats import stats_group

    app.cli.add_command(stats_group)
    from showapp.cli.trash import trash_group

    app.cli.add_command(trash_group)
    from showapp.cli.storage import storage_group

    app.cli.add_command(storage_group)
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
    app.cli.add_command(feed_group)
    from showapp.cli.mail import mail_group

    app.cli.add_command(mail_group)
    from showapp.cli.worker import worker_command

    app.cli.add_command(worker_command)


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
    from showapp.services.catalog import show_trash
    from showapp.services.demo import seed as demo_seed

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    with db.new_session(app) as session:
        # A show in the trash counts: the demo never seeds again over one an admin deleted.
        if if_empty and show_trash.any_show(session):
            click.echo("Shows exist already; demo not seeded.")
            return
        report = demo_seed.seed_demo(session, storage_of(app), app.config["BASE_URL"])
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
    "--allow-duplicate", is_flag=True, help="Add it even if the same audio was uploaded before."
)
@click.option(
    "--publish-at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]),
    help="Schedule, e.g. 2026-12-01T09:00+0000.",
)
@with_appcontext
def add_episode_command(audio: Path, **options: Any) -> None:
    """Add an episode from an MP3 or M4A file, reading its length and format with mutagen."""
    from showapp.services.audio import files as audio_files
    from showapp.services.audio import retagging
    from showapp.services.catalog import lookups, writes

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    publish_at: datetime | None = options.pop("publish_at")
    notes_file = options.pop("notes_file")
    publish = options.pop("publish") or publish_at is not None
    allow_duplicate = options.pop("allow_duplicate")
    with db.new_session(app) as session:
        show = lookups.get_show(session, options.pop("show_slug"))
        if show is None:
            _fail("No show has that slug; `showapp demo` creates the demo show.")
        assert show is not None
        # Numbered as the studio's upload numbers it: the show's next, unless given.
        if options["number"] is None:
            options["number"] = writes.next_episode_number(session, show)
        try:
            with (
                audio.open("rb") as stream,
                audio_files.staged_audio(stream, storage_of(app), show.slug, audio.name) as staged,
            ):
                duplicate = retagging.find_by_sha256(session, staged.sha256)
                if duplicate is not None and not allow_duplicate:
                    _fail(
                        retagging.duplicate_message(session, duplicate)
                        + " Add --allow-duplicate to add it again anyway."
                    )
                episode = writes.add_episode(
                    session,
                    show,
                    staged,
                    notes_md=notes_file.read() if notes_file else "",
                    publish_at=publish_at if publish else None,
                    publish=publish,
                    **options,
                )
                staged.keep()
                if publish:
                    # A published file carries its metadata: tag a copy and swap it in.
                    with retagging.tag_episode_audio(
                        session, episode, storage_of(app), app.config["BASE_URL"]
                    ):
                        session.commit()
                else:
                    session.commit()
        except ShowappError as error:
            _fail(str(error))
    click.echo(
        f"Added '{episode.title}' ({episode.status.value}, "
        f"{episode.duration_seconds:.0f} s, {episode.audio_bytes} bytes) as {episode.slug}, "
        f"number {episode.number}"
    )


@click.command("import")
@click.argument("source")
@click.option("--show", "show_slug", help="Import into (or as) the show with this slug.")
@click.option("--download-media", is_flag=True, help="Fetch the audio instead of linking to it.")
@click.option(
    "--probe-media", is_flag=True,
    help="Ask the old host for each linked file's size (fixes lengths, finds dead links).",
)  # fmt: skip
@with_appcontext
def import_command(
    source: str, show_slug: str | None, download_media: bool, probe_media: bool
) -> None:
    """Import a show from a feed URL, a feed file, or an ARCHIVE.zip made by `showapp export`."""
    import tempfile

    from showapp.services.catalog import lookups
    from showapp.services.importing import importer
    from showapp.services.importing.report import ImportLimits

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    storage = storage_of(app)
    with db.new_session(app) as session, tempfile.TemporaryDirectory() as work_dir:
        try:
            report = importer.import_source(
                session, source, work_dir=Path(work_dir), storage=storage,
                site_base_url=app.config["BASE_URL"], show_slug=show_slug,
                limits=ImportLimits(max_archive_bytes=int(app.config["ARCHIVE_MAX_BYTES"])),
            )  # fmt: skip
        except ShowappError as error:
            _fail(str(error))
        session.commit()
        if probe_media and not download_media:
            from showapp.services.importing import probe

            show = lookups.get_show(session, report.show_slug)
            assert show is not None
            probe.probe_linked_audio(session, show, report, ImportLimits())
            session.commit()
        if download_media:
            show = lookups.get_show(session, report.show_slug)
            assert show is not None
            _download_media(session, importer, show, storage, report)
            _download_extras(session, show, storage, report)
    click.echo(report.summary())


def _download_extras(session: Any, show: Any, storage: Storage, report: Any) -> None:
    """Artwork, transcripts and chapters: checked like uploads; what fails stays linked."""
    from showapp.services.importing import media_extras
    from showapp.services.importing.report import ImportLimits

    limits = ImportLimits()
    for copy in (media_extras.copy_artwork, media_extras.copy_linked_files):
        report.problems += copy(session, show, storage, limits)
        session.commit()


def _download_media(session: Any, importer: Any, show: Any, storage: Storage, report: Any) -> None:
    # One commit per file: an interrupted run keeps every finished download.
    for episode_id, title in importer.list_remote_episodes(session, show):
        label = title if len(title) <= 40 else title[:39] + "…"
        with click.progressbar(length=1, label=label, show_pos=True) as bar:

            def advance(done: int, total: int, bar: Any = bar) -> None:
                bar.length = max(total, done, 1)
                bar.update(done - bar.pos)

            try:
                report.warnings += importer.download_episode_audio(
                    session, episode_id, storage=storage, on_progress=advance
                )
                session.commit()
            except importer.MediaGone as error:
                session.commit()  # the episode is a draft now, with the reason
                report.problems.append(f"{label}: {error}")
            except ShowappError as error:
                session.rollback()
                report.problems.append(f"{label}: {error}")


@click.command("export")
@click.argument("show_slug")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--with-review",
    is_flag=True,
    help="Include guest review state: review links, comments and decisions.",
)
@with_appcontext
def export_command(show_slug: str, archive: Path, with_review: bool) -> None:
    """Write SHOW and everything it holds (manifest and media) to ARCHIVE.zip."""
    from showapp.services.importing import archive as archives

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    with db.new_session(app) as session:
        try:
            count = archives.export_show(
                session,
                show_slug,
                storage_of(app),
                archive,
                with_review=with_review,
            )
        except ShowappError as error:
            _fail(str(error))
    click.echo(f"Exported '{show_slug}' with {count} media files to {archive}")


@click.group("feed")
def feed_group() -> None:
    """Check feeds."""


@feed_group.command("check")
@click.argument("show_slug")
@with_appcontext
def feed_check_command(show_slug: str) -> None:
    """List what Apple, Spotify and Podcast Index would reject or warn about in SHOW's feed.

    Exits with status 1 when there is an error (a directory would refuse the feed)."""
    from showapp.services.catalog import lookups
    from showapp.services.feeds.health import feed_health

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _require_migrated(app)
    with db.new_session(app) as session:
        show = lookups.get_show(session, show_slug)
        if show is None:
            _fail(f"No show has the slug '{show_slug}'.")
        assert show is not None
        problems = feed_health(session, show, app.config["BASE_URL"], storage=storage_of(app))
    for problem in problems:
        where = f" [{problem.episode}]" if problem.episode else ""
        click.echo(f"{problem.level.upper()}{where}: {problem.message} {problem.fix}")
    errors = sum(p.level == "error" for p in problems)
    click.echo(f"{counted(errors, 'error')}, {counted(len(problems) - errors, 'warning')}.")
    if errors:
        sys.exit(1)
