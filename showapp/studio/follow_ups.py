"""A show's follow-ups: notes to go back to a guest or a piece of advice on a date.

The page is prefilled from ?guest= and ?advice= (the advice tab's and the guest page's "Set a
follow-up" links). Bad input re-renders the form with the message and a 400; nothing is stored.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue

from showapp.db import get_session
from showapp.errors import ShowappError
from showapp.models import FollowUp
from showapp.services.advice import follow_ups
from showapp.studio import bp, current_show, redirect_303, signed_in_user

FIELDS = ("note", "due_on", "quick", "guest_id", "advice_id")


@bp.route("/shows/<show_slug>/follow-ups", methods=["GET", "POST"], endpoint="follow_ups")
def follow_ups_page(show_slug: str) -> ResponseReturnValue:
    if request.method == "GET":
        prefill = {"guest_id": request.args.get("guest", ""),
                   "advice_id": request.args.get("advice", "")}  # fmt: skip
        return _page(prefill, 200)
    typed = {name: request.form.get(name, "") for name in FIELDS}
    session = get_session()
    try:
        added = follow_ups.add_follow_up(session, current_show(), signed_in_user(), **typed)
        session.commit()
    except ShowappError as error:
        session.rollback()
        flash(f"Nothing was stored: {error}", "error")
        return _page(typed, 400)
    flash(f"Follow-up set for {added.due_on:%-d %B %Y}.", "info")
    return redirect_303(url_for("studio.follow_ups", show_slug=current_show().slug))


@bp.post("/shows/<show_slug>/follow-ups/<int:follow_up_id>/done")
def finish_follow_up(show_slug: str, follow_up_id: int) -> ResponseReturnValue:
    session = get_session()
    follow_ups.mark_done(session, _follow_up_or_404(follow_up_id))
    session.commit()
    flash("Marked done.", "info")
    return redirect_303(url_for("studio.follow_ups", show_slug=current_show().slug))


@bp.post("/shows/<show_slug>/follow-ups/<int:follow_up_id>/delete")
def delete_follow_up(show_slug: str, follow_up_id: int) -> ResponseReturnValue:
    session = get_session()
    follow_ups.delete_follow_up(session, _follow_up_or_404(follow_up_id))
    session.commit()
    flash("Deleted the follow-up.", "info")
    return redirect_303(url_for("studio.follow_ups", show_slug=current_show().slug))


def _follow_up_or_404(follow_up_id: int) -> FollowUp:
    found = follow_ups.get_follow_up(get_session(), current_show(), follow_up_id)
    if found is None:
        abort(404, "This show has no such follow-up.")
    return found


def _page(form: dict[str, str], status: int) -> tuple[str, int]:
    session, show = get_session(), current_show()
    page = render_template(
        "studio/follow_ups.html", show=show, form=form,
        rows=follow_ups.list_follow_ups(session, show),
        guests=follow_ups.guest_choices(session, show),
        advice=follow_ups.advice_choices(session, show),
        today=follow_ups.show_today(show), quick=follow_ups.QUICK_MONTHS,
        max_note=follow_ups.MAX_NOTE,
    )  # fmt: skip
    return page, status
