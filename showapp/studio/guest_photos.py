"""A guest's photo: uploaded on their studio page, cropped to a square, sizes made once."""

from __future__ import annotations

from flask import flash, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.services import images
from showapp.storage import current_storage
from showapp.studio import admin_only, bp, redirect_303
from showapp.studio.guests_topics import GUESTS, guest_page


@bp.post("/guests/<guest_slug>/photo")
@admin_only
def upload_guest_photo(guest_slug: str) -> ResponseReturnValue:
    guest = GUESTS.row_or_404(guest_slug)
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        flash("Choose a photo to upload (JPEG, PNG or WebP).", "error")
        return guest_page(guest, 400)
    storage = current_storage()
    try:
        stored = images.store_photo(storage, "guests", guest.slug, upload.stream)
    except ShowappError as error:
        flash(f"Nothing was changed: {error}", "error")
        return guest_page(guest, 400)
    previous, guest.photo = guest.photo, stored
    try:
        get_session().commit()
    except BaseException:
        images.delete_files(storage, images.photo_names(stored))
        raise
    # The old files go only once the new photo is committed.
    images.delete_files(storage, images.photo_names(previous))
    flash(f"Saved {guest.name}'s photo.", "info")
    return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug))


@bp.post("/guests/<guest_slug>/photo/delete")
@admin_only
def delete_guest_photo(guest_slug: str) -> ResponseReturnValue:
    guest = GUESTS.row_or_404(guest_slug)
    previous, guest.photo = guest.photo, None
    get_session().commit()
    images.delete_files(current_storage(), images.photo_names(previous))
    flash(f"Removed {guest.name}'s photo.", "info")
    return redirect_303(url_for("studio.edit_guest", guest_slug=guest.slug))
