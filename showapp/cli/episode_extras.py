"""Commands for an episode's extras: chapters, transcripts, soundbites, and re-tagging or
replacing its audio (the same as the studio's pages, for scripts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.errors import ShowappError
from showapp.models import Episode, EpisodeStatus
from showapp.services.wording import counted
from showapp.storage import storage_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session  # noqa: TID251 - only for annotations

EPISODE_HELP = "EPISODE is show-slug/episode-slug."
T = TypeVar("T")


def init_app(app: Flask) -> None:
    for command in (chapters_group, transcript_group, soundbite_group):
        app.cli.add_command(command)


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    db.check_migrated(app)
    return app


def _episode(session: Session, reference: str) -> Episode:
    from showapp.services.catalog import episode_documents

    show_slug, _, episode_slug = reference.partition("/")
    episode = (
        episode_documents.get_episode(session, show_slug, episode_slug) if episode_slug else None
    )
    if episode is None:
        raise click.ClickException(f"No episode '{reference}'. {EPISODE_HELP}")
    return episode


def commit_and_retag(app: Flask, session: Session, episode: Episode) -> None:
    """Commit; a public episode's audio file is first re-tagged so it carries the change."""
    from showapp.services.audio import retagging

    if episode.status == EpisodeStatus.DRAFT or episode.audio_file is None:
        session.commit()
        return
    storage = storage_of(app)
    with retagging.tag_episode_audio(session, episode, storage, app.config["BASE_URL"]):
        session.commit()


def _change_episode(reference: str, change: Callable[[Session, Episode], T]) -> T:
    """Run `change` on the episode named EPISODE and commit, or stop with its message."""
    with db.new_session(_app()) as session:
        found = _episode(session, reference)
        try:
            result = change(session, found)
        except ShowappError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
    return result


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.group("chapters")
def chapters_group() -> None:
    """Episode chapters."""


@chapters_group.command("import")
@click.argument("episode")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--from-audio", is_flag=True, help="Read the chapters stored in the audio file.")
@with_appcontext
def import_chapters(episode: str, file: Path | None, from_audio: bool) -> None:
    """Replace chapters from a Podcasting 2.0 JSON FILE (or the audio's own chapters)."""
    from showapp.services.catalog import chapters

    if (file is None) == (not from_audio):
        raise click.UsageError("Give a JSON chapters FILE or --from-audio (not both).")
    app = _app()
    with db.new_session(app) as session:
        found = _episode(session, episode)
        try:
            if file is not None:
                stored = chapters.import_json_chapters(session, found, file.read_bytes())
            else:
                stored = chapters.import_audio_chapters(session, found, storage_of(app))
            commit_and_retag(app, session, found)
        except ShowappError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Stored {counted(len(stored), 'chapter')} for {episode}.")


@click.group("transcript")
def transcript_group() -> None:
    """Episode transcripts."""


@transcript_group.command("add")
@click.argument("episode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", default="en", show_default=True, help="Language code, e.g. pt-BR.")
@with_appcontext
def add_transcript(episode: str, file: Path, language: str) -> None:
    """Add (or replace) a WebVTT or SRT transcript. EPISODE is show-slug/episode-slug."""
    from showapp.services.catalog import transcripts

    stored, warnings = _change_episode(
        episode,
        lambda session, found: transcripts.add_transcript(
            session, found, file.read_bytes(), filename=file.name, language=language
        ),
    )
    _warn(warnings)
    click.echo(f"Stored the {stored.language} transcript ({stored.format}) for {episode}.")


@click.group("soundbite")
def soundbite_group() -> None:
    """Episode soundbites."""


@soundbite_group.command("add")
@click.argument("episode")
@click.option("--start", type=float, required=True, help="Seconds from the start.")
@click.option("--duration", type=float, required=True, help="Seconds (15-120 recommended).")
@click.option("--title", default="")
@with_appcontext
def add_soundbite(episode: str, start: float, duration: float, title: str) -> None:
    """Mark a soundbite. EPISODE is show-slug/episode-slug."""
    from showapp.services.catalog import soundbites

    _soundbite, warnings = _change_episode(
        episode,
        lambda session, found: soundbites.add_soundbite(
            session, found, start=start, duration=duration, title=title
        ),
    )
    _warn(warnings)
    click.echo(f"Marked a {duration:g} s soundbite at {start:g} s in {episode}.")


@click.command("tag")
@click.argument("episode")
@with_appcontext
def tag_episode(episode: str) -> None:
    """Write the episode's metadata and chapters into a new copy of its audio file."""
    from showapp.services.audio import retagging

    app = _app()
    with db.new_session(app) as session:
        found = _episode(session, episode)
        try:
            with retagging.tag_episode_audio(
                session, found, storage_of(app), app.config["BASE_URL"]
            ):
                session.commit()
        except ShowappError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Tagged {episode}: now served as /media/{found.audio_file}")


@click.command("replace-audio")
@click.argument("episode")
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--allow-duplicate", is_flag=True, help="Use it even if another episode has the same audio."
)
@with_appcontext
def replace_audio(episode: str, audio: Path, allow_duplicate: bool) -> None:
    """Give an episode new audio: new file and media URL, same GUID, length and size updated."""
    from showapp.services.audio import files as audio_files
    from showapp.services.audio import retagging

    app = _app()
    storage = storage_of(app)
    with db.new_session(app) as session:
        found = _episode(session, episode)
        show_slug = episode.partition("/")[0]
        try:
            with (
                audio.open("rb") as stream,
                audio_files.staged_audio(stream, storage, show_slug, audio.name) as staged,
            ):
                retagging.check_replacement(
                    session, found, staged.sha256, allow_duplicate=allow_duplicate
                )
                with retagging.replace_audio(
                    session, found, staged, storage, app.config["BASE_URL"]
                ):
                    session.commit()
        except retagging.DuplicateAudio as error:
            raise click.ClickException(f"{error} Add --allow-duplicate to use it anyway.") from None
        except ShowappError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"Replaced the audio of {episode}: {found.duration_seconds:.0f} s, "
        f"{found.audio_bytes} bytes, now /media/{found.audio_file}"
    )
