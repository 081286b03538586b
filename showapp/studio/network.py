"""The network's name, logo and colour, which admins set for the whole site."""

from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.services import images, network
from showapp.storage import current_storage
from showapp.studio import admin_only, bp, redirect_303
from showapp.studio.forms import NetworkForm


@bp.route("/network", methods=["GET", "POST"])
@admin_only
def edit_network() -> ResponseReturnValue:
    session = get_session()
    stored_row = network.stored(session)  # read only: a GET adds no row
    form = NetworkForm(obj=stored_row)
    logo = stored_row.logo if stored_row is not None else None
    if not form.validate_on_submit():
        return _page(form, logo, 400 if request.method == "POST" else 200)
    row = network.settings_row(session)
    storage = current_storage()
    upload = request.files.get("logo")
    previous, stored = row.logo, None
    try:
        network.update(session, form.name.data or "", form.color.data or "")
        if upload is not None and upload.filename:
            stored = images.store_logo(storage, upload.stream)
        if stored or form.remove_logo.data:
            row.logo = stored
        session.commit()
    except ShowappError as error:
        session.rollback()
        images.delete_files(storage, [stored] if stored else [])
        flash(f"Nothing was changed: {error}", "error")
        return _page(form, previous, 400)
    except BaseException:
        images.delete_files(storage, [stored] if stored else [])
        raise
    if previous and previous != row.logo:  # only once the new settings are committed
        images.delete_files(storage, [previous])
    flash("Network settings saved.", "info")
    return redirect_303(url_for("studio.edit_network"))


def _page(form: NetworkForm, logo: str | None, status: int) -> tuple[str, int]:
    page = render_template(
        "studio/network.html",
        form=form,
        logo=logo,
        default_name=current_app.config["SITE_TITLE"],
    )
    return page, status
