"""Deleting guests, for admins: the confirmation page, the network's Trash page, restoring
and purging.

Deleting moves a guest to the trash (services/catalog/guest_trash.py): their page, feed and
credits leave every public place at once, the episodes stay. Admins restore them from
/studio/trash for TRASH_DAYS, after which `showapp trash purge` removes them for good; "Delete
forever" does so at once. As with episodes, each destructive step is asked for twice.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.models import Guest
from showapp.services.catalog import guest_trash, guests_topics, trash
from showapp.studio import admin_only, bp, redirect_303
from showapp.studio.show_trash import trash_entries as show_entries
from showapp.studio.trash import TrashEntry, finish_purge


@bp.route("/guests/<guest_slug>/delete", methods=["GET", "POST"])
@admin_only
def delete_guest(guest_slug: str) -> ResponseReturnValue:
    """Move the guest to the trash; GET (or a post without ``confirm``) only asks."""
    session = get_session()
    guest = guests_topics.get_guest(session, guest_slug)
    if guest is None:
        abort(404, "No guest has this address.")
    if request.method == "GET" or not request.form.get("confirm"):
        return render_template(
            "studio/confirm_delete_guest.html",
            guest=guest,
            losses=guest_trash.guest_losses(session, guest),
            days=trash.TRASH_DAYS,
        )
    guest_trash.trash_guest(session, guest)
    session.commit()
    flash(
        f"Moved {guest.name} to the trash: their page, feed and credits are off the site and "
        f"the feeds. You can restore them for {trash.TRASH_DAYS} days.",
        "info",
    )
    return redirect_303(url_for("studio.list_guests"))


@bp.get("/trash")
@admin_only
def network_trash() -> ResponseReturnValue:
    guests = guest_trash.list_trashed_guests(get_session())
    entries = [
        TrashEntry(
            guest.name,
            guest.deleted_at,
            guest_trash.purge_date(guest),
            url_for("studio.restore_guest", trashed_guest_id=guest.id),
            url_for("studio.purge_guest", trashed_guest_id=guest.id),
            f"guest-{guest.id}",
        )  # fmt: skip
        for guest in guests
    ]
    return render_template(
        "studio/network_trash.html",
        entries=entries,
        show_entries=show_entries(),
        days=trash.TRASH_DAYS,
    )


@bp.post("/trash/guests/<int:trashed_guest_id>/purge")
@admin_only
def purge_guest(trashed_guest_id: int) -> ResponseReturnValue:
    """Delete forever; the first post only asks. The photo goes after the commit."""
    session = get_session()
    guest = _trashed_or_404(trashed_guest_id)
    if not request.form.get("confirm"):
        return render_template(
            "studio/confirm_purge_guest.html",
            guest=guest,
            losses=guest_trash.guest_losses(session, guest),
        )
    name = guest.name
    files = guest_trash.purge_guest(session, guest)
    message = f"Deleted {name} for good; their episodes stay."
    return finish_purge(files, message, url_for("studio.network_trash"))


@bp.post("/trash/guests/<int:trashed_guest_id>/restore")
@admin_only
def restore_guest(trashed_guest_id: int) -> ResponseReturnValue:
    session = get_session()
    guest = _trashed_or_404(trashed_guest_id)
    guest_trash.restore_guest(session, guest)
    session.commit()
    flash(f"Restored {guest.name} with their page, feed and every credit.", "info")
    return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug))


def _trashed_or_404(guest_id: int) -> Guest:
    found = guest_trash.get_trashed_guest(get_session(), guest_id)
    if found is None:
        abort(404, "The trash has no such guest.")
    return found
