"""Deleting episodes: the confirmation page, the show's trash, restoring and purging.

Deleting moves an episode to the trash (services/catalog/trash.py), which takes it out of
every public place at once; hosts restore it from the trash page for TRASH_DAYS, after which
`showapp trash purge` removes it for good. "Delete forever" on the trash page purges at once.
Like a topic's delete, each destructive step is asked for twice: the first request shows what
goes, the post with ``confirm`` does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.models import Episode
from showapp.services.catalog import trash
from showapp.storage import current_storage
from showapp.studio import bp, current_episode, current_show, redirect_303


@bp.route("/shows/<show_slug>/episodes/<int:episode_id>/delete", methods=["GET", "POST"])
def delete_episode(show_slug: str, episode_id: int) -> ResponseReturnValue:
    """Move the episode to the trash; GET (or a post without ``confirm``) only asks."""
    session = get_session()
    episode = current_episode(episode_id)
    if request.method == "GET" or not request.form.get("confirm"):
        return render_template(
            "studio/confirm_delete_episode.html",
            show=current_show(),
            episode=episode,
            losses=trash.episode_losses(session, episode),
            days=trash.TRASH_DAYS,
        )
    trash.trash_episode(session, episode)
    session.commit()
    flash(
        f"Moved '{episode.title}' to the trash: it is off the site and the feeds. "
        f"You can restore it for {trash.TRASH_DAYS} days.",
        "info",
    )
    return redirect_303(url_for("studio.list_episodes", show_slug=show_slug))


@dataclass(frozen=True)
class TrashEntry:
    """One row of a trash page (templates/studio/_macros.html trash_table)."""

    name: str
    deleted_at: datetime | None
    purge_on: datetime | None
    restore_url: str
    purge_url: str
    key: str  # makes the buttons' ids unique on the page


@bp.get("/shows/<show_slug>/trash")
def show_trash(show_slug: str) -> ResponseReturnValue:
    episodes = trash.list_trashed_episodes(get_session(), current_show())
    entries = [
        TrashEntry(
            episode.title,
            episode.deleted_at,
            trash.purge_date(episode),
            url_for("studio.restore_episode", show_slug=show_slug, trashed_id=episode.id),
            url_for("studio.purge_episode", show_slug=show_slug, trashed_id=episode.id),
            str(episode.id),
        )  # fmt: skip
        for episode in episodes
    ]
    return render_template("studio/trash.html", show=current_show(), entries=entries,
                           days=trash.TRASH_DAYS)  # fmt: skip


@bp.post("/shows/<show_slug>/trash/<int:trashed_id>/purge")
def purge_episode(show_slug: str, trashed_id: int) -> ResponseReturnValue:
    """Delete forever; the first post only asks. Files go after the commit."""
    session = get_session()
    episode = _trashed_or_404(trashed_id)
    if not request.form.get("confirm"):
        return render_template(
            "studio/confirm_purge_episode.html",
            show=current_show(),
            episode=episode,
            losses=trash.episode_losses(session, episode),
        )
    files = trash.purge_episode(session, episode)
    return finish_purge(files, f"Deleted '{episode.title}' for good.",
                        url_for("studio.show_trash", show_slug=show_slug))  # fmt: skip


@bp.post("/shows/<show_slug>/trash/<int:trashed_id>/restore")
def restore_episode(show_slug: str, trashed_id: int) -> ResponseReturnValue:
    session = get_session()
    episode = _trashed_or_404(trashed_id)
    trash.restore_episode(session, episode)
    session.commit()
    flash(f"Restored '{episode.title}' as it was, with the same address and GUID.", "info")
    return redirect_303(url_for("studio.edit_episode", show_slug=show_slug, episode_id=episode.id))


def finish_purge(files: list[str], message: str, target: str) -> ResponseReturnValue:
    """Commit a purge, then remove its files: a failed commit never loses a file whose row
    survived."""
    get_session().commit()
    trash.remove_files(current_storage(), files)
    flash(message, "info")
    return redirect_303(target)


def _trashed_or_404(episode_id: int) -> Episode:
    found = trash.get_trashed_episode(get_session(), current_show(), episode_id)
    if found is None:
        abort(404, "This show's trash has no such episode.")
    return found
