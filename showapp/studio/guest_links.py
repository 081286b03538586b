"""Mentor and sponsor links on a guest's studio page (admins, as guests are network-wide)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.services.advice import guest_links
from showapp.studio import admin_only, bp, redirect_303
from showapp.studio.guests_topics import GUESTS, guest_page


@bp.post("/guests/<guest_slug>/links")
@admin_only
def add_guest_link(guest_slug: str) -> ResponseReturnValue:
    guest = GUESTS.row_or_404(guest_slug)
    session = get_session()
    form = request.form
    try:
        guest_links.add_link(session, guest, relation=form.get("relation", ""),
                             other=form.get("other", ""), note=form.get("note", ""))  # fmt: skip
        session.commit()
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was stored: {error}", "error")
        return guest_page(GUESTS.row_or_404(guest_slug), 400)
    flash("Link recorded.", "info")
    return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug) + "#links-heading")


@bp.post("/guests/<guest_slug>/links/<int:link_id>/delete")
@admin_only
def delete_guest_link(guest_slug: str, link_id: int) -> ResponseReturnValue:
    guest = GUESTS.row_or_404(guest_slug)
    session = get_session()
    if not guest_links.remove_link(session, guest, link_id):
        abort(404, "This guest has no such link.")
    session.commit()
    flash("Link removed.", "info")
    return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug) + "#links-heading")
