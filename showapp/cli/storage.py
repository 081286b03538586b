"""`showapp storage move --to s3|local`: carry an install's files to the other backend."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.services.stored_files import named_files
from showapp.services.wording import counted
from showapp.storage import make_storage, storage_of
from showapp.storage.move import move_files


@click.group("storage")
def storage_group() -> None:
    """Where media, artwork and copied files are stored (SHOWAPP_STORAGE)."""


@storage_group.command("move")
@click.option("--to", "to", type=click.Choice(["s3", "local"]), required=True)
@click.option("--verify", is_flag=True, help="Only check that the target holds every file.")
@with_appcontext
def move_command(to: str, verify: bool) -> None:
    """Copy every file the database names, and everything else in the current storage, to
    the other backend (both configured by the SHOWAPP_S3_* settings and
    SHOWAPP_EPISODES_DIR). Safe to run again: files already there with the same sha256 are
    skipped; each copy is read back and checked. Nothing is deleted. Then set
    SHOWAPP_STORAGE to the new backend and restart."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    source = storage_of(app)
    if source.kind == to:
        raise click.ClickException(f"SHOWAPP_STORAGE is {to} already: nothing to move.")
    if to == "s3" and not app.config["S3_BUCKET"]:
        raise click.ClickException("Set SHOWAPP_S3_BUCKET (and the other SHOWAPP_S3_* settings).")
    target = make_storage({**app.config, "STORAGE": to})
    with db.new_session(app) as session:
        names = named_files(session)
    names |= set(source.names(""))
    report = move_files(source, target, names, verify_only=verify)
    copied = "" if verify else f"{report.copied} copied and checked, "
    click.echo(
        f"{counted(len(names), 'file')}: {copied}{report.already_there} on {to} with the same "
        f"sha256, {len(report.different)} different, {len(report.absent)} not on {to}, "
        f"{len(report.missing)} missing from the current storage."
    )
    for label, found in (
        ("missing", report.missing), (f"not on {to}", report.absent),
        (f"differs on {to}", report.different), ("copy does not match (sha256)", report.failed),
    ):  # fmt: skip
        for name in found:
            click.echo(f"{label}: {name}")
    if not report.ok:
        raise click.ClickException("Some files are not on the target with the same bytes.")
