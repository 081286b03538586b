"""Admins manage people: invite hosts, assign their shows, deactivate them."""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.columns import utc_now
from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.mail import messages, this_app
from showapp.models import User
from showapp.services import accounts
from showapp.services.catalog import lookups
from showapp.studio import admin_only, bp, redirect_303, signed_in_user
from showapp.studio.forms import ActionForm, HostShowsForm, InviteForm, options


@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users() -> ResponseReturnValue:
    session = get_session()
    form = _invite_form()
    invite_link = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                user, token = accounts.invite_host(
                    session, form.email.data or "", form.name.data or "", form.shows.data or []
                )
            except ShowappError as error:
                session.rollback()
                flash(str(error), "error")
            else:
                _mail_invite(user, token)
                session.commit()
                invite_link = _invite_link(token)
                flash(f"Invited {user.email}: the one-time link below is on its way to them "
                      "by e-mail (see the outbox).", "info")  # fmt: skip
                status = 201
    return _users_page(form, invite_link, status)


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.shows.choices = options(
        (show.id, show.title) for show in lookups.list_shows(get_session())
    )
    return form


def _mail_invite(user: User, token: str) -> None:
    # Queued in this transaction: the mail leaves only if the invitation is stored.
    messages.queue_invite(this_app(), get_session(), user, token, utc_now())


def _invite_link(token: str) -> str:
    return str(current_app.config["BASE_URL"]) + url_for("studio.accept_invite", token=token)


def _users_page(form: InviteForm, invite_link: str | None, status: int) -> tuple[str, int]:
    page = render_template(
        "studio/users.html",
        users=accounts.list_users(get_session()),
        form=form,
        action_form=ActionForm(),
        invite_link=invite_link,
        me=signed_in_user(),
    )
    return page, status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int) -> ResponseReturnValue:
    session = get_session()
    user = _user_or_404(user_id)
    form = HostShowsForm(shows=[show.id for show in user.shows])
    form.shows.choices = options((show.id, show.title) for show in lookups.list_shows(session))
    if request.method == "POST":
        if not form.validate_on_submit():
            return _user_page(user, form, 400)
        accounts.set_host_shows(session, user, form.shows.data or [])
        session.commit()
        flash(f"Shows for {user.email} saved.", "info")
        return redirect_303(url_for("studio.edit_user", user_id=user.id))
    return _user_page(user, form, 200)


def _user_page(user: User, form: HostShowsForm, status: int) -> tuple[str, int]:
    page = render_template(
        "studio/user.html", user=user, form=form, action_form=ActionForm(), me=signed_in_user()
    )
    return page, status


@bp.post("/users/<int:user_id>/active")
@admin_only
def set_user_active(user_id: int) -> ResponseReturnValue:
    session = get_session()
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(session, user, active, signed_in_user())
    except ShowappError as error:
        session.rollback()
        flash(str(error), "error")
        # Refused like the invitation form: the people page, at 400, saying why.
        return _users_page(_invite_form(), None, 400)
    session.commit()
    flash(f"{user.email} is {'active' if active else 'deactivated'}.", "info")
    return redirect_303(url_for("studio.users"))


@bp.post("/users/<int:user_id>/invite")
@admin_only
def reinvite_user(user_id: int) -> ResponseReturnValue:
    session = get_session()
    user = _user_or_404(user_id)
    token = accounts.new_invite(session, user)
    _mail_invite(user, token)
    session.commit()
    form = HostShowsForm(shows=[show.id for show in user.shows])
    form.shows.choices = options((show.id, show.title) for show in lookups.list_shows(session))
    flash(f"New one-time link for {user.email}: {_invite_link(token)}", "info")
    return _user_page(user, form, 201)


def _user_or_404(user_id: int) -> User:
    user = accounts.get_user_with_shows(get_session(), user_id)
    if user is None:
        abort(404, "No such user.")
    return user
