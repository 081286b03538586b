"""Signing in and out, and accepting an invitation."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from showapp.db import get_session
from showapp.errors import InvalidInput
from showapp.security.sessions import limiter, sign_in, sign_out
from showapp.services import accounts
from showapp.studio import bp, public, redirect_303, signed_in_user
from showapp.studio.forms import ActionForm, LoginForm, SetPasswordForm

# Failed sign-ins only count against these limits; a correct password is never refused
# because of somebody else's attempts on another account from the same network.
PER_ACCOUNT = "5 per minute;20 per hour"
PER_ADDRESS = "30 per minute;100 per hour"
TOO_MANY = "Too many sign-in attempts"  # errors.py adds how long to wait


def _failed(response: BaseResponse) -> bool:
    return response.status_code == 401


def _email_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    PER_ACCOUNT, key_func=_email_key, deduct_when=_failed, methods=["POST"], error_message=TOO_MANY
)
@limiter.limit(PER_ADDRESS, deduct_when=_failed, methods=["POST"], error_message=TOO_MANY)
def login() -> BaseResponse | tuple[str, int] | str:
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("studio/login.html", form=form), status
    user = accounts.authenticate(get_session(), form.email.data or "", form.password.data or "")
    if user is None:
        flash("That e-mail and password do not match an active account.", "error")
        return render_template("studio/login.html", form=form), 401
    sign_in(user)
    return redirect_303(_safe_next(form.next.data))


def _safe_next(target: str | None) -> str:
    # Only paths inside the studio: an open redirect would make phishing links look like ours.
    if target and target.startswith("/studio/") and not target.startswith("//"):
        return target
    return url_for("studio.index")


@bp.post("/logout")
def logout() -> BaseResponse:
    # Every session of this account ends, so a cookie copied before now opens nothing.
    sign_out(signed_in_user())
    get_session().commit()
    flash("You are signed out.", "info")
    return redirect_303(url_for("studio.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invite(token: str) -> BaseResponse | tuple[str, int]:
    session_ = get_session()
    invite = accounts.find_invite(session_, token)
    if invite is None:
        abort(404, "This invitation link was already used or has expired; ask for a new one.")
    form = SetPasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("studio/accept_invite.html", form=form), status
    try:
        user = accounts.accept_invite(session_, token, form.password.data or "")
    except InvalidInput as error:
        flash(str(error), "error")
        return render_template("studio/accept_invite.html", form=form), 400
    session_.commit()
    sign_in(user)
    flash("Welcome! Your password is set.", "info")
    return redirect_303(url_for("studio.index"))


def logout_form() -> ActionForm:
    return ActionForm()
