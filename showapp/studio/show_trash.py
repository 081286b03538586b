"""Deleting shows, for admins: the confirmation page, the Trash page's show list, restoring and
purging.

Deleting moves a show to the trash (services/catalog/show_trash.py): its pages, feeds, media and
episodes leave every public place at once. Admins restore it from /studio/trash for TRASH_DAYS,
after which `showapp trash purge` removes it for good; "Delete forever" does so at once. As with
episodes and guests, each destructive step is asked for twice.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.models import Show
from showapp.services.catalog import show_trash
from showapp.storage import current_storage
from showapp.studio import admin_only, bp, current_show, redirect_303
from showapp.studio.trash import TrashEntry, finish_purge


@bp.route("/shows/<show_slug>/delete", methods=["GET", "POST"])
@admin_only
def delete_show(show_slug: str) -> ResponseReturnValue:
    """Move the show to the trash; GET (or a post without ``confirm``) only asks."""
    session = get_session()
    show = current_show()
    if request.method == "GET" or not request.form.get("confirm"):
        return render_template(
            "studio/confirm_delete_show.html",
            show=show,
            losses=show_trash.show_losses(session, show),
            days=show_trash.TRASH_DAYS,
        )
    show_trash.trash_show(session, show)
    session.commit()
    flash(
        f"Moved '{show.title}' to the trash: its pages, feeds, episodes and files are off the "
        f"site. You can restore it for {show_trash.TRASH_DAYS} days.",
        "info",
    )
    return redirect_303(url_for("studio.network_trash"))


def trash_entries() -> list[TrashEntry]:
    """The shows on the admins' Trash page."""
    return [
        TrashEntry(
            show.title,
            show.deleted_at,
            show_trash.purge_date(show),
            url_for("studio.restore_show", trashed_show_id=show.id),
            url_for("studio.purge_show", trashed_show_id=show.id),
            f"show-{show.id}",
        )  # fmt: skip
        for show in show_trash.list_trashed_shows(get_session())
    ]


@bp.post("/trash/shows/<int:trashed_show_id>/purge")
@admin_only
def purge_show(trashed_show_id: int) -> ResponseReturnValue:
    """Delete forever; the first post only asks. Files go after the commit."""
    session = get_session()
    show = _trashed_or_404(trashed_show_id)
    if not request.form.get("confirm"):
        return render_template(
            "studio/confirm_purge_show.html",
            show=show,
            losses=show_trash.show_losses(session, show),
        )
    title = show.title
    files = show_trash.purge_show(session, show, current_storage())
    message = f"Deleted '{title}' for good; its episodes' GUIDs stay retired."
    return finish_purge(files, message, url_for("studio.network_trash"))


@bp.post("/trash/shows/<int:trashed_show_id>/restore")
@admin_only
def restore_show(trashed_show_id: int) -> ResponseReturnValue:
    session = get_session()
    show = _trashed_or_404(trashed_show_id)
    show_trash.restore_show(session, show)
    session.commit()
    flash(f"Restored '{show.title}' with its pages, feeds and episodes as they were.", "info")
    return redirect_303(url_for("studio.edit_show", show_slug=show.slug))


def _trashed_or_404(show_id: int) -> Show:
    found = show_trash.get_trashed_show(get_session(), show_id)
    if found is None:
        abort(404, "The trash has no such show.")
    return found
