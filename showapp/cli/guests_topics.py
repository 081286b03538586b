"""`showapp guest merge` and `showapp topic merge`: the studio's merges, for scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from showapp import db
from showapp.errors import ShowappError
from showapp.services.catalog import guests_topics
from showapp.services.wording import counted


def init_app(app: Flask) -> None:
    app.cli.add_command(_merge_group(
        "guest", guests_topics.get_guest, guests_topics.merge_guests,
        ("appearance", "{moved} moved, {combined} combined with ones {keep} already had."),
    ))  # fmt: skip
    app.cli.add_command(_merge_group(
        "topic", guests_topics.get_topic, guests_topics.merge_topics,
        ("episode", "{moved} moved, {combined} already had {keep}."),
    ))  # fmt: skip


def _merge_group(
    kind: str, find: Callable[..., Any], merge: Callable[..., Any], note: tuple[str, str]
) -> click.Group:
    group = click.Group(kind, help=f"{kind.capitalize()}s.")

    @group.command("merge")
    @click.argument("keep")
    @click.argument("other")
    @with_appcontext
    def merge_command(keep: str, other: str) -> None:
        report = _merge(kind, keep, other, find, merge)
        moved = note[1].format(
            moved=counted(report.moved, note[0]), combined=report.combined, keep=keep
        )
        click.echo(f"Merged {other} into {keep}: {moved}")

    merge_command.help = f"Merge {kind} OTHER into KEEP (slugs); OTHER's address redirects to KEEP."
    return group


def _merge(
    kind: str, keep: str, other: str, find: Callable[..., Any], merge: Callable[..., Any]
) -> Any:
    """Look both slugs up, merge OTHER into KEEP and commit; the report says what moved."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with db.new_session(app) as session:
        kept, merged = find(session, keep), find(session, other)
        if kept is None or merged is None:
            raise click.ClickException(f"No {kind} '{keep if kept is None else other}'.")
        try:
            report = merge(session, kept, merged)
        except ShowappError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
    return report
